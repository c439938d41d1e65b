package io.raftkv.server.cluster;

import io.raftkv.server.CommandHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CLUSTER, READONLY and READWRITE through the real pipeline, for a three-voter group on 127.0.0.1:7001..7003 (bus
 * ports 17001..17003) in term 5. Layouts follow redis-server 7.0.15's (redis-7.0.15-one-shard.txt;
 * {@link ClusterGoldenTest} compares byte for byte).
 */
class ClusterCommandsTest {

    private static final String ID1 = "b27bffba67032ae66fca1fbdd529d6c5cba933fa";
    private static final String ID2 = "91d7c8009957d95f1730f482b70cddd4c8c4ed52";
    private static final String ID3 = "3e3d4b57aa07a970d0e0cd55513c58f615bba399";
    private static final String DISABLED = "-ERR This instance has cluster support disabled\r\n";

    private final CommandHarness h = new CommandHarness();

    @AfterEach
    void close() {
        h.close();
    }

    private void view(long self, long leader) {
        h.server.cluster(FixedClusterView.of("127.0.0.1", 7000, 3, self, leader, 5));
    }

    private static String bulk(String s) {
        return "$" + s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + "\r\n" + s + "\r\n";
    }

    private static String slotsNode(int port, String id) {
        return "*4\r\n" + bulk("127.0.0.1") + ":" + port + "\r\n" + bulk(id) + "*0\r\n";
    }

    private static String shardNode(String id, int port, String role, long offset, String health) {
        return "*14\r\n" + bulk("id") + bulk(id) + bulk("port") + ":" + port + "\r\n" + bulk("ip") + bulk("127.0.0.1")
                + bulk("endpoint") + bulk("127.0.0.1") + bulk("role") + bulk(role)
                + bulk("replication-offset") + ":" + offset + "\r\n" + bulk("health") + bulk(health);
    }

    @Test
    void standaloneAnswersAsANonClusterRedis() {
        for (String sub : new String[] {"SLOTS", "SHARDS", "NODES", "INFO", "MYID"}) {
            assertEquals(DISABLED, h.send("CLUSTER", sub), sub);
        }
        assertEquals(DISABLED, h.send("cluster", "keyslot", "foo"));
        assertEquals(DISABLED, h.send("READONLY"));
        assertEquals(DISABLED, h.send("READWRITE"));
        assertFalse(h.client.readonlyMode());
        // The table's checks come first, as in Redis.
        assertEquals("-ERR wrong number of arguments for 'cluster' command\r\n", h.send("CLUSTER"));
        assertEquals("-ERR unknown subcommand 'FOO'. Try CLUSTER HELP.\r\n", h.send("CLUSTER", "FOO"));
        assertEquals("-ERR wrong number of arguments for 'readonly' command\r\n", h.send("READONLY", "x"));
        assertEquals(bulk("# Cluster\r\ncluster_enabled:0\r\n"), h.send("INFO", "cluster"));
        assertTrue(h.send("INFO", "server").contains("redis_mode:standalone\r\n"));
    }

    @Test
    void arityOfSubcommands() {
        view(1, 1);
        assertEquals("-ERR wrong number of arguments for 'cluster|keyslot' command\r\n", h.send("CLUSTER", "KEYSLOT"));
        assertEquals("-ERR wrong number of arguments for 'cluster|keyslot' command\r\n",
                h.send("CLUSTER", "KEYSLOT", "a", "b"));
        for (String sub : new String[] {"slots", "shards", "nodes", "info", "myid"}) {
            assertEquals("-ERR wrong number of arguments for 'cluster|" + sub + "' command\r\n",
                    h.send("CLUSTER", sub, "x"));
        }
    }

    @Test
    void slotsNameTheLeaderThenTheOthersOnEveryNode() {
        String expected = "*1\r\n*5\r\n:0\r\n:16383\r\n" + slotsNode(7002, ID2) + slotsNode(7001, ID1) + slotsNode(7003, ID3);
        for (long self = 1; self <= 3; self++) {
            view(self, 2);
            assertEquals(expected, h.send("CLUSTER", "SLOTS"), "seen from " + self);
        }
    }

    @Test
    void shardsOnTheLeader() {
        view(1, 1);
        h.server.appliedIndex.set(42);
        assertEquals("*1\r\n*4\r\n" + bulk("slots") + "*2\r\n:0\r\n:16383\r\n" + bulk("nodes") + "*3\r\n"
                        + shardNode(ID1, 7001, "master", 42, "online")
                        + shardNode(ID2, 7002, "replica", 42, "online")
                        + shardNode(ID3, 7003, "replica", 42, "online"),
                h.send("CLUSTER", "SHARDS"));
    }

    @Test
    void shardsMarkAMemberWithoutLinkAsFailed() {
        h.server.cluster(FixedClusterView.of("127.0.0.1", 7000, 3, 2, 1, 5).withDown(1L));
        assertEquals("*1\r\n*4\r\n" + bulk("slots") + "*2\r\n:0\r\n:16383\r\n" + bulk("nodes") + "*3\r\n"
                        + shardNode(ID1, 7001, "master", 0, "fail")
                        + shardNode(ID2, 7002, "replica", 0, "online")
                        + shardNode(ID3, 7003, "replica", 0, "online"),
                h.send("CLUSTER", "SHARDS"));
    }

