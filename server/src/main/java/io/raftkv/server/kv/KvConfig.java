package io.raftkv.server.kv;

/**
 * How the off-heap store is sized. Chronicle Map is sized up front: {@code maxEntries} keys of about
 * {@code averageKeySize} and {@code averageValueSize} bytes (hints, not limits). Every node of a cluster must
 * use the same sizing, since a write that does not fit fails on apply.
 */
public record KvConfig(long maxEntries, int averageKeySize, int averageValueSize) {

    public static final KvConfig DEFAULT = new KvConfig(1_000_000, 24, 64);

    public KvConfig {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1: " + maxEntries);
        }
        if (averageKeySize < 1 || averageValueSize < 1) {
            throw new IllegalArgumentException("average sizes must be positive");
        }
    }
}
