package io.raftkv.server.peer;

import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** Proves the leak check used by the transport tests would fail on a leak (its LEAK log line is expected). */
class PeerLeakWatchSelfTest {
    @Test
    void detectsALeak() {
        try (PeerTesting.LeakWatch w = new PeerTesting.LeakWatch()) {
            for (int i = 0; i < 10; i++) {
                PooledByteBufAllocator.DEFAULT.directBuffer(16).writeInt(1);
            }
            assertThrows(AssertionError.class, w::assertNoLeaks);
        }
    }
}
