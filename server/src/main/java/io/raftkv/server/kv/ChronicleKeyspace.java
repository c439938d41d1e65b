package io.raftkv.server.kv;

import net.openhft.chronicle.algo.hashing.LongHashFunction;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.RandomDataInput;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.hash.serialization.impl.ByteArraySizedReader;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapSegmentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

/**
 * The key space off-heap, in Chronicle Maps that split and merge as it grows and shrinks, so that it has no preset
 * cap: the only limits are memory and {@code maxmemory}.
 *
 * <h2>Shards</h2>
 * Every key has a 62-bit hash ({@link #HASH}, murmur3 with a fixed seed, so the same on every node and every run).
 * The hash space {@code [0, 2^62)} is cut into <em>shards</em>, each an aligned range {@code [lo, lo + 2^(62-depth))}
 * holding its keys in its own Chronicle Map sized for {@link KvConfig#shardEntries()} keys. A shard that passes that
 * many keys (or whose map runs out of room, as one with values larger than it was sized for does) is split in two by
 * the next bit of the hash: two new maps, sized by the average key and value size actually seen, take its entries,
 * and its map is closed. Two sibling shards that hold at most half a shard's worth between them are merged back into
 * one, so that mass deletes return memory (a Chronicle Map never gives back what it once used; closing it does).
 *
 * <p>A split copies one shard's entries on the apply thread: about {@code shardEntries} puts, some tens of
 * milliseconds at the default size, well inside an election timeout. That bound, not total size, is what keeps
 * growth from costing a leader its leadership.
 *
 * <h2>Entries</h2>
 * Each map entry is {@code type (1 byte; the top bit marks an out-of-line value) | expireAt (8) | stamp (8)} then
 * the payload: the type is the value's {@link ValueType} tag and the payload what its {@link ValueCodec} writes. A
 * payload larger than {@link #INLINE_MAX} is kept out of the map, in a native memory block of its own
 * ({@link BytesStore}), and the entry holds its id and length instead: a Chronicle Map entry must fit in a segment
 * tier, which held values to about 450 KiB, and large values would make every map sized for small ones bloat.
 *
 * <h2>Iteration</h2>
 * SCAN's cursor is a position in the hash space: a step visits the keys of one shard (then the next, while fewer
 * than {@code count} were taken) whose hash is at or above the cursor, in hash order, and returns the first hash it
 * did not take. Splits and merges move keys between maps but never change a key's position, so a cursor stays
 * valid across them, and Redis's guarantee holds exactly: a key present for a whole scan is visited once.
 */
public final class ChronicleKeyspace implements Keyspace {

    private static final Logger log = LoggerFactory.getLogger(ChronicleKeyspace.class);

    /** Bits of the key hash: shards and SCAN cursors live in {@code [0, 2^62)}. */
    static final int HASH_BITS = 62;
    static final long SPACE = 1L << HASH_BITS;
    /** Fixed seed: the order and the shard of a key are the same on every node and every run. */
    private static final LongHashFunction HASH = LongHashFunction.murmur_3(0x5CA9_C0DE_2026L);

    private static final int OUT_OF_LINE = 0x80;
    private static final int TYPE_MASK = 0x7f;
    static final int HEADER = 1 + Long.BYTES + Long.BYTES;
    /** Out-of-line entry: header, block id, payload length. */
    private static final int REF_SIZE = HEADER + Long.BYTES + Long.BYTES;
    /** Payloads above this many bytes are kept out of the maps. */
    static final int INLINE_MAX = 4096;
    /** Room a shard's map has beyond its sizing (tiers are allocated on demand, so unused room costs nothing). */
    private static final double MAX_BLOAT = 4.0;
    private static final int RANDOM_KEY_TRIES = 16;
    /** A split slower than this is logged: it held apply, and so the driver thread, for that long. */
    private static final long SLOW_SPLIT_MICROS = 20_000;

    private final KvConfig config;
    /** Maps made ahead of splits by {@link #spareMaker}, a thread of their own (null when spares are off). */
    private final ArrayBlockingQueue<ChronicleMap<byte[], byte[]>> spares;
    private Thread spareMaker;
    /** Shards in hash order; together they cover the hash space without overlap. */
    private Shard[] shards;
    /** Out-of-line payloads by id. Concurrent: an open view reads them from its own thread. */
    private final Map<Long, BytesStore<?, Void>> blocks = new ConcurrentHashMap<>();
    private long nextBlockId = 1;
    private long blockBytes;
    private long stampCounter;
    /** The raw entry the last {@link #putRaw} stored (the one it was given, or that one moved out of line). */
    private byte[] stored;

    private long entries;
    private long dataBytes;
    private long keysWithExpiry;
    /** Entries whose payload is at least {@link Keyspace#LARGE_VALUE_BYTES}. */
    private long largeValues;

    /** Undo journal of the command being applied: key, then the raw entry it had (null: absent). */
    private final ArrayList<byte[]> undo = new ArrayList<>();
    private boolean journaling;
    /** Blocks the current command replaced (freed when it ends) and created (freed if it is rolled back). */
    private final ArrayList<Long> retiredBlocks = new ArrayList<>();
    private final ArrayList<Long> createdBlocks = new ArrayList<>();

    /** Keeps only the top bits of the hash, in tests that need many keys to share one (the tie rule of SCAN). */
    private long hashMask = SPACE - 1;
    private long expirePosition;
    /** The open view, or null. */
    private View view;
    private long splits;
    private long merges;

