package io.raftkv.server.driver;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.LogStorage;
import io.raftkv.raft.Membership;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.Snapshot;
import io.raftkv.wal.SyncPolicy;
import io.raftkv.wal.WalException;

import java.util.ArrayList;
import java.util.List;

/**
 * A simulated disk under the production driver: the {@link DurableLog} of one node, which outlives the node's
 * crashes. It holds two images of the log: {@code durable}, what the syncs covered, and {@code live}, what the node
 * reads (the durable image plus writes still in the page cache). Writes go to {@code live} at once and reach
 * {@code durable} at the next sync, in order; a crash throws away what was not synced. A failing disk makes every
 * sync throw, as a failed fdatasync makes the WAL's. appendfsync is always.
 *
 * <p>Each write is reported to an {@link Observer} (the simulation's invariants) as it happens.
 */
final class SimLog implements DurableLog {

    /** Sees each write to the live image. */
    interface Observer {
        /** The node is about to drop its live entries after {@code lastKept}. */
        void beforeTruncate(long lastKept);

        /** {@code entries} (possibly empty) and then {@code hardState} (possibly null) were written. */
        void afterWrite(List<Entry> entries, HardState hardState);
    }

    /** One unsynced write, in order: a truncation, an entry or a hard state. */
    private record Write(long truncateAfter, Entry entry, HardState hardState) {
    }

    private final Membership membership;
    private MemoryStorage durable;
    private MemoryStorage live;
    private final List<Write> unsynced = new ArrayList<>();
    private Observer observer;
    private boolean failing;
    /** Sabotage for the self-test: a sync that makes nothing durable (a lying fsync). */
    private boolean lyingSync;
    private long syncs;

    SimLog(Membership membership) {
        this.membership = membership;
        this.durable = new MemoryStorage(membership);
        this.live = new MemoryStorage(membership);
    }

    void observer(Observer o) {
        observer = o;
    }

    /** From now on every sync fails (until the operator replaces the disk: {@link #repair}). */
    void fail() {
        failing = true;
    }

    void repair() {
        failing = false;
    }

    boolean failing() {
        return failing;
    }

    void lyingSync(boolean on) {
        lyingSync = on;
    }

    MemoryStorage durable() {
        return durable;
    }

    MemoryStorage live() {
        return live;
    }

    /** The node crashed: what was not synced is lost. */
    void crash() {
        unsynced.clear();
        live = copy(durable, durable.lastIndex());
    }

    /** Raft's view follows the live image, which a truncation or a crash replaces. */
    @Override
    public LogStorage storage() {
        return new LogStorage() {
            @Override
            public InitialState initialState() {
                return live.initialState();
            }

            @Override
            public long firstIndex() {
                return live.firstIndex();
            }

            @Override
            public long lastIndex() {
                return live.lastIndex();
            }

            @Override
            public long term(long index) {
                return live.term(index);
            }

            @Override
            public List<Entry> entries(long lo, long hi, long maxBytes) {
                return live.entries(lo, hi, maxBytes);
            }

            @Override
            public Snapshot snapshot() {
                return live.snapshot();
            }
        };
    }

    @Override
    public HardState hardState() {
        return live.hardState();
    }

    @Override
    public long firstIndex() {
        return live.lastIndex() == 0 ? 0 : live.firstIndex();
    }

    @Override
    public long lastIndex() {
        return live.lastIndex();
    }

    @Override
    public Entry entry(long index) {
        return live.entries(index, index + 1, Long.MAX_VALUE).get(0);
    }

    @Override
    public void append(List<Entry> entries) {
        if (!entries.isEmpty() && entries.get(0).index() != live.lastIndex() + 1) {
            throw new IllegalArgumentException("append at " + entries.get(0).index() + " after " + live.lastIndex());
        }
        live.append(entries);
        for (Entry e : entries) {
            unsynced.add(new Write(-1, e, null));
        }
        observer.afterWrite(entries, null);
    }

    @Override
    public void truncateSuffix(long lastKept) {
        observer.beforeTruncate(lastKept);
        live = copy(live, lastKept);
        unsynced.add(new Write(lastKept, null, null));
    }

    @Override
    public void saveHardState(HardState hs) {
        live.setHardState(hs);
        unsynced.add(new Write(-1, null, hs));
        observer.afterWrite(List.of(), hs);
    }

    @Override
    public void sync() {
        if (failing) {
            throw new WalException("injected: the disk failed");
        }
        syncs++;
        if (lyingSync) {
            return;
        }
        for (Write w : unsynced) {
            if (w.truncateAfter() >= 0) {
                durable = copy(durable, w.truncateAfter());
            } else if (w.entry() != null) {
                durable.append(List.of(w.entry()));
            } else {
                durable.setHardState(w.hardState());
            }
        }
        unsynced.clear();
    }

    @Override
    public boolean syncPerPolicy() {
        sync();
        return true;
    }

    @Override
    public SyncPolicy syncPolicy() {
        return SyncPolicy.ALWAYS;
    }

    @Override
    public long syncCount() {
        return syncs;
    }

    @Override
    public long syncNanos() {
        return 0; // a simulated sync takes no time
    }

    @Override
    public void close() {
        if (!failing) {
            sync();
        }
    }

    /** {@code from}'s entries up to {@code lastKept} and its hard state, in a new image. */
    private MemoryStorage copy(MemoryStorage from, long lastKept) {
        MemoryStorage to = new MemoryStorage(membership);
        long last = Math.min(lastKept, from.lastIndex());
        if (last >= from.firstIndex()) {
            to.append(from.entries(from.firstIndex(), last + 1, Long.MAX_VALUE));
        }
        to.setHardState(from.hardState());
        return to;
    }
}
