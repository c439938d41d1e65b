package io.raftkv.server.peer;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PeerTransportConfigTest {

    private static final List<PeerAddress> CLUSTER = List.of(new PeerAddress(1, "127.0.0.1", 16379),
            new PeerAddress(2, "127.0.0.1", 16380), new PeerAddress(3, "127.0.0.1", 16381));

    @Test
    void defaults() {
        PeerTransportConfig c = PeerTransportConfig.of(2, "127.0.0.1", 16380, CLUSTER);
        assertEquals(64 << 20, c.maxFrameBytes());
        assertEquals(1, c.ioThreads());
        assertEquals(List.of(CLUSTER.get(0), CLUSTER.get(2)), c.remotePeers(), "self is in the list but not a peer");
    }

    @Test
    void refusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> PeerTransportConfig.of(0, "h", 1, CLUSTER));
        assertThrows(IllegalArgumentException.class, () -> PeerTransportConfig.of(1, " ", 1, CLUSTER));
        assertThrows(IllegalArgumentException.class, () -> PeerTransportConfig.of(1, "h", 70000, CLUSTER));
        assertThrows(IllegalArgumentException.class, () -> PeerTransportConfig.of(1, "h", 1,
                List.of(new PeerAddress(2, "a", 1), new PeerAddress(2, "b", 2))));
        PeerTransportConfig ok = PeerTransportConfig.of(1, "h", 1, CLUSTER);
        assertThrows(IllegalArgumentException.class, () -> ok.withMaxFrameBytes(0));
        assertThrows(IllegalArgumentException.class, () -> ok.withMaxFrameBytes(Integer.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> ok.withQueueBounds(0, 1));
        assertThrows(IllegalArgumentException.class, () -> ok.withQueueBounds(1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> ok.withReconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> ok.withReconnectBackoff(Duration.ZERO, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> ok.withWriteBufferWaterMarks(10, 5));
        assertThrows(IllegalArgumentException.class, () -> new PeerAddress(-1, "h", 1));
        assertThrows(IllegalArgumentException.class, () -> new PeerAddress(1, "h", 0));
    }
}
