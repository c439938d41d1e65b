package io.raftkv.server.driver;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.LogStorage;
import io.raftkv.wal.SyncPolicy;

import java.util.List;

/**
 * Where a node's Raft state is durable: its log entries and hard state (term, vote, commit). The driver writes
 * through this interface and Raft reads through {@link #storage()}, a read-only view of the same state. Two
 * implementations: {@link WalLog} over the Chronicle Queue WAL, and the simulation's disk, which keeps a synced image
 * and a live one and loses unsynced writes in a crash.
 *
 * <p>Writes are not durable until {@link #sync()} returns (or {@link #syncPerPolicy()} says it synced): a sync
 * covers everything written before it. Reads see every write, synced or not.
 *
 * <p>Threads: the driver thread only. Errors: a failed write or sync throws an unchecked exception (the WAL's
 * {@code WalException}); the driver then stops taking part, as nothing written since the last good sync may be
 * trusted to be on disk.
 */
interface DurableLog extends AutoCloseable {

    /** Raft's read-only view of this log; its membership is the configured one. */
    LogStorage storage();

    HardState hardState();

    /** The first entry's index, 0 if the log is empty. */
    long firstIndex();

    /** The last entry's index, 0 if the log is empty. */
    long lastIndex();

    /** The entry at {@code index}, which must be in the log. The entry belongs to the caller. */
    Entry entry(long index);

    /** Appends {@code entries}, which must follow the last entry without a gap; the list stays the caller's. */
    void append(List<Entry> entries);

    /** Drops every entry after {@code lastKept} (a conflicting suffix, Raft paper §5.3). */
    void truncateSuffix(long lastKept);

    void saveHardState(HardState hs);

    /** Makes every earlier write durable. */
    void sync();

    /** Syncs if the policy says so after a write the Raft core needs acknowledged; returns whether it synced. */
    boolean syncPerPolicy();

    SyncPolicy syncPolicy();

    /** Syncs done so far, and the nanoseconds they took, for INFO. */
    long syncCount();

    long syncNanos();

    /** Syncs what is not yet synced (unless the log failed earlier) and releases it. */
    @Override
    void close();
}
