package io.raftkv.server.driver;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.LogStorage;
import io.raftkv.raft.Membership;
import io.raftkv.wal.SyncPolicy;
import io.raftkv.wal.Wal;

import java.util.List;

/** A node's {@link DurableLog} on the Chronicle Queue WAL: production's. Threads: the driver thread only. */
final class WalLog implements DurableLog {

    private final Wal wal;
    private final WalStorage storage;

    WalLog(Wal wal, Membership membership) {
        this.wal = wal;
        this.storage = new WalStorage(wal, membership);
    }

    @Override
    public LogStorage storage() {
        return storage;
    }

    @Override
    public HardState hardState() {
        return wal.hardState();
    }

    @Override
    public long firstIndex() {
        return wal.firstIndex();
    }

    @Override
    public long lastIndex() {
        return wal.lastIndex();
    }

    @Override
    public Entry entry(long index) {
        return wal.entry(index);
    }

    @Override
    public void append(List<Entry> entries) {
        wal.append(entries);
    }

    @Override
    public void truncateSuffix(long lastKept) {
        wal.truncateSuffix(lastKept);
    }

    @Override
    public void saveHardState(HardState hs) {
        wal.saveHardState(hs);
    }

    @Override
    public void sync() {
        wal.sync();
    }

    @Override
    public boolean syncPerPolicy() {
        return wal.syncPerPolicy();
    }

    @Override
    public SyncPolicy syncPolicy() {
        return wal.syncPolicy();
    }

    @Override
    public long syncCount() {
        return wal.syncCount();
    }

    @Override
    public long syncNanos() {
        return wal.syncNanos();
    }

    @Override
    public void close() {
        wal.close();
    }
}