    @Test
    void nodesOnTheLeader() {
        view(1, 1);
        assertEquals(bulk(ID1 + " 127.0.0.1:7001@17001 myself,master - 0 0 5 connected 0-16383\n"
                        + ID2 + " 127.0.0.1:7002@17002 slave " + ID1 + " 0 0 5 connected\n"
                        + ID3 + " 127.0.0.1:7003@17003 slave " + ID1 + " 0 0 5 connected\n"),
                h.send("CLUSTER", "NODES"));
    }

    @Test
    void nodesOnAFollowerWithADownLink() {
        h.server.cluster(FixedClusterView.of("127.0.0.1", 7000, 3, 2, 1, 5).withDown(3L));
        assertEquals(bulk(ID1 + " 127.0.0.1:7001@17001 master - 0 0 5 connected 0-16383\n"
                        + ID2 + " 127.0.0.1:7002@17002 myself,slave " + ID1 + " 0 0 5 connected\n"
                        + ID3 + " 127.0.0.1:7003@17003 slave " + ID1 + " 0 0 5 disconnected\n"),
                h.send("CLUSTER", "NODES"));
    }

    @Test
    void infoWithALeader() {
        view(2, 1);
        assertEquals(bulk("cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\n"
                        + "cluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:3\r\ncluster_size:1\r\n"
                        + "cluster_current_epoch:5\r\ncluster_my_epoch:5\r\ncluster_stats_messages_sent:0\r\n"
                        + "cluster_stats_messages_received:0\r\ntotal_cluster_links_buffer_limit_exceeded:0\r\n"),
                h.send("CLUSTER", "INFO"));
    }

    /** During an election: no slot has a master, which clients take as "not ready, ask again". */
    @Test
    void withoutLeaderNoSlotIsServed() {
        view(3, 0);
        assertEquals("*0\r\n", h.send("CLUSTER", "SLOTS"));
        assertEquals("*0\r\n", h.send("CLUSTER", "SHARDS"));
        assertEquals(bulk(ID1 + " 127.0.0.1:7001@17001 master - 0 0 5 connected\n"
                        + ID2 + " 127.0.0.1:7002@17002 master - 0 0 5 connected\n"
                        + ID3 + " 127.0.0.1:7003@17003 myself,master - 0 0 5 connected\n"),
                h.send("CLUSTER", "NODES"));
        assertEquals(bulk("cluster_state:fail\r\ncluster_slots_assigned:0\r\ncluster_slots_ok:0\r\n"
                        + "cluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:3\r\ncluster_size:0\r\n"
                        + "cluster_current_epoch:5\r\ncluster_my_epoch:5\r\ncluster_stats_messages_sent:0\r\n"
                        + "cluster_stats_messages_received:0\r\ntotal_cluster_links_buffer_limit_exceeded:0\r\n"),
                h.send("CLUSTER", "INFO"));
        assertTrue(h.send("HELLO", "2").contains(bulk("role") + bulk("replica")));
    }

    @Test
    void aLeaderOutsideTheMembersCountsAsNoLeader() {
        view(1, 9);
        assertEquals("*0\r\n", h.send("CLUSTER", "SLOTS"));
        assertTrue(h.send("CLUSTER", "INFO").contains("cluster_state:fail\r\n"));
    }

    @Test
    void myidAndKeyslot() {
        view(2, 1);
        assertEquals(bulk(ID2), h.send("CLUSTER", "MYID"));
        assertEquals(":12182\r\n", h.send("CLUSTER", "KEYSLOT", "foo"));
        assertEquals(":3443\r\n", h.send("CLUSTER", "KEYSLOT", "{user1000}.followers"));
        assertEquals(":0\r\n", h.send("CLUSTER", "KEYSLOT", ""));
    }

    @Test
    void readonlyAndReadwriteSetTheConnectionMode() {
        view(2, 1);
        assertEquals("+OK\r\n", h.send("READONLY"));
        assertTrue(h.client.readonlyMode());
        assertTrue(h.send("CLIENT", "INFO").contains(" flags=r "));
        assertEquals("+OK\r\n", h.send("readwrite"));
        assertFalse(h.client.readonlyMode());
        assertTrue(h.send("CLIENT", "INFO").contains(" flags=N "));
    }

    @Test
    void helloAndInfoSayCluster() {
        view(2, 1);
        String hello = h.send("HELLO", "2");
        assertTrue(hello.endsWith(bulk("mode") + bulk("cluster") + bulk("role") + bulk("replica")
                + bulk("modules") + "*0\r\n"), hello);
        view(1, 1);
        assertTrue(h.send("HELLO").contains(bulk("mode") + bulk("cluster") + bulk("role") + bulk("master")));
        assertTrue(h.send("INFO", "server").contains("redis_mode:cluster\r\n"));
        assertEquals(bulk("# Cluster\r\ncluster_enabled:1\r\n"), h.send("INFO", "cluster"));
        String info = h.send("INFO");
        assertTrue(info.contains("\r\n\r\n# Cluster\r\ncluster_enabled:1\r\n"), info);
        assertTrue(info.indexOf("# Replication") < info.indexOf("# Cluster"));
    }
}
