package io.raftkv.compat;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.exceptions.JedisException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 3-node cluster of real processes used through cluster clients: JedisCluster and redis-cli -c through any node;
 * kill -9 of the leader under a write load loses no acknowledged write; the old leader catches up after restart;
 * a full-cluster kill -9 and restart keeps every acknowledged write.
 */
class ClusterCompatTest {

    private static Set<HostAndPort> seeds(ClusterProcesses c) {
        Set<HostAndPort> s = new HashSet<>();
        for (ServerProcess n : c.nodes) {
            s.add(new HostAndPort("127.0.0.1", n.port()));
        }
        return s;
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " hung");
        return out;
    }

    @Test
    void clusterClientsReadAndWriteThroughAnyNode() throws Exception {
        try (ClusterProcesses c = new ClusterProcesses(3).start()) {
            for (ServerProcess n : c.nodes) {
                String port = Integer.toString(n.port());
                assertEquals("OK\n", run("redis-cli", "-c", "-p", port, "SET", "cli:" + port, "v" + port));
            }
            for (ServerProcess n : c.nodes) {
                for (ServerProcess m : c.nodes) {
                    assertEquals("v" + m.port() + "\n",
                            run("redis-cli", "-c", "-p", Integer.toString(n.port()), "GET", "cli:" + m.port()));
                }
            }
            try (JedisCluster jc = new JedisCluster(seeds(c))) {
                for (int i = 0; i < 200; i++) {
                    jc.set("jc:" + i, Integer.toString(i));
                }
                for (int i = 0; i < 200; i++) {
                    assertEquals(Integer.toString(i), jc.get("jc:" + i));
                }
                assertEquals(5L, jc.incrBy("jc:counter", 5));
            }
            // A follower redirects a plain client, and serves linearizable reads after READONLY.
            int leader = c.awaitLeader();
            ServerProcess follower = c.nodes.get((leader + 1) % 3);
            try (Jedis j = new Jedis("127.0.0.1", follower.port())) {
                JedisException moved = org.junit.jupiter.api.Assertions.assertThrows(JedisException.class,
                        () -> j.set("jc:1", "x"));
                assertTrue(moved.getMessage().contains("MOVED"), moved.getMessage());
                j.readonly();
                assertEquals("1", j.get("jc:1"), "READONLY read on a follower sees the committed write");
            }
            // CLUSTER FAILOVER on a follower hands it the leadership (Raft leadership transfer).
            try (Jedis j = new Jedis("127.0.0.1", follower.port())) {
                assertEquals("OK", j.clusterFailover());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int followerIndex = c.nodes.indexOf(follower);
            while (c.awaitLeader() != followerIndex && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(followerIndex, c.awaitLeader(), "the follower that asked leads now");
            try (JedisCluster jc = new JedisCluster(seeds(c))) {
                assertEquals("199", jc.get("jc:199"), "data survives the handover");
            }
        }
    }

    @Test
    void killingTheLeaderUnderLoadLosesNoAcknowledgedWrite() throws Exception {
        try (ClusterProcesses c = new ClusterProcesses(3).start()) {
            Map<String, Long> acked = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger errors = new AtomicInteger();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                int id = w;
                Thread t = new Thread(() -> {
                    try (JedisCluster jc = new JedisCluster(seeds(c))) {
                        long i = 0;
                        while (!stop.get()) {
                            String key = "load:" + id + ":" + (i % 300);
                            try {
                                if ("OK".equals(jc.set(key, Long.toString(i)))) {
                                    acked.merge(key, i, Math::max);
                                }
                            } catch (JedisException e) {
                                errors.incrementAndGet(); // in flight when the leader died: outcome unknown
                            }
                            i++;
                        }
                    }
                }, "writer-" + w);
                writers.add(t);
                t.start();
            }
            waitForAcks(acked, 300);
            int oldLeader = c.awaitLeader();
            c.nodes.get(oldLeader).kill9();
            int before = acked.size();
            int newLeader = c.awaitLeader();
            assertTrue(newLeader != oldLeader);
            waitForAcks(acked, before + 300); // the new leader serves writes
            stop.set(true);
            for (Thread t : writers) {
                t.join(60_000);
            }
            try (JedisCluster jc = new JedisCluster(seeds(c))) {
                List<String> lost = new ArrayList<>();
                for (Map.Entry<String, Long> e : acked.entrySet()) {
                    String v = jc.get(e.getKey());
                    if (v == null || Long.parseLong(v) < e.getValue()) {
                        lost.add(e.getKey() + " acked " + e.getValue() + " found " + v);
                    }
                }
                assertEquals(List.of(), lost, "acknowledged writes lost after killing the leader");
            }
            // The old leader comes back and catches up with the log.
            c.nodes.get(oldLeader).start();
            long commit = c.raftField(c.awaitLeader(), "raft_commit_index");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.raftField(oldLeader, "raft_applied_index") < commit && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(c.raftField(oldLeader, "raft_applied_index") >= commit, "the restarted node did not catch up");
            try (Jedis j = new Jedis("127.0.0.1", c.nodes.get(oldLeader).port())) {
                j.readonly();
                String someKey = acked.keySet().iterator().next();
                assertTrue(Long.parseLong(j.get(someKey)) >= acked.get(someKey));
            }
        }
    }

    private static void waitForAcks(Map<String, Long> acked, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (acked.size() < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(acked.size() >= atLeast, "writes did not make progress: " + acked.size() + " < " + atLeast);
    }

    @Test
    void killingEveryNodeAndRestartingKeepsEveryAcknowledgedWrite() throws Exception {
        try (ClusterProcesses c = new ClusterProcesses(3).start()) {
            Map<String, String> acked = new ConcurrentHashMap<>();
            try (JedisCluster jc = new JedisCluster(seeds(c))) {
                for (int i = 0; i < 500; i++) {
                    String k = "all:" + i;
                    if ("OK".equals(jc.set(k, "v" + i))) {
                        acked.put(k, "v" + i);
                    }
                }
            }
            for (ServerProcess n : c.nodes) {
                n.kill9();
            }
            for (ServerProcess n : c.nodes) {
                n.start();
            }
            c.awaitLeader();
            try (JedisCluster jc = new JedisCluster(seeds(c))) {
                for (Map.Entry<String, String> e : acked.entrySet()) {
                    assertEquals(e.getValue(), jc.get(e.getKey()), e.getKey());
                }
                assertEquals(500, acked.size());
            }
        }
    }
}
