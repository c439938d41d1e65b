package io.raftkv.server.driver;

import io.raftkv.raft.Entry;
import io.raftkv.raft.RaftNode;
import io.raftkv.raft.Role;
import io.raftkv.server.driver.DriverEvent.Proposal;
import io.raftkv.server.kv.LogRecord;
import io.raftkv.server.node.BatchSink;
import io.raftkv.server.node.ReplySink;
import io.raftkv.server.reply.Reply;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes on their way into the log. The client writes taken from the inbox in one round are proposed together as
 * one BATCH entry (pipelined and concurrent clients share entries); each proposal's reply sink then waits, keyed by
 * log index, until that entry commits and is applied. If the entry committed at that index has another term (the
 * proposal was lost in a leader change), or this node stops leading first, the client gets an error saying the
 * outcome is unknown, never silence. A command too large for one entry is proposed as a run of PART entries over
 * several rounds ({@link PartedProposals}). Record timestamps never go backwards, whatever the wall clock does.
 * Driver thread only.
 */
final class ProposalBatcher {

    /**
     * Bound on the commands gathered into one BATCH entry (their records' sizes): large enough that a pipelined
     * load shares one entry among hundreds of commands, small enough that an entry never nears the largest one
     * the log takes and that one entry does not hold up the replication of the next for long.
     */
    private static final int MAX_BATCH_BYTES = 1 << 20;
    static final Reply LOST = Reply.error("ERR the write was lost in a leader change before it committed; retry");

    private record PendingWrite(long term, ReplySink sink) {
    }

    private final long maxEntryBytes;
    private final NodeClock clock;
    private final PublishedView view;
    private final LeaderWait leaderWait;
    private final FailureMode failure;
    /** Client writes taken from the inbox in this round, proposed as one entry (see {@link #gather}). */
    private final List<Proposal> gathered = new ArrayList<>();
    private long gatheredBytes;
    /** Writes too large for one entry, being proposed part by part (leader only). */
    private final PartedProposals parted;
    private final Long2ObjectHashMap<PendingWrite> pending = new Long2ObjectHashMap<>();
    /** The latest timestamp of any record in the log: the next proposal's is not earlier. */
    private long maxTimestamp;

    ProposalBatcher(long maxEntryBytes, NodeClock clock, PublishedView view, LeaderWait leaderWait,
                    FailureMode failure) {
        this.maxEntryBytes = maxEntryBytes;
        this.parted = new PartedProposals(maxEntryBytes, LOST, this::awaitCommit);
        this.clock = clock;
        this.view = view;
        this.leaderWait = leaderWait;
        this.failure = failure;
    }

    /**
     * Adds a client's write to the commands proposed together as one log entry at the end of this round (or
     * earlier, once they reach {@link #MAX_BATCH_BYTES} or the largest entry the log takes). Commands keep their
     * arrival order in the entry; a batch is never larger than the sum of its commands' own records.
     */
    void gather(RaftNode raft, Proposal p, long now) {
        long size = LogRecord.encodedSize(p.argv());
        if (!gathered.isEmpty() && gatheredBytes + size > Math.min(MAX_BATCH_BYTES, maxEntryBytes)) {
            proposeGathered(raft, now);
        }
        gathered.add(p);
        gatheredBytes += size;
    }

    /** Proposes what {@link #gather} collected, if anything. */
    void proposeGathered(RaftNode raft, long now) {
        if (gathered.isEmpty()) {
            return;
        }
        try {
            propose(raft, gathered, now);
        } finally {
            gathered.clear();
            gatheredBytes = 0;
        }
    }

