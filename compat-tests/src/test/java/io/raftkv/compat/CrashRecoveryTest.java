package io.raftkv.compat;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 during a write load: every write the server acknowledged must be there after restart. Writers record
 * what was acknowledged (SET key value got OK; INCR returned n); after SIGKILL and restart on the same folder each
 * acknowledged key must hold its value (or, for keys written again later, a later one) and the counter must be at
 * least the highest acknowledged INCR.
 */
class CrashRecoveryTest {

    @Test
    void acknowledgedWritesSurviveKill9() throws Exception {
        Path dir = ServerProcess.tempDir("raftkv-crash");
        ServerProcess server = new ServerProcess(dir).start();
        int writers = 4;
        Map<String, Long> acked = new ConcurrentHashMap<>();
        AtomicLong maxCounter = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch enough = new CountDownLatch(writers);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            Thread t = new Thread(() -> {
                long i = 0;
                boolean counted = false;
                try (Jedis j = new Jedis("127.0.0.1", server.port())) {
                    while (!stop.get()) {
                        String key = "crash:" + id + ":" + (i % 500);
                        if ("OK".equals(j.set(key, Long.toString(i)))) {
                            acked.put(key, i);
                        }
                        long n = j.incr("crash:counter");
                        maxCounter.accumulateAndGet(n, Math::max);
                        i++;
                        if (i == 300 && !counted) {
                            counted = true;
                            enough.countDown();
                        }
                    }
                } catch (JedisException expectedWhenKilled) {
                    // the connection dies with the server
                } finally {
                    if (!counted) {
                        enough.countDown();
                    }
                }
            }, "writer-" + w);
            threads.add(t);
            t.start();
        }
        assertTrue(enough.await(120, TimeUnit.SECONDS), "writers did not get going");
        server.kill9();
        stop.set(true);
        for (Thread t : threads) {
            t.join(30_000);
        }
        assertTrue(acked.size() > 100, "too few acknowledged writes to mean anything: " + acked.size());

        server.start();
        try (Jedis j = new Jedis("127.0.0.1", server.port())) {
            List<String> lost = new ArrayList<>();
            for (Map.Entry<String, Long> e : acked.entrySet()) {
                String v = j.get(e.getKey());
                if (v == null || Long.parseLong(v) < e.getValue()) {
                    lost.add(e.getKey() + " acked " + e.getValue() + " found " + v);
                }
            }
            assertEquals(List.of(), lost, "acknowledged writes lost after kill -9");
            long counter = Long.parseLong(j.get("crash:counter"));
            assertTrue(counter >= maxCounter.get(), "counter " + counter + " < acknowledged " + maxCounter.get());
        } finally {
            server.stop();
        }
    }
}
