package io.raftkv.server.kv;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The key space: binary keys to {@link StoredValue}s. It is a cache of the log (and, later, of the latest snapshot),
 * never the source of truth: on start it is rebuilt by replaying the WAL.
 *
 * <p>Threads: one thread, the apply thread, calls every method; nothing here is safe to call concurrently. Keys and
 * values passed in are not retained (the store copies them); arrays handed out are fresh copies the caller owns.
 *
 * <p>Expiry: {@code get(key, now)} hides a key whose deadline is at or before {@code now}. Only writes that went
 * through the log remove keys, so replays and every node agree.
 *
 * <p>Atomic commands: between {@link #beginCommand()} and {@link #endCommand()} every change is journaled, so that a
 * command that fails part way ({@link StoreFullException}, {@link EntryTooLargeException}) is undone whole by
 * {@link #rollbackCommand()}, as a Redis command is atomic.
 *
 * <p>What a write command may use is {@link KeyspaceData}, which this extends; the rest (stamps, sizes in memory,
 * iteration, the journal, views) is for reads, the state machine and the node.
 */
public interface Keyspace extends KeyspaceData, AutoCloseable {

    /**
     * The modification stamp of {@code key}: a number that changes whenever the key is written (never to a value it
     * had before on this node), 0 if the key is not stored. WATCH compares stamps.
     */
    long stamp(byte[] key);

    /** Bytes of the payload stored under {@code key}, expired or not, 0 if there is none; without reading it. */
    long payloadLength(byte[] key);

    /** A payload this long is large: copying it out is worth keeping off a thread that sends heartbeats. */
    long LARGE_VALUE_BYTES = 1 << 20;

    /** How many keys hold a large payload ({@link #LARGE_VALUE_BYTES} or more), expired or not. */
    long largeValues();

    /** Every key, live or expired (Redis's DBSIZE counts keys not yet reclaimed too). */
    long size();

    /** How many stored keys carry a deadline (INFO keyspace's {@code expires}). */
    long keysWithExpiry();

    /** Key plus value bytes held, the figure {@code maxmemory} is compared with. */
    long dataBytes();

    /** Off-heap bytes the store has taken. */
    long offHeapBytes();

    /** Starts journaling changes for {@link #rollbackCommand()}. */
    void beginCommand();

    /** Ends the current command, keeping its changes. */
    void endCommand();

    /** Puts back every key the current command changed, newest change first, then ends the command. */
    void rollbackCommand();

    /**
     * One step of a SCAN: visits about {@code count} keys from {@code cursor} on and returns the cursor to continue
     * from, 0 when the iteration is complete (cursor 0 also starts one). Keys whose deadline is at or before
     * {@code now} are stepped over but not visited. Redis's guarantee holds: a key present from the first call to the
     * last is visited at least once, whatever is added or removed in between. Changes nothing; the visitor may
     * write the store.
     */
    long scan(long cursor, int count, long now, KeyVisitor visitor);

    /** Visits every key live at {@code now} (KEYS). Changes nothing; the visitor may write the store. */
    void forEachKey(long now, KeyVisitor visitor);

    /** A key live at {@code now}, chosen at random, or null if no key is live. Changes nothing. */
    byte[] randomKey(long now, RandomGenerator random);

    /**
     * Up to {@code max} keys whose deadline is at or before {@code now}, for the leader's active-expiry cycle (which
     * proposes their deletion; this changes nothing). Repeated calls cover the whole key space even if earlier
     * findings were never deleted.
     */
    List<byte[]> sampleExpired(long now, int max);

    /**
     * Opens a consistent view of the key space as it is now, for another thread to read while apply goes on (see
     * {@link KeyspaceView}). At most one view is open at a time.
     *
     * @throws IllegalStateException if a view is already open
     */
    KeyspaceView openView();

    @Override
    void close();

    /** Receives keys from iteration: a fresh copy of the key, and its value's type. */
    @FunctionalInterface
    interface KeyVisitor {
        void visit(byte[] key, ValueType type);
    }
}
