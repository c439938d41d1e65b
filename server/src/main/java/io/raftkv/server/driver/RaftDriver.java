package io.raftkv.server.driver;

import io.raftkv.raft.CodecException;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.Membership;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageCodec;
import io.raftkv.raft.PeerProgress;
import io.raftkv.raft.RaftConfig;
import io.raftkv.raft.RaftNode;
import io.raftkv.raft.ReadState;
import io.raftkv.raft.Ready;
import io.raftkv.raft.Role;
import io.raftkv.server.cluster.ClusterMember;
import io.raftkv.server.cluster.ClusterView;
import io.raftkv.server.cluster.Redirect;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.kv.LogRecord;
import io.raftkv.server.node.ApplyLoop;
import io.raftkv.server.node.BatchSink;
import io.raftkv.server.node.KvNode;
import io.raftkv.server.node.KvStateMachine;
import io.raftkv.server.node.ReplySink;
import io.raftkv.server.peer.NoPeerTransport;
import io.raftkv.server.peer.PeerStatus;
import io.raftkv.server.peer.PeerTransport;
import io.raftkv.server.reply.Reply;
import io.raftkv.wal.SyncPolicy;
import io.raftkv.wal.Wal;
import io.raftkv.wal.WalException;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The one place where the layers meet (the consensus core, the WAL and the transport know nothing of each other):
 * a single driver thread owns the {@link RaftNode}, the WAL, the sending side of the peer transport and the state
 * machine, and runs the Ready loop — persist, send, apply committed entries through the {@link ApplyLoop}, release
 * confirmed reads, advance — between ticks, inbound peer frames and client requests.
 *
 * <p>Writes: a WRITE command becomes a proposal on the leader; its reply sink waits, keyed by log index, until that
 * entry is committed and applied. If the entry committed at that index has another term (the proposal was lost in a
 * leader change), or this node stops being leader first, the client gets an error, never silence. A node that is not
 * the leader answers {@code -MOVED} to the leader, and while no leader is known the request waits up to
 * {@code cluster-redirect-wait} for an election before {@code -CLUSTERDOWN}. Under pipelined load the leader leaves
 * its own fsync for later and the entry commits on the followers' durable copies (see {@link #mayDeferSync}).
 *
 * <p>Reads: every READ goes through ReadIndex (Raft dissertation §6.4; batched by the Raft core), on the leader or,
 * for READONLY connections and keyless reads, forwarded by a follower; the driver thread runs it once the applied
 * index reaches the confirmed index. So reads are linearizable on any node.
 *
 * <p>Threads: {@link #write}, {@link #read}, the transport's inbound callback and the {@link ClusterView} getters are
 * called from other threads and only enqueue or read volatile fields; everything else runs on the driver thread.
 * The driver thread is the peer transport's own I/O thread when it offers one ({@link PeerTransport#driverLoop}):
 * frames then go from the socket to the Raft core and back without a thread switch, which takes two hand-offs off
 * each node's part of a write's round trip, and committed entries are applied there too, without another hand-off.
 * Otherwise the driver has a thread of its own. Work runs there in rounds (drain the inbox, handle every Ready),
 * started by a tick or by anything arriving.
 *
 * <p>A standalone node is the same driver over a group of one voter ({@link #standalone}): it leads at once, sends
 * nothing, commits each entry on its own sync and confirms reads without a round, so every log feature has this one
 * code path. Only where it applies differs: on a thread of its own, see {@link #applyThread}.
 */
public final class RaftDriver implements KvNode, ClusterView, ApplyLoop.ExpiryProposer {

    private static final Logger log = LoggerFactory.getLogger(RaftDriver.class);
    private static final int MAX_EVENTS_PER_ROUND = 4096;
    /** The node id of a standalone node, fixed so that its log's terms and votes stay its own across restarts. */
    public static final long STANDALONE_ID = 1;
    /**
     * A standalone node's member record needs an address, but nothing ever shows it: it is not the server's
     * ClusterView (no CLUSTER replies, no -MOVED) and it never redirects, being the only possible leader.
     */
    private static final String STANDALONE_HOST = "127.0.0.1";
    /** Readies handled per round: applying a long log at startup must not keep the transport's I/O waiting. */
    private static final int MAX_READIES_PER_ROUND = 16;
    /**
     * Bound on the commands gathered into one BATCH entry (their records' sizes): large enough that a pipelined
     * load shares one entry among hundreds of commands, small enough that an entry never nears the largest one
     * the log takes and that one entry does not hold up the replication of the next for long.
     */
    private static final int MAX_BATCH_BYTES = 1 << 20;
    /**
     * Leader, appendfsync always: how long an entry whose sync it deferred (see {@link #mayDeferSync}) may wait
     * for the followers to make it durable before the leader syncs it after all, so that it plus one follower
     * commit it. A few of this machine's follower round trips (0.3-0.6 ms under load).
     */
    private static final long MAX_DEFER_NANOS = TimeUnit.MICROSECONDS.toNanos(2_000);
    /** A follower that acknowledged entries this recently is taken to be up, for {@link #mayDeferSync}. */
    private static final long FRESH_ACK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Deferred Readies tracked at once; with more in flight the leader syncs. */
    private static final int MAX_DEFERRED = 64;

    private final ServerState server;
    private final Wal wal;
    private final long maxEntryBytes;
    private final PeerTransport transport;
    private final ApplyLoop applier;
    private final LongSupplier clock;
    private final ClusterMember self;
    private final List<ClusterMember> members;
    private final RaftConfig raftConfig;
    private final Membership membership;
    /**
     * The group is this node alone (a standalone server). No other node can ever be elected, so it campaigns at once
     * instead of after an election timeout, and after a WAL failure its key space still holds every write ever
     * acknowledged, so it goes on serving reads, as Redis does.
     */
    private final boolean alone;
    /**
     * A lone voter's commit index, published by the driver thread before it hands the entries up to it to apply (so
     * before any of them is answered), once the voter has committed an entry of its own term; -1 until then (after a
     * restart, entries acknowledged before it may sit above the recovered commit index until then). Read by the
     * client event loops: see {@link #read}.
     */
    private volatile long readFloor = -1;
    private final long tickNanos;
    private final long electionNanos;
    /** Driver thread only (it keeps scratch state). Frames are at most the transport's limit. */
    private final MessageCodec codec = new MessageCodec();
    private final ManyToOneConcurrentLinkedQueue<Object> inbox = new ManyToOneConcurrentLinkedQueue<>();
    /** The driver thread: the transport's I/O thread, or one of our own (then {@link #ownLoop}). */
    private final ScheduledExecutorService loop;
    private final boolean ownLoop;
    /** Where committed entries are applied: {@link #loop}, or for a lone voter a thread of its own (null otherwise). */
    private final ScheduledExecutorService applyThread;
    private final AtomicBoolean roundScheduled = new AtomicBoolean();
    private final ScheduledFuture<?> ticker;
    private volatile boolean running = true;
    private final AtomicBoolean closed = new AtomicBoolean();
    private boolean stopped;

    // Driver thread only.
    private RaftNode raft;
    private final Long2ObjectHashMap<PendingWrite> pendingWrites = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<PendingRead> pendingReads = new Long2ObjectHashMap<>();
    private final ArrayDeque<Request> awaitingLeader = new ArrayDeque<>();
    /** Client writes taken from the inbox in this round, proposed as one entry (see {@link #gather}). */
    private final List<Proposal> gathered = new ArrayList<>();
    private long gatheredBytes;
    /** Writes too large for one entry, being proposed part by part (leader only). */
    private final PartedProposals parted;
    private long nextReadId;
    private long maxTimestamp;
    private Role lastRole = Role.FOLLOWER;
    private String walFailure;
    /** When each peer last acknowledged entries (System.nanoTime), for {@link #followersFresh}. */
    private final Long2LongHashMap lastAckNanos = new Long2LongHashMap(Long.MIN_VALUE);
    /** Readies whose sync the leader deferred, oldest first: last entry index and when (a ring). */
    private final long[] deferredIndex = new long[MAX_DEFERRED];
    private final long[] deferredAtNanos = new long[MAX_DEFERRED];
    private int deferredHead;
    private int deferredSize;
    private boolean deferCheckScheduled;

    // Published for other threads (cluster face, INFO, expiry).
    private volatile long leaderId;
    private volatile long term;
    private volatile Role role = Role.FOLLOWER;
    private volatile long commitIndex;
    private volatile long lastIndex;
    private volatile long walFirstIndex;
    private volatile List<PeerProgress> progress = List.of();
    private volatile String publishedWalFailure;
    /** After a WAL failure (driver thread): the latest term seen, and the leader seen in it (0: none yet). */
    private long failedTerm;
    private long failedLeaderId;
    private volatile long readyCount;
    private volatile long syncCount;
    private volatile long syncMicros;
    private volatile long busyMicros;
    private long busyNanos;
    private volatile long proposedCount;
    private volatile long deferredSyncs;

    /** A client request waiting in the driver: answered exactly once through its sink, at the latest at its deadline. */
    private sealed interface Request permits Proposal, ReadRequest {
        CommandSpec spec();

        byte[][] argv();

        ReplySink sink();

        long deadline();
    }

    /** A write (or, with a null spec, the applier's expiry batch) to propose. */
    private record Proposal(byte kind, CommandSpec spec, byte[][] argv, ReplySink sink, long deadline) implements Request {
    }

    private record ReadRequest(CommandSpec spec, byte[][] argv, ClientSession client, ReplySink sink, long deadline)
            implements Request {
    }

    private record Inbound(long from, byte[] frame) {
    }

    private record LeadershipRequest() {
    }

    private record PendingWrite(long term, ReplySink sink) {
    }

    /** A read waiting for its ReadIndex confirmation; re-asked after an election timeout, given up at deadline. */
    private static final class PendingRead {
        final ReadRequest request;
        long retryAt;

        PendingRead(ReadRequest request, long retryAt) {
            this.request = request;
            this.retryAt = retryAt;
        }
    }

    /**
     * Recovers the Raft state from {@code wal} and starts the driver; returns once the node is ready to take
     * requests. The key space is rebuilt by applying the committed log through the normal Ready path.
     */
    public RaftDriver(ServerState server, Wal wal, long maxEntryBytes, PeerTransport transport, KvStateMachine machine,
                      ClusterMember self, List<ClusterMember> members, LongSupplier clock) {
        this.server = server;
        this.wal = wal;
        this.maxEntryBytes = maxEntryBytes;
        this.parted = new PartedProposals(maxEntryBytes);
        this.transport = transport;
        this.clock = clock;
        this.self = self;
        this.members = List.copyOf(members);
        long[] ids = members.stream().mapToLong(ClusterMember::id).toArray();
        this.membership = Membership.ofVoters(ids);
        this.alone = ids.length == 1 && ids[0] == self.id();
        var c = server.config();
        this.tickNanos = TimeUnit.MILLISECONDS.toNanos(c.clusterHeartbeatMs());
        this.electionNanos = TimeUnit.MILLISECONDS.toNanos(c.clusterElectionTimeoutMs());
        int electionTicks = (int) Math.max(2, c.clusterElectionTimeoutMs() / c.clusterHeartbeatMs());
        this.raftConfig = RaftConfig.of(self.id()).withTicks(electionTicks, 1).withLeaseReads(c.clusterLeaseReads())
                .withRandomSeed(System.nanoTime() ^ self.id());
        machine.resetAppliedIndex(0);
        ScheduledExecutorService transportLoop = transport.driverLoop();
        this.ownLoop = transportLoop == null;
        this.loop = ownLoop ? Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "raftkv-driver");
            t.setDaemon(true);
            return t;
        }) : transportLoop;
        // A cluster leader's commits wait on the followers, not on its own disk, and on a 2-core machine running three
        // nodes a thread hand-off costs more than applying in parallel gains: it applies on the driver thread. A lone
        // voter's driver thread blocks in fdatasync for every batch (its own sync commits it), so it applies on a
        // second thread, overlapping the apply and replies of one batch with the sync of the next.
        this.applyThread = alone ? Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "raftkv-apply");
            t.setDaemon(true);
            return t;
        }) : null;
        this.applier = new ApplyLoop(machine, clock, this, applyThread != null ? applyThread : loop);
        try {
            // The first round persists and publishes a lone voter's election (see recover) before the node takes
            // requests. (A round handles its own failures: the node then stops taking part, as it would later.)
            loop.submit(() -> {
                recover();
                round();
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        } catch (ExecutionException e) {
            if (ownLoop) {
                loop.shutdown();
            }
            if (applyThread != null) {
                applyThread.shutdown();
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
        server.nodeInfo(this::info);
        applier.start();
        ticker = loop.scheduleAtFixedRate(this::tick, tickNanos, tickNanos, TimeUnit.NANOSECONDS);
        transport.start((from, frame) -> enqueue(new Inbound(from, frame)));
    }

    /**
     * A standalone node: a Raft group whose one voter is this node (id {@link #STANDALONE_ID}), with no transport
     * (it listens on no peer port and dials nobody). It elects itself as it starts and commits each entry on its own
     * sync, so a write is answered once its entry is synced per appendfsync, as in a cluster. The caller does not
     * make it the server's {@link ClusterView}: a standalone node answers CLUSTER and routing as Redis without
     * cluster support does.
     */
    public static RaftDriver standalone(ServerState server, Wal wal, long maxEntryBytes, KvStateMachine machine,
                                        LongSupplier clock) {
        ClusterMember self = new ClusterMember(STANDALONE_ID, STANDALONE_HOST, 1, 1);
        return new RaftDriver(server, wal, maxEntryBytes, new NoPeerTransport(), machine, self, List.of(self), clock);
    }

    // ------------------------------------------------------------------ requests from other threads

    @Override
    public void write(CommandSpec spec, byte[][] argv, ReplySink sink) {
        enqueue(new Proposal(LogRecord.COMMAND, spec, argv, sink, System.nanoTime() + redirectWaitNanos()));
    }

    @Override
    public void read(CommandSpec spec, byte[][] argv, ClientSession client, ReplySink sink) {
        if (spec.exec() == io.raftkv.server.command.Exec.LOCAL_READ) {
            applier.read(0, spec, argv, client, sink);
            return;
        }
        long floor = readFloor;
        if (alone && floor >= 0) {
            // ReadIndex (Raft dissertation 6.4) with one voter needs no round: no other node can lead or commit, so
            // once the voter has committed an entry of its term, the commit index known now covers every write
            // acknowledged before this read arrived (each was published before it was applied and answered).
            // Reading once that much is applied is linearizable, and saves the hop through the driver thread. (A
            // connection's own earlier writes are answered before its read is sent here: CommandHandler orders them.)
            applier.read(floor, spec, argv, client, sink);
            return;
        }
        enqueue(new ReadRequest(spec, argv, client, sink, System.nanoTime() + redirectWaitNanos()));
    }

    @Override
    public boolean mayPropose() {
        return role == Role.LEADER && running && publishedWalFailure == null;
    }

    @Override
    public void proposeExpire(byte[][] keys, ReplySink done) {
        enqueue(new Proposal(LogRecord.EXPIRE, null, keys, done, System.nanoTime()));
    }

    private void enqueue(Object event) {
        inbox.offer(event);
        if (!roundScheduled.get() && roundScheduled.compareAndSet(false, true)) {
            loop.execute(this::round);
        }
    }

    private long redirectWaitNanos() {
        return TimeUnit.MILLISECONDS.toNanos(server.config().clusterRedirectWaitMs());
    }

    // ------------------------------------------------------------------ the driver thread

    private void recover() {
        try {
            raft = new RaftNode(raftConfig, new WalStorage(wal, membership), 0);
            HardState hs = wal.hardState();
            term = hs.term();
            lastIndex = wal.lastIndex();
            if (lastIndex > 0) {
                maxTimestamp = LogRecord.timestampOf(wal.entry(lastIndex).data());
            }
            walFirstIndex = wal.firstIndex();
            log.info("node {} starts at term {}, log [{}, {}], commit {}", self.id(), hs.term(), wal.firstIndex(),
                    wal.lastIndex(), hs.commit());
            if (alone) {
                // The only voter wins its own (pre-)vote at once (Raft paper §5.2: a majority of one), so it need not
                // wait an election timeout; its term and vote are persisted by the first round's Ready.
                raft.campaign();
            }
        } catch (RuntimeException e) {
            wal.close();
            throw e;
        }
    }

    private void tick() {
        if (!running || walFailure != null) {
            return;
        }
        raft.tick();
        if (raft.hasUnsyncedWrites()) {
            syncDeferred(); // a leader's disk copy is never more than a tick behind
        }
        round();
    }

    /** One round on the driver thread: take what arrived, handle every Ready, then wait for the next event. */
    private void round() {
        roundScheduled.set(false);
        if (!running) {
            if (stopped) {
                answerQueued(); // what arrived after the driver stopped
            }
            return;
        }
        long now = System.nanoTime();
        try {
            int n = 0;
            Object event;
            while (n++ < MAX_EVENTS_PER_ROUND && (event = inbox.poll()) != null) {
                if (walFailure != null) {
                    afterFailure(event);
                } else if (event instanceof Proposal p && p.kind() == LogRecord.COMMAND) {
                    gather(p, now);
                } else {
                    proposeGathered(now);
                    handle(event, now);
                }
            }
            proposeGathered(now);
            for (int r = 0; r < MAX_READIES_PER_ROUND && walFailure == null && raft.hasReady(); r++) {
                handleReady(raft.ready(), now);
            }
            if (!parted.isEmpty()) {
                parted.pump(raft, LOST, this::awaitCommit); // the commit index may have moved: the next parts
            }
            checkDeferred();
            afterRound(now);
            publish();
            syncCount = wal.syncCount();
            syncMicros = wal.syncNanos() / 1000;
            busyNanos += System.nanoTime() - now;
            busyMicros = busyNanos / 1000;
            if ((!inbox.isEmpty() || walFailure == null && raft.hasReady()) && roundScheduled.compareAndSet(false, true)) {
                loop.execute(this::round); // more than one round's worth: let the transport's I/O in first
            }
        } catch (RuntimeException | Error e) {
            log.error("driver failed; this node stops taking part", e);
            publishedWalFailure = "driver failed: " + e;
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

    private void handle(Object event, long now) {
        if (event instanceof Inbound in) {
            Message m = decode(in);
            if (m == null) {
                return;
            }
            if (m instanceof Message.AppendEntriesResponse r && r.success()) {
                lastAckNanos.put(m.from(), now);
            }
            raft.step(m);
        } else if (event instanceof Proposal p) {
            propose(List.of(p), now);
        } else if (event instanceof ReadRequest r) {
            startRead(r, now);
        } else if (event instanceof LeadershipRequest) {
            if (!raft.requestLeadership()) {
                log.info("failover request not sent: role {}, leader {}", raft.role(), raft.leaderId());
            }
        } else {
            throw new IllegalStateException("unknown driver event " + event.getClass());
        }
    }

    /**
     * Adds a client's write to the commands proposed together as one log entry at the end of this round (or
     * earlier, once they reach {@link #MAX_BATCH_BYTES} or the largest entry the log takes). Commands keep their
     * arrival order in the entry; a batch is never larger than the sum of its commands' own records.
     */
    private void gather(Proposal p, long now) {
        long size = LogRecord.encodedSize(p.argv());
        if (!gathered.isEmpty() && gatheredBytes + size > Math.min(MAX_BATCH_BYTES, maxEntryBytes)) {
            proposeGathered(now);
        }
        gathered.add(p);
        gatheredBytes += size;
    }

    private void proposeGathered(long now) {
        if (gathered.isEmpty()) {
            return;
        }
        try {
            propose(gathered, now);
        } finally {
            gathered.clear();
            gatheredBytes = 0;
        }
    }

    /** Proposes {@code ps} as one log entry: its own record for one proposal, a BATCH record for several commands. */
    private void propose(List<Proposal> ps, long now) {
        if (walFailure != null) {
            for (Proposal p : ps) {
                p.sink().reply(misconf(walFailure));
            }
            return;
        }
        if (raft.role() != Role.LEADER) {
            for (Proposal p : ps) {
                notLeader(p, now);
            }
            return;
        }
        long ts = Math.max(maxTimestamp, clock.getAsLong());
        byte[] data;
        ReplySink sink;
        if (ps.size() == 1) {
            Proposal p = ps.get(0);
            long size = LogRecord.encodedSize(p.argv());
            if (!LogRecord.fits(p.argv())) {
                p.sink().reply(LogRecord.tooLarge(size));
                return;
            }
            if (parted.needsParts(size)) {
                parted.start(p.kind(), ts, p.argv(), raft.term(), p.sink());
                maxTimestamp = ts;
                proposedCount++;
                parted.pump(raft, LOST, this::awaitCommit);
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
                notLeader(p, now);
            }
            return;
        }
        maxTimestamp = ts;
        proposedCount += ps.size();
        awaitCommit(index, raft.term(), sink);
    }

    /** {@code sink}'s write was proposed in {@code term} as entry {@code index}: it is answered when that commits. */
    private void awaitCommit(long index, long term, ReplySink sink) {
        pendingWrites.put(index, new PendingWrite(term, sink));
    }

    /** A request this node cannot serve as it is not the leader: redirect, or wait (bounded) for an election. */
    private void notLeader(Request request, long now) {
        long leader = raft.leaderId();
        if (leader != 0 && leader != self.id()) {
            answerRedirect(request, leader);
        } else if (request instanceof Proposal p && p.spec() == null) {
            p.sink().reply(Reply.error("ERR not the leader")); // an expiry proposal: the next leader will redo it
        } else {
            awaitingLeader.add(request);
        }
    }

    private void answerRedirect(Request request, long leader) {
        // A request without a spec (an expiry proposal) is routed as a keyless one.
        byte[] routingKey = request.spec() == null ? null : request.spec().routingKey(request.argv());
        request.sink().reply(Redirect.toLeader(routingKey, member(leader)));
    }

    private void startRead(ReadRequest r, long now) {
        if (raft.leaderId() == 0) {
            awaitingLeader.add(r);
            return;
        }
        long id = ++nextReadId;
        pendingReads.put(id, new PendingRead(r, now + electionNanos));
        raft.readIndex(id);
    }

    private void handleReady(Ready rd, long now) {
        readyCount++;
        if (rd.snapshot() != null) {
            throw new IllegalStateException("snapshots are not supported yet, got one at " + rd.snapshot().index());
        }
        // A leader's appends and heartbeats may leave before its own sync (it counts itself in the commit quorum
        // only for entries reported durable through advance, see Ready): its fsync then overlaps the followers'.
        boolean leader = raft.role() == Role.LEADER;
        if (!leader && raft.hasUnsyncedWrites()) {
            syncDeferred(); // no longer leader: what it deferred must be on disk before it acknowledges or votes
        }
        boolean deferred = false;
        if (leader && walFailure == null) {
            for (Message m : rd.messages()) {
                if (m instanceof Message.AppendEntries || m instanceof Message.Heartbeat) {
                    transport.send(m.to(), codec.encode(m));
                }
            }
        }
        if (walFailure == null) {
            try {
                deferred = persist(rd, leader, now);
            } catch (WalException | IllegalArgumentException | IndexOutOfBoundsException e) {
                walFailed(e);
            }
        }
        if (walFailure == null) {
            for (Message m : rd.messages()) {
                if (!leader || !(m instanceof Message.AppendEntries || m instanceof Message.Heartbeat)) {
                    transport.send(m.to(), codec.encode(m));
                }
            }
        }
        if (!rd.committedEntries().isEmpty()) {
            List<Entry> committed = rd.committedEntries();
            List<ReplySink> sinks = new ArrayList<>(committed.size());
            for (Entry e : committed) {
                PendingWrite w = pendingWrites.remove(e.index());
                if (w == null) {
                    sinks.add(null);
                } else if (w.term() == e.term()) {
                    sinks.add(w.sink());
                } else {
                    w.sink().reply(LOST);
                    sinks.add(null);
                }
                maxTimestamp = Math.max(maxTimestamp, LogRecord.timestampOf(e.data()));
            }
            commitIndex = committed.get(committed.size() - 1).index();
            if (alone && raft.committedInCurrentTerm()) {
                readFloor = raft.commitIndex();
            }
            applier.applyBatch(committed, sinks);
        }
        for (ReadState rs : rd.readStates()) {
            PendingRead pr = pendingReads.remove(rs.requestId());
            if (pr != null) {
                ReadRequest r = pr.request;
                applier.read(rs.index(), r.spec(), r.argv(), r.client(), r.sink());
            }
        }
        if (deferred || walFailure != null && leader) {
            raft.advanceUnsynced(rd); // a leader whose log failed must not count its own copy either
        } else {
            raft.advance(rd);
        }
    }

    /**
     * Without a working log this node must not acknowledge anything again, nor read its log: it stops driving the
     * Raft core (no more Readies, ticks or peer frames, so it sends nothing, votes for nobody and acks nothing; the
     * others elect a leader without it) and answers every client with the failure: what waits now, and what
     * comes later (Redis's MISCONF for writes). A write already proposed may still commit on the other nodes'
     * copies, so its error says the outcome is unknown.
     */
    private void walFailed(RuntimeException e) {
        walFailure = String.valueOf(e.getMessage());
        failedTerm = raft.term();
        failedLeaderId = raft.leaderId() == self.id() ? 0 : raft.leaderId();
        publishedWalFailure = walFailure;
        log.error("write-ahead log failed; this node stops taking part until restarted", e);
        // Alone there are no other nodes to name. As with Redis's AOF, a write refused here may still be in the log
        // and be replayed (committed) at the next start.
        answerWaiting(misconf(alone ? walFailure : walFailure + "; this write may still have committed on the other nodes"),
                this::refuse);
    }

    /**
     * Answers every write waiting for its commit with {@code proposed}, and every other request the driver holds
     * (reads waiting for their confirmation, requests waiting for a leader) through {@code other}.
     */
    private void answerWaiting(Reply proposed, Consumer<Request> other) {
        parted.abort(proposed);
        for (PendingWrite w : pendingWrites.values()) {
            w.sink().reply(proposed);
        }
        pendingWrites.clear();
        for (PendingRead pr : pendingReads.values()) {
            other.accept(pr.request);
        }
        pendingReads.clear();
        Request req;
        while ((req = awaitingLeader.poll()) != null) {
            other.accept(req);
        }
    }

    /**
     * After a WAL failure. A peer's frame is not stepped (the node takes no part), but a leader's AppendEntries or
     * heartbeat tells which node leads now, so that clients are sent there. A client request gets -MOVED to that
     * leader when the command has a key and the leader is known, else the failure.
     */
    private void afterFailure(Object event) {
        if (event instanceof Inbound in) {
            Message m = decode(in);
            if (m != null && m.term() > failedTerm) {
                failedTerm = m.term();
                failedLeaderId = 0;
            }
            if ((m instanceof Message.AppendEntries || m instanceof Message.Heartbeat) && m.term() == failedTerm) {
                failedLeaderId = m.from();
            }
        } else {
            refuse(event);
        }
    }

    /** After a WAL failure: a client request gets -MOVED to the leader seen since (keyed commands), else the failure. */
    private void refuse(Object event) {
        if (event instanceof Request r && r.spec() != null && failedLeaderId != 0
                && r.spec().keyIndexes(r.argv().length).length > 0) {
            answerRedirect(r, failedLeaderId);
        } else if (event instanceof Proposal p) {
            p.sink().reply(misconf(walFailure));
        } else if (event instanceof ReadRequest r && alone) {
            // No other node can lead, so every write ever acknowledged is applied here: the key space is still
            // the latest committed state, and Redis goes on serving reads while its AOF cannot be written.
            applier.read(0, r.spec(), r.argv(), r.client(), r.sink());
        } else if (event instanceof ReadRequest r) {
            r.sink().reply(stoppedTakingPart(walFailure));
        }
    }

    /** Redis's answer to writes while its append-only file cannot be written. */
    private static Reply misconf(String why) {
        return Reply.error("MISCONF Errors writing to the AOF file: " + oneLine(why));
    }

    private static Reply stoppedTakingPart(String failure) {
        return Reply.error("ERR this node stopped taking part: " + oneLine(failure));
    }

    /** A failure's text for a reply or an INFO field, where a line break would end it early. */
    private static String oneLine(String failure) {
        return failure.replace('\r', ' ').replace('\n', ' ');
    }

    private static final Reply SHUTTING_DOWN = Reply.error("ERR server is shutting down");
    private static final Reply LOST = Reply.error("ERR the write was lost in a leader change before it committed; retry");

    /** Writes {@code rd}'s state and syncs it as appendfsync says; returns true if the leader deferred the sync. */
    private boolean persist(Ready rd, boolean leader, long now) {
        if (!rd.entries().isEmpty()) {
            long first = rd.entries().get(0).index();
            if (first <= wal.lastIndex()) {
                wal.truncateSuffix(first - 1); // a conflicting suffix from an old leader (Raft paper §5.3)
            }
            wal.append(rd.entries());
            lastIndex = rd.entries().get(rd.entries().size() - 1).index();
            walFirstIndex = wal.firstIndex();
            for (Entry e : rd.entries()) {
                maxTimestamp = Math.max(maxTimestamp, LogRecord.timestampOf(e.data()));
            }
        }
        boolean voteOrTermChanged = false;
        if (rd.hardState() != null) {
            HardState old = wal.hardState();
            voteOrTermChanged = old.term() != rd.hardState().term() || old.vote() != rd.hardState().vote();
            wal.saveHardState(rd.hardState());
        }
        // Term and vote must be on disk before any message that depends on them leaves (Raft paper fig. 2);
        // entries follow appendfsync (always: synced before they are acknowledged to the leader or counted). A
        // commit index alone need not be durable: it is recomputed from the log after a restart.
        if (voteOrTermChanged) {
            wal.sync();
            server.lastSyncMillis.set(clock.getAsLong());
        } else if (!rd.entries().isEmpty()) {
            if (leader && mayDeferSync(rd, now)) {
                int tail = (deferredHead + deferredSize++) % MAX_DEFERRED;
                deferredIndex[tail] = rd.entries().get(rd.entries().size() - 1).index();
                deferredAtNanos[tail] = now;
                deferredSyncs++;
                return true;
            }
            if (wal.syncPerPolicy()) {
                server.lastSyncMillis.set(clock.getAsLong());
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
    private boolean mayDeferSync(Ready rd, long now) {
        return wal.syncPolicy() == SyncPolicy.ALWAYS && rd.snapshot() == null && deferredSize < MAX_DEFERRED
                && raft.commitIndex() < rd.entries().get(0).index() - 1 && followersFresh(now);
    }

    /** Whether enough followers acknowledged entries within {@link #FRESH_ACK_NANOS} to form a quorum alone. */
    private boolean followersFresh(long now) {
        int fresh = 0;
        for (ClusterMember m : members) {
            if (m.id() != self.id()) {
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
    private void checkDeferred() {
        if (!raft.hasUnsyncedWrites() || walFailure != null) {
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
        long waited = System.nanoTime() - deferredAtNanos[deferredHead];
        if (raft.role() != Role.LEADER || waited >= MAX_DEFER_NANOS) {
            syncDeferred();
        } else if (!deferCheckScheduled) {
            deferCheckScheduled = true;
            loop.schedule(() -> {
                deferCheckScheduled = false;
                round();
            }, MAX_DEFER_NANOS - waited, TimeUnit.NANOSECONDS);
        }
    }

    /** Syncs what the leader deferred and lets the Raft core count its copy. */
    private void syncDeferred() {
        deferredSize = 0;
        if (walFailure != null) {
            return;
        }
        try {
            wal.sync();
        } catch (WalException e) {
            walFailed(e);
            return;
        }
        server.lastSyncMillis.set(clock.getAsLong());
        raft.synced();
    }

    /** Leadership changes, waiting requests, read retries. */
    private void afterRound(long now) {
        Role r = raft.role();
        if (lastRole == Role.LEADER && r != Role.LEADER) {
            parted.abort(LOST); // what it proposed of them is dropped when the next leader's first entry applies
        }
        if (lastRole == Role.LEADER && r != Role.LEADER && !pendingWrites.isEmpty()) {
            // Entries of this term may still commit under the next leader, but this node cannot tell the client;
            // its outcome is unknown, which the error says.
            for (PendingWrite w : pendingWrites.values()) {
                w.sink().reply(LOST);
            }
            pendingWrites.clear();
        }
        if (r != lastRole) {
            log.info("node {} is now {} in term {} (leader {})", self.id(), r, raft.term(), raft.leaderId());
            lastRole = r;
        }
        if (!awaitingLeader.isEmpty() && (raft.leaderId() != 0 || hasExpired(now))) {
            int n = awaitingLeader.size();
            for (int i = 0; i < n; i++) {
                Request req = awaitingLeader.poll();
                if (raft.leaderId() != 0) {
                    handle(req, now);
                } else if (now - req.deadline() >= 0) {
                    req.sink().reply(Redirect.CLUSTERDOWN);
                } else {
                    awaitingLeader.add(req);
                }
            }
        }
        if (!pendingReads.isEmpty()) {
            for (Iterator<Map.Entry<Long, PendingRead>> it = pendingReads.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Long, PendingRead> e = it.next();
                PendingRead pr = e.getValue();
                if (now - pr.request.deadline() >= 0) {
                    it.remove();
                    pr.request.sink().reply(Redirect.CLUSTERDOWN);
                } else if (now - pr.retryAt >= 0) {
                    // the confirmation was lost (leader change, dropped message): ask again under a new id
                    it.remove();
                    awaitingLeader.add(pr.request);
                }
            }
        }
    }

    private boolean hasExpired(long now) {
        for (Request req : awaitingLeader) {
            if (now - req.deadline() >= 0) {
                return true;
            }
        }
        return false;
    }

    private void publish() {
        if (walFailure != null) { // not leading or following any more; clients are sent to the leader it last saw
            leaderId = failedLeaderId;
            term = failedTerm;
            role = Role.FOLLOWER;
            return;
        }
        leaderId = raft.leaderId();
        term = raft.term();
        role = raft.role();
        if (role == Role.LEADER) {
            progress = raft.progress();
        }
    }

    /** Answers everything still waiting and closes the WAL; once, on the driver thread. */
    private void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (ticker != null) {
            ticker.cancel(false);
        }
        answerWaiting(SHUTTING_DOWN, r -> r.sink().reply(SHUTTING_DOWN));
        for (Proposal p : gathered) {
            p.sink().reply(SHUTTING_DOWN);
        }
        gathered.clear();
        answerQueued();
        try {
            wal.close(); // syncs what is not yet synced, unless the WAL failed earlier
        } catch (WalException e) {
            log.error("final sync failed", e);
        }
    }

    private void answerQueued() {
        Object event;
        while ((event = inbox.poll()) != null) {
            if (event instanceof Request r) {
                String failure = publishedWalFailure;
                r.sink().reply(failure == null ? SHUTTING_DOWN : stoppedTakingPart(failure));
            }
        }
    }

    // ------------------------------------------------------------------ ClusterView (any thread)

    @Override
    public ClusterMember self() {
        return self;
    }

    @Override
    public List<ClusterMember> members() {
        return members;
    }

    @Override
    public long leaderId() {
        return leaderId;
    }

    @Override
    public long currentEpoch() {
        return term;
    }

    @Override
    public boolean connected(long memberId) {
        if (memberId == self.id()) {
            return true;
        }
        PeerStatus s = transport.status().get(memberId);
        return s != null && s.connected();
    }

    @Override
    public void requestLeadership() {
        enqueue(new LeadershipRequest());
    }

    private ClusterMember member(long id) {
        for (ClusterMember m : members) {
            if (m.id() == id) {
                return m;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ INFO

    private List<String> info(String section) {
        List<String> l = new ArrayList<>();
        switch (section) {
            case "persistence" -> {
                l.add("aof_last_write_status:" + (publishedWalFailure == null ? "ok" : "err"));
                l.add("wal_first_index:" + walFirstIndex);
                l.add("wal_last_index:" + lastIndex);
                l.add("wal_last_sync_time:" + server.lastSyncMillis.get() / 1000);
                l.add("applied_index:" + server.appliedIndex.get());
            }
            case "replication" -> {
                ClusterMember leader = member(leaderId);
                if (role == Role.LEADER || alone) { // alone it is the master even with its log failed, as Redis
                    l.add("role:master");
                    List<PeerProgress> peers = progress;
                    int i = 0;
                    StringBuilder sb = new StringBuilder();
                    for (PeerProgress p : peers) {
                        if (p.id() == self.id()) {
                            continue;
                        }
                        ClusterMember m = member(p.id());
                        sb.setLength(0);
                        sb.append("slave").append(i++).append(":ip=").append(m.host()).append(",port=")
                                .append(m.clientPort()).append(",state=").append(connected(p.id()) ? "online" : "offline")
                                .append(",offset=").append(p.matchIndex()).append(",lag=0");
                        l.add(sb.toString());
                    }
                    l.add(1, "connected_slaves:" + i);
                } else {
                    l.add("role:slave");
                    l.add("master_host:" + (leader == null ? "" : leader.host()));
                    l.add("master_port:" + (leader == null ? 0 : leader.clientPort()));
                    l.add("master_link_status:" + (leader != null && connected(leader.id()) ? "up" : "down"));
                    l.add("slave_repl_offset:" + server.appliedIndex.get());
                    l.add("slave_read_only:1");
                    l.add("connected_slaves:0");
                }
                l.add("master_repl_offset:" + commitIndex);
            }
            case "raft" -> {
                l.add("raft_node_id:" + self.id());
                l.add("raft_role:" + role.name().toLowerCase(java.util.Locale.ROOT));
                // A node whose log failed (or whose driver died) still names the leader it sees, but takes no part
                String failure = publishedWalFailure;
                l.add("raft_taking_part:" + (failure == null ? 1 : 0));
                if (failure != null) {
                    l.add("raft_failure:" + oneLine(failure));
                }
                l.add("raft_term:" + term);
                l.add("raft_leader_id:" + leaderId);
                l.add("raft_commit_index:" + commitIndex);
                l.add("raft_applied_index:" + server.appliedIndex.get());
                l.add("raft_last_index:" + lastIndex);
                l.add("raft_members:" + members.size());
                l.add("raft_readies:" + readyCount);
                l.add("raft_proposals:" + proposedCount);
                l.add("raft_deferred_syncs:" + deferredSyncs);
                l.add("wal_syncs:" + syncCount);
                l.add("wal_sync_micros:" + syncMicros);
                l.add("raft_busy_micros:" + busyMicros);
                if (role == Role.LEADER) {
                    for (PeerProgress p : progress) {
                        l.add("raft_peer_" + p.id() + ":match=" + p.matchIndex() + ",next=" + p.nextIndex()
                                + ",state=" + p.state().name().toLowerCase(java.util.Locale.ROOT)
                                + ",connected=" + (connected(p.id()) ? 1 : 0));
                    }
                }
            }
            default -> {
            }
        }
        return l;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // closed before: a second close does nothing
        }
        running = false;
        try {
            loop.submit(this::stop).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            log.error("driver did not stop cleanly", e);
        }
        applier.close();
        if (applyThread != null) {
            applyThread.shutdown();
        }
        if (ownLoop) {
            loop.shutdown();
        }
        transport.close();
    }
}
