package io.raftkv.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * A node's view of its log: the persisted part read through {@link LogStorage}, followed by "unstable" entries
 * (and possibly a snapshot) that the node accepted but the driver has not yet persisted; plus the commit and
 * apply positions. Package-private, owned by one {@link RaftNode}.
 *
 * <p>Invariants: {@code applied <= committed <= lastIndex()}; unstable entries start at {@code offset} and are
 * contiguous; entries at or below {@code committed} are never overwritten (Raft paper §5.4, Leader Completeness).
 */
final class RaftLog {

    /** Answer of {@link #term} for an index that is compacted away or beyond the last index. */
    static final long UNAVAILABLE = -1;

    private final LogStorage storage;
    private final List<Entry> unstable = new ArrayList<>();
    /** Index of unstable.get(0) (or of the next unstable entry when there is none). */
    private long offset;
    private Snapshot unstableSnapshot;
    private long committed;
    private long applied;

    RaftLog(LogStorage storage) {
        this.storage = storage;
        this.offset = storage.lastIndex() + 1;
        this.committed = storage.firstIndex() - 1;
        this.applied = committed;
    }

    long committed() {
        return committed;
    }

    long applied() {
        return applied;
    }

    long firstIndex() {
        return unstableSnapshot != null ? unstableSnapshot.index() + 1 : storage.firstIndex();
    }

    long lastIndex() {
        if (!unstable.isEmpty()) {
            return offset + unstable.size() - 1;
        }
        return unstableSnapshot != null ? unstableSnapshot.index() : storage.lastIndex();
    }

    /** The last index the driver has persisted (all of it if nothing is unstable). */
    long stableLastIndex() {
        return unstable.isEmpty() ? lastIndex() : offset - 1;
    }

    long lastTerm() {
        long t = term(lastIndex());
        if (t < 0) {
            throw new IllegalStateException("no term for the last index " + lastIndex());
        }
        return t;
    }

    /** The term of entry {@code index}, or {@link #UNAVAILABLE}. Index 0 has term 0. */
    long term(long index) {
        if (unstableSnapshot != null && index == unstableSnapshot.index()) {
            return unstableSnapshot.term();
        }
        if (index < firstIndex() - 1 || index > lastIndex()) {
            return UNAVAILABLE;
        }
        if (!unstable.isEmpty() && index >= offset) {
            return unstable.get((int) (index - offset)).term();
        }
        return storage.term(index);
    }

    boolean matchTerm(long index, long term) {
        long t = term(index);
        return t >= 0 && t == term;
    }

    /** Whether a log ending at (lastIndex, lastTerm) is at least as up to date as ours (Raft paper §5.4.1). */
    boolean isUpToDate(long lastIndex, long lastTerm) {
        long ourTerm = lastTerm();
        return lastTerm > ourTerm || (lastTerm == ourTerm && lastIndex >= lastIndex());
    }

    /**
     * The follower side of AppendEntries (Raft paper §5.3): if our log has (prevIndex, prevTerm), append what
     * conflicts or is new, advance the commit index to min(leaderCommit, last new index) and return that last
     * new index; otherwise return -1 and change nothing.
     */
    long maybeAppend(long prevIndex, long prevTerm, long leaderCommit, List<Entry> entries) {
        if (!matchTerm(prevIndex, prevTerm)) {
            return -1;
        }
        long lastNew = prevIndex + entries.size();
        long conflict = findConflict(entries);
        if (conflict != 0) {
            if (conflict <= committed) {
                throw new IllegalStateException("entry " + conflict + " conflicts with the committed prefix (commit "
                        + committed + "): Leader Completeness (§5.4) is broken");
            }
            append(entries.subList((int) (conflict - entries.get(0).index()), entries.size()));
        }
        commitTo(Math.min(leaderCommit, lastNew));
        return lastNew;
    }

    /** The first entry whose index is new or whose term differs from ours; 0 if all are already in the log. */
    private long findConflict(List<Entry> entries) {
        for (Entry e : entries) {
            if (!matchTerm(e.index(), e.term())) {
                return e.index();
            }
        }
        return 0;
    }

    /**
     * Appends entries, replacing any (uncommitted) entries at or after the first one's index. Returns the new last
     * index.
     */
    long append(List<Entry> entries) {
        if (entries.isEmpty()) {
            return lastIndex();
        }
        long after = entries.get(0).index();
        if (after - 1 < committed) {
            throw new IllegalStateException("appending at " + after + " would overwrite committed " + committed);
        }
        if (after > lastIndex() + 1) {
            throw new IllegalStateException("appending at " + after + " leaves a gap after " + lastIndex());
        }
        if (after == offset + unstable.size()) {
            unstable.addAll(entries);
        } else if (after <= offset) {
            // Replaces persisted entries too: the driver truncates its log when it persists these (see Ready).
            offset = after;
            unstable.clear();
            unstable.addAll(entries);
        } else {
            unstable.subList((int) (after - offset), unstable.size()).clear();
            unstable.addAll(entries);
        }
        return lastIndex();
    }

