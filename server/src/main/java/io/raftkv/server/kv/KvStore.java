package io.raftkv.server.kv;

import net.openhft.chronicle.algo.hashing.LongHashFunction;
import net.openhft.chronicle.bytes.RandomDataInput;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.hash.serialization.impl.ByteArraySizedReader;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.MapSegmentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The key space: binary keys to {@link StoredValue}s, kept off-heap in a Chronicle Map. It is a cache of the log,
 * never the source of truth: on start it is rebuilt by replaying the WAL.
 *
 * <p>Threads: owned by the apply thread, which is the only caller of every method; nothing here is safe to call
 * concurrently with a write. Keys passed in are not retained (Chronicle copies them off-heap).
 *
 * <p>Expiry: {@code get(key, now)} hides a key whose deadline is at or before {@code now}. Only writes that went
 * through the log remove keys, so replays and every node agree.
 */
public final class KvStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KvStore.class);
    private static final int HEADER = 1 + Long.BYTES;
    private static final double MAX_BLOAT = 8.0;

    private final KvConfig config;
    private ChronicleMap<byte[], byte[]> map;
    private long dataBytes;
    private long keysWithExpiry;
    /** Undo journal of the command being applied: key, then the raw value it had (null: absent). */
    private final java.util.ArrayList<byte[]> undo = new java.util.ArrayList<>();
    private boolean journaling;

    public KvStore(KvConfig config) {
        this.config = config;
        this.map = newMap(config);
    }

    private static ChronicleMap<byte[], byte[]> newMap(KvConfig c) {
        return ChronicleMap.of(byte[].class, byte[].class)
                .name("raftkv-keyspace")
                .entries(c.maxEntries())
                .averageKeySize(c.averageKeySize())
                .averageValueSize(c.averageValueSize() + HEADER)
                .keyReaderAndDataAccess(ByteArraySizedReader.INSTANCE, new ByteArrayBufferDataAccess())
                .valueReaderAndDataAccess(ByteArraySizedReader.INSTANCE, new ByteArrayBufferDataAccess())
                // Sizing is a guess: let the map add segment tiers (allocated on demand) up to 8x before it is full.
                .maxBloatFactor(MAX_BLOAT)
                .create();
    }

    /** The live value of {@code key} at time {@code now}, or null if there is none or it has expired. */
    public StoredValue get(byte[] key, long now) {
        StoredValue v = getIncludingExpired(key);
        return v == null || v.expiredAt(now) ? null : v;
    }

    /** The stored value even if its deadline has passed (for expiry sweeps), or null. */
    public StoredValue getIncludingExpired(byte[] key) {
        byte[] raw = map.get(key);
        return raw == null ? null : decode(raw);
    }

    /**
     * Stores {@code value} under {@code key}, replacing what was there.
     *
     * @throws StoreFullException if the map cannot take it; the store is unchanged then. ({@code maxmemory} is not
     *     checked here: like Redis, the node that accepts a command checks it before proposing, so that apply never
     *     depends on a setting one node may have changed with CONFIG SET.)
     */
    public void put(byte[] key, StoredValue value) {
        byte[] raw = encode(value);
        byte[] old;
        try {
            old = map.put(key, raw);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // Chronicle Map refuses an entry it has no room for (all segment tiers used, or an entry larger
            // than a segment) before changing anything. The second is not a full store: no deletion would help.
            // ("Entry is too large" for a new key, "Value too large" for a replaced one)
            if (String.valueOf(e.getMessage()).contains("too large")) {
                throw new EntryTooLargeException(key.length + raw.length, e);
            }
            throw new StoreFullException("the keyspace map is full: " + e.getMessage(), e);
        }
        journal(key, old);
        dataBytes += key.length + raw.length;
        if (value.hasExpiry()) {
            keysWithExpiry++;
        }
        if (old != null) {
            dataBytes -= key.length + old.length;
            if (expireAtOf(old) != 0) {
                keysWithExpiry--;
            }
        }
    }

    /**
     * Removes {@code key} whatever its deadline. Returns true if it was live at {@code now} (an expired key is
     * removed too, but counts as not there, as in Redis).
     */
    public boolean delete(byte[] key, long now) {
        byte[] old = map.remove(key);
        if (old == null) {
            return false;
        }
        journal(key, old);
        dataBytes -= key.length + old.length;
        long deadline = expireAtOf(old);
        if (deadline != 0) {
            keysWithExpiry--;
        }
        return deadline == 0 || deadline > now;
    }

    /** Every key, live or expired (Redis's DBSIZE counts keys not yet reclaimed too). */
    public long size() {
        return map.longSize();
    }

    /** How many stored keys carry a deadline (INFO keyspace's {@code expires}). */
    public long keysWithExpiry() {
        return keysWithExpiry;
    }

    /** Key plus value bytes held, the figure {@code maxmemory} is compared with. */
    public long dataBytes() {
        return dataBytes;
    }

    /** Off-heap bytes Chronicle Map has taken for the key space. */
    public long offHeapBytes() {
        return map.offHeapMemoryUsed();
    }

    /**
     * Starts recording what each put and delete replaces, so that a command that fails part way (the store filled
     * up after some of its keys were written) can be undone whole: a command is atomic, as in Redis.
     */
    public void beginCommand() {
        undo.clear();
        journaling = true;
    }

    /** Ends the current command, keeping its changes. */
    public void endCommand() {
        undo.clear();
        journaling = false;
    }

    /** Puts back every key the current command changed, newest change first, then ends the command. */
    public void rollbackCommand() {
        journaling = false;
        for (int i = undo.size() - 2; i >= 0; i -= 2) {
            byte[] key = undo.get(i);
            byte[] old = undo.get(i + 1);
            byte[] now = old == null ? map.remove(key) : map.put(key, old);
            if (now != null) {
                dataBytes -= key.length + now.length;
                if (expireAtOf(now) != 0) {
                    keysWithExpiry--;
                }
            }
            if (old != null) {
                dataBytes += key.length + old.length;
                if (expireAtOf(old) != 0) {
                    keysWithExpiry++;
                }
            }
        }
        undo.clear();
    }

    private void journal(byte[] key, byte[] old) {
        if (journaling) {
            undo.add(key);
            undo.add(old);
        }
    }

    /**
     * Removes every key. Not journaled: FLUSHALL cannot fail part way. The map is replaced by a new empty one of
     * the same shape rather than emptied: Chronicle Map's {@code clear()} removes entry by entry, over a second for
     * 1M keys, and apply runs on the thread that sends heartbeats, so a FLUSHALL of a large key space cost the
     * cluster its leader. If the new map cannot be created, the old one is emptied in place.
     */
    public void clear() {
        ChronicleMap<byte[], byte[]> fresh;
        try {
            fresh = newMap(config);
        } catch (RuntimeException e) {
            log.warn("could not create a new key-space map for FLUSHALL; emptying the old one in place", e);
            map.clear();
            fresh = null;
        }
        if (fresh != null) {
            ChronicleMap<byte[], byte[]> old = map;
            map = fresh;
            old.close();
        }
        dataBytes = 0;
        keysWithExpiry = 0;
    }

    // ---- Key iteration: SCAN, KEYS, RANDOMKEY, active-expiry sampling ----------------------------------------
    //
    // Chronicle Map routes a key to one of a fixed number of segments by its own hash of the key bytes; the number of
    // segments is fixed when the map is created, so a key stays in the same segment for the map's life (overflow
    // tiers chain onto their segment). Iteration therefore goes segment by segment, taking each segment's lock only
    // while copying keys out: callbacks run after the lock is released, so they may read or write the store.

    /** Bits of the SCAN cursor that hold the threshold hash within a segment; the segment index sits above them. */
    static final int SCAN_HASH_BITS = 40;
    private static final long SCAN_HASH_MASK = (1L << SCAN_HASH_BITS) - 1;
    /** Orders keys within a segment for SCAN: fixed seed, so the order is the same on every call and every node. */
    private static final LongHashFunction SCAN_HASH = LongHashFunction.murmur_3(0x5CA9_C0DE_2026L);
    private static final int RANDOM_KEY_TRIES = 16;

    /** Receives keys from {@link #scan} and {@link #forEachKey}: a fresh copy of the key and its type tag. */
    @FunctionalInterface
    public interface KeyVisitor {
        void visit(byte[] key, byte type);
    }

    /** The bits of the SCAN hash in use: all 40, or fewer in tests that need many ties. */
    private long scanHashMask = SCAN_HASH_MASK;
    private long[] scanHashes = new long[64];
    private final ArrayList<byte[]> keyBuffer = new ArrayList<>();
    private final ByteArrayOutputStream typeBuffer = new ByteArrayOutputStream();
    private int expireCursor;

    /**
     * The value of {@code key} for a command about to write it: null if missing or expired; an expired key is
     * removed on the way, as Redis's lookupKeyWrite does (lazy expiry, part of the logged command, so deterministic).
     */
    public StoredValue lookupWrite(byte[] key, long now) {
        StoredValue v = getIncludingExpired(key);
        if (v != null && v.expiredAt(now)) {
            delete(key, now);
            return null;
        }
        return v;
    }

    /**
     * One step of a SCAN: visits about {@code count} keys from {@code cursor} on and returns the cursor to continue
     * from, 0 when the iteration is complete (cursor 0 also starts one). Keys whose deadline is at or before
     * {@code now} are stepped over (they count towards {@code count}) but not visited. Changes nothing.
     *
     * <p>Cursor: {@code (segment << 40) | threshold}, read as an unsigned 64-bit number. Within a segment, keys are
     * taken in the order of a 40-bit hash of their bytes ({@link #SCAN_HASH}, independent of Chronicle's routing
     * hash); a step takes the keys of the segment whose hash is at or above the threshold, the {@code count}
     * smallest, plus every key sharing the last taken hash (a step never cuts between equal hashes), and moves on
     * to the next segments while fewer than {@code count} were taken. The next cursor is the first hash not taken.
     *
     * <p>Guarantee (Redis's): a key present from the first call to the last is visited at least once, whatever is
     * added or removed in between, because the (segment, hash) ranges of the steps are disjoint and together cover
     * everything; in fact such a key is visited exactly once. A key added or removed during the iteration may or
     * may not be visited. A cursor whose segment does not exist ends the iteration.
     *
     * <p>Cost: each segment a step touches is read twice in full, so a step is O(size of the segments touched),
     * whatever {@code count} is; a full iteration with small counts reads each segment about
     * {@code segmentSize / count} times.
     */
    public long scan(long cursor, int count, long now, KeyVisitor visitor) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be positive: " + count);
        }
        int segments = map.segments();
        long segment = cursor >>> SCAN_HASH_BITS;
        if (segment >= segments) {
            return 0;
        }
        int s = (int) segment;
        long threshold = cursor & SCAN_HASH_MASK;
        int taken = 0;
        while (true) {
            keyBuffer.clear();
            typeBuffer.reset();
            long[] step = scanSegment(s, threshold, count - taken, now);
            emitBuffered(visitor);
            taken += (int) step[0];
            if (step[1] >= 0) {
                return ((long) s << SCAN_HASH_BITS) | step[1];
            }
            s++;
            threshold = 0;
            if (s >= segments) {
                return 0;
            }
            if (taken >= count) {
                return (long) s << SCAN_HASH_BITS;
            }
        }
    }

    /**
     * Buffers the live keys of segment {@code s} with hash >= threshold, at most {@code want} entries plus ties.
     * Returns {entries taken, next threshold or -1 if the segment is done}.
     */
    private long[] scanSegment(int s, long threshold, int want, long now) {
        try (MapSegmentContext<byte[], byte[], ?> ctx = map.segmentContext(s)) {
            int[] n = {0};
            ctx.forEachSegmentEntry(e -> {
                long h = scanHash(e.key());
                if (h >= threshold) {
                    if (n[0] == scanHashes.length) {
                        scanHashes = Arrays.copyOf(scanHashes, n[0] * 2);
                    }
                    scanHashes[n[0]++] = h;
                }
            });
            if (n[0] == 0) {
                return new long[] {0, -1};
            }
            long upper;
            long next;
            int taken;
            if (n[0] <= want) {
                upper = SCAN_HASH_MASK;
                next = -1;
                taken = n[0];
            } else {
                Arrays.sort(scanHashes, 0, n[0]);
                upper = scanHashes[want - 1];
                int i = want;
                while (i < n[0] && scanHashes[i] == upper) {
                    i++;
                }
                taken = i;
                next = i < n[0] ? scanHashes[i] : -1;
            }
            ctx.forEachSegmentEntry(e -> {
                long h = scanHash(e.key());
                if (h >= threshold && h <= upper && !expired(e.value(), now)) {
                    keyBuffer.add(copyOf(e.key()));
                    typeBuffer.write(typeOf(e.value()));
                }
            });
            return new long[] {taken, next};
        }
    }

    /** Visits every key live at {@code now} (KEYS). O(number of keys); changes nothing. */
    public void forEachKey(long now, KeyVisitor visitor) {
        for (int s = 0, segments = map.segments(); s < segments; s++) {
            keyBuffer.clear();
            typeBuffer.reset();
            try (MapSegmentContext<byte[], byte[], ?> ctx = map.segmentContext(s)) {
                ctx.forEachSegmentEntry(e -> {
                    if (!expired(e.value(), now)) {
                        keyBuffer.add(copyOf(e.key()));
                        typeBuffer.write(typeOf(e.value()));
                    }
                });
            }
            emitBuffered(visitor);
        }
    }

    /**
     * A key live at {@code now}, chosen uniformly among stored keys (expired ones included in the draw: a draw that
     * lands on an expired key is retried a few times, then the first live key from a random segment is taken), or
     * null if no key is live. Cost: O(segments + segment size) per draw. Changes nothing.
     */
    public byte[] randomKey(long now, RandomGenerator random) {
        int segments = map.segments();
        long[] sizes = new long[segments];
        long total = 0;
        for (int s = 0; s < segments; s++) {
            try (MapSegmentContext<byte[], byte[], ?> ctx = map.segmentContext(s)) {
                sizes[s] = ctx.size();
            }
            total += sizes[s];
        }
        if (total == 0) {
            return null;
        }
        for (int attempt = 0; attempt < RANDOM_KEY_TRIES; attempt++) {
            long r = random.nextLong(total);
            int s = 0;
            while (r >= sizes[s]) {
                r -= sizes[s++];
            }
            long[] left = {r};
            byte[][] found = {null};
            try (MapSegmentContext<byte[], byte[], ?> ctx = map.segmentContext(s)) {
                ctx.forEachSegmentEntryWhile(e -> {
                    if (left[0]-- > 0) {
                        return true;
                    }
                    if (!expired(e.value(), now)) {
                        found[0] = copyOf(e.key());
                    }
                    return false;
                });
            }
            if (found[0] != null) {
                return found[0];
            }
        }
        int start = random.nextInt(segments);
        for (int i = 0; i < segments; i++) {
            byte[][] found = {null};
            try (MapSegmentContext<byte[], byte[], ?> ctx = map.segmentContext((start + i) % segments)) {
                ctx.forEachSegmentEntryWhile(e -> {
                    if (expired(e.value(), now)) {
                        return true;
                    }
                    found[0] = copyOf(e.key());
                    return false;
                });
            }
            if (found[0] != null) {
                return found[0];
            }
        }
        return null;
    }

    /**
     * Up to {@code max} keys whose deadline is at or before {@code now}, for the leader's active-expiry cycle (which
     * proposes their deletion; this changes nothing). Reads whole segments from a rotating cursor: each call
     * continues with the segment after the last one it read, so repeated calls cover the whole map even if earlier
     * findings were never deleted. A call reads segments until it has {@code max} keys or has read every segment
     * once; O(keys read).
     */
    public List<byte[]> sampleExpired(long now, int max) {
        List<byte[]> out = new ArrayList<>();
        if (max < 1 || keysWithExpiry == 0) {
            return out;
        }
        int segments = map.segments();
        for (int i = 0; i < segments && out.size() < max; i++) {
            int s = expireCursor % segments;
            expireCursor = (s + 1) % segments;
            try (MapSegmentContext<byte[], byte[], ?> ctx = map.segmentContext(s)) {
                ctx.forEachSegmentEntryWhile(e -> {
                    long deadline = deadlineOf(e.value());
                    if (deadline != 0 && deadline <= now) {
                        out.add(copyOf(e.key()));
                    }
                    return out.size() < max;
                });
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
            visitor.visit(keys[i], types[i]);
        }
    }

    /** Tests only: keeps just {@code bits} bits of the SCAN hash, so that many keys share one (the tie rule). */
    void useCoarseScanHashForTests(int bits) {
        if (bits < 1 || bits > SCAN_HASH_BITS) {
            throw new IllegalArgumentException("bits: " + bits);
        }
        scanHashMask = (1L << bits) - 1;
    }

    /** A fresh copy of an entry's bytes ({@code Data.get()} reuses one array across entries). */
    private static byte[] copyOf(Data<byte[]> data) {
        byte[] out = new byte[Math.toIntExact(data.size())];
        data.bytes().read(data.offset(), out, 0, out.length);
        return out;
    }

    private long scanHash(Data<byte[]> key) {
        return key.hash(SCAN_HASH) & scanHashMask;
    }

    private static boolean expired(Data<byte[]> value, long now) {
        long deadline = deadlineOf(value);
        return deadline != 0 && deadline <= now;
    }

    /** The deadline in a stored value's header, read in place (same layout as {@link #encode}). */
    private static long deadlineOf(Data<byte[]> value) {
        RandomDataInput in = value.bytes();
        long off = value.offset() + 1;
        long d = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            d = (d << 8) | (in.readByte(off + i) & 0xff);
        }
        return d;
    }

    private static byte typeOf(Data<byte[]> value) {
        return value.bytes().readByte(value.offset());
    }

    /** The underlying map, for iteration by the keyspace commands (SCAN, KEYS, RANDOMKEY). Apply thread only. */
    ChronicleMap<byte[], byte[]> map() {
        return map;
    }

    public KvConfig config() {
        return config;
    }

    @Override
    public void close() {
        map.close();
    }

    static byte[] encode(StoredValue v) {
        byte[] raw = new byte[HEADER + v.payload().length];
        raw[0] = v.type();
        ByteBuffer.wrap(raw, 1, Long.BYTES).putLong(v.expireAt());
        System.arraycopy(v.payload(), 0, raw, HEADER, v.payload().length);
        return raw;
    }

    static StoredValue decode(byte[] raw) {
        byte[] payload = new byte[raw.length - HEADER];
        System.arraycopy(raw, HEADER, payload, 0, payload.length);
        return new StoredValue(raw[0], expireAtOf(raw), payload);
    }

    static long expireAtOf(byte[] raw) {
        return ByteBuffer.wrap(raw, 1, Long.BYTES).getLong();
    }
}
