package io.raftkv.server.driver;

import io.raftkv.raft.RaftNode;
import io.raftkv.raft.ReadState;
import io.raftkv.server.cluster.Redirect;
import io.raftkv.server.driver.DriverEvent.ReadRequest;
import io.raftkv.server.driver.DriverEvent.Request;
import io.raftkv.server.node.ApplyLoop;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads waiting for their ReadIndex confirmation (Raft dissertation §6.4; the Raft core batches them into one
 * heartbeat round): each gets an id, and once the core reports the index it must observe, the read goes to the
 * apply loop, which runs it when that index is applied. A confirmation lost with a message or a leader change is
 * asked again under a new id after an election timeout; at its deadline the read gets {@code -CLUSTERDOWN}. Driver
 * thread only.
 */
final class ReadTracker {

    /** A read waiting for its confirmation; re-asked after an election timeout, given up at its deadline. */
    private static final class PendingRead {
        final ReadRequest request;
        final long retryAt;

        PendingRead(ReadRequest request, long retryAt) {
            this.request = request;
            this.retryAt = retryAt;
        }
    }

    private final ApplyLoop applier;
    private final LeaderWait leaderWait;
    private final long electionNanos;
    /** The group is this node alone: see {@link #floor}. */
    private final boolean alone;
    private final Long2ObjectHashMap<PendingRead> pending = new Long2ObjectHashMap<>();
    private long nextReadId;
    /**
     * A lone voter's commit index, published by the driver thread before it hands the entries up to it to apply (so
     * before any of them is answered), once the voter has committed an entry of its own term; -1 until then (after a
     * restart, entries acknowledged before it may sit above the recovered commit index until then).
     */
    private volatile long floor = -1;

    ReadTracker(ApplyLoop applier, LeaderWait leaderWait, long electionNanos, boolean alone) {
        this.applier = applier;
        this.leaderWait = leaderWait;
        this.electionNanos = electionNanos;
        this.alone = alone;
    }

    /**
     * The index a read may run at without a round through the driver, or -1 when it must take one. Only a lone voter
     * has such an index: ReadIndex (Raft dissertation §6.4) with one voter needs no round, since no other node can
     * lead or commit, so once the voter has committed an entry of its term, the commit index known now covers every
     * write acknowledged before the read arrived (each was published here before it was applied and answered). Any
     * thread.
     */
    long floor() {
        return floor;
    }

    /** Driver thread, before handing the entries up to the core's commit index to the apply loop. */
    void committed(RaftNode raft) {
        if (alone && raft.committedInCurrentTerm()) {
            floor = raft.commitIndex();
        }
    }

    /** Asks the Raft core to confirm the read index for {@code r}, or waits for a leader if none is known. */
    void start(RaftNode raft, ReadRequest r, long now) {
        if (raft.leaderId() == 0) {
            leaderWait.await(r);
            return;
        }
        long id = ++nextReadId;
        pending.put(id, new PendingRead(r, now + electionNanos));
        raft.readIndex(id);
    }

    /** Hands each confirmed read to the apply loop, to run once its index is applied. */
    void confirmed(List<ReadState> readStates) {
        for (ReadState rs : readStates) {
            PendingRead pr = pending.remove(rs.requestId());
            if (pr != null) {
                ReadRequest r = pr.request;
                applier.read(rs.index(), r.spec(), r.argv(), r.client(), r.sink());
            }
        }
    }

    /** End of a round: gives up reads past their deadline and asks again for those whose confirmation is late. */
    void afterRound(long now) {
        if (pending.isEmpty()) {
            return;
        }
        for (Iterator<Map.Entry<Long, PendingRead>> it = pending.entrySet().iterator(); it.hasNext(); ) {
            PendingRead pr = it.next().getValue();
            if (now - pr.request.deadline() >= 0) {
                it.remove();
                pr.request.sink().reply(Redirect.CLUSTERDOWN);
            } else if (now - pr.retryAt >= 0) {
                // the confirmation was lost (leader change, dropped message): ask again under a new id
                it.remove();
                leaderWait.await(pr.request);
            }
        }
    }

    /** Hands every waiting read to {@code answer} and forgets it (WAL failure, shutdown). */
    void drain(Consumer<Request> answer) {
        for (PendingRead pr : pending.values()) {
            answer.accept(pr.request);
        }
        pending.clear();
    }
}
