package io.raftkv.compat;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.exceptions.JedisDataException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Values far larger than one entry of the key space's maps (they are kept out of line) in a 3-node cluster of real
 * processes, written through JedisCluster and redis-cli, read back after a leader is killed and after every node is
 * restarted (the key space is rebuilt from each log).
 */
class LargeValueCompatTest {

    private static final int[] SIZES = {1 << 10, 1 << 20, 15 << 20};

    @Test
    void largeValuesSurviveALeaderKillAndAFullRestart() throws Exception {
        Random random = new Random(7);
        Map<String, byte[]> values = new LinkedHashMap<>();
        for (int size : SIZES) {
            byte[] v = new byte[size];
            random.nextBytes(v);
            values.put("big:" + size, v);
        }
        try (ClusterProcesses c = new ClusterProcesses(3).start()) {
            try (JedisCluster jc = cluster(c)) {
                for (Map.Entry<String, byte[]> e : values.entrySet()) {
                    assertEquals("OK", set(jc, e.getKey(), e.getValue()), e.getKey());
                }
                JedisDataException tooLarge = assertThrows(JedisDataException.class,
                        () -> jc.set(bytes("too-big"), new byte[17 << 20]));
                assertTrue(tooLarge.getMessage().startsWith("ERR command too large for the log"), tooLarge.getMessage());
            }
            // redis-cli -x reads the last argument from standard input (a 1 MiB argument would not fit on a command line)
            byte[] cliValue = new byte[1 << 20];
            random.nextBytes(cliValue);
            Path file = ServerProcess.tempDir("raftkv-large").resolve("value");
            Files.write(file, cliValue);
            Process p = new ProcessBuilder("redis-cli", "-c", "-p", Integer.toString(c.nodes.get(0).port()), "-x",
                    "SET", "cli:big").redirectInput(file.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals("OK\n", out);
            values.put("cli:big", cliValue);
            assertAll(c, values, "after the writes");

            int leader = c.awaitLeader();
            c.nodes.get(leader).kill9();
            int next = c.awaitLeader();
            assertTrue(next != leader);
            assertAll(c, values, "after the leader was killed");
            c.nodes.get(leader).start();

            for (ServerProcess n : c.nodes) {
                n.stop();
            }
            for (ServerProcess n : c.nodes) {
                n.start();
            }
            c.awaitLeader();
            assertAll(c, values, "after every node restarted");
        }
    }

    /**
     * SET, again if the answer says the outcome is unknown because leadership moved before the entry committed (what
     * a client should do with that answer; SET is idempotent). A follower busy writing a 15 MiB entry can miss
     * heartbeats for long enough that the leader steps down: replication does not yet cut large entries into chunks.
     */
    private static String set(JedisCluster jc, String key, byte[] value) {
        for (int attempt = 1; ; attempt++) {
            try {
                return jc.set(bytes(key), value);
            } catch (JedisDataException e) {
                if (attempt == 5 || !e.getMessage().contains("lost in a leader change")) {
                    throw e;
                }
            }
        }
    }

    private static void assertAll(ClusterProcesses c, Map<String, byte[]> values, String when) {
        try (JedisCluster jc = cluster(c)) {
            for (Map.Entry<String, byte[]> e : values.entrySet()) {
                assertArrayEquals(e.getValue(), jc.get(bytes(e.getKey())), e.getKey() + " " + when);
                assertEquals(e.getValue().length, jc.strlen(e.getKey()), e.getKey() + " " + when);
            }
        }
    }

    private static JedisCluster cluster(ClusterProcesses c) {
        Set<HostAndPort> seeds = new HashSet<>();
        for (ServerProcess n : c.nodes) {
            if (n.isAlive()) {
                seeds.add(new HostAndPort("127.0.0.1", n.port()));
            }
        }
        // A 15 MiB value takes longer than Jedis's default 2 s timeout on a busy 2-core machine.
        return new JedisCluster(seeds, 30_000, 30_000, 5, null, null, new org.apache.commons.pool2.impl.GenericObjectPoolConfig<>());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
