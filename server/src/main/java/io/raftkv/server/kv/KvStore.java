package io.raftkv.server.kv;

import net.openhft.chronicle.map.ChronicleMap;

import java.nio.ByteBuffer;

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

    private static final int HEADER = 1 + Long.BYTES;

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
            // than a segment) before changing anything.
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

    /** Removes every key. Not journaled: FLUSHALL cannot fail part way. */
    public void clear() {
        map.clear();
        dataBytes = 0;
        keysWithExpiry = 0;
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
