package io.raftkv.raft;

import io.raftkv.raft.Message.AppendEntries;
import io.raftkv.raft.Message.AppendEntriesResponse;
import io.raftkv.raft.Message.Heartbeat;
import io.raftkv.raft.Message.HeartbeatResponse;
import io.raftkv.raft.Message.InstallSnapshot;
import io.raftkv.raft.Message.InstallSnapshotResponse;
import io.raftkv.raft.Message.PreVote;
import io.raftkv.raft.Message.PreVoteResponse;
import io.raftkv.raft.Message.ReadIndexRequest;
import io.raftkv.raft.Message.ReadIndexResponse;
import io.raftkv.raft.Message.TransferLeader;
import io.raftkv.raft.Message.RequestVote;
import io.raftkv.raft.Message.RequestVoteResponse;
import io.raftkv.raft.Message.TimeoutNow;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * One Raft peer as a pure, single-threaded state machine (in the style of etcd's RawNode). Inputs are
 * {@link #tick()}, {@link #step(Message)}, {@link #propose(byte[])}, {@link #readIndex(long)},
 * {@link #transferLeadership(long)} and {@link #campaign()}; the output is a {@link Ready} that the driver
 * persists, sends and applies before calling {@link #advance(Ready)}. The node does no I/O, keeps no clock and
 * draws randomness only from a generator seeded by {@link RaftConfig#randomSeed()}: the same inputs in the same
 * order give the same outputs.
 *
 * <p>Threads: not thread-safe. One thread (the driver) makes every call, including the calls the node makes
 * into its {@link LogStorage}.
 *
 * <p>Each role brings its own tick and step behaviour ({@link Follower}, {@link Candidate}, {@link Leader}),
 * swapped on every role change, so that role rules are not spread over conditionals.
 */
public final class RaftNode {

    private static final byte[] NO_DATA = new byte[0];

    private final RaftConfig config;
    private final long id;
    private final RaftLog log;
    private final RandomGenerator random;
    private Membership membership;

    private long term;
    /** The candidate voted for in {@code term}, or 0 (Raft paper figure 2: votedFor). */
    private long vote;
    private long leaderId;
    private Role role;
    private Behaviour behaviour;

    /** Follower/candidate: ticks since the last valid leader message or vote grant; leader: since the last
     * check-quorum round. */
    private int electionElapsed;
    private int heartbeatElapsed;
    private int randomizedElectionTimeout;
    /** Ticks since this node started; only compared with itself. Heartbeat rounds are named by it. */
    private long tickCount;

    /** Candidate: granted (true) or refused (false) votes of this round, by voter. */
    private final Map<Long, Boolean> votes = new TreeMap<>();

    /** Leader: per-member progress, including this node's own. Ordered, so messages go out in a fixed order. */
    private final Map<Long, Progress> progress = new TreeMap<>();
    private long leadTransferee;
    /** Leader: a TimeoutNow went out in this term, so another node may win an election at any time. */
    private boolean timeoutNowSent;
    /** Leader: reads waiting for the next heartbeat round. */
    private final ArrayDeque<PendingRead> unroundedReads = new ArrayDeque<>();
    /** Leader: heartbeat rounds with reads, waiting for a quorum to acknowledge them, oldest first. */
    private final ArrayDeque<ReadRound> readRounds = new ArrayDeque<>();

    private final List<Message> outbox = new ArrayList<>();
    private final List<ReadState> readStates = new ArrayList<>();
    private HardState persistedHardState;
    private Ready pendingReady;
    /**
     * Entries were written through {@link #advanceUnsynced} and no sync has been reported since: this node's
     * log is not durable past what its own progress says (a leader), and it must not promise otherwise.
     */
    private boolean unsyncedWrites;

    private final Behaviour follower = new Follower();
    private final Behaviour candidate = new Candidate();
    private final Behaviour leader = new Leader();

    /** Starts from {@code storage}'s state, with the state machine at the snapshot (nothing else applied). */
    public RaftNode(RaftConfig config, LogStorage storage) {
        this(config, storage, storage.firstIndex() - 1);
    }

    /**
     * Starts from {@code storage}'s state with a state machine that has applied the log up to {@code applied}
     * (at least the snapshot index, at most the persisted commit index).
     */
    public RaftNode(RaftConfig config, LogStorage storage, long applied) {
        this.config = config;
        this.id = config.id();
        this.log = new RaftLog(storage);
        this.random = new SplittableRandom(config.randomSeed());
        LogStorage.InitialState initial = storage.initialState();
        this.membership = initial.membership();
        HardState hs = initial.hardState();
        if (hs.commit() > log.lastIndex()) {
            throw new IllegalStateException("persisted commit " + hs.commit() + " is beyond the last index " + log.lastIndex());
        }
        log.commitTo(hs.commit());
        if (applied < storage.firstIndex() - 1 || applied > log.committed()) {
            throw new IllegalArgumentException("applied " + applied + " outside [" + (storage.firstIndex() - 1) + ", "
                    + log.committed() + "]");
        }
        log.appliedTo(applied);
        this.term = hs.term();
        this.vote = hs.vote();
        this.persistedHardState = hs;
        becomeFollower(hs.term(), 0);
    }

    // ---------------------------------------------------------------- accessors

    public long id() {
        return id;
    }

    public long term() {
        return term;
    }

    public Role role() {
        return role;
    }

    /** The leader of the current term as far as this node knows, or 0. */
    public long leaderId() {
        return leaderId;
    }

    public long commitIndex() {
        return log.committed();
    }

    public long appliedIndex() {
        return log.applied();
    }

    public long lastIndex() {
        return log.lastIndex();
    }

    public Membership membership() {
        return membership;
    }

    /** The node a leadership transfer is handing over to, or 0. */
    public long leadTransferee() {
        return leadTransferee;
    }

    /** Leader: a copy of every member's progress (its own included), by id; empty on other roles. */
    public List<PeerProgress> progress() {
        List<PeerProgress> out = new ArrayList<>();
        progress.forEach((peer, pr) -> out.add(pr.view(peer)));
        return out;
    }

    /** One line for logs and test failures, e.g. {@code 2 FOLLOWER term=3 lead=1 commit=7 applied=7 last=8}. */
    @Override
    public String toString() {
        return id + " " + role + " term=" + term + " vote=" + vote + " lead=" + leaderId + " commit="
                + log.committed() + " applied=" + log.applied() + " last=" + log.lastIndex();
    }

    // ---------------------------------------------------------------- inputs

    /** Advances logical time by one tick: drives election timeouts, heartbeats and check-quorum. */
    public void tick() {
        tickCount++;
        behaviour.tick();
    }

    /**
     * Handles a message from a peer. Messages may arrive late, twice or out of order; anything stale is ignored.
     *
     * @throws IllegalArgumentException if the message is not addressed to this node
     * @throws IllegalStateException    if the message proves a broken Raft invariant (two leaders in one term)
     */
    public void step(Message m) {
        if (m.to() != id) {
            throw new IllegalArgumentException("message for " + m.to() + " stepped into node " + id + ": " + m);
        }
        if (m.term() > term) {
            if (m instanceof PreVote || m instanceof RequestVote) {
                boolean transfer = m instanceof RequestVote rv && rv.leadershipTransfer();
                boolean leaseApplies = m instanceof PreVote || config.checkQuorum();
                if (!transfer && leaseApplies && inLeaderLease()) {
                    // We heard from a leader within the minimum election timeout: this candidate is not needed and
                    // may be a partitioned node rejoining. Ignore it without raising our term (dissertation §4.2.3,
                    // §9.6).
                    return;
                }
            }
            if (m instanceof PreVote) {
                // A pre-vote asks about a future term; answering it must not move ours (dissertation §9.6).
            } else if (m instanceof PreVoteResponse r && r.granted()) {
                // A grant echoes the term we would campaign in; we raise our term only when we campaign.
            } else {
                // Raft paper §5.1: a larger term makes us a follower of that term.
                boolean fromLeader = m instanceof AppendEntries || m instanceof Heartbeat || m instanceof InstallSnapshot;
                becomeFollower(m.term(), fromLeader ? m.from() : 0);
            }
        } else if (m.term() < term) {
            // Raft paper §5.1: a stale term is rejected. Answer a stale leader so it learns our term and steps down
            // (with pre-vote and check-quorum it would otherwise never hear of it), and a stale pre-candidate so
            // it stops; ignore the rest.
            if (m instanceof AppendEntries || m instanceof Heartbeat) {
                send(AppendEntriesResponse.reject(id, m.from(), term, 0, 0, 0));
            } else if (m instanceof PreVote) {
                send(new PreVoteResponse(id, m.from(), term, false));
            }
            return;
        }
        if (m instanceof PreVote pv) {
            handleVoteRequest(pv.from(), pv.term(), pv.lastLogIndex(), pv.lastLogTerm(), true);
        } else if (m instanceof RequestVote rv) {
            handleVoteRequest(rv.from(), rv.term(), rv.lastLogIndex(), rv.lastLogTerm(), false);
        } else {
            behaviour.step(m);
        }
    }

    /** Starts an election now, as if the election timeout had elapsed (with a pre-vote round if enabled). */
    public void campaign() {
        if (role != Role.LEADER) {
            campaign(CampaignKind.TIMEOUT);
        }
    }

    /**
     * Leader only: appends {@code data} as a new entry and starts replicating it. The entry takes ownership of
     * {@code data}. A leader refuses proposals while it transfers leadership.
     *
     * @return the index of the new entry (committed, if ever, with the current {@link #term()}); 0 when refused
     *         because this node is not the leader or is transferring leadership; the caller then redirects to
     *         {@link #leaderId()}
     */
    public long propose(byte[] data) {
        if (role != Role.LEADER || leadTransferee != 0) {
            return 0;
        }
        long index = log.append(List.of(new Entry(log.lastIndex() + 1, term, data)));
        broadcastAppend(false);
        return index;
    }

    /**
     * Requests a linearizable read tagged with {@code requestId} (dissertation §6.4). When confirmed, a
     * {@link ReadState} with this id appears in a later {@link Ready} of this node.
     *
     * <p>On the leader, reads wait for the leader to have committed an entry of its term, then join the next
     * heartbeat round: every read that arrived before a round is confirmed by that one round once a quorum
     * answers it. With a single voter, or a valid lease when {@link RaftConfig#leaseReads()} is on, a read is
     * confirmed at once. On a follower, the read is forwarded to the known leader. Reads are never retried:
     * if the leader changes or a message is lost, no ReadState appears and the caller times out and retries.
     *
     * @return false if the read cannot even start (no leader known); true if it is on its way
     */
    public boolean readIndex(long requestId) {
        if (role == Role.LEADER) {
            leaderRead(new PendingRead(id, requestId));
            return true;
        }
        if (leaderId == 0) {
            return false;
        }
        send(new ReadIndexRequest(id, leaderId, term, requestId));
        return true;
    }

    /**
     * Leader only: hands leadership to voter {@code to} (dissertation §3.10). Proposals are refused until the
     * transfer ends; once {@code to} has the whole log it gets a {@link TimeoutNow} and campaigns at once. The
     * transfer is abandoned if it has not completed within an election timeout.
     *
     * @return false if this node is not the leader, or {@code to} is this node or not a voter
     */
    public boolean transferLeadership(long to) {
        if (role != Role.LEADER || to == id || !membership.isVoter(to)) {
            return false;
        }
        if (leadTransferee == to) {
            return true;
        }
        leadTransferee = to;
        electionElapsed = 0;
        Progress pr = progress.get(to);
        if (pr.match == log.lastIndex()) {
            sendTimeoutNow(to);
        } else {
            // Even if nothing is new to send: a rejection tells us where the target really is.
            sendAppend(to, true);
        }
        return true;
    }

    /**
     * Follower only: asks the leader to hand leadership to this node (what an admin's failover command does). The
     * leader brings this node up to date and sends it TimeoutNow; nothing happens if the request is lost.
     *
     * @return false if this node is the leader, no leader is known, or this node is not a voter
     */
    public boolean requestLeadership() {
        if (role == Role.LEADER || leaderId == 0 || !membership.isVoter(id)) {
            return false;
        }
        send(new TransferLeader(id, leaderId, term));
        return true;
    }

    // ---------------------------------------------------------------- output

    /** Whether {@link #ready()} has anything to do. False while a Ready is out and not yet advanced. */
    public boolean hasReady() {
        if (pendingReady != null) {
            return false;
        }
        return !outbox.isEmpty() || !readStates.isEmpty() || log.hasUnstable() || log.hasNextCommittedEntries()
                || !currentHardState().equals(persistedHardState);
    }

    /**
     * Collects the work for the driver (see {@link Ready} for the order it must be done in).
     *
     * @throws IllegalStateException if the previous Ready has not been passed to {@link #advance(Ready)}
     */
    public Ready ready() {
        if (pendingReady != null) {
            throw new IllegalStateException("the previous Ready has not been advanced");
        }
        HardState hs = currentHardState();
        Ready rd = new Ready(
                hs.equals(persistedHardState) ? null : hs,
                log.unstableEntries(),
                log.unstableSnapshot(),
                log.nextCommittedEntries(config.maxSizePerMsg()),
                readStates,
                outbox);
        outbox.clear();
        readStates.clear();
        pendingReady = rd;
        return rd;
    }

    /**
     * Reports that the driver has done everything {@code rd} asked for: its state is durable, its messages are
     * sent, its committed entries are applied.
     *
     * @throws IllegalArgumentException if {@code rd} is not the Ready last returned by {@link #ready()}
     */
    public void advance(Ready rd) {
        checkPending(rd);
        boolean synced = mustBeSynced(rd);
        written(rd);
        if (synced) {
            unsyncedWrites = false; // the sync covered every earlier write too
        }
        if (!unsyncedWrites) {
            countOwnCopy();
        }
    }

    /**
     * Whether {@code rd} holds a write the driver must have synced before advancing: entries, a snapshot, a term or
     * vote. A Ready whose only write is a new commit index may be advanced unsynced (a commit index need not be
     * durable: it is learnt again after a restart), so advancing it says nothing about earlier unsynced entries.
     */
    private boolean mustBeSynced(Ready rd) {
        return !rd.entries().isEmpty() || rd.snapshot() != null || changesTermOrVote(rd);
    }

    private boolean changesTermOrVote(Ready rd) {
        HardState hs = rd.hardState();
        return hs != null && (hs.term() != persistedHardState.term() || hs.vote() != persistedHardState.vote());
    }

    private void checkPending(Ready rd) {
        if (rd == null || rd != pendingReady) {
            throw new IllegalArgumentException("advance() must get the Ready last returned by ready()");
        }
    }

    /** What every advance does: {@code rd}'s writes are in storage, its entries applied. */
    private void written(Ready rd) {
        pendingReady = null;
        if (rd.hardState() != null) {
            persistedHardState = rd.hardState();
        }
        if (rd.snapshot() != null) {
            log.stableSnapshotTo(rd.snapshot().index());
            log.appliedTo(rd.snapshot().index());
        }
        if (!rd.entries().isEmpty()) {
            Entry last = rd.entries().get(rd.entries().size() - 1);
            log.stableTo(last.index(), last.term());
        }
        if (!rd.committedEntries().isEmpty()) {
            log.appliedTo(rd.committedEntries().get(rd.committedEntries().size() - 1).index());
        }
    }

    /**
     * Like {@link #advance(Ready)}, for a leader that wrote {@code rd}'s entries but has not synced them (Raft
     * dissertation §10.2.1: the leader's own disk write is not on the commit path). Its own copy then counts towards
     * the commit quorum only up to what it last reported durable, so those entries commit once enough followers
     * hold them durably, or once the driver syncs and calls {@link #synced()}. A node with unsynced writes that is
     * not (or no longer) the leader must sync and call {@link #synced()} before it sends any message: a follower's
     * acknowledgement and a vote promise that its log is on disk.
     *
     * @throws IllegalStateException    if this node is not the leader, or {@code rd} changes the term or vote or
     *                                  carries a snapshot (those are always synced before anything else)
     * @throws IllegalArgumentException if {@code rd} is not the Ready last returned by {@link #ready()}
     */
    public void advanceUnsynced(Ready rd) {
        checkPending(rd);
        if (role != Role.LEADER) {
            throw new IllegalStateException("only a leader may leave its writes unsynced, not a " + role);
        }
        if (rd.snapshot() != null || changesTermOrVote(rd)) {
            throw new IllegalStateException("a snapshot, term or vote must be synced before anything else");
        }
        written(rd);
        // A commit index need not be durable (it is learnt again after a restart); entries must be.
        unsyncedWrites |= !rd.entries().isEmpty();
        if (!unsyncedWrites) {
            countOwnCopy();
        }
    }

    /** The driver synced everything written so far: a leader now counts its whole log towards the commit quorum. */
    public void synced() {
        unsyncedWrites = false;
        countOwnCopy();
    }

    /** Whether writes left unsynced by {@link #advanceUnsynced} still wait for a sync. */
    public boolean hasUnsyncedWrites() {
        return unsyncedWrites;
    }

    /** A leader's own durable copy counts towards the commit quorum (only what the driver reported durable). */
    private void countOwnCopy() {
        if (role == Role.LEADER) {
            Progress self = progress.get(id);
            if (self != null && self.maybeUpdate(log.stableLastIndex()) && maybeCommit()) {
                onCommitAdvanced();
            }
        }
    }

    // ---------------------------------------------------------------- role changes

    private void becomeFollower(long newTerm, long lead) {
        reset(newTerm);
        leaderId = lead;
        role = Role.FOLLOWER;
        behaviour = follower;
    }

    private void becomePreCandidate() {
        if (role == Role.LEADER) {
            throw new IllegalStateException("a leader cannot become a pre-candidate");
        }
        // Neither term nor vote changes (dissertation §9.6): only the behaviour does.
        votes.clear();
        leaderId = 0;
        electionElapsed = 0;
        randomizedElectionTimeout = config.electionTicks() + random.nextInt(config.electionTicks());
        role = Role.PRE_CANDIDATE;
        behaviour = candidate;
    }

    private void becomeCandidate() {
        if (role == Role.LEADER) {
            throw new IllegalStateException("a leader cannot become a candidate");
        }
        reset(term + 1);
        vote = id;
        role = Role.CANDIDATE;
        behaviour = candidate;
    }

    private void becomeLeader() {
        if (role != Role.CANDIDATE && role != Role.PRE_CANDIDATE) {
            throw new IllegalStateException("only a candidate can become leader, not a " + role);
        }
        reset(term);
        leaderId = id;
        role = Role.LEADER;
        behaviour = leader;
        long last = log.lastIndex();
        for (long member : membership.voters()) {
            progress.put(member, new Progress(0, last + 1, config.maxInflightMsgs(), false));
        }
        for (long member : membership.learners()) {
            progress.put(member, new Progress(0, last + 1, config.maxInflightMsgs(), true));
        }
        Progress self = progress.get(id);
        if (self == null) {
            throw new IllegalStateException("node " + id + " became leader without being a voter in " + membership);
        }
        self.match = unsyncedWrites ? 0 : log.stableLastIndex(); // see advanceUnsynced: counted once synced
        self.becomeReplicate();
        self.recentActive = true;
        // Dissertation §6.4 and Raft paper §8: a new leader commits a blank entry of its own term, which also
        // commits every earlier entry it has (§5.4.2), before it serves reads.
        log.append(List.of(new Entry(last + 1, term, NO_DATA)));
    }

    private void reset(long newTerm) {
        if (term != newTerm) {
            term = newTerm;
            vote = 0;
        }
        leaderId = 0;
        electionElapsed = 0;
        heartbeatElapsed = 0;
        randomizedElectionTimeout = config.electionTicks() + random.nextInt(config.electionTicks());
        leadTransferee = 0;
        timeoutNowSent = false;
        votes.clear();
        progress.clear();
        unroundedReads.clear();
        readRounds.clear();
    }

    private boolean promotable() {
        return membership.isVoter(id);
    }

    /** Whether we heard from a leader within the minimum election timeout (a leader is always in its lease). */
    /**
     * Whether a leader may be relying on this node's recent acknowledgement (dissertation §4.2.3, §6.4.1), so that
     * this node must refuse (pre)votes. A node that has just (re)started cannot know whom it acknowledged before the
     * restart, so with lease reads on, for its first election timeout it assumes it did: a restart must not shorten
     * the lease a leader serves reads on. (Without lease reads the lease only prevents disruption; reads are safe
     * through ReadIndex either way, and a fresh cluster can elect at once.)
     */
    private boolean inLeaderLease() {
        return (leaderId != 0 && electionElapsed < config.electionTicks())
                || (config.leaseReads() && tickCount < config.electionTicks());
    }

    private HardState currentHardState() {
        return new HardState(term, vote, log.committed());
    }

    private void send(Message m) {
        outbox.add(m);
    }

    // ---------------------------------------------------------------- elections

    private enum CampaignKind {
        /** A pre-vote round if enabled, else an election. */
        TIMEOUT,
        /** A real election: the pre-vote round was won. */
        ELECTION,
        /** A real election on the leader's request, which voters honour despite their lease. */
        TRANSFER
    }

    private void campaign(CampaignKind kind) {
        if (!promotable()) {
            return;
        }
        boolean pre = config.preVote() && kind == CampaignKind.TIMEOUT;
        boolean transfer = kind == CampaignKind.TRANSFER;
        if (pre) {
            becomePreCandidate();
        } else {
            becomeCandidate();
        }
        long voteTerm = pre ? term + 1 : term;
        if (recordVote(id, true)) {
            return;
        }
        long lastIndex = log.lastIndex();
        long lastTerm = log.lastTerm();
        for (long voter : membership.voters()) {
            if (voter == id) {
                continue;
            }
            send(pre ? new PreVote(id, voter, voteTerm, lastIndex, lastTerm)
                     : new RequestVote(id, voter, voteTerm, lastIndex, lastTerm, transfer));
        }
    }

    /** Counts a vote; wins or loses the round when a quorum decided. Returns true if the round is over. */
    private boolean recordVote(long voter, boolean granted) {
        if (!membership.isVoter(voter)) {
            return false;
        }
        votes.putIfAbsent(voter, granted);
        int yes = 0;
        int no = 0;
        for (boolean g : votes.values()) {
            if (g) {
                yes++;
            } else {
                no++;
            }
        }
        if (yes >= membership.quorum()) {
            if (role == Role.PRE_CANDIDATE) {
                campaign(CampaignKind.ELECTION);
                if (role == Role.PRE_CANDIDATE) {
                    throw new IllegalStateException("pre-vote won but no election started");
                }
            } else {
                becomeLeader();
                broadcastAppend(true);
            }
            return true;
        }
        if (no >= membership.quorum()) {
            becomeFollower(term, 0);
            return true;
        }
        return false;
    }

    private void handleVoteRequest(long from, long msgTerm, long lastIndex, long lastTerm, boolean pre) {
        // Raft paper §5.2: at most one vote per term (a pre-vote binds nothing, so it may go to a future term).
        boolean canVote = vote == from || (vote == 0 && leaderId == 0) || (pre && msgTerm > term);
        // Only voters elect; a learner or a removed node must not gather votes.
        canVote = canVote && membership.isVoter(from);
        // Raft paper §5.4.1: only for a candidate whose log is at least as up to date as ours.
        if (canVote && log.isUpToDate(lastIndex, lastTerm)) {
            if (pre) {
                send(new PreVoteResponse(id, from, msgTerm, true));
            } else {
                electionElapsed = 0;
                vote = from;
                send(new RequestVoteResponse(id, from, term, true));
            }
        } else if (pre) {
            send(new PreVoteResponse(id, from, term, false));
        } else {
            send(new RequestVoteResponse(id, from, term, false));
        }
    }

    // ---------------------------------------------------------------- follower side of replication

    private void handleAppendEntries(AppendEntries m) {
        if (m.prevLogIndex() < log.committed()) {
            // Everything up to our commit index matches the leader's log (Leader Completeness, §5.4).
            send(AppendEntriesResponse.accept(id, m.from(), term, log.committed()));
            return;
        }
        long lastNew = log.maybeAppend(m.prevLogIndex(), m.prevLogTerm(), m.leaderCommit(), m.entries());
        if (lastNew >= 0) {
            send(AppendEntriesResponse.accept(id, m.from(), term, lastNew));
            return;
        }
        // Raft paper §5.3 (consistency check failed). Hint the last index that may still match so the leader can
        // skip a whole term per round trip instead of one entry.
        long hintIndex = Math.min(m.prevLogIndex(), log.lastIndex());
        long[] hint = log.findConflictByTerm(hintIndex, m.prevLogTerm());
        send(AppendEntriesResponse.reject(id, m.from(), term, m.prevLogIndex(), hint[0], hint[1]));
    }

    private void handleHeartbeat(Heartbeat m) {
        // The leader clamps the commit index to what it knows we match, so this never commits a foreign entry.
        log.commitTo(m.commit());
        send(new HeartbeatResponse(id, m.from(), term, m.context()));
    }

    private void handleInstallSnapshot(InstallSnapshot m) {
        Snapshot snap = m.snapshot();
        if (snap.index() > log.committed()) {
            if (log.matchTerm(snap.index(), snap.term())) {
                // We already have the snapshot's last entry, so the whole prefix matches (Log Matching, §5.3).
                log.commitTo(snap.index());
            } else {
                log.restore(snap);
                membership = snap.membership();
            }
        }
        send(new InstallSnapshotResponse(id, m.from(), term, log.committed()));
    }

    private void acceptLeader(Message m) {
        if (leaderId != 0 && leaderId != m.from()) {
            throw new IllegalStateException("two leaders in term " + term + ": " + leaderId + " and " + m.from()
                    + " (Election Safety, Raft paper §5.2)");
        }
        leaderId = m.from();
        electionElapsed = 0;
    }

    // ---------------------------------------------------------------- leader side of replication

    /**
     * Sends the next AppendEntries to {@code to} unless its progress is paused; falls back to a snapshot when the
     * entries it needs are compacted. Without new entries it sends only if {@code sendIfEmpty} or the peer has not
     * yet been told the commit index. Returns whether a message went out.
     */
    private boolean sendAppend(long to, boolean sendIfEmpty) {
        Progress pr = progress.get(to);
        if (pr == null || pr.isPaused()) {
            return false;
        }
        long prevIndex = pr.next - 1;
        long prevTerm = log.term(prevIndex);
        List<Entry> entries = log.entries(pr.next, config.maxSizePerMsg(), config.maxEntriesPerMsg());
        if (prevTerm < 0 || entries == null) {
            return sendSnapshot(to, pr);
        }
        long lastSent = entries.isEmpty() ? prevIndex : entries.get(entries.size() - 1).index();
        long commitToSend = Math.min(log.committed(), lastSent);
        if (entries.isEmpty() && !sendIfEmpty && (pr.sentCommit >= commitToSend || awaitingAck(pr, prevIndex))) {
            return false;
        }
        send(new AppendEntries(id, to, term, prevIndex, prevTerm, entries, log.committed()));
        pr.sentEntries(entries.isEmpty() ? 0 : lastSent);
        pr.sentCommit = Math.max(pr.sentCommit, commitToSend);
        return true;
    }

    /**
     * Whether entries sent to this follower are still unacknowledged, so that an empty AppendEntries carrying only
     * a new commit index can wait: the acknowledgement is on its way, and when it arrives
     * ({@link #handleAppendResponse}) the leader sends again, with entries or with the commit index once nothing
     * is in flight any more. Under pipelined load this halves the messages each way (an empty AppendEntries and
     * its answer per commit advance) without delaying any follower's commit index by more than its own round trip;
     * a lost acknowledgement is covered by the heartbeat, whose answer makes the leader send again.
     */
    private static boolean awaitingAck(Progress pr, long prevIndex) {
        return pr.state == PeerProgress.State.REPLICATE && pr.match < prevIndex;
    }

    private boolean sendSnapshot(long to, Progress pr) {
        if (!pr.recentActive) {
            return false;
        }
        Snapshot snap = log.snapshot();
        if (snap.index() == 0) {
            throw new IllegalStateException("entries for " + to + " are compacted but there is no snapshot");
        }
        send(new InstallSnapshot(id, to, term, snap));
        pr.becomeSnapshot(snap.index(), tickCount);
        return true;
    }

    private void broadcastAppend(boolean sendIfEmpty) {
        for (long peer : progress.keySet()) {
            if (peer != id) {
                sendAppend(peer, sendIfEmpty);
            }
        }
    }

    /**
     * Commits the highest index a quorum of voters has, if it is from the current term (Raft paper §5.4.2: never
     * commit an older term's entry by counting replicas).
     */
    private boolean maybeCommit() {
        long[] matches = new long[membership.voters().size()];
        int k = 0;
        for (long voter : membership.voters()) {
            Progress pr = progress.get(voter);
            matches[k++] = pr == null ? 0 : pr.match;
        }
        Arrays.sort(matches);
        long quorumMatch = matches[matches.length - membership.quorum()];
        return log.maybeCommit(quorumMatch, term);
    }

    private void onCommitAdvanced() {
        releaseWaitingReadsAfterCommit();
        // Tell followers the new commit index now (an empty AppendEntries if needed) rather than at the next
        // heartbeat, so that they apply without a heartbeat's delay.
        broadcastAppend(false);
    }

    private void handleAppendResponse(AppendEntriesResponse r) {
        Progress pr = progress.get(r.from());
        if (pr == null) {
            return;
        }
        pr.recentActive = true;
        if (!r.success()) {
            long probeHint = r.conflictIndex();
            if (r.conflictTerm() > 0) {
                // Skip every entry of ours whose term is above the follower's: none of them can match.
                probeHint = log.findConflictByTerm(r.conflictIndex(), r.conflictTerm())[0];
            }
            if (pr.maybeDecrTo(r.rejectedIndex(), probeHint)) {
                if (pr.state == PeerProgress.State.REPLICATE) {
                    pr.becomeProbe();
                }
                sendAppend(r.from(), false);
            }
            return;
        }
        if (!pr.maybeUpdate(r.matchIndex())) {
            return;
        }
        switch (pr.state) {
            case PROBE -> pr.becomeReplicate();
            case SNAPSHOT -> {
                if (pr.match >= pr.pendingSnapshot) {
                    pr.becomeProbe();
                    pr.becomeReplicate();
                }
            }
            case REPLICATE -> pr.inflights.freeLE(r.matchIndex());
        }
        if (maybeCommit()) {
            onCommitAdvanced();
        }
        while (sendAppend(r.from(), false)) {
            // Keep the pipeline full up to the inflight window.
        }
        if (r.from() == leadTransferee && pr.match == log.lastIndex()) {
            sendTimeoutNow(r.from());
        }
    }

    private void handleHeartbeatResponse(HeartbeatResponse r) {
        Progress pr = progress.get(r.from());
        if (pr == null) {
            return;
        }
        pr.recentActive = true;
        pr.probeSent = false;
        if (pr.state == PeerProgress.State.REPLICATE && pr.inflights.full()) {
            pr.inflights.freeFirstOne();
        }
        if (pr.state == PeerProgress.State.SNAPSHOT
                && tickCount - pr.snapshotSentTick >= config.electionTicks()) {
            // The peer is alive but has not answered the snapshot within an election timeout: assume it was lost
            // and start over (which sends the snapshot again). TODO: snapshots that take longer than that to
            // transfer need chunked InstallSnapshot messages with their own progress.
            pr.snapshotFailed();
        }
        if (pr.match < log.lastIndex()) {
            // Even with nothing new to send: if earlier appends were lost, the follower rejects this one and the
            // leader falls back to probing from its match index.
            sendAppend(r.from(), true);
        }
        if (r.context() <= progress.get(id).ackedRound && r.context() > pr.ackedRound) {
            pr.ackedRound = r.context();
            releaseConfirmedReads();
            maybeStartReadRound();
        }
    }

    private void handleInstallSnapshotResponse(InstallSnapshotResponse r) {
        Progress pr = progress.get(r.from());
        if (pr == null) {
            return;
        }
        pr.recentActive = true;
        if (pr.state != PeerProgress.State.SNAPSHOT) {
            return;
        }
        pr.maybeUpdate(r.matchIndex());
        pr.becomeProbe();
        sendAppend(r.from(), false);
    }

    private void sendTimeoutNow(long to) {
        timeoutNowSent = true;
        send(new TimeoutNow(id, to, term));
    }

    /**
     * Sends a heartbeat round to every follower. A round is numbered {@code tick << ROUND_BITS | n}: besides the one
     * round per heartbeat tick, reads start extra rounds at once (see {@link #maybeStartReadRound}), and the tick a
     * round was sent in stays recoverable for the lease ({@link #leaseValid}).
     */
    private void broadcastHeartbeat() {
        Progress self = progress.get(id);
        long round = Math.max(tickCount << ROUND_BITS, self.ackedRound + 1);
        if ((round >>> ROUND_BITS) != tickCount) {
            throw new IllegalStateException("more than " + ((1 << ROUND_BITS) - 1) + " heartbeat rounds in tick "
                    + tickCount);
        }
        self.ackedRound = round;
        if (!unroundedReads.isEmpty() && committedInCurrentTerm()) {
            readRounds.add(new ReadRound(round, log.committed(), List.copyOf(unroundedReads)));
            unroundedReads.clear();
        }
        for (Map.Entry<Long, Progress> e : progress.entrySet()) {
            long peer = e.getKey();
            if (peer != id) {
                Progress pr = e.getValue();
                long commit = Math.min(pr.match, log.committed());
                send(new Heartbeat(id, peer, term, commit, round));
                pr.sentCommit = Math.max(pr.sentCommit, commit);
            }
        }
        releaseConfirmedReads();
    }

    // ---------------------------------------------------------------- reads (dissertation §6.4)

    /** Bits of a heartbeat round number that count rounds within one tick. */
    private static final int ROUND_BITS = 16;

    /**
     * Reads are batched (dissertation §6.4): reads that arrive while a round is out wait for the next one, which
     * starts as soon as that round is confirmed, so a read waits about one round trip, not a heartbeat period.
     */
    private void maybeStartReadRound() {
        if (role == Role.LEADER && !unroundedReads.isEmpty() && readRounds.isEmpty() && committedInCurrentTerm()
                && membership.voters().size() > 1) {
            broadcastHeartbeat();
        }
    }

    /**
     * Whether the commit index is at an entry of the current term: a leader may answer reads from its commit index
     * only then (dissertation §6.4; its blank entry settles what earlier terms committed). Driver thread only.
     */
    public boolean committedInCurrentTerm() {
        return log.term(log.committed()) == term;
    }

    private void leaderRead(PendingRead read) {
        if (committedInCurrentTerm()) {
            if (membership.voters().size() == 1) {
                confirmRead(read, log.committed());
                return;
            }
            if (leaseValid()) {
                confirmRead(read, log.committed());
                return;
            }
        }
        unroundedReads.add(read);
        maybeStartReadRound();
    }

    /**
     * The newest heartbeat round a quorum of voters acknowledged: leadership was confirmed after that round was
     * sent (dissertation §6.4).
     */
    private long quorumAckedRound() {
        long[] acked = new long[membership.voters().size()];
        int k = 0;
        for (long voter : membership.voters()) {
            Progress pr = progress.get(voter);
            acked[k++] = pr == null ? 0 : pr.ackedRound;
        }
        Arrays.sort(acked);
        return acked[acked.length - membership.quorum()];
    }

    /**
     * Dissertation §6.4.1: a quorum acknowledged a round sent at tick s, so none of them grants a vote before its
     * own tick s + electionTicks (check-quorum lease). One tick of margin covers tick phase differences; clock
     * rates are assumed equal. A leader that sent TimeoutNow in this term has given its lease away.
     */
    private boolean leaseValid() {
        return config.leaseReads() && !timeoutNowSent && leadTransferee == 0
                && tickCount < (quorumAckedRound() >>> ROUND_BITS) + config.electionTicks() - 1;
    }

    private void releaseConfirmedReads() {
        long confirmed = quorumAckedRound();
        while (!readRounds.isEmpty() && readRounds.peekFirst().round() <= confirmed) {
            ReadRound round = readRounds.pollFirst();
            for (PendingRead read : round.reads()) {
                confirmRead(read, round.index());
            }
        }
    }

    /** Reads wait for the leader's first commit of its term; on a single voter they are served right then. */
    private void releaseWaitingReadsAfterCommit() {
        if (membership.voters().size() == 1 && committedInCurrentTerm()) {
            while (!unroundedReads.isEmpty()) {
                confirmRead(unroundedReads.pollFirst(), log.committed());
            }
        }
        maybeStartReadRound();
    }

    private void confirmRead(PendingRead read, long index) {
        if (read.origin() == id) {
            readStates.add(new ReadState(read.requestId(), index));
        } else {
            send(new ReadIndexResponse(id, read.origin(), term, read.requestId(), index));
        }
    }

    private record PendingRead(long origin, long requestId) {
    }

    private record ReadRound(long round, long index, List<PendingRead> reads) {
    }

    // ---------------------------------------------------------------- role behaviours

    /** What a role does on a tick and with a message of the current term (the term rules ran already). */
    private interface Behaviour {
        void tick();

        void step(Message m);
    }

    private void tickElection() {
        electionElapsed++;
        if (promotable() && electionElapsed >= randomizedElectionTimeout) {
            electionElapsed = 0;
            campaign(CampaignKind.TIMEOUT);
        }
    }

    private final class Follower implements Behaviour {
        @Override
        public void tick() {
            tickElection();
        }

        @Override
        public void step(Message m) {
            if (m instanceof AppendEntries ae) {
                acceptLeader(m);
                handleAppendEntries(ae);
            } else if (m instanceof Heartbeat hb) {
                acceptLeader(m);
                handleHeartbeat(hb);
            } else if (m instanceof InstallSnapshot is) {
                acceptLeader(m);
                handleInstallSnapshot(is);
            } else if (m instanceof TimeoutNow) {
                // Dissertation §3.10: the leader hands over; campaign now, skipping pre-vote.
                campaign(CampaignKind.TRANSFER);
            } else if (m instanceof ReadIndexResponse r) {
                readStates.add(new ReadState(r.requestId(), r.index()));
            }
            // Anything else (late vote answers, answers meant for a leader, misrouted reads) is stale.
        }
    }

    /** Pre-candidate and candidate: they differ only in which vote answers they count. */
    private final class Candidate implements Behaviour {
        @Override
        public void tick() {
            tickElection();
        }

        @Override
        public void step(Message m) {
            if (m instanceof AppendEntries || m instanceof Heartbeat || m instanceof InstallSnapshot) {
                // Raft paper §5.2: a leader of our term exists; give up. (A pre-candidate has not raised its term,
                // so this is the leader of the term it is still in.)
                becomeFollower(term, m.from());
                follower.step(m);
            } else if (m instanceof PreVoteResponse r && role == Role.PRE_CANDIDATE) {
                recordVote(r.from(), r.granted());
            } else if (m instanceof RequestVoteResponse r && role == Role.CANDIDATE) {
                recordVote(r.from(), r.granted());
            }
        }
    }

    private final class Leader implements Behaviour {
        @Override
        public void tick() {
            heartbeatElapsed++;
            electionElapsed++;
            if (electionElapsed >= config.electionTicks()) {
                electionElapsed = 0;
                if (config.checkQuorum()) {
                    if (!quorumActive()) {
                        // Dissertation §6.2: a leader that cannot hear a majority steps down, so clients move on.
                        becomeFollower(term, 0);
                        return;
                    }
                    progress.forEach((peer, pr) -> pr.recentActive = peer == id);
                }
                // Dissertation §3.10: a transfer that did not finish within an election timeout is abandoned.
                leadTransferee = 0;
            }
            if (heartbeatElapsed >= config.heartbeatTicks()) {
                heartbeatElapsed = 0;
                broadcastHeartbeat();
            }
        }

        private boolean quorumActive() {
            int active = 0;
            for (long voter : membership.voters()) {
                Progress pr = progress.get(voter);
                if (voter == id || (pr != null && pr.recentActive)) {
                    active++;
                }
            }
            return active >= membership.quorum();
        }

        @Override
        public void step(Message m) {
            if (m instanceof AppendEntriesResponse r) {
                handleAppendResponse(r);
            } else if (m instanceof HeartbeatResponse r) {
                handleHeartbeatResponse(r);
            } else if (m instanceof InstallSnapshotResponse r) {
                handleInstallSnapshotResponse(r);
            } else if (m instanceof ReadIndexRequest r) {
                if (membership.isMember(r.from())) {
                    leaderRead(new PendingRead(r.from(), r.requestId()));
                }
            } else if (m instanceof TransferLeader t) {
                transferLeadership(t.from());
            } else if (m instanceof AppendEntries || m instanceof Heartbeat || m instanceof InstallSnapshot) {
                throw new IllegalStateException("leader " + id + " got " + m.getClass().getSimpleName() + " from "
                        + m.from() + " in its own term " + term + " (Election Safety, Raft paper §5.2)");
            }
            // Vote answers of the won election and TimeoutNow (we already lead) are stale.
        }
    }
}
