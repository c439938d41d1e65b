package io.raftkv.server.peer;

import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

/**
 * Proves the leak check used by the transport tests would catch a leak (its LEAK log line is expected). It waits for
 * the report of its one leaked buffer so that the report cannot surface later, in another test.
 */
class PeerLeakWatchSelfTest {

    @Test
    void detectsALeak() {
        try (PeerTesting.LeakWatch w = new PeerTesting.LeakWatch()) {
            leakOneBuffer();
            PeerTesting.await("the leaked buffer is reported", () -> !w.leakReports().isEmpty());
        }
    }

    private static void leakOneBuffer() {
        PooledByteBufAllocator.DEFAULT.directBuffer(16).writeInt(1);
    }
}
