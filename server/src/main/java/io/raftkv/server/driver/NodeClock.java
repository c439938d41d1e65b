package io.raftkv.server.driver;

import java.util.function.LongSupplier;

/**
 * The driver's two clocks. Monotonic nanoseconds measure every wait and deadline (redirect waits, read retries,
 * deferred syncs, follower freshness, time spent in rounds); wall milliseconds give log records their timestamps
 * (apply's only source of time) and INFO its last-sync time. Production reads the system clocks; the simulation
 * reads its virtual time, which is what lets the production driver run there.
 *
 * <p>Threads: any; implementations must be thread-safe (the client event loops stamp request deadlines).
 */
interface NodeClock {

    /** A monotonic reading in nanoseconds, meaningful only as a difference from another reading. */
    long monotonicNanos();

    /** Milliseconds since the epoch. */
    long wallMillis();

    /** The system's monotonic clock and {@code wallMillis} (the server passes System::currentTimeMillis). */
    static NodeClock system(LongSupplier wallMillis) {
        return new NodeClock() {
            @Override
            public long monotonicNanos() {
                return System.nanoTime();
            }

            @Override
            public long wallMillis() {
                return wallMillis.getAsLong();
            }
        };
    }
}
