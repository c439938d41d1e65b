package io.raftkv.raft;

import java.util.List;

/**
 * The read side of a node's persisted Raft state: the {@link RaftNode} reads entries, terms, the
 * hard state and the latest snapshot through it and never writes. The driver writes through its own interface
 * (the WAL; {@link MemoryStorage} in tests) when it persists a {@link Ready}.
 *
 * <p>Threads: every method is called only from the thread that drives the {@code RaftNode}, which is also the
 * thread that writes the storage, so a call always sees all writes made before it.
 *
 * <p>The log holds the entries {@code firstIndex() .. lastIndex()}; everything before {@code firstIndex()} is
 * covered by {@link #snapshot()}, whose index is {@code firstIndex() - 1}. An empty log has
 * {@code lastIndex() == firstIndex() - 1}.
 */
public interface LogStorage {

    /** The persisted hard state and membership the node starts from. */
    InitialState initialState();

    /** The index of the first entry still in the log: the snapshot index + 1. */
    long firstIndex();

    /** The index of the last entry, or the snapshot index if the log is empty. */
    long lastIndex();

    /**
     * The term of entry {@code index}, for {@code firstIndex() - 1 <= index <= lastIndex()} (the lower bound
     * answers the snapshot's term; index 0 has term 0).
     *
     * @throws IndexOutOfBoundsException for any other index: the caller checks the bounds first
     */
    long term(long index);

    /**
     * The entries {@code lo .. hi - 1}, stopping early once their data exceeds {@code maxBytes} but always
     * returning at least the first one. Requires {@code firstIndex() <= lo <= hi <= lastIndex() + 1}.
     * The returned list and entries are shared, immutable: neither side modifies them.
     *
     * @throws IndexOutOfBoundsException if the range is outside the log
     */
    List<Entry> entries(long lo, long hi, long maxBytes);

    /** The latest snapshot (index 0 if none). Owned by the storage; never modified. */
    Snapshot snapshot();

    /** The state a node restarts from. */
    record InitialState(HardState hardState, Membership membership) {
    }
}
