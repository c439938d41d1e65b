package io.raftkv.compat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Jedis against a real server process: the commands of the foundation issue, pipelining and concurrency. */
class JedisCompatTest {

    private static ServerProcess server;

    @BeforeAll
    static void start() throws Exception {
        server = new ServerProcess(ServerProcess.tempDir("raftkv-jedis")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
    }

    private static Jedis connect() {
        return new Jedis("127.0.0.1", server.port());
    }

    @Test
    void handshakeAndBasicsProduceNoErrorReplies() {
        try (Jedis j = connect()) {
            long errorsBefore = errorReplies(j);
            try (Jedis other = connect()) {
                assertEquals("PONG", other.ping());
                other.clientSetname("compat");
                assertEquals("compat", other.clientGetname());
            }
            assertEquals(errorsBefore, errorReplies(j), "connecting Jedis produced error replies");
        }
    }

    private static long errorReplies(Jedis j) {
        for (String line : j.info("stats").split("\r\n")) {
            if (line.startsWith("total_error_replies:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1));
            }
        }
        throw new AssertionError("no total_error_replies in INFO stats");
    }

    @Test
    void strings() {
        try (Jedis j = connect()) {
            assertEquals("OK", j.set("s:a", "1"));
            assertEquals("1", j.get("s:a"));
            assertEquals(2L, j.incr("s:a"));
            assertEquals(12L, j.incrBy("s:a", 10));
            assertEquals(12.5, j.incrByFloat("s:a", 0.5));
            assertNull(j.get("s:missing"));
            assertEquals("OK", j.set("s:b", "v", SetParams.setParams().ex(100)));
            long ttl = j.ttl("s:b");
            assertTrue(ttl > 90 && ttl <= 100, "ttl " + ttl);
            assertEquals("OK", j.mset("s:c", "3", "s:d", "4"));
            assertEquals(List.of("3", "4"), j.mget("s:c", "s:d"));
            assertEquals(5L, j.append("s:c", "abcd"));
            assertEquals("3abcd", j.get("s:c"));
            assertEquals("abc", j.getrange("s:c", 1, 3));
            assertEquals("3abcd", j.getDel("s:c"));
            byte[] binary = {0, 1, 2, (byte) 0xff, '\r', '\n'};
            j.set("s:bin".getBytes(), binary);
            assertArrayEquals(binary, j.get("s:bin".getBytes()));
            JedisDataException e = assertThrows(JedisDataException.class, () -> j.incrBy("s:bin", 1));
            assertEquals("ERR value is not an integer or out of range", e.getMessage());
        }
    }

    @Test
    void keyspace() {
        try (Jedis j = connect()) {
            for (int i = 0; i < 200; i++) {
                j.set("k:scan:" + i, Integer.toString(i));
            }
            Set<String> seen = new HashSet<>();
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> r = j.scan(cursor, new ScanParams().match("k:scan:*").count(17));
                seen.addAll(r.getResult());
                cursor = r.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
            assertEquals(200, seen.size());
            assertEquals(200, j.keys("k:scan:*").size());
            assertEquals(1L, j.expire("k:scan:1", 100));
            assertTrue(j.pttl("k:scan:1") > 0);
            assertEquals(1L, j.persist("k:scan:1"));
            assertEquals(-1L, j.ttl("k:scan:1"));
            assertEquals("string", j.type("k:scan:2"));
            assertEquals("OK", j.rename("k:scan:2", "k:renamed"));
            assertEquals(2L, j.exists("k:renamed", "k:scan:3"));
            assertEquals(2L, j.del("k:renamed", "k:scan:3"));
            assertTrue(j.dbSize() >= 198);
        }
    }

    @Test
    void pipelinedRepliesComeBackInOrderAndReadsSeeEarlierWrites() {
        try (Jedis j = connect()) {
            Pipeline p = j.pipelined();
            List<Response<String>> gets = new ArrayList<>();
            List<Response<Long>> incrs = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                p.set("p:" + i, "v" + i);
                gets.add(p.get("p:" + i));
                incrs.add(p.incr("p:counter"));
            }
            p.sync();
            for (int i = 0; i < 2000; i++) {
                assertEquals("v" + i, gets.get(i).get());
                assertEquals(i + 1L, incrs.get(i).get());
            }
        }
    }

    @Test
    void concurrentIncrementsAreNotLost() throws Exception {
        int threads = 8;
        int each = 300;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                fs.add(pool.submit(() -> {
                    try (Jedis j = connect()) {
                        for (int i = 0; i < each; i++) {
                            j.incr("c:shared");
                        }
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        try (Jedis j = connect()) {
            assertEquals(Integer.toString(threads * each), j.get("c:shared"));
        }
    }

    @Test
    void persistsAcrossCleanRestart() throws Exception {
        Path dir = ServerProcess.tempDir("raftkv-restart");
        ServerProcess s = new ServerProcess(dir).start();
        try (Jedis j = new Jedis("127.0.0.1", s.port())) {
            j.set("r:a", "1");
            j.set("r:b", "2", SetParams.setParams().ex(1000));
            j.del("r:a");
        }
        s.stop();
        s.start();
        try (Jedis j = new Jedis("127.0.0.1", s.port())) {
            assertNull(j.get("r:a"));
            assertEquals("2", j.get("r:b"));
            assertTrue(j.ttl("r:b") > 900);
        } finally {
            s.stop();
        }
    }
}
