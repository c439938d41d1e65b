package io.raftkv.server.driver;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.Message;
import io.raftkv.raft.RaftNode;
import io.raftkv.raft.Ready;
import io.raftkv.raft.Role;
import io.raftkv.server.cluster.ClusterMember;
import io.raftkv.server.command.ServerState;
import io.raftkv.wal.SyncPolicy;
import io.raftkv.wal.WalException;
import org.agrona.collections.Long2LongHashMap;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Writes each Ready's entries and hard state to the {@link DurableLog} and syncs them as appendfsync says, with one
 * exception: under pipelined load the leader may leave its own sync for later (see {@link #mayDeferSync}), and then
 * syncs what it deferred when an entry waited too long, at every tick, and before anything else once it stops
 * leading. A failed write or sync is reported to the driver, which stops taking part. Driver thread only.
 */
final class Persistence {

    /**
     * Leader, appendfsync always: how long an entry whose sync it deferred (see {@link #mayDeferSync}) may wait
     * for the followers to make it durable before the leader syncs it after all, so that it plus one follower
     * commit it. A few of this machine's follower round trips (0.3-0.6 ms under load).
     */
    static final long MAX_DEFER_NANOS = TimeUnit.MICROSECONDS.toNanos(2_000);
    /** A follower that acknowledged entries this recently is taken to be up, for {@link #mayDeferSync}. */
    private static final long FRESH_ACK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Deferred Readies tracked at once; with more in flight the leader syncs. */
    private static final int MAX_DEFERRED = 64;

    private final DurableLog log;
    private final NodeClock clock;
    private final ServerState server;
    private final PublishedView view;
    private final FailureMode failure;
    /** Learns the timestamps of the entries written, so later proposals are stamped no earlier. */
    private final ProposalBatcher proposals;
    /** Told of a failed write or sync (the driver enters {@link FailureMode}). */
    private final Consumer<RuntimeException> failed;
    /** Asks for a round after the given nanoseconds, when the oldest deferred entry has waited long enough. */
    private final LongConsumer roundAfter;
    private final long selfId;
    private final List<ClusterMember> members;
    /** When each peer last acknowledged entries (monotonic nanos), for {@link #followersFresh}. */
    private final Long2LongHashMap lastAckNanos = new Long2LongHashMap(Long.MIN_VALUE);
    /** Readies whose sync the leader deferred, oldest first: last entry index and when (a ring). */
    private final long[] deferredIndex = new long[MAX_DEFERRED];
    private final long[] deferredAtNanos = new long[MAX_DEFERRED];
    private int deferredHead;
    private int deferredSize;
    private boolean deferCheckScheduled;

    Persistence(DurableLog log, NodeClock clock, ServerState server, PublishedView view, FailureMode failure,
                ProposalBatcher proposals, Consumer<RuntimeException> failed, LongConsumer roundAfter) {
        this.log = log;
        this.proposals = proposals;
        this.clock = clock;
        this.server = server;
        this.view = view;
        this.failure = failure;
        this.failed = failed;
        this.roundAfter = roundAfter;
        this.selfId = view.self().id();
        this.members = view.members();
    }

    /** A peer's message is about to be stepped: note when a follower last acknowledged entries. */
    void received(Message m, long now) {
        if (m instanceof Message.AppendEntriesResponse r && r.success()) {
            lastAckNanos.put(m.from(), now);
        }
    }

    /**
     * Writes {@code rd}'s state and syncs it as appendfsync says; returns true if the leader deferred the sync.
     * Throws what the log throws.
     */
    boolean persist(RaftNode raft, Ready rd, boolean leader, long now) {
        if (!rd.entries().isEmpty()) {
            long first = rd.entries().get(0).index();
            if (first <= log.lastIndex()) {
                log.truncateSuffix(first - 1); // a conflicting suffix from an old leader (Raft paper §5.3)
            }
            log.append(rd.entries());
            view.lastIndex = rd.entries().get(rd.entries().size() - 1).index();
            view.walFirstIndex = log.firstIndex();
            for (Entry e : rd.entries()) {
                proposals.observe(e);
            }
        }
        boolean voteOrTermChanged = false;
        if (rd.hardState() != null) {
            HardState old = log.hardState();
            voteOrTermChanged = old.term() != rd.hardState().term() || old.vote() != rd.hardState().vote();
            log.saveHardState(rd.hardState());
        }
        // Term and vote must be on disk before any message that depends on them leaves (Raft paper fig. 2);
        // entries follow appendfsync (always: synced before they are acknowledged to the leader or counted). A
        // commit index alone need not be durable: it is recomputed from the log after a restart.
        if (voteOrTermChanged) {
            log.sync();
            server.lastSyncMillis.set(clock.wallMillis());
        } else if (!rd.entries().isEmpty()) {
            if (leader && mayDeferSync(raft, rd, now)) {
                int tail = (deferredHead + deferredSize++) % MAX_DEFERRED;
                deferredIndex[tail] = rd.entries().get(rd.entries().size() - 1).index();
                deferredAtNanos[tail] = now;
                view.deferredSyncs++;
                return true;
            }
            if (log.syncPerPolicy()) {
                server.lastSyncMillis.set(clock.wallMillis());
                deferredSize = 0; // the sync covered them
            }
        }
        return false;
    }

    /**
     * Whether the leader may leave these new entries unsynced for now (Raft dissertation §10.2.1: a leader's own
     * disk write is not on the commit path; {@link RaftNode#advanceUnsynced}). Only under pipelined load: earlier
     * entries are still uncommitted, so the followers' acknowledgements are on their way and a quorum of followers,
     * each of which acknowledged recently, can commit these without the leader's copy. Then the leader's fsync,
     * which would block this thread (acknowledgements, proposals and applies wait behind it) and take a third of
     * the syncs on one disk, is skipped: the followers' copies are the durable majority, as with a leader
     * whose disk is slow. One client's writes (nothing else in flight) still count the leader's synced copy, so
     * its latency stays that of the faster follower. The leader syncs what it deferred when an entry waited
     * {@link #MAX_DEFER_NANOS} uncommitted, at every tick, and before it sends anything once it is not leader.
     */
    private boolean mayDeferSync(RaftNode raft, Ready rd, long now) {
        return log.syncPolicy() == SyncPolicy.ALWAYS && rd.snapshot() == null && deferredSize < MAX_DEFERRED
                && raft.commitIndex() < rd.entries().get(0).index() - 1 && followersFresh(now);
    }

    /** Whether enough followers acknowledged entries within {@link #FRESH_ACK_NANOS} to form a quorum alone. */
    private boolean followersFresh(long now) {
        int fresh = 0;
        for (ClusterMember m : members) {
            if (m.id() != selfId) {
                long at = lastAckNanos.get(m.id());
                if (at != Long.MIN_VALUE && now - at < FRESH_ACK_NANOS) {
                    fresh++;
                }
            }
        }
        return fresh >= members.size() / 2 + 1;
    }

    /**
     * End of a round: forgets deferred Readies that committed; syncs the rest if the oldest waited too long (or
     * this node is no longer leader), else makes sure a round runs when it will have.
     */
    void checkDeferred(RaftNode raft) {
        if (!raft.hasUnsyncedWrites() || failure.failed()) {
            deferredSize = 0;
            return;
        }
        long commit = raft.commitIndex();
        while (deferredSize > 0 && deferredIndex[deferredHead] <= commit) {
            deferredHead = (deferredHead + 1) % MAX_DEFERRED;
            deferredSize--;
        }
        if (deferredSize == 0) {
            return; // committed by the followers; the tick syncs the leader's copy
        }
        long waited = clock.monotonicNanos() - deferredAtNanos[deferredHead];
        if (raft.role() != Role.LEADER || waited >= MAX_DEFER_NANOS) {
            syncDeferred(raft);
        } else if (!deferCheckScheduled) {
            deferCheckScheduled = true;
            roundAfter.accept(MAX_DEFER_NANOS - waited);
        }
    }

    /** The round {@link #checkDeferred} asked for is starting. */
    void deferCheckDue() {
        deferCheckScheduled = false;
    }

    /** Syncs what the leader deferred and lets the Raft core count its copy. */
    void syncDeferred(RaftNode raft) {
        deferredSize = 0;
        if (failure.failed()) {
            return;
        }
        try {
            log.sync();
        } catch (WalException e) {
            failed.accept(e);
            return;
        }
        server.lastSyncMillis.set(clock.wallMillis());
        raft.synced();
    }

    /** End of a round: the log's sync counters for INFO. */
    void publish() {
        view.syncCount = log.syncCount();
        view.syncMicros = log.syncNanos() / 1000;
    }
}
