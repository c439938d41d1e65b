package io.raftkv.server.cluster;

import io.raftkv.server.CommandHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our cluster face against the bytes a real one-shard Redis Cluster sent (redis-7.0.15-one-shard.txt). The view
 * mirrors that cluster: members 1..3 at 127.0.0.1:27001..27003 (bus 37001..37003), member 1 leads, seen from member 2
 * as the capture was taken from B. Redis's node ids are renamed to ours; what Redis measures and we do not track
 * (bus ping/pong clocks, per-type bus message counters, replication offsets, epochs: ours is the Raft term) is
 * zeroed on both sides. Everything else must be byte-identical.
 */
class ClusterGoldenTest {

    private static final Map<String, String> GOLDEN = load();
    private static final String[][] IDS = {
            {"bf0bb03c6f8a66d63b2e038942837602576e1cf3", member(1).nodeId()},
            {"07a709aec77b55a291cc35fbae37006551fe7f14", member(2).nodeId()},
            {"80203d23260d45f4142fc0f66edb35c0e639aee6", member(3).nodeId()}};

    private final CommandHarness h = new CommandHarness();

    @AfterEach
    void close() {
        h.close();
    }

    private static ClusterMember member(int i) {
        return new ClusterMember(i, "127.0.0.1", 27000 + i, 37000 + i);
    }

    private void healthyFromB() {
        h.server.cluster(new FixedClusterView(member(2), List.of(member(1), member(2), member(3)), 1, 0, Set.of()));
    }

    @Test
    void slotsAndMyid() {
        healthyFromB();
        assertEquals(renamed(golden("healthy 27002 CLUSTER SLOTS")), h.send("CLUSTER", "SLOTS"));
        assertEquals(renamed(golden("healthy 27002 CLUSTER MYID")), h.send("CLUSTER", "MYID"));
    }

    @Test
    void shards() {
        healthyFromB();
        assertEquals(zeroOffsets(renamed(golden("healthy 27002 CLUSTER SHARDS"))), zeroOffsets(h.send("CLUSTER", "SHARDS")));
    }

    @Test
    void nodes() {
        healthyFromB();
        assertEquals(normalizedNodes(renamed(golden("healthy 27002 CLUSTER NODES"))), normalizedNodes(h.send("CLUSTER", "NODES")));
    }

    @Test
    void info() {
        healthyFromB();
        assertEquals(normalizedInfo(golden("healthy 27002 CLUSTER INFO")), normalizedInfo(h.send("CLUSTER", "INFO")));
    }

    @Test
    void helloAndInfoSection() {
        healthyFromB();
        String clientId = "\\$2\r\nid\r\n:\\d+\r\n";
        assertEquals(golden("healthy 27002 HELLO 2").replaceAll(clientId, "ID"), h.send("HELLO", "2").replaceAll(clientId, "ID"));
        assertEquals(golden("healthy 27003 INFO cluster"), h.send("INFO", "cluster"));
    }

    @Test
    void redirects() {
        assertEquals(golden("healthy 27002 GET foo"),
                CommandHarness.resp(Redirect.moved(KeySlot.of("foo".getBytes(StandardCharsets.UTF_8)), member(1))));
        assertEquals(golden("down 27002 GET foo"), CommandHarness.resp(Redirect.CLUSTERDOWN));
    }

    @Test
    void standalone() {
        int n = 0;
        for (Map.Entry<String, String> e : GOLDEN.entrySet()) {
            if (e.getKey().startsWith("standalone ")) {
                String[] argv = e.getKey().substring("standalone 27010 ".length()).split(" ");
                assertEquals(e.getValue(), h.send(argv), e.getKey());
                n++;
            }
        }
        assertEquals(12, n);
    }

    @Test
    void keyslots() {
        int n = 0;
        for (Map.Entry<String, String> e : GOLDEN.entrySet()) {
            String prefix = "keyslot 27003 CLUSTER KEYSLOT ";
            if (e.getKey().startsWith(prefix)) {
                String key = e.getKey().substring(prefix.length());
                assertEquals(e.getValue(), ":" + KeySlot.of(key.getBytes(StandardCharsets.UTF_8)) + "\r\n", key);
                n++;
            }
        }
        assertTrue(n > 15);
    }

    private static String golden(String label) {
        String v = GOLDEN.get(label);
        assertFalse(v == null, "no capture labelled '" + label + "'");
        return v;
    }

    private static String renamed(String resp) {
        for (String[] id : IDS) {
            resp = resp.replace(id[0], id[1]);
        }
        return resp;
    }

    private static String zeroOffsets(String resp) {
        return resp.replaceAll("replication-offset\r\n:\\d+\r\n", "replication-offset\r\n:0\r\n");
    }

    /** Lines sorted (Redis lists nodes in hash table order), ping-sent, pong-recv and config epoch zeroed. */
    private static String normalizedNodes(String resp) {
        String[] lines = bulkText(resp).split("\n");
        for (int i = 0; i < lines.length; i++) {
            String[] f = lines[i].split(" ");
            f[4] = "0";
            f[5] = "0";
            f[6] = "0";
            lines[i] = String.join(" ", f);
        }
        Arrays.sort(lines);
        return String.join("\n", lines) + "\n";
    }

    /** Per-type bus message counters dropped, totals and epochs zeroed. */
    private static String normalizedInfo(String resp) {
        StringBuilder sb = new StringBuilder();
        for (String line : bulkText(resp).split("\r\n")) {
            if (line.matches("cluster_stats_messages_[a-z]+_(sent|received):\\d+")) {
                continue;
            }
            if (line.matches("cluster_(stats_messages_sent|stats_messages_received|current_epoch|my_epoch):\\d+")) {
                line = line.substring(0, line.indexOf(':') + 1) + "0";
            }
            sb.append(line).append("\r\n");
        }
        return sb.toString();
    }

    private static String bulkText(String resp) {
        assertTrue(resp.startsWith("$"), resp);
        int start = resp.indexOf("\r\n") + 2;
        int len = Integer.parseInt(resp.substring(1, start - 2));
        assertEquals(start + len + 2, resp.getBytes(StandardCharsets.UTF_8).length, "bulk length of " + resp);
        return resp.substring(start, start + len);
    }

    private static Map<String, String> load() {
        try (InputStream in = ClusterGoldenTest.class.getResourceAsStream("redis-7.0.15-one-shard.txt")) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1);
            Map<String, String> out = new LinkedHashMap<>();
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].startsWith("== ")) {
                    out.put(lines[i].substring(3), unescape(lines[++i]));
                }
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'r' -> sb.append('\r');
                case 'n' -> sb.append('\n');
                case '\\' -> sb.append('\\');
                default -> throw new IllegalStateException("unknown escape \\" + e + " in " + s);
            }
        }
        return sb.toString();
    }
}
