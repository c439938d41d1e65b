package io.raftkv.server.driver;

import io.raftkv.raft.CodecException;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageCodec;
import io.raftkv.raft.RaftConfig;
import io.raftkv.raft.RaftNode;
import io.raftkv.raft.Ready;
import io.raftkv.raft.Role;
import io.raftkv.server.cluster.ClusterMember;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.Exec;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.driver.DriverEvent.Inbound;
import io.raftkv.server.driver.DriverEvent.LeadershipRequest;
import io.raftkv.server.driver.DriverEvent.Proposal;
import io.raftkv.server.driver.DriverEvent.ReadRequest;
import io.raftkv.server.driver.DriverEvent.Request;
import io.raftkv.server.kv.LogRecord;
import io.raftkv.server.node.ApplyLoop;
import io.raftkv.server.node.KvStateMachine;
import io.raftkv.server.node.ReplySink;
import io.raftkv.server.peer.PeerTransport;
import io.raftkv.server.reply.Reply;
import io.raftkv.wal.WalException;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.ObjLongConsumer;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The driver without its threads: the Ready loop of one node, run in rounds by whoever owns the driver thread
 * ({@link RaftDriver} in production, the simulation in tests) through {@link #round()} and {@link #tick()}. It holds
 * no thread, executor, timer or clock of its own: it reads time from its {@link NodeClock}, asks its
 * {@link DriverLoop} for rounds, writes through its {@link DurableLog} and sends through its {@link PeerTransport}.
 * Its parts each own one concern: {@link ProposalBatcher} (writes into BATCH entries, waiting for their commit),
 * {@link ReadTracker} (ReadIndex reads), {@link LeaderWait} (redirects and the bounded wait for a leader),
 * {@link Persistence} (the log and its deferred syncs), {@link FailureMode} (after the WAL failed), the
 * {@link PublishedView} and its {@link InfoSections}.
 *
 * <p>A round: take what arrived in the inbox (peer frames are stepped, client writes gathered into one proposal,
 * reads started), then handle every Ready in the contract's order — a leader's appends and heartbeats may leave
 * first (its own copy counts only once synced), persist, send the rest, hand committed entries and confirmed reads
 * to the {@link ApplyLoop}, advance — then deal with leadership changes, waiting requests and read retries, and
 * publish the state for other threads.
 *
 * <p>Threads: {@link #write}, {@link #read}, {@link #proposeExpire}, {@link #mayPropose}, {@link #deliver}, the
 * {@link #view()} and {@link #info} may be called from any thread and only enqueue or read volatile fields;
 * everything else (the constructor included: it recovers from the log) runs on the driver thread.
 */
final class DriverCore implements ApplyLoop.ExpiryProposer {

    private static final Logger log = LoggerFactory.getLogger(DriverCore.class);
    private static final int MAX_EVENTS_PER_ROUND = 4096;
    /** Readies handled per round: applying a long log at startup must not keep the transport's I/O waiting. */
    private static final int MAX_READIES_PER_ROUND = 16;
    private static final Reply SHUTTING_DOWN = Reply.error("ERR server is shutting down");

    private final ServerState server;
    private final DurableLog durableLog;
    private final PeerTransport transport;
    private final NodeClock clock;
    private final DriverLoop loop;
    private final ClusterMember self;
    /**
     * The group is this node alone (a standalone server). No other node can ever be elected, so it campaigns at once
     * instead of after an election timeout, and after a WAL failure its key space still holds every write ever
     * acknowledged, so it goes on serving reads, as Redis does.
     */
    private final boolean alone;
    private final long tickNanos;
    private final ApplyLoop applier;
    private final PublishedView view;
    private final InfoSections info;
    private final LeaderWait leaderWait;
    /** Requests a leader's appearance hands back, handled again (one object, not one per round). */
    private final ObjLongConsumer<DriverEvent.Request> rehandle = this::handle;
    private final FailureMode failure;
    private final ProposalBatcher proposals;
    private final ReadTracker reads;
    private final Persistence persistence;
    private final ManyToOneConcurrentLinkedQueue<DriverEvent> inbox = new ManyToOneConcurrentLinkedQueue<>();
    private final AtomicBoolean roundScheduled = new AtomicBoolean();
    private volatile boolean running = true;

    // Driver thread only.
    /** Keeps scratch state. Frames are at most the transport's limit. */
    private final MessageCodec codec = new MessageCodec();
    private final RaftNode raft;
    private Role lastRole = Role.FOLLOWER;
    private long busyNanos;
    private boolean stopped;

    /**
     * Recovers the Raft state from {@code durableLog}; on the driver thread. The key space is rebuilt by applying the
     * committed log through the normal Ready path, on {@code applyExecutor} (a single thread, the driver's own or
     * another; the simulation's runs tasks at once), large writes on {@code largeApplyExecutor} (null: a thread the
     * apply loop makes; see {@link ApplyLoop}). {@code randomSeed} seeds the election timeouts.
     */
    DriverCore(ServerState server, DurableLog durableLog, long maxEntryBytes, PeerTransport transport,
               KvStateMachine machine, Executor applyExecutor, Executor largeApplyExecutor, ClusterMember self,
               List<ClusterMember> members, NodeClock clock, DriverLoop loop, long randomSeed) {
        this.server = server;
        this.durableLog = durableLog;
        this.transport = transport;
        this.clock = clock;
        this.loop = loop;
        this.self = self;
        long[] ids = members.stream().mapToLong(ClusterMember::id).toArray();
        this.alone = ids.length == 1 && ids[0] == self.id();
        var c = server.config();
        this.tickNanos = TimeUnit.MILLISECONDS.toNanos(c.clusterHeartbeatMs());
        long electionNanos = TimeUnit.MILLISECONDS.toNanos(c.clusterElectionTimeoutMs());
        int electionTicks = (int) Math.max(2, c.clusterElectionTimeoutMs() / c.clusterHeartbeatMs());
        RaftConfig raftConfig = RaftConfig.of(self.id()).withTicks(electionTicks, 1)
                .withLeaseReads(c.clusterLeaseReads()).withRandomSeed(randomSeed);
        machine.resetAppliedIndex(0);
        this.applier = new ApplyLoop(machine, clock::wallMillis, this, applyExecutor, largeApplyExecutor);
        this.view = new PublishedView(self, members, transport, () -> enqueue(new LeadershipRequest()));
        this.info = new InfoSections(view, server, alone);
        this.leaderWait = new LeaderWait(view);
        this.failure = new FailureMode(view, leaderWait, applier, alone);
        this.proposals = new ProposalBatcher(maxEntryBytes, clock, view, leaderWait, failure);
        this.reads = new ReadTracker(applier, leaderWait, electionNanos, alone);
        this.persistence = new Persistence(durableLog, clock, server, view, failure, proposals, this::walFailed,
                delay -> loop.schedule(this::deferCheckRound, delay));
        this.raft = recover(raftConfig);
    }

    private RaftNode recover(RaftConfig raftConfig) {
        try {
            RaftNode node = new RaftNode(raftConfig, durableLog.storage(), 0);
            HardState hs = durableLog.hardState();
            view.term = hs.term();
            view.lastIndex = durableLog.lastIndex();
            if (view.lastIndex > 0) {
                proposals.observe(durableLog.entry(view.lastIndex));
            }
            view.walFirstIndex = durableLog.firstIndex();
            log.info("node {} starts at term {}, log [{}, {}], commit {}", self.id(), hs.term(),
                    durableLog.firstIndex(), durableLog.lastIndex(), hs.commit());
            if (alone) {
                // The only voter wins its own (pre-)vote at once (Raft paper §5.2: a majority of one), so it need not
                // wait an election timeout; its term and vote are persisted by the first round's Ready.
                node.campaign();
            }
            return node;
        } catch (RuntimeException e) {
            durableLog.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------ any thread

    /** Proposes a WRITE command; {@code sink} gets its reply once its entry is committed and applied (or an error). */
    void write(CommandSpec spec, byte[][] argv, ReplySink sink) {
        enqueue(new Proposal(LogRecord.COMMAND, spec, argv, sink, clock.monotonicNanos() + redirectWaitNanos()));
    }

    /** Runs a READ (through ReadIndex unless this is a lone voter that may skip the round, see ReadTracker#floor). */
    void read(CommandSpec spec, byte[][] argv, ClientSession client, ReplySink sink) {
        if (spec.exec() == Exec.LOCAL_READ) {
            applier.read(0, spec, argv, client, sink);
            return;
        }
        long floor = reads.floor();
        if (floor >= 0) {
            // Reading once that much is applied is linearizable, and saves the hop through the driver thread. (A
            // connection's own earlier writes are answered before its read is sent here: CommandHandler orders them.)
            applier.read(floor, spec, argv, client, sink);
            return;
        }
        enqueue(new ReadRequest(spec, argv, client, sink, clock.monotonicNanos() + redirectWaitNanos()));
    }

    @Override
    public boolean mayPropose() {
        return view.role == Role.LEADER && running && view.failure == null;
    }

    @Override
    public void proposeExpire(byte[][] keys, ReplySink done) {
        enqueue(new Proposal(LogRecord.EXPIRE, null, keys, done, clock.monotonicNanos()));
    }

    /** A frame from peer {@code from} (the transport's inbound callback); the frame is the driver's now. */
    void deliver(long from, byte[] frame) {
        enqueue(new Inbound(from, frame));
    }

    PublishedView view() {
        return view;
    }

    /** The node's lines of INFO {@code section} (persistence, replication, raft). */
    List<String> info(String section) {
        return info.render(section);
    }

    ApplyLoop applier() {
        return applier;
    }

    /** The tick period: the heartbeat interval. */
    long tickNanos() {
        return tickNanos;
    }

    /** From now on rounds do nothing; {@link #stop} then answers what waits. */
    void shutdown() {
        running = false;
    }

    private void enqueue(DriverEvent event) {
        inbox.offer(event);
        if (!roundScheduled.get() && roundScheduled.compareAndSet(false, true)) {
            loop.execute(this::round);
        }
    }

    private long redirectWaitNanos() {
        return TimeUnit.MILLISECONDS.toNanos(server.config().clusterRedirectWaitMs());
    }

    // ------------------------------------------------------------------ the driver thread

    /** The Raft core, for the simulation's checks; it must not change it. Driver thread. */
    RaftNode raft() {
        return raft;
    }

    /** Whether {@link #stop} ran (on close, or after the driver itself failed). */
    boolean stopped() {
        return stopped;
    }

    /** A heartbeat interval passed. */
    void tick() {
        if (!running || failure.failed()) {
            return;
        }
        raft.tick();
        if (raft.hasUnsyncedWrites()) {
            persistence.syncDeferred(raft); // a leader's disk copy is never more than a tick behind
        }
        round();
    }

    private void deferCheckRound() {
        persistence.deferCheckDue();
        round();
    }

    /** One round: take what arrived, handle every Ready; asks its loop for another if work is left. */
    void round() {
        roundScheduled.set(false);
        if (!running) {
            if (stopped) {
                answerQueued(); // what arrived after the driver stopped
            }
            return;
        }
        long now = clock.monotonicNanos();
        try {
            int n = 0;
            DriverEvent event;
            while (n++ < MAX_EVENTS_PER_ROUND && (event = inbox.poll()) != null) {
                if (failure.failed()) {
                    afterFailure(event);
                } else if (event instanceof Proposal p && p.kind() == LogRecord.COMMAND) {
                    proposals.gather(raft, p, now);
                } else {
                    proposals.proposeGathered(raft, now);
                    handle(event, now);
                }
            }
            proposals.proposeGathered(raft, now);
            for (int r = 0; r < MAX_READIES_PER_ROUND && !failure.failed() && raft.hasReady(); r++) {
                handleReady(raft.ready(), now);
            }
            proposals.proposeNextParts(raft);
            persistence.checkDeferred(raft);
            afterRound(now);
            if (failure.failed()) {
                failure.publish();
            } else {
                view.publish(raft);
            }
            persistence.publish();
            busyNanos += clock.monotonicNanos() - now;
            view.busyMicros = busyNanos / 1000;
            if ((!inbox.isEmpty() || !failure.failed() && raft.hasReady())
                    && roundScheduled.compareAndSet(false, true)) {
                loop.execute(this::round); // more than one round's worth: let the transport's I/O in first
            }
        } catch (RuntimeException | Error e) {
            log.error("driver failed; this node stops taking part", e);
            view.failure = "driver failed: " + e;
            running = false;
            stop();
        }
    }

    /** The message in a peer's frame, or null (logged) if it is malformed or not from that peer to this node. */
    private Message decode(Inbound in) {
        Message m;
        try {
            m = codec.decode(in.frame());
        } catch (CodecException e) {
            log.warn("dropping a bad frame from peer {}: {}", in.from(), e.getMessage());
            return null;
        }
        if (m.from() != in.from() || m.to() != self.id()) {
            log.warn("dropping a message from {} to {} that arrived on the link from {}", m.from(), m.to(), in.from());
            return null;
        }
        return m;
    }

    private void handle(DriverEvent event, long now) {
        if (event instanceof Inbound in) {
            Message m = decode(in);
            if (m == null) {
                return;
            }
            persistence.received(m, now);
            raft.step(m);
        } else if (event instanceof Proposal p) {
            proposals.propose(raft, List.of(p), now);
        } else if (event instanceof ReadRequest r) {
            reads.start(raft, r, now);
        } else if (event instanceof LeadershipRequest) {
            if (!raft.requestLeadership()) {
                log.info("failover request not sent: role {}, leader {}", raft.role(), raft.leaderId());
            }
        } else {
            throw new IllegalStateException("unknown driver event " + event.getClass());
        }
    }

    /** After a WAL failure: a peer's frame only tells who leads; a client request is refused or redirected. */
    private void afterFailure(DriverEvent event) {
        if (event instanceof Inbound in) {
            failure.observe(decode(in));
        } else if (event instanceof Request r) {
            failure.refuse(r);
        }
    }

    private void handleReady(Ready rd, long now) {
        view.readyCount++;
        if (rd.snapshot() != null) {
            throw new IllegalStateException("snapshots are not supported yet, got one at " + rd.snapshot().index());
        }
        // A leader's appends and heartbeats may leave before its own sync (it counts itself in the commit quorum
        // only for entries reported durable through advance, see Ready): its fsync then overlaps the followers'.
        boolean leader = raft.role() == Role.LEADER;
        if (!leader && raft.hasUnsyncedWrites()) {
            persistence.syncDeferred(raft); // no longer leader: what it deferred must be on disk before it acks or votes
        }
        boolean deferred = false;
        if (leader && !failure.failed()) {
            for (Message m : rd.messages()) {
                if (m instanceof Message.AppendEntries || m instanceof Message.Heartbeat) {
                    transport.send(m.to(), codec.encode(m));
                }
            }
        }
        if (!failure.failed()) {
            try {
                deferred = persistence.persist(raft, rd, leader, now);
            } catch (WalException | IllegalArgumentException | IndexOutOfBoundsException e) {
                walFailed(e);
            }
        }
        if (!failure.failed()) {
            for (Message m : rd.messages()) {
                if (!leader || !(m instanceof Message.AppendEntries || m instanceof Message.Heartbeat)) {
                    transport.send(m.to(), codec.encode(m));
                }
            }
        }
        if (!rd.committedEntries().isEmpty()) {
            List<Entry> committed = rd.committedEntries();
            List<ReplySink> sinks = proposals.committed(committed);
            view.commitIndex = committed.get(committed.size() - 1).index();
            reads.committed(raft);
            applier.applyBatch(committed, sinks);
        }
        reads.confirmed(rd.readStates());
        if (deferred || failure.failed() && leader) {
            raft.advanceUnsynced(rd); // a leader whose log failed must not count its own copy either
        } else {
            raft.advance(rd);
        }
    }

    /**
     * The log failed: the node stops taking part (see {@link FailureMode}) and answers everything it holds: writes
     * already proposed with an error saying they may still commit elsewhere, other requests as refused.
     */
    private void walFailed(RuntimeException e) {
        answerWaiting(failure.enter(e, raft), failure::refuse);
    }

    /**
     * Answers every write waiting for its commit with {@code proposed}, and every other request the driver holds
     * (reads waiting for their confirmation, requests waiting for a leader) through {@code other}.
     */
    private void answerWaiting(Reply proposed, Consumer<Request> other) {
        proposals.answerPending(proposed);
        reads.drain(other);
        leaderWait.drain(other);
    }

    /** Leadership changes, waiting requests, read retries. */
    private void afterRound(long now) {
        Role r = raft.role();
        if (lastRole == Role.LEADER && r != Role.LEADER) {
            proposals.leadershipLost();
        }
        if (r != lastRole) {
            log.info("node {} is now {} in term {} (leader {})", self.id(), r, raft.term(), raft.leaderId());
            lastRole = r;
        }
        leaderWait.afterRound(raft, now, rehandle);
        reads.afterRound(now);
    }

    /** Answers everything still waiting and closes the log; once, on the driver thread. */
    void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        answerWaiting(SHUTTING_DOWN, r -> r.sink().reply(SHUTTING_DOWN));
        proposals.answerGathered(SHUTTING_DOWN);
        answerQueued();
        try {
            durableLog.close(); // syncs what is not yet synced, unless the log failed earlier
        } catch (WalException e) {
            log.error("final sync failed", e);
        }
    }

    private void answerQueued() {
        DriverEvent event;
        while ((event = inbox.poll()) != null) {
            if (event instanceof Request r) {
                String failed = view.failure;
                r.sink().reply(failed == null ? SHUTTING_DOWN : FailureMode.stoppedTakingPart(failed));
            }
        }
    }
}
