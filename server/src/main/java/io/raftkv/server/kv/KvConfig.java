package io.raftkv.server.kv;

/**
 * How the off-heap store is sized. Chronicle Map is sized up front: {@code maxEntries} keys of about
 * {@code averageKeySize} and {@code averageValueSize} bytes (hints, not limits). {@code maxMemory} is the
 * Redis-style cap on key plus value bytes (0: no cap beyond the map's own capacity).
 */
public record KvConfig(long maxEntries, int averageKeySize, int averageValueSize, long maxMemory) {

    public static final KvConfig DEFAULT = new KvConfig(1_000_000, 24, 64, 0);

    public KvConfig {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1: " + maxEntries);
        }
        if (averageKeySize < 1 || averageValueSize < 1) {
            throw new IllegalArgumentException("average sizes must be positive");
        }
        if (maxMemory < 0) {
            throw new IllegalArgumentException("maxMemory must not be negative");
        }
    }
}
