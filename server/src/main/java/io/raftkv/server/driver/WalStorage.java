package io.raftkv.server.driver;

import io.raftkv.raft.Entry;
import io.raftkv.raft.LogStorage;
import io.raftkv.raft.Membership;
import io.raftkv.raft.Snapshot;
import io.raftkv.wal.SnapshotMark;
import io.raftkv.wal.Wal;

import java.util.List;

/**
 * Raft's read-only view of the WAL (Raft only reads its persisted state, through {@link LogStorage}; the driver
 * writes through {@link WalLog}, the same {@link Wal}). Membership is static for now, so it comes from the configuration rather than from the log.
 *
 * <p>Threads: the driver thread only, like the WAL itself.
 */
final class WalStorage implements LogStorage {

    private final Wal wal;
    private final Membership membership;

    WalStorage(Wal wal, Membership membership) {
        this.wal = wal;
        this.membership = membership;
    }

    @Override
    public InitialState initialState() {
        return new InitialState(wal.hardState(), membership);
    }

    @Override
    public long firstIndex() {
        long first = wal.firstIndex();
        return first == 0 ? snapshotIndex() + 1 : first;
    }

    @Override
    public long lastIndex() {
        return Math.max(wal.lastIndex(), snapshotIndex());
    }

    @Override
    public long term(long index) {
        if (index == 0) {
            return 0;
        }
        return wal.term(index);
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        return wal.entries(lo, hi, maxBytes);
    }

    @Override
    public Snapshot snapshot() {
        SnapshotMark mark = wal.snapshotMark();
        // Snapshots of the key space are not written yet; a mark without data cannot occur.
        if (mark != null && mark.index() > 0) {
            throw new IllegalStateException("the WAL has a snapshot mark at " + mark.index()
                    + " but this version cannot load snapshots");
        }
        return new Snapshot(0, 0, membership, new byte[0]);
    }

    private long snapshotIndex() {
        SnapshotMark mark = wal.snapshotMark();
        return mark == null ? 0 : mark.index();
    }
}