    public ChronicleKeyspace(KvConfig config) {
        this.config = config;
        this.spares = new ArrayBlockingQueue<>(Math.max(1, config.spareMaps()));
        this.shards = new Shard[] {new Shard(0, 0, config.averageKeySize(), config.averageValueSize())};
        if (config.spareMaps() > 0) {
            spareMaker = new Thread(this::makeSpares, "raftkv-keyspace-spares");
            spareMaker.setDaemon(true);
            spareMaker.start();
        }
    }

    /** One range of the hash space and the map that holds its keys. */
    private final class Shard {
        final long lo;
        final int depth;
        final ChronicleMap<byte[], byte[]> map;
        /** This shard's place in the open view's pinned shards, or -1 (a shard made after the view opened). */
        int pin = -1;
        long entries;
        /** Key bytes, and key plus raw entry bytes, held in the map (out-of-line payloads not counted). */
        long keyBytes;
        long inlineBytes;

        Shard(long lo, int depth, int averageKeySize, int averageValueSize) {
            this.lo = lo;
            this.depth = depth;
            this.map = mapFor(averageKeySize, averageValueSize);
        }

        long end() {
            return lo + span();
        }

        long span() {
            return 1L << (HASH_BITS - depth);
        }

    }

    /**
     * A map for a new shard: a spare one made ahead of time when the sizes asked for are at most half again the
     * configured averages that spares are sized for (a map tolerates larger entries through its bloat factor), else a
     * new one made now. Creating a Chronicle Map takes some milliseconds (tens on a busy machine), which a split would
     * otherwise spend twice on the apply thread.
     */
    private ChronicleMap<byte[], byte[]> mapFor(int averageKeySize, int averageValueSize) {
        if (spareMaker != null && 2 * averageKeySize <= 3 * config.averageKeySize()
                && 2 * averageValueSize <= 3 * config.averageValueSize()) {
            ChronicleMap<byte[], byte[]> spare = spares.poll();
            if (spare != null) {
                return spare;
            }
        }
        return newMap(config.shardEntries(), averageKeySize, averageValueSize);
    }

