package io.raftkv.server.cluster;

import io.raftkv.server.CommandHarness;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Member identity and the redirect replies; MOVED and CLUSTERDOWN wording from redis-server 7.0.15. */
class ClusterMemberTest {

    @Test
    void nodeIdIsSha1OfTheRaftId() {
        // printf raftkv-node-1 | sha1sum
        assertEquals("b27bffba67032ae66fca1fbdd529d6c5cba933fa", new ClusterMember(1, "10.0.0.1", 6379, 16379).nodeId());
        assertEquals(new ClusterMember(7, "a", 1, 2).nodeId(), new ClusterMember(7, "b", 3, 4).nodeId());
    }

    @Test
    void oneAddressRendering() {
        ClusterMember m = new ClusterMember(2, "10.0.0.2", 6380, 16380);
        assertEquals("10.0.0.2:6380", m.address());
        assertEquals("-MOVED 12182 10.0.0.2:6380\r\n", CommandHarness.resp(Redirect.moved(12182, m)));
        assertEquals("-MOVED 0 10.0.0.2:6380\r\n", CommandHarness.resp(Redirect.moved(0, m)));
        assertThrows(IllegalArgumentException.class, () -> Redirect.moved(16384, m));
    }

    @Test
    void clusterDown() {
        assertEquals("-CLUSTERDOWN The cluster is down\r\n", CommandHarness.resp(Redirect.CLUSTERDOWN));
    }

    @Test
    void impossibleMembersAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ClusterMember(0, "h", 1, 2));
        assertThrows(IllegalArgumentException.class, () -> new ClusterMember(1, "", 1, 2));
        assertThrows(IllegalArgumentException.class, () -> new ClusterMember(1, "a b", 1, 2));
        assertThrows(IllegalArgumentException.class, () -> new ClusterMember(1, "h", 0, 2));
        assertThrows(IllegalArgumentException.class, () -> new ClusterMember(1, "h", 1, 65536));
    }
}
