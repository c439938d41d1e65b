package io.raftkv.raft.sim;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.Membership;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.Ready;
import io.raftkv.raft.Snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One node's disk, which outlives the node's crashes. Two images of the same log: {@code durable} is what has been
 * synced; {@code live} is what the node reads (the durable image plus writes still in the page cache). A Ready is
 * written to {@code live} at once and reaches {@code durable} only on {@link #sync()}. A crash throws the unsynced
 * writes away, except that with torn writes a random prefix of them (in write order: snapshot, each entry, hard
 * state) happens to have reached the platter, as in a WAL cut mid-write.
 */
final class SimDisk {

    /** One unsynced write, in WAL order. */
    private record Write(Snapshot snapshot, Entry entry, HardState hardState) {
    }

    private final Membership membership;
    private MemoryStorage durable;
    private MemoryStorage live;
    private final List<Write> unsynced = new ArrayList<>();

    /**
     * A state machine image the server saved on its own (as a server with a persistent state machine would), at
     * index {@code kvImageIndex}; a restart may resume from it with {@code RaftNode(config, storage, applied)}.
     */
    private byte[] kvImage;
    private long kvImageIndex;

    void saveKvImage(long index, byte[] image) {
        if (index <= durable.hardState().commit()) {
            kvImage = image;
            kvImageIndex = index;
        }
    }

    /** The saved image's index if a node restarting now may resume from it, else -1. */
    long usableKvImageIndex() {
        boolean usable = kvImage != null && kvImageIndex >= live.snapshot().index()
                && kvImageIndex <= live.hardState().commit();
        return usable ? kvImageIndex : -1;
    }

    byte[] kvImage() {
        return kvImage;
    }

    SimDisk(Membership membership) {
        this.membership = membership;
        this.durable = new MemoryStorage(membership);
        this.live = new MemoryStorage(membership);
    }

    /** The storage the running node reads (replaced by a fresh copy of the durable image on every crash). */
    MemoryStorage live() {
        return live;
    }

    /** The synced image (read-only use: invariants). */
    MemoryStorage durable() {
        return durable;
    }

    boolean hasUnsynced() {
        return !unsynced.isEmpty();
    }

    /** Step 1 of the Ready contract without the sync: snapshot, then entries, then hard state. */
    void write(Ready rd) {
        if (rd.snapshot() != null) {
            live.applySnapshot(rd.snapshot());
            unsynced.add(new Write(rd.snapshot(), null, null));
        }
        live.append(rd.entries());
        for (Entry e : rd.entries()) {
            unsynced.add(new Write(null, e, null));
        }
        if (rd.hardState() != null) {
            live.setHardState(rd.hardState());
            unsynced.add(new Write(null, null, rd.hardState()));
        }
    }

    void sync() {
        replay(unsynced.size());
    }

    /**
     * Compacts both images up to {@code index} (which must be synced and equal in both) into a snapshot holding
     * {@code data}. Only between Readies: nothing is unsynced.
     */
    void compact(long index, byte[] data) {
        if (!unsynced.isEmpty()) {
            throw new IllegalStateException("compaction with unsynced writes");
        }
        live.compact(index, data);
        durable.compact(index, data);
    }

    /** Loses what was not synced (all of it, or all but a random prefix when {@code torn}). */
    void crash(SplittableRandom random, boolean torn) {
        replay(torn && !unsynced.isEmpty() ? random.nextInt(unsynced.size() + 1) : 0);
        unsynced.clear();
        live = copy(durable);
    }

    /**
     * Sabotage for {@link SimulationSelfTest}: a disk that loses up to {@code count} synced entries past the
     * persisted commit index (a lying fsync). Only between a crash and the restart.
     */
    void loseSyncedTail(int count) {
        long keep = Math.max(Math.max(durable.hardState().commit(), durable.snapshot().index()),
                durable.lastIndex() - count);
        MemoryStorage cut = new MemoryStorage(membership);
        if (durable.snapshot().index() > 0) {
            cut.applySnapshot(durable.snapshot());
        }
        if (keep >= durable.firstIndex()) {
            cut.append(durable.entries(durable.firstIndex(), keep + 1, Long.MAX_VALUE));
        }
        cut.setHardState(durable.hardState());
        durable = cut;
        live = copy(durable);
    }

    private void replay(int count) {
        for (int i = 0; i < count; i++) {
            Write w = unsynced.get(i);
            if (w.snapshot() != null) {
                durable.applySnapshot(w.snapshot());
            } else if (w.entry() != null) {
                durable.append(List.of(w.entry()));
            } else {
                durable.setHardState(w.hardState());
            }
        }
        unsynced.subList(0, count).clear();
    }

    private MemoryStorage copy(MemoryStorage from) {
        MemoryStorage to = new MemoryStorage(membership);
        if (from.snapshot().index() > 0) {
            to.applySnapshot(from.snapshot());
        }
        if (from.lastIndex() >= from.firstIndex()) {
            to.append(from.entries(from.firstIndex(), from.lastIndex() + 1, Long.MAX_VALUE));
        }
        to.setHardState(from.hardState());
        return to;
    }
}