    /**
     * The largest index at or below {@code index} whose term is at most {@code term}, with that term; used on both
     * sides of fast log back-off. Stops at the first unavailable (compacted) index, answering its term as 0.
     */
    long[] findConflictByTerm(long index, long term) {
        for (long i = index; i > 0; i--) {
            long t = term(i);
            if (t < 0) {
                return new long[] {i, 0};
            }
            if (t <= term) {
                return new long[] {i, t};
            }
        }
        return new long[] {0, 0};
    }

    /**
     * Up to {@code maxCount} entries from {@code lo}, at most {@code maxBytes} of data (at least one entry);
     * null if {@code lo} is compacted away. Empty if {@code lo > lastIndex()}.
     */
    List<Entry> entries(long lo, long maxBytes, int maxCount) {
        if (lo < firstIndex()) {
            return null;
        }
        long hi = Math.min(lastIndex() + 1, lo + maxCount);
        if (lo >= hi) {
            return List.of();
        }
        return slice(lo, hi, maxBytes);
    }

    private List<Entry> slice(long lo, long hi, long maxBytes) {
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        long storageHi = unstable.isEmpty() ? hi : Math.min(hi, offset);
        if (lo < storageHi) {
            List<Entry> stored = storage.entries(lo, storageHi, maxBytes);
            out.addAll(stored);
            for (Entry e : stored) {
                bytes += e.data().length;
            }
            if (stored.size() < storageHi - lo) {
                return List.copyOf(out);
            }
        }
        for (long i = Math.max(lo, offset); i < hi && !unstable.isEmpty(); i++) {
            Entry e = unstable.get((int) (i - offset));
            bytes += e.data().length;
            if (!out.isEmpty() && bytes > maxBytes) {
                break;
            }
            out.add(e);
        }
        return List.copyOf(out);
    }

    void commitTo(long index) {
        if (index <= committed) {
            return;
        }
        if (index > lastIndex()) {
            throw new IllegalStateException("commit " + index + " is beyond the last index " + lastIndex());
        }
        committed = index;
    }

    /**
     * Commits up to {@code index} if that entry is from {@code term}. A leader counts replicas only for entries of
     * its current term; earlier entries are committed indirectly with them (Raft paper §5.4.2, figure 8).
     */
    boolean maybeCommit(long index, long term) {
        if (index > committed && term(index) == term) {
            commitTo(index);
            return true;
        }
        return false;
    }

    void appliedTo(long index) {
        if (index < applied || index > committed) {
            throw new IllegalStateException("applied " + index + " outside [" + applied + ", " + committed + "]");
        }
        applied = index;
    }

    boolean hasNextCommittedEntries() {
        return unstableSnapshot == null && applied < committed;
    }

    /** Committed entries not yet applied, at most {@code maxBytes} of data (at least one). */
    List<Entry> nextCommittedEntries(long maxBytes) {
        if (!hasNextCommittedEntries()) {
            return List.of();
        }
        return slice(applied + 1, committed + 1, maxBytes);
    }

    boolean hasUnstable() {
        return !unstable.isEmpty() || unstableSnapshot != null;
    }

    List<Entry> unstableEntries() {
        return List.copyOf(unstable);
    }

    Snapshot unstableSnapshot() {
        return unstableSnapshot;
    }

    /** The driver persisted entries up to (index, term); they leave the unstable part unless since replaced. */
    void stableTo(long index, long term) {
        if (unstable.isEmpty() || index < offset || index > lastIndex()) {
            return;
        }
        if (unstable.get((int) (index - offset)).term() != term) {
            return;
        }
        unstable.subList(0, (int) (index - offset + 1)).clear();
        offset = index + 1;
    }

    void stableSnapshotTo(long index) {
        if (unstableSnapshot != null && unstableSnapshot.index() == index) {
            unstableSnapshot = null;
        }
    }

    /** Replaces the whole log with a snapshot from the leader (Raft paper §7). */
    void restore(Snapshot snapshot) {
        if (snapshot.index() <= committed) {
            throw new IllegalStateException("restoring snapshot " + snapshot.index() + " at or below commit " + committed);
        }
        unstable.clear();
        offset = snapshot.index() + 1;
        unstableSnapshot = snapshot;
        committed = snapshot.index();
    }

    /** The newest snapshot, pending or persisted. */
    Snapshot snapshot() {
        return unstableSnapshot != null ? unstableSnapshot : storage.snapshot();
    }
}
