package io.raftkv.server.kv;

/**
 * How the off-heap key space sizes its maps. The key space grows and shrinks with its content (see
 * {@link ChronicleKeyspace}); these are hints for each shard's map, not limits: {@code shardEntries} keys per shard
 * before it splits (which also bounds the work of one split), and the average key and value sizes a new empty shard
 * is sized for (a shard made by a split or merge is sized by the averages it actually holds), and how many empty maps
 * a background thread keeps ready for splits ({@code spareMaps}; 0 for none).
 */
public record KvConfig(int shardEntries, int averageKeySize, int averageValueSize, int spareMaps) {

    /**
     * 8,192 keys a shard: a split copies that many entries (about 25 ms at worst with 1M keys on a loaded 2-core
     * machine, against 110 ms for 32,768), far below an election timeout, and 1M keys take about 7% more off-heap
     * memory than in 32,768-key shards.
     */
    public static final KvConfig DEFAULT = new KvConfig(8_192, 24, 64, 2);

    /** No spare maps: a split creates its two maps itself (tests; a thread less). */
    public KvConfig(int shardEntries, int averageKeySize, int averageValueSize) {
        this(shardEntries, averageKeySize, averageValueSize, 0);
    }

    public KvConfig {
        if (shardEntries < 16) {
            throw new IllegalArgumentException("shardEntries must be at least 16: " + shardEntries);
        }
        if (spareMaps < 0) {
            throw new IllegalArgumentException("spareMaps must not be negative: " + spareMaps);
        }
        if (averageKeySize < 1 || averageValueSize < 1) {
            throw new IllegalArgumentException("average sizes must be positive");
        }
    }
}