    /** The spare maker's loop: keeps {@link KvConfig#spareMaps()} maps of the configured sizing ready. */
    private void makeSpares() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                ChronicleMap<byte[], byte[]> map = newMap(config.shardEntries(), config.averageKeySize(),
                        config.averageValueSize());
                try {
                    spares.put(map);
                } catch (InterruptedException e) {
                    map.close();
                    return;
                }
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            log.warn("key space: no more spare maps will be made ahead of splits", e);
        }
    }

    private static ChronicleMap<byte[], byte[]> newMap(long entries, int averageKeySize, int averageValueSize) {
        return ChronicleMap.of(byte[].class, byte[].class)
                .name("raftkv-keyspace")
                .entries(entries)
                .averageKeySize(averageKeySize)
                .averageValueSize(averageValueSize + HEADER)
                .keyReaderAndDataAccess(ByteArraySizedReader.INSTANCE, new ByteArrayBufferDataAccess())
                .valueReaderAndDataAccess(ByteArraySizedReader.INSTANCE, new ByteArrayBufferDataAccess())
                .maxBloatFactor(MAX_BLOAT)
                .create();
    }

    // ---- Hashing and routing --------------------------------------------------------------------------------

    long hash(byte[] key) {
        return (HASH.hashBytes(key) >>> (64 - HASH_BITS)) & hashMask;
    }

    private long hash(Data<byte[]> key) {
        return (key.hash(HASH) >>> (64 - HASH_BITS)) & hashMask;
    }

    /** The index of the shard whose range holds {@code position}. */
    private int shardIndex(long position) {
        int lo = 0;
        int hi = shards.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (shards[mid].lo <= position) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    private Shard shardOf(byte[] key) {
        return shards[shardIndex(hash(key))];
    }

    // ---- Reads and writes -----------------------------------------------------------------------------------

    @Override
    public StoredValue get(byte[] key, long now) {
        StoredValue v = getIncludingExpired(key);
        return v == null || v.expiredAt(now) ? null : v;
    }

    @Override
    public StoredValue getIncludingExpired(byte[] key) {
        byte[] raw = shardOf(key).map.get(key);
        return raw == null ? null : decode(raw);
    }

    @Override
    public long stamp(byte[] key) {
        byte[] raw = shardOf(key).map.get(key);
        return raw == null ? 0 : stampOf(raw);
    }

    @Override
    public long largeValues() {
        return largeValues;
    }

    @Override
    public long payloadLength(byte[] key) {
        byte[] raw = shardOf(key).map.get(key);
        if (raw == null) {
            return 0;
        }
        return sizeOf(raw) - HEADER;
    }

    @Override
    public void put(byte[] key, StoredValue value) {
        byte[] raw = encode(value, ++stampCounter);
        byte[] old;
        try {
            old = putRaw(key, raw);
        } catch (RuntimeException e) {
            if (isOutOfLine(raw)) {
                freeBlock(blockIdOf(raw));
            }
            throw e;
        }
        if (isOutOfLine(stored) && journaling) {
            createdBlocks.add(blockIdOf(stored));
        }
        journal(key, old);
        retire(old);
    }

    @Override
    public boolean delete(byte[] key, long now) {
        byte[] old = removeRaw(key);
        if (old == null) {
            return false;
        }
        journal(key, old);
        retire(old);
        long deadline = expireAtOf(old);
        return deadline == 0 || deadline > now;
    }

    /**
     * Stores a raw entry and keeps the counters; returns the entry it replaced, and leaves the entry actually stored
     * in {@link #stored}. An inline payload that a shard's map refuses as too large for an entry (a map sized for
     * small values has small segment tiers) is moved out of line; a shard whose map is full is split and the put
     * retried once. If the entry cannot be stored, nothing changed.
     */
    private byte[] putRaw(byte[] key, byte[] raw) {
        boolean splitOnce = false;
        byte[] converted = null;
        while (true) {
            Shard s = shardOf(key);
            beforeChange(s, key);
            byte[] old;
            try {
                old = s.map.put(key, raw);
            } catch (IllegalStateException | IllegalArgumentException e) {
                if (tooLarge(e) && !isOutOfLine(raw)) {
                    raw = converted = outOfLine(raw);
                    continue;
                }
                // An entry too large for any map (a huge key) must not split shards: each split would be wasted.
                if (tooLarge(e) || splitOnce || !split(s)) {
                    if (converted != null) {
                        freeBlock(blockIdOf(converted));
                    }
                    throw refusal(key, e);
                }
                splitOnce = true;
                continue;
            }
            stored = raw;
            s.inlineBytes += key.length + raw.length;
            count(key, raw, +1);
            if (old != null) {
                s.inlineBytes -= key.length + old.length;
                count(key, old, -1);
            } else {
                s.entries++;
                s.keyBytes += key.length;
                entries++;
                if (s.entries > config.shardEntries()) {
                    split(s);
                }
            }
            return old;
        }
    }

    /** The same entry with its inline payload moved to a block of its own (the bytes it stands for are the same). */
    private byte[] outOfLine(byte[] raw) {
        byte[] payload = Arrays.copyOfRange(raw, HEADER, raw.length);
        byte[] ref = new byte[REF_SIZE];
        System.arraycopy(raw, 0, ref, 0, HEADER);
        ref[0] |= (byte) OUT_OF_LINE;
        ByteBuffer.wrap(ref, HEADER, REF_SIZE - HEADER).putLong(storeBlock(payload)).putLong(payload.length);
        return ref;
    }

    /** Chronicle Map's refusal of an entry larger than a segment tier: "Entry is too large", "Value too large". */
    private static boolean tooLarge(RuntimeException e) {
        return String.valueOf(e.getMessage()).contains("too large");
    }

    /** Why Chronicle Map refused an entry even in a fresh shard: a key too large for any map, or no memory. */
    private static RuntimeException refusal(byte[] key, RuntimeException e) {
        if (tooLarge(e)) {
            return new EntryTooLargeException(key.length, e);
        }
        return new StoreFullException("the key space could not take the entry: " + e.getMessage(), e);
    }

    private byte[] removeRaw(byte[] key) {
        Shard s = shardOf(key);
        beforeChange(s, key);
        byte[] old = s.map.remove(key);
        if (old != null) {
            s.entries--;
            s.keyBytes -= key.length;
            entries--;
            s.inlineBytes -= key.length + old.length;
            count(key, old, -1);
            mergeIfSparse(s);
        }
        return old;
    }

    private void count(byte[] key, byte[] raw, int sign) {
        long size = sizeOf(raw);
        dataBytes += sign * (key.length + size);
        if (expireAtOf(raw) != 0) {
            keysWithExpiry += sign;
        }
        if (size - HEADER >= LARGE_VALUE_BYTES) {
            largeValues += sign;
        }
    }

    // ---- Splitting and merging ------------------------------------------------------------------------------

    /** Splits {@code s} in two by the next bit of the hash. Returns false if it cannot be split (already one hash). */
    private boolean split(Shard s) {
        if (s.depth >= HASH_BITS) {
            return false;
        }
        long started = System.nanoTime();
        int keySize = averageKeySize(s.entries, s.keyBytes);
        int valueSize = averageValueSize(s.entries, s.keyBytes, s.inlineBytes);
        Shard low = null;
        Shard high;
        try {
            low = new Shard(s.lo, s.depth + 1, keySize, valueSize);
            high = new Shard(s.lo + s.span() / 2, s.depth + 1, keySize, valueSize);
        } catch (RuntimeException | OutOfMemoryError e) {
            if (low != null) {
                low.map.close();
            }
            log.warn("could not split a key-space shard of {} keys", s.entries, e);
            return false;
        }
        moveAll(s, low, high);
        replace(s, null, new Shard[] {low, high});
        splits++;
        long micros = (System.nanoTime() - started) / 1_000;
        if (micros > SLOW_SPLIT_MICROS) {
            log.info("key space: split a shard of {} keys in {} ms ({} shards now)", s.entries, micros / 1_000,
                    shards.length);
        }
        return true;
    }

    /** Merges {@code s} with its sibling when the two hold at most half a shard's worth of keys. */
    private void mergeIfSparse(Shard s) {
        if (s.depth == 0 || s.entries > config.shardEntries() / 4) {
            return;
        }
        long siblingLo = s.lo ^ s.span();
        Shard sibling = shards[shardIndex(siblingLo)];
        if (sibling.lo != siblingLo || sibling.depth != s.depth
                || s.entries + sibling.entries > config.shardEntries() / 2) {
            return;
        }
        Shard first = s.lo < siblingLo ? s : sibling;
        Shard second = first == s ? sibling : s;
        long total = s.entries + sibling.entries;
        int keySize = averageKeySize(total, s.keyBytes + sibling.keyBytes);
        int valueSize = averageValueSize(total, s.keyBytes + sibling.keyBytes, s.inlineBytes + sibling.inlineBytes);
        Shard merged;
        try {
            merged = new Shard(first.lo, s.depth - 1, keySize, valueSize);
        } catch (RuntimeException | OutOfMemoryError e) {
            log.warn("could not merge two key-space shards", e);
            return;
        }
        moveAll(first, merged, merged);
        moveAll(second, merged, merged);
        replace(first, second, new Shard[] {merged});
        merges++;
    }

    /** The sizing hints for a new shard's map: the averages seen, or the configured ones for an empty shard. */
    private int averageKeySize(long n, long keyBytes) {
        return n == 0 ? config.averageKeySize() : (int) Math.max(1, keyBytes / n);
    }

    private int averageValueSize(long n, long keyBytes, long inlineBytes) {
        return n == 0 ? config.averageValueSize() : (int) Math.max(1, (inlineBytes - keyBytes) / n - HEADER);
    }

    /** Copies every entry of {@code from} into {@code low} or {@code high} by its hash, then closes {@code from}. */
    private void moveAll(Shard from, Shard low, Shard high) {
        long middle = high.lo;
        for (int seg = 0, n = from.map.segments(); seg < n; seg++) {
            try (MapSegmentContext<byte[], byte[], ?> ctx = from.map.segmentContext(seg)) {
                ctx.forEachSegmentEntry(e -> {
                    byte[] key = copyOf(e.key());
                    byte[] raw = copyOf(e.value());
                    Shard to = hash(key) < middle ? low : high;
                    byte[] moved = raw;
                    try {
                        to.map.put(key, moved);
                    } catch (IllegalStateException | IllegalArgumentException tooLarge) {
                        // The new map is sized for smaller values than this inline one: move it out of line.
                        if (isOutOfLine(raw)) {
                            throw tooLarge;
                        }
                        moved = outOfLine(raw);
                        to.map.put(key, moved);
                    }
                    to.entries++;
                    to.keyBytes += key.length;
                    to.inlineBytes += key.length + moved.length;
                });
            }
        }
        retireMap(from);
    }

    /** Closes a replaced shard's map, or keeps it for the open view that still has to read it. */
    private void retireMap(Shard s) {
        if (view != null && s.pin >= 0) {
            view.keptMaps.add(s.map);
        } else {
            s.map.close();
        }
    }

    /** Puts {@code with} in the place of {@code a} (and {@code b}, its right neighbour, when not null). */
    private void replace(Shard a, Shard b, Shard[] with) {
        int i = shardIndex(a.lo);
        int removed = b == null ? 1 : 2;
        Shard[] next = new Shard[shards.length - removed + with.length];
        System.arraycopy(shards, 0, next, 0, i);
        System.arraycopy(with, 0, next, i, with.length);
        System.arraycopy(shards, i + removed, next, i + with.length, shards.length - i - removed);
        shards = next;
    }

    // ---- Out-of-line payloads -------------------------------------------------------------------------------

    /**
     * Bytes copied between the heap and a block per call. One copy call cannot stop for a safepoint, and the first
     * touch of fresh native memory can be slow (0.5 s per 100 MB on our VMs): copied whole, a 512 MB value kept every
     * thread of the JVM, the driver's heartbeats included, waiting for seconds at the next safepoint.
     */
    private static final int COPY_CHUNK = 1 << 20;

    private long storeBlock(byte[] payload) {
        // Not zeroed first (every byte is written next), which would be another pass without a safepoint.
        BytesStore<?, Void> block = BytesStore.lazyNativeBytesStoreWithFixedCapacity(Math.max(1, payload.length));
        for (int at = 0; at < payload.length; at += COPY_CHUNK) {
            block.write(at, payload, at, Math.min(COPY_CHUNK, payload.length - at));
        }
        long id = nextBlockId++;
        blocks.put(id, block);
        blockBytes += block.capacity();
        return id;
    }

    private byte[] readBlock(long id, long length) {
        BytesStore<?, Void> block = blocks.get(id);
        if (block == null) {
            throw new IllegalStateException("key-space entry refers to a missing block " + id);
        }
        byte[] out = new byte[Math.toIntExact(length)];
        for (int at = 0; at < out.length; at += COPY_CHUNK) {
            block.read(at, out, at, Math.min(COPY_CHUNK, out.length - at));
        }
        return out;
    }

    private void freeBlock(long id) {
        if (view != null) {
            view.keptBlocks.add(id); // the view may still read it
            return;
        }
        BytesStore<?, Void> block = blocks.remove(id);
        if (block != null) {
            blockBytes -= block.capacity();
            block.releaseLast();
        }
    }

    /** An entry that was replaced or removed: its block goes now, or when the command ends (it may be rolled back). */
    private void retire(byte[] old) {
        if (old == null || !isOutOfLine(old)) {
            return;
        }
        if (journaling) {
            retiredBlocks.add(blockIdOf(old));
        } else {
            freeBlock(blockIdOf(old));
        }
    }

    // ---- Commands: journal and rollback ---------------------------------------------------------------------

    @Override
    public void beginCommand() {
        undo.clear();
        retiredBlocks.clear();
        createdBlocks.clear();
        journaling = true;
    }

    @Override
    public void endCommand() {
        journaling = false;
        undo.clear();
        for (Long id : retiredBlocks) {
            freeBlock(id);
        }
        retiredBlocks.clear();
        createdBlocks.clear();
    }

    @Override
    public void rollbackCommand() {
        journaling = false;
        for (int i = undo.size() - 2; i >= 0; i -= 2) {
            byte[] key = undo.get(i);
            byte[] old = undo.get(i + 1);
            if (old == null) {
                removeRaw(key);
            } else {
                putRaw(key, old);
            }
        }
        undo.clear();
        for (Long id : createdBlocks) {
            freeBlock(id);
        }
        createdBlocks.clear();
        retiredBlocks.clear();
    }

    private void journal(byte[] key, byte[] old) {
        if (journaling) {
            undo.add(key);
            undo.add(old);
        }
    }

    // ---- Sizes ----------------------------------------------------------------------------------------------

    @Override
    public long size() {
        return entries;
    }

    @Override
    public long keysWithExpiry() {
        return keysWithExpiry;
    }

    @Override
    public long dataBytes() {
        return dataBytes;
    }

    @Override
    public long offHeapBytes() {
        long bytes = blockBytes;
        for (Shard s : shards) {
            bytes += s.map.offHeapMemoryUsed();
        }
        return bytes;
    }

    /** How many shards the key space has now (INFO, tests). */
    public int shardCount() {
        return shards.length;
    }

    /** Splits and merges since the store was created (INFO, tests). */
    public long splits() {
        return splits;
    }

    public long merges() {
        return merges;
    }

    /**
     * Removes every key. The shards' maps are closed and one new empty shard takes their place: Chronicle Map's
     * {@code clear()} removes entry by entry, over a second for 1M keys, and apply runs on the thread that sends
     * heartbeats, so emptying in place cost a cluster its leader. If the new map cannot be created, the old ones are
     * emptied in place.
     */
    @Override
    public void clear() {
        Shard fresh;
        try {
            fresh = new Shard(0, 0, config.averageKeySize(), config.averageValueSize());
        } catch (RuntimeException | OutOfMemoryError e) {
            log.warn("could not create a new key-space map for FLUSHALL; emptying the old ones in place", e);
            fresh = null;
        }
        for (Shard s : shards) {
            if (fresh == null) {
                if (view != null) {
                    view.spoiled = true;
                }
                s.map.clear();
                s.entries = 0;
                s.keyBytes = 0;
                s.inlineBytes = 0;
            } else {
                retireMap(s);
            }
        }
        if (fresh != null) {
            shards = new Shard[] {fresh};
        }
        for (Long id : blocks.keySet()) {
            freeBlock(id);
        }
        retiredBlocks.clear();
        createdBlocks.clear();
        entries = 0;
        dataBytes = 0;
        keysWithExpiry = 0;
        largeValues = 0;
    }

    // ---- Iteration: SCAN, KEYS, RANDOMKEY, active-expiry sampling -------------------------------------------
    //
    // Each step works on one shard and copies keys out before calling the visitor, which may write the store and so
    // split or merge shards: after a visit, the next shard is found again by position, never by index.

    private long[] scanHashes = new long[64];
    private final ArrayList<byte[]> keyBuffer = new ArrayList<>();
    private final ByteArrayOutputStream typeBuffer = new ByteArrayOutputStream();

    /**
     * {@inheritDoc}
     *
     * <p>Cursor: a position in the hash space. A step takes, from the shard holding the cursor, the keys whose hash
     * is at or above it, the {@code count} smallest plus every key sharing the last taken hash (a step never cuts
     * between equal hashes), and moves on to the next shards while fewer than {@code count} were taken. The next
     * cursor is the first hash not taken. Because the ranges of the steps are disjoint and cover the whole space, a
     * key present for the whole scan is visited exactly once. A cursor at or past {@code 2^62} ends the scan.
     *
     * <p>Cost: each shard a step touches is read twice in full, so a step is O(shard size) whatever {@code count} is.
     */
    @Override
    public long scan(long cursor, int count, long now, KeyVisitor visitor) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be positive: " + count);
        }
        if (cursor < 0 || cursor >= SPACE) {
            return 0;
        }
        long position = cursor;
        int taken = 0;
        while (true) {
            Shard s = shards[shardIndex(position)];
            long shardEnd = s.end();
            long[] step = scanShard(s, position, count - taken, now);
            emitBuffered(visitor);
            taken += (int) step[0];
            if (step[1] >= 0) {
                return step[1];
            }
            if (shardEnd >= SPACE) {
                return 0;
            }
            position = shardEnd;
            if (taken >= count) {
                return position;
            }
        }
    }

    /**
     * Buffers the live keys of shard {@code s} with hash >= threshold, at most {@code want} entries plus ties.
     * Returns {entries taken, next threshold or -1 if the shard is done}.
     */
    private long[] scanShard(Shard s, long threshold, int want, long now) {
        int n = 0;
        for (int seg = 0, segments = s.map.segments(); seg < segments; seg++) {
            try (MapSegmentContext<byte[], byte[], ?> ctx = s.map.segmentContext(seg)) {
                int[] count = {n};
                ctx.forEachSegmentEntry(e -> {
                    long h = hash(e.key());
                    if (h >= threshold) {
                        if (count[0] == scanHashes.length) {
                            scanHashes = Arrays.copyOf(scanHashes, count[0] * 2);
                        }
                        scanHashes[count[0]++] = h;
                    }
                });
                n = count[0];
            }
        }
        if (n == 0) {
            return new long[] {0, -1};
        }
        long upper;
        long next;
        int taken;
        if (n <= want) {
            upper = SPACE;
            next = -1;
            taken = n;
        } else {
            Arrays.sort(scanHashes, 0, n);
            upper = scanHashes[want - 1];
            int i = want;
            while (i < n && scanHashes[i] == upper) {
                i++;
            }
            taken = i;
            next = i < n ? scanHashes[i] : -1;
        }
        for (int seg = 0, segments = s.map.segments(); seg < segments; seg++) {
            try (MapSegmentContext<byte[], byte[], ?> ctx = s.map.segmentContext(seg)) {
                ctx.forEachSegmentEntry(e -> {
                    long h = hash(e.key());
                    if (h >= threshold && h <= upper && !expired(e.value(), now)) {
                        keyBuffer.add(copyOf(e.key()));
                        typeBuffer.write(tagOf(e.value()));
                    }
                });
            }
        }
        return new long[] {taken, next};
    }

    /** {@inheritDoc} O(number of keys). */
    @Override
    public void forEachKey(long now, KeyVisitor visitor) {
        long position = 0;
        while (true) {
            Shard s = shards[shardIndex(position)];
            long shardEnd = s.end();
            for (int seg = 0, segments = s.map.segments(); seg < segments; seg++) {
                try (MapSegmentContext<byte[], byte[], ?> ctx = s.map.segmentContext(seg)) {
                    ctx.forEachSegmentEntry(e -> {
                        if (!expired(e.value(), now)) {
                            keyBuffer.add(copyOf(e.key()));
                            typeBuffer.write(tagOf(e.value()));
                        }
                    });
                }
            }
            emitBuffered(visitor);
            if (shardEnd >= SPACE) {
                return;
            }
            position = shardEnd;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Chosen uniformly among stored keys (expired ones included in the draw: a draw that lands on an expired key
     * is retried a few times, then the first live key from a random shard on is taken). Cost: O(shards + shard size).
     */
    @Override
    public byte[] randomKey(long now, RandomGenerator random) {
        if (entries == 0) {
            return null;
        }
        for (int attempt = 0; attempt < RANDOM_KEY_TRIES; attempt++) {
            long r = random.nextLong(entries);
            int i = 0;
            while (r >= shards[i].entries) {
                r -= shards[i++].entries;
            }
            byte[] found = nth(shards[i], r, now);
            if (found != null) {
                return found;
            }
        }
        int start = random.nextInt(shards.length);
        for (int i = 0; i < shards.length; i++) {
            byte[] found = firstLive(shards[(start + i) % shards.length], now);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** The {@code r}-th entry of the shard in its map's order if live at {@code now}, else null. */
    private static byte[] nth(Shard s, long r, long now) {
        long[] left = {r};
        byte[][] found = {null};
        boolean[] done = {false};
        for (int seg = 0, segments = s.map.segments(); seg < segments && !done[0]; seg++) {
            try (MapSegmentContext<byte[], byte[], ?> ctx = s.map.segmentContext(seg)) {
                ctx.forEachSegmentEntryWhile(e -> {
                    if (left[0]-- > 0) {
                        return true;
                    }
                    if (!expired(e.value(), now)) {
                        found[0] = copyOf(e.key());
                    }
                    done[0] = true;
                    return false;
                });
            }
        }
        return found[0];
    }

    private static byte[] firstLive(Shard s, long now) {
        byte[][] found = {null};
        for (int seg = 0, segments = s.map.segments(); seg < segments && found[0] == null; seg++) {
            try (MapSegmentContext<byte[], byte[], ?> ctx = s.map.segmentContext(seg)) {
                ctx.forEachSegmentEntryWhile(e -> {
                    if (expired(e.value(), now)) {
                        return true;
                    }
                    found[0] = copyOf(e.key());
                    return false;
                });
            }
        }
        return found[0];
    }

    /**
     * {@inheritDoc}
     *
     * <p>Reads whole shards from a rotating position: each call continues with the shard after the last one it read,
     * until it has {@code max} keys or has gone round the whole space once. O(keys read).
     */
    @Override
    public List<byte[]> sampleExpired(long now, int max) {
        List<byte[]> out = new ArrayList<>();
        if (max < 1 || keysWithExpiry == 0) {
            return out;
        }
        for (int read = 0, n = shards.length; read < n && out.size() < max; read++) {
            Shard s = shards[shardIndex(expirePosition)];
            expirePosition = s.end() >= SPACE ? 0 : s.end();
            for (int seg = 0, segments = s.map.segments(); seg < segments && out.size() < max; seg++) {
                try (MapSegmentContext<byte[], byte[], ?> ctx = s.map.segmentContext(seg)) {
                    ctx.forEachSegmentEntryWhile(e -> {
                        long deadline = deadlineOf(e.value());
                        if (deadline != 0 && deadline <= now) {
                            out.add(copyOf(e.key()));
                        }
                        return out.size() < max;
                    });
                }
            }
        }
        return out;
    }

    private void emitBuffered(KeyVisitor visitor) {
        byte[] types = typeBuffer.toByteArray();
        // Copy out first: the visitor may itself iterate (the buffers are shared).
        byte[][] keys = keyBuffer.toArray(new byte[0][]);
        keyBuffer.clear();
        typeBuffer.reset();
        for (int i = 0; i < keys.length; i++) {
            visitor.visit(keys[i], ValueType.ofTag(types[i]));
        }
    }

    /** Tests only: keeps just the top {@code bits} bits of the hash, so that many keys share one (the tie rule). */
    void useCoarseHashForTests(int bits) {
        if (bits < 1 || bits > HASH_BITS || entries != 0) {
            throw new IllegalArgumentException("bits: " + bits + " (on an empty store only)");
        }
        hashMask = (SPACE - 1) & -(1L << (HASH_BITS - bits));
    }

    /** A fresh copy of an entry's bytes ({@code Data.get()} reuses one array across entries). */
    private static byte[] copyOf(Data<byte[]> data) {
        byte[] out = new byte[Math.toIntExact(data.size())];
        data.bytes().read(data.offset(), out, 0, out.length);
        return out;
    }

    private static boolean expired(Data<byte[]> value, long now) {
        long deadline = deadlineOf(value);
        return deadline != 0 && deadline <= now;
    }

    /** The deadline in a raw entry's header, read in place (same layout as {@link #encode}). */
    private static long deadlineOf(Data<byte[]> value) {
        return readLong(value, 1);
    }

    /** A big-endian long at {@code at} in a raw entry, read in place. */
    private static long readLong(Data<byte[]> value, int at) {
        RandomDataInput in = value.bytes();
        long off = value.offset() + at;
        long d = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            d = (d << 8) | (in.readByte(off + i) & 0xff);
        }
        return d;
    }

    private static byte tagOf(Data<byte[]> value) {
        return (byte) (value.bytes().readByte(value.offset()) & TYPE_MASK);
    }

    public KvConfig config() {
        return config;
    }

    @Override
    public void close() {
        if (spareMaker != null) {
            spareMaker.interrupt();
            try {
                spareMaker.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (ChronicleMap<byte[], byte[]> spare : spares) {
                spare.close();
            }
        }
        if (view != null) {
            view.close();
        }
        for (Shard s : shards) {
            s.map.close();
        }
        for (BytesStore<?, Void> block : blocks.values()) {
            block.releaseLast();
        }
        blocks.clear();
    }

    // ---- Point-in-time views ---------------------------------------------------------------------------------
    //
    // A view pins the shards that exist when it opens and notes the stamp counter: an entry with a stamp at or below
    // it was written before the view. The view reads its pinned shards one at a time. While it is open:
    // - a pinned shard that apply replaces (split, merge, FLUSHALL) is frozen, not closed: its keys now live in other
    //   maps, and what it holds is what it held when replaced;
    // - before apply changes a key in a pinned shard that is still live and that the view has not read yet, it keeps
    //   the key's entry as the view saw it (its first pre-image), if that entry is older than the view;
    // - out-of-line payloads are not freed.
    // Reading a shard takes the entries older than the view that have no pre-image, plus the pre-images, under the
    // view's lock, then marks the shard read; apply takes the same lock to check that mark and keep a pre-image, so a
    // key is taken either from the map or from its pre-image, never both, and never in a state newer than the view.
    // The unit of reading and marking is one segment of a pinned shard's map, so apply waits for the lock at most while
    // one segment (a few thousand keys) is copied.

    private void beforeChange(Shard s, byte[] key) {
        View v = view;
        if (v != null && s.pin >= 0) {
            v.keepPreImage(s, key);
        }
    }

    @Override
    public KeyspaceView openView() {
        if (view != null) {
            throw new IllegalStateException("a view of the key space is already open");
        }
        View v = new View(shards.clone(), stampCounter, entries);
        for (int i = 0; i < v.pinned.length; i++) {
            v.pinned[i].pin = i;
        }
        view = v;
        return v;
    }

    private final class View implements KeyspaceView {
        final Shard[] pinned;
        final long stamp;
        final long size;
        final ReentrantLock lock = new ReentrantLock();
        /**
         * Guarded by lock, per pinned shard and segment of its map: whether the view has read it, and the pre-images
         * kept for it until then. The unit is a Chronicle Map segment (a few thousand keys), so that apply waits for
         * the lock at most while one segment is copied.
         */
        final boolean[][] read;
        final Map<ByteBuffer, byte[]>[][] preImages;
        /** Apply thread only: maps and blocks the key space let go of while the view was open. */
        final List<ChronicleMap<byte[], byte[]>> keptMaps = new ArrayList<>();
        final List<Long> keptBlocks = new ArrayList<>();
        volatile boolean spoiled;
        volatile boolean closed;

        @SuppressWarnings("unchecked")
        View(Shard[] pinned, long stamp, long size) {
            this.pinned = pinned;
            this.stamp = stamp;
            this.size = size;
            this.read = new boolean[pinned.length][];
            this.preImages = new Map[pinned.length][];
            for (int i = 0; i < pinned.length; i++) {
                int segments = pinned[i].map.segments();
                read[i] = new boolean[segments];
                preImages[i] = new Map[segments];
            }
        }

        /** Apply thread, before {@code key} changes in the live pinned shard {@code s}. */
        void keepPreImage(Shard s, byte[] key) {
            int seg;
            try (ExternalMapQueryContext<byte[], byte[], ?> q = s.map.queryContext(key)) {
                seg = q.segmentIndex();
            }
            lock.lock();
            try {
                if (read[s.pin][seg]) {
                    return;
                }
                Map<ByteBuffer, byte[]> kept = preImages[s.pin][seg];
                if (kept == null) {
                    kept = preImages[s.pin][seg] = new HashMap<>();
                }
                if (kept.containsKey(ByteBuffer.wrap(key))) {
                    return;
                }
                byte[] raw = s.map.get(key);
                // A key the view never saw (absent, or written after the view opened, which would have kept its
                // pre-image then) needs none.
                if (raw != null && stampOf(raw) <= stamp) {
                    kept.put(ByteBuffer.wrap(key.clone()), raw);
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public void forEach(EntryVisitor visitor) {
            List<byte[]> buffer = new ArrayList<>();
            for (int i = 0; i < pinned.length; i++) {
                ChronicleMap<byte[], byte[]> map = pinned[i].map;
                for (int seg = 0; seg < read[i].length; seg++) {
                    buffer.clear();
                    lock.lock();
                    try {
                        if (closed || spoiled) {
                            throw new IllegalStateException(closed ? "the view was closed"
                                    : "FLUSHALL emptied the key space in place while the view was open");
                        }
                        Map<ByteBuffer, byte[]> kept = preImages[i][seg] == null ? Map.of() : preImages[i][seg];
                        try (MapSegmentContext<byte[], byte[], ?> ctx = map.segmentContext(seg)) {
                            ctx.forEachSegmentEntry(e -> {
                                if (stampOf(e.value()) <= stamp) {
                                    byte[] key = copyOf(e.key());
                                    if (!kept.containsKey(ByteBuffer.wrap(key))) {
                                        buffer.add(key);
                                        buffer.add(copyOf(e.value()));
                                    }
                                }
                            });
                        }
                        for (Map.Entry<ByteBuffer, byte[]> e : kept.entrySet()) {
                            buffer.add(e.getKey().array());
                            buffer.add(e.getValue());
                        }
                        read[i][seg] = true;
                        preImages[i][seg] = null;
                    } finally {
                        lock.unlock();
                    }
                    for (int j = 0; j < buffer.size(); j += 2) {
                        visitor.visit(buffer.get(j), decode(buffer.get(j + 1)));
                    }
                }
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            lock.lock();
            try {
                closed = true;
            } finally {
                lock.unlock();
            }
            view = null;
            for (Shard s : pinned) {
                s.pin = -1;
            }
            for (ChronicleMap<byte[], byte[]> map : keptMaps) {
                map.close();
            }
            for (Long id : keptBlocks) {
                freeBlock(id);
            }
        }
    }

    private static long stampOf(byte[] raw) {
        return ByteBuffer.wrap(raw, 1 + Long.BYTES, Long.BYTES).getLong();
    }

    private static long stampOf(Data<byte[]> value) {
        return readLong(value, 1 + Long.BYTES);
    }

    /**
     * Runs the split, merge and iteration code on a scratch key space, so that the JIT has compiled it before the first
     * real split: interpreted, the first splits of a fresh server took 100-450 ms each on the apply thread (against
     * 10-30 ms compiled), and during a bulk load they came often enough for a cluster to lose its leader. Call once at
     * start, before serving. It adds about 0.8 s to a start (a standalone node's first PONG: 3.0 s before, 3.8 s).
     */
    public static void warmUp() {
        try (ChronicleKeyspace scratch = new ChronicleKeyspace(new KvConfig(512, 16, 16))) {
            byte[] value = new byte[16];
            int keys = 12_000;
            for (int i = 0; i < keys; i++) {
                scratch.put(("warm-up:" + i).getBytes(StandardCharsets.US_ASCII),
                        new StringValue(value, 0));
            }
            long cursor = 0;
            do {
                cursor = scratch.scan(cursor, 1_000, 0, (k, t) -> { });
            } while (cursor != 0);
            for (int i = 0; i < keys; i++) {
                scratch.delete(("warm-up:" + i).getBytes(StandardCharsets.US_ASCII), 0);
            }
        }
    }

    // ---- Entry codec ----------------------------------------------------------------------------------------

    private byte[] encode(StoredValue v, long stamp) {
        byte[] payload = ValueCodec.payloadOf(v);
        byte tag = v.type().tag();
        if (payload.length > INLINE_MAX) {
            byte[] raw = new byte[REF_SIZE];
            ByteBuffer b = ByteBuffer.wrap(raw);
            b.put((byte) (tag | OUT_OF_LINE)).putLong(v.expireAt()).putLong(stamp);
            b.putLong(storeBlock(payload)).putLong(payload.length);
            return raw;
        }
        byte[] raw = new byte[HEADER + payload.length];
        ByteBuffer.wrap(raw).put(tag).putLong(v.expireAt()).putLong(stamp);
        System.arraycopy(payload, 0, raw, HEADER, payload.length);
        return raw;
    }

    private StoredValue decode(byte[] raw) {
        ValueType type = ValueType.ofTag(raw[0] & TYPE_MASK);
        byte[] payload;
        if (isOutOfLine(raw)) {
            ByteBuffer b = ByteBuffer.wrap(raw, HEADER, REF_SIZE - HEADER);
            long id = b.getLong();
            payload = readBlock(id, b.getLong());
        } else {
            payload = Arrays.copyOfRange(raw, HEADER, raw.length);
        }
        return ValueCodec.valueOf(type, payload, expireAtOf(raw));
    }

    private static boolean isOutOfLine(byte[] raw) {
        return (raw[0] & OUT_OF_LINE) != 0;
    }

    private static long blockIdOf(byte[] raw) {
        return ByteBuffer.wrap(raw, HEADER, Long.BYTES).getLong();
    }

    /** The bytes a raw entry stands for: itself, or for an out-of-line payload its header plus the payload. */
    private static long sizeOf(byte[] raw) {
        return isOutOfLine(raw) ? HEADER + ByteBuffer.wrap(raw, HEADER + Long.BYTES, Long.BYTES).getLong() : raw.length;
    }

    static long expireAtOf(byte[] raw) {
        return ByteBuffer.wrap(raw, 1, Long.BYTES).getLong();
    }
}
