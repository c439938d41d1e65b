package io.raftkv.server.peer;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

class PeerReconnectBackoffTest {

    @Test
    void doublesFromMinToMaxWithJitterAndResets() {
        long seed = 42;
        ReconnectBackoff b = new ReconnectBackoff(100, 1600, new Random(seed));
        long[] ceilings = {100, 200, 400, 800, 1600, 1600, 1600};
        for (long ceiling : ceilings) {
            long d = b.nextDelayMillis();
            assertTrue(d >= ceiling / 2 && d <= ceiling, "seed " + seed + ": delay " + d + " outside ["
                    + ceiling / 2 + ", " + ceiling + "]");
        }
        for (int i = 0; i < 1000; i++) {
            long d = b.nextDelayMillis();
            assertTrue(d >= 800 && d <= 1600, "stays bounded after many failures: " + d);
        }
        b.reset();
        long d = b.nextDelayMillis();
        assertTrue(d >= 50 && d <= 100, "back to min after reset: " + d);
    }
}