    /** Proposes {@code ps} as one log entry: its own record for one proposal, a BATCH record for several commands. */
    void propose(RaftNode raft, List<Proposal> ps, long now) {
        if (failure.failed()) {
            for (Proposal p : ps) {
                p.sink().reply(failure.misconf());
            }
            return;
        }
        if (raft.role() != Role.LEADER) {
            for (Proposal p : ps) {
                leaderWait.notLeader(raft, p);
            }
            return;
        }
        long ts = Math.max(maxTimestamp, clock.wallMillis());
        byte[] data;
        ReplySink sink;
        if (ps.size() == 1) {
            Proposal p = ps.get(0);
            long size = LogRecord.encodedSize(p.argv());
            if (!LogRecord.fits(size)) {
                p.sink().reply(LogRecord.tooLarge(size));
                return;
            }
            if (parted.needsParts(size)) {
                parted.start(p.kind(), ts, p.argv(), raft.term(), p.sink());
                maxTimestamp = ts;
                view.proposedCount++;
                parted.pump(raft);
                return;
            }
            data = LogRecord.encode(p.kind(), ts, p.argv());
            sink = p.sink();
        } else {
            byte[][][] argvs = new byte[ps.size()][][];
            ReplySink[] parts = new ReplySink[ps.size()];
            for (int i = 0; i < argvs.length; i++) {
                argvs[i] = ps.get(i).argv();
                parts[i] = ps.get(i).sink();
            }
            data = LogRecord.encodeBatch(ts, argvs, argvs.length);
            sink = new BatchSink(parts);
        }
        long index = raft.propose(data);
        if (index == 0) {
            for (Proposal p : ps) {
                leaderWait.notLeader(raft, p);
            }
            return;
        }
        maxTimestamp = ts;
        view.proposedCount += ps.size();
        awaitCommit(index, raft.term(), sink);
    }

    /** {@code sink}'s write was proposed in {@code term} as entry {@code index}: it is answered when that commits. */
    private void awaitCommit(long index, long term, ReplySink sink) {
        pending.put(index, new PendingWrite(term, sink));
    }

    /** After the round's Readies: the commit index may have moved, so the large writes' next parts may go. */
    void proposeNextParts(RaftNode raft) {
        if (!parted.isEmpty()) {
            parted.pump(raft);
        }
    }

    /** An entry is in the log (recovered, written or committed): later proposals are stamped no earlier than it. */
    void observe(Entry e) {
        maxTimestamp = Math.max(maxTimestamp, LogRecord.timestampOf(e.data()));
    }

    /**
     * The reply sinks of {@code committed}, in order: the sink of the client proposal of each entry if it is that
     * proposal (null for entries no client of this node waits for). A proposal whose index committed with another
     * term was lost in a leader change: its client is told so now.
     */
    List<ReplySink> committed(List<Entry> committed) {
        List<ReplySink> sinks = new ArrayList<>(committed.size());
        for (Entry e : committed) {
            PendingWrite w = pending.remove(e.index());
            if (w == null) {
                sinks.add(null);
            } else if (w.term() == e.term()) {
                sinks.add(w.sink());
            } else {
                w.sink().reply(LOST);
                sinks.add(null);
            }
            observe(e);
        }
        return sinks;
    }

    /**
     * This node stopped leading. Entries of its term may still commit under the next leader, but this node cannot
     * tell the client; the outcome is unknown, which the error says. (What it proposed of a large write not yet
     * fully proposed is dropped when the next leader's first entry applies.)
     */
    void leadershipLost() {
        answerPending(LOST);
    }

    /**
     * Answers every proposal waiting for its commit, and every large write not yet fully proposed, with
     * {@code reply} (leadership lost, WAL failure, shutdown).
     */
    void answerPending(Reply reply) {
        parted.abort(reply);
        for (PendingWrite w : pending.values()) {
            w.sink().reply(reply);
        }
        pending.clear();
    }

    /** Answers the writes gathered but not yet proposed with {@code reply} (shutdown). */
    void answerGathered(Reply reply) {
        for (Proposal p : gathered) {
            p.sink().reply(reply);
        }
        gathered.clear();
        gatheredBytes = 0;
    }
}
