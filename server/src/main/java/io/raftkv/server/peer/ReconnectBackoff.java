package io.raftkv.server.peer;

import java.util.Random;

/**
 * Delays between connection attempts to one peer: doubling from min to max per consecutive failure, with "equal
 * jitter" (a delay d becomes a uniform value in [d/2, d]) so that nodes restarted together do not dial in lockstep.
 * Not thread-safe: each instance is confined to its peer's event loop.
 */
final class ReconnectBackoff {

    private final long minMillis;
    private final long maxMillis;
    private final Random random;
    private int failures;

    ReconnectBackoff(long minMillis, long maxMillis, Random random) {
        if (minMillis < 1 || maxMillis < minMillis) {
            throw new IllegalArgumentException("need 1 <= min <= max, got " + minMillis + ", " + maxMillis);
        }
        this.minMillis = minMillis;
        this.maxMillis = maxMillis;
        this.random = random;
    }

    /** The delay before the next attempt, in milliseconds, always in [min/2, max]. Counts one more failure. */
    long nextDelayMillis() {
        long d = minMillis;
        for (int i = 0; i < failures && d < maxMillis; i++) {
            d <<= 1;
        }
        d = Math.min(d, maxMillis);
        if (failures < 62) {
            failures++;
        }
        long half = d / 2;
        return half + random.nextLong(d - half + 1);
    }

    /** After a connection that stayed up: start again from min. */
    void reset() {
        failures = 0;
    }
}
