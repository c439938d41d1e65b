package io.raftkv.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory {@link LogStorage} with the write side a driver needs, for tests and deterministic simulation.
 * "Persisting" is a method call; a simulated crash keeps this object and builds a new {@code RaftNode} on it.
 * Single-threaded like the node it serves.
 */
public final class MemoryStorage implements LogStorage {

    private HardState hardState = HardState.EMPTY;
    private Snapshot snapshot;
    /** entries.get(k) has index snapshot.index() + 1 + k. */
    private final List<Entry> entries = new ArrayList<>();

    public MemoryStorage(Membership membership) {
        this.snapshot = new Snapshot(0, 0, membership, new byte[0]);
    }

    @Override
    public InitialState initialState() {
        return new InitialState(hardState, snapshot.membership());
    }

    @Override
    public long firstIndex() {
        return snapshot.index() + 1;
    }

    @Override
    public long lastIndex() {
        return snapshot.index() + entries.size();
    }

    @Override
    public long term(long index) {
        if (index == snapshot.index()) {
            return snapshot.term();
        }
        if (index < snapshot.index() || index > lastIndex()) {
            throw new IndexOutOfBoundsException(
                    "term(" + index + ") outside [" + snapshot.index() + ", " + lastIndex() + "]");
        }
        return entries.get((int) (index - firstIndex())).term();
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        if (lo < firstIndex() || hi > lastIndex() + 1 || lo > hi) {
            throw new IndexOutOfBoundsException(
                    "entries[" + lo + ", " + hi + ") outside [" + firstIndex() + ", " + (lastIndex() + 1) + ")");
        }
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = lo; i < hi; i++) {
            Entry e = entries.get((int) (i - firstIndex()));
            bytes += e.data().length;
            if (!out.isEmpty() && bytes > maxBytes) {
                break;
            }
            out.add(e);
        }
        return List.copyOf(out);
    }

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    public HardState hardState() {
        return hardState;
    }

    public void setHardState(HardState state) {
        this.hardState = state;
    }

    /**
     * Appends {@code batch}, first cutting off every entry at or after its first index (a follower's log is
     * overwritten where it conflicts with the leader's, Raft paper §5.3). Entries before {@code firstIndex()} are
     * ignored (already covered by the snapshot).
     */
    public void append(List<Entry> batch) {
        for (Entry e : batch) {
            if (e.index() < firstIndex()) {
                continue;
            }
            if (e.index() > lastIndex() + 1) {
                throw new IllegalArgumentException("gap: appending index " + e.index() + " after " + lastIndex());
            }
            while (lastIndex() >= e.index()) {
                entries.remove(entries.size() - 1);
            }
            entries.add(e);
        }
    }

    /** Replaces the whole log with {@code snap} (a follower installing the leader's snapshot). */
    public void applySnapshot(Snapshot snap) {
        if (snap.index() <= snapshot.index()) {
            throw new IllegalArgumentException("snapshot " + snap.index() + " is not newer than " + snapshot.index());
        }
        entries.clear();
        snapshot = snap;
    }

    /**
     * Takes a snapshot at {@code index} (which must be in the log) and discards the entries up to it. The caller
     * supplies the state machine image as of {@code index}.
     */
    public Snapshot compact(long index, byte[] data) {
        if (index <= snapshot.index() || index > lastIndex()) {
            throw new IllegalArgumentException(
                    "compact(" + index + ") outside (" + snapshot.index() + ", " + lastIndex() + "]");
        }
        Snapshot snap = new Snapshot(index, term(index), snapshot.membership(), data);
        entries.subList(0, (int) (index - snapshot.index())).clear();
        snapshot = snap;
        return snap;
    }
}
