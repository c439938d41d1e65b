package io.raftkv.server.driver;

import io.raftkv.raft.CodecException;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.Membership;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageCodec;
import io.raftkv.raft.RaftNode;
import io.raftkv.raft.Role;
import io.raftkv.raft.sim.EventQueue;
import io.raftkv.raft.sim.History;
import io.raftkv.raft.sim.Invariants;
import io.raftkv.raft.sim.LinearizabilityChecker;
import io.raftkv.raft.sim.Op;
import io.raftkv.raft.sim.Partition;
import io.raftkv.server.StandardCommands;
import io.raftkv.server.cluster.ClusterMember;
import io.raftkv.server.cluster.ClusterMembers;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.CommandTable;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.config.ConfigParams;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.kv.ChronicleKeyspace;
import io.raftkv.server.kv.Keyspace;
import io.raftkv.server.kv.KvConfig;
import io.raftkv.server.kv.LogRecord;
import io.raftkv.server.kv.StoredValue;
import io.raftkv.server.kv.StringValue;
import io.raftkv.server.node.KvStateMachine;
import io.raftkv.server.node.ReplySink;
import io.raftkv.server.peer.NoPeerTransport;
import io.raftkv.server.peer.PeerStatus;
import io.raftkv.server.peer.PeerTransport;
import io.raftkv.server.reply.Reply;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A deterministic simulation of RaftKV nodes running the production driver: each node is a real {@link DriverCore}
 * (with its {@link ProposalBatcher}, {@link ReadTracker}, {@link LeaderWait}, {@link Persistence},
 * {@link FailureMode} and {@link PublishedView}) over a {@link SimLog} disk, applying through the real
 * {@code ApplyLoop} and {@link KvStateMachine} with the real command table into a real {@link ChronicleKeyspace}.
 * All nodes run in one thread on virtual time: their {@link DriverLoop}s are this event queue, their
 * {@link NodeClock}s read its clock (each node's wall clock skewed), and their frames cross a network that drops,
 * duplicates, delays (so reorders) and partitions them. Nodes crash and restart from their synced log only (the key
 * space is rebuilt by replaying it); disks fail and the operator restarts the node. Closed-loop clients send SET,
 * GETSET and GET through the driver's write and read entry points, follow -MOVED, retry after -CLUSTERDOWN, and
 * record a history. Everything random comes from the seed, and events at equal times run in scheduling order, so a
 * seed replays exactly.
 *
 * <p>Checked: the raft module's {@link Invariants} after every event (election safety, one vote per term, log
 * matching, leader append-only, leader completeness, state machine safety, committed entries synced on a quorum,
 * commit never going back, nothing applied beyond commit); no driver may fail but through its disk; every reply is
 * one the protocol allows; after the faults stop, one leader, new writes complete, every replica converges to the
 * same key space and INFO tells the roles; the client history is linearizable.
 */
final class DriverSimulation {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long US = TimeUnit.MICROSECONDS.toNanos(1);
    private static final long QUIET = 10_000 * MS;
    private static final long CATCH_UP = 20_000 * MS;
    /** Above cluster-redirect-wait (3 s) and a few election timeouts: the driver answers well before. */
    private static final long OP_TIMEOUT = 5_000 * MS;
    /** A client that got an error waits this long before its next operation. */
    private static final long BACK_OFF = 50 * MS;
    private static final int TRACE_LINES = 300;
    /** The wall clock at virtual time 0 (1 Dec 2026): records carry real-looking timestamps. */
    private static final long EPOCH_MILLIS = 1_796_083_200_000L;
    /**
     * Log entries of at most 2 KiB: large writes (see {@link DriverSimOptions#largePerMille}) of a few KiB then go
     * through the same PART runs as a 100 MB value does with the server's 16 MiB entries.
     */
    private static final long MAX_ENTRY_BYTES = 2 << 10;
    /** Sizes of large values. */
    private static final int LARGE_MIN = 3 << 10;
    private static final int LARGE_MAX = 12 << 10;
    private static final CommandTable TABLE = StandardCommands.table();
    private static final CommandSpec SET = TABLE.get("set");
    private static final CommandSpec GETSET = TABLE.get("getset");
    private static final CommandSpec GET = TABLE.get("get");
    /** Small shards: the simulation's few keys still live in a real, off-heap key space. */
    private static final KvConfig KV_CONFIG = new KvConfig(16, 8, 16);

    /** Deliberate mistakes in the harness, for the self-test: each must be caught by a check. */
    enum Sabotage {
        NONE,
        /** GET is answered from the key space of whichever node the client reached, without the driver. */
        STALE_READS,
        /** Every disk's sync makes nothing durable (a lying fsync): crashes lose acknowledged writes. */
        LYING_SYNC
    }

    private final DriverSimOptions opt;
    private final Sabotage sabotage;
    private final SplittableRandom random;
    private final EventQueue events = new EventQueue();
    private final List<ClusterMember> members;
    private final Map<Long, SimNode> nodes = new TreeMap<>();
    private final Invariants invariants;
    private final MessageCodec codec = new MessageCodec();
    private final Partition partition = new Partition();
    private boolean faults = true;
    private long clientsStopAt = Long.MAX_VALUE;
    /**
     * Operations invoked from then on (well into the quiet phase, once the cluster had time to elect a leader and
     * restarted nodes to recover) must be answered before their timeout: a healthy cluster leaves nobody waiting.
     */
    private long answersDueFrom = Long.MAX_VALUE;
    /** How long after the faults stop {@link #answersDueFrom} is. */
    private static final long SETTLE = 2_000 * MS;
    private final List<Client> clients = new ArrayList<>();
    private final History history = new History();
    private long nextOpId = 1;
    private final ArrayDeque<String> trace = new ArrayDeque<>();
    /**
     * A violation found as a driver wrote to its disk: the driver would catch it as its own failure, so it is kept
     * here and thrown after the event.
     */
    private Invariants.Violation writeViolation;
    final Stats stats = new Stats();

    static final class Stats {
        long events;
        long frames;
        long dropped;
        long crashes;
        long partitions;
        long diskFailures;
        long writesOk;
        long readsOk;
        long indeterminate;
        long lateWritesOk;
        /** Writes of large values answered OK: each went through a run of PART entries. */
        long largeWritesOk;
        long redirects;
        long clusterDown;
        long deferredSyncs;
        long proposals;
        long entries;
        /** BATCH entries in the final log: several client writes proposed as one entry. */
        long batchEntries;

        @Override
        public String toString() {
            return "events=" + events + " frames=" + frames + " dropped=" + dropped + " crashes=" + crashes
                    + " partitions=" + partitions + " diskFailures=" + diskFailures + " writes=" + writesOk
                    + " largeWrites=" + largeWritesOk + " reads=" + readsOk + " indeterminate=" + indeterminate + " moved=" + redirects
                    + " clusterdown=" + clusterDown + " proposals=" + proposals + " entries=" + entries
                    + " batchEntries=" + batchEntries
                    + " deferredSyncs=" + deferredSyncs;
        }
    }

    /** One server: a disk that survives crashes and, while up, a driver core, its key space and state machine. */
    private final class SimNode implements Invariants.NodeView, SimLog.Observer {
        final long id;
        final ClusterMember member;
        final SimLog log;
        /** Each node's monotonic clock has its own origin, and its wall clock its own error. */
        final long monotonicOffset;
        final long wallSkew;
        long incarnation;
        DriverCore core;
        ServerState state;
        Keyspace store;
        KvStateMachine machine;
        SimTransport transport;
        /** Entries up to here were checked as applied (State Machine Safety). */
        long appliedChecked;
        /** Its driver thread is in a sync until then: its tasks wait. */
        long busyUntil;
        /** Client requests this incarnation has not answered yet. */
        final Set<Attempt> inflight = new LinkedHashSet<>();

        SimNode(ClusterMember member, Membership membership) {
            this.id = member.id();
            this.member = member;
            this.log = new SimLog(membership);
            this.log.observer(this);
            this.log.lyingSync(sabotage == Sabotage.LYING_SYNC);
            this.monotonicOffset = random.nextLong(1L << 50);
            this.wallSkew = opt.maxClockSkew() == 0 ? 0 : random.nextLong(opt.maxClockSkew());
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public RaftNode raft() {
            return core == null ? null : core.raft();
        }

        @Override
        public MemoryStorage durableLog() {
            return log.durable();
        }

        @Override
        public MemoryStorage liveLog() {
            return log.live();
        }

        @Override
        public long stateMachineApplied() {
            return machine.appliedIndex();
        }

        @Override
        public void beforeTruncate(long lastKept) {
            checkWrite(() -> invariants.beforeTruncate(this, lastKept));
        }

        @Override
        public void afterWrite(List<Entry> entries, HardState hardState) {
            checkWrite(() -> invariants.afterWrite(this, entries, hardState));
        }
    }

    /** A node's peer transport: frames go into the simulated network. */
    private final class SimTransport implements PeerTransport {
        private final SimNode node;
        private Inbound inbound;
        private boolean closed;

        SimTransport(SimNode node) {
            this.node = node;
        }

        @Override
        public boolean send(long to, byte[] frame) {
            if (closed || inbound == null) {
                return false;
            }
            transmit(node.id, to, frame);
            return true;
        }

        @Override
        public void start(Inbound in) {
            if (inbound != null) {
                throw new IllegalStateException("started twice");
            }
            inbound = in;
        }

        @Override
        public Map<Long, PeerStatus> status() {
            Map<Long, PeerStatus> out = new TreeMap<>();
            for (SimNode peer : nodes.values()) {
                if (peer != node) {
                    boolean up = peer.core != null && !partition.cuts(node.id, peer.id)
                            && !partition.cuts(peer.id, node.id);
                    out.put(peer.id, new PeerStatus(peer.id, up, 0, 0, 0, 0, 0, up ? null : "unreachable"));
                }
            }
            return out;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static final class Client {
        final int id;
        final ClientSession session;
        long leaderGuess;

        Client(int id) {
            this.id = id;
            this.session = new ClientSession("127.0.0.1:" + (50_000 + id), "127.0.0.1:6379", EPOCH_MILLIS, true);
        }
    }

    private static final class ClientOp {
        final long id;
        final Client client;
        final Op.Kind kind;
        final String key;
        /** The value written (null for a read), as sent. */
        final String value;
        /** The value as the history records it (see {@link #compact}). */
        final String arg;
        final long invoke;
        final long invokeTime;
        boolean done;

        ClientOp(long id, Client client, Op.Kind kind, String key, String value, long invoke, long invokeTime) {
            this.id = id;
            this.client = client;
            this.kind = kind;
            this.key = key;
            this.value = value;
            this.arg = value == null ? null : compact(value);
            this.invoke = invoke;
            this.invokeTime = invokeTime;
        }

        byte[][] argv() {
            return switch (kind) {
                case PUT -> bytes("set", key, value);
                case SWAP -> bytes("getset", key, value);
                case GET -> bytes("get", key);
                default -> throw new IllegalStateException("not an operation the clients send: " + kind);
            };
        }

        CommandSpec spec() {
            return switch (kind) {
                case PUT -> SET;
                case SWAP -> GETSET;
                default -> GET;
            };
        }
    }

    /** One try of an operation at one node. */
    private record Attempt(ClientOp op, long node) {
    }

    DriverSimulation(DriverSimOptions opt, Sabotage sabotage) {
        this.opt = opt;
        this.sabotage = sabotage;
        this.random = new SplittableRandom(opt.seed());
        StringBuilder spec = new StringBuilder();
        for (int id = 1; id <= opt.nodes(); id++) {
            spec.append(id == 1 ? "" : ",").append(id).append("@127.0.0.1:").append(7000 + id);
        }
        this.members = ClusterMembers.parse(spec.toString());
        Membership membership = Membership.ofVoters(members.stream().mapToLong(ClusterMember::id).toArray());
        for (ClusterMember m : members) {
            nodes.put(m.id(), new SimNode(m, membership));
        }
        this.invariants = new Invariants(new ArrayList<>(nodes.values()));
        for (int c = 1; c <= opt.clients(); c++) {
            clients.add(new Client(c));
        }
    }

    // ------------------------------------------------------------------ the run

    /** Runs the whole scenario; returns the checked history, or throws with the seed and a trace. */
    List<Op> run() {
        // The nodes' own logs (elections, injected disk failures with their stack traces) would drown the output;
        // a failure prints the simulation's trace instead.
        ch.qos.logback.classic.Logger driverLog =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(DriverCore.class.getPackageName());
        ch.qos.logback.classic.Level level = driverLog.getLevel();
        driverLog.setLevel(ch.qos.logback.classic.Level.OFF);
        try {
            for (SimNode n : nodes.values()) {
                start(n);
            }
            for (Client c : clients) {
                scheduleNextOp(c);
            }
            if (opt.crashEvery() > 0) {
                scheduleCrash();
            }
            if (opt.partitionEvery() > 0) {
                schedulePartition();
            }
            if (opt.diskFailEvery() > 0) {
                scheduleDiskFailure();
            }
            if (opt.powerCutAt() > 0) {
                schedule(opt.powerCutAt(), this::powerCut);
            }
            runUntil(opt.chaos());

            note("quiet phase: heal the network, restart crashed and failed nodes, no new faults");
            faults = false;
            partition.heal();
            for (SimNode n : nodes.values()) {
                if (n.core != null && n.log.failing()) {
                    crash(n, "the operator restarts it");
                }
                n.log.repair();
                if (n.core == null) {
                    start(n);
                }
            }
            long quietEnd = opt.chaos() + QUIET;
            clientsStopAt = quietEnd - OP_TIMEOUT;
            answersDueFrom = opt.chaos() + SETTLE;
            runUntil(quietEnd);
            for (long t = 0; t < CATCH_UP && !converged(); t += 100 * MS) {
                runUntil(now() + 100 * MS);
            }
            invariants.checkLogsFromScratch();
            checkLiveness();
            LinearizabilityChecker.Result lin = LinearizabilityChecker.check(history.ops());
            if (!lin.ok()) {
                throw new Invariants.Violation("history is not linearizable: " + lin.explanation());
            }
            return history.ops();
        } catch (Throwable t) {
            throw new DriverSimulationFailure(opt, sabotage, now(), stats, String.join("\n", trace), t);
        } finally {
            driverLog.setLevel(level);
            for (SimNode n : nodes.values()) {
                if (n.store != null) {
                    n.store.close();
                    n.store = null;
                }
            }
        }
    }

    private void runUntil(long end) {
        events.runUntil(end, () -> {
            stats.events++;
            afterEvent();
        });
    }

    /** Runs a check of a driver's write; a violation is kept for {@link #afterEvent} as well as thrown. */
    private void checkWrite(Runnable check) {
        try {
            check.run();
        } catch (Invariants.Violation v) {
            if (writeViolation == null) {
                writeViolation = v;
            }
            throw v;
        }
    }

    private void afterEvent() {
        if (writeViolation != null) {
            throw writeViolation;
        }
        for (SimNode n : nodes.values()) {
            if (n.core == null) {
                continue;
            }
            String failure = n.core.view().failure;
            if (failure != null && !n.log.failing()) {
                throw new Invariants.Violation("node " + n.id + " stopped taking part with a working disk: " + failure);
            }
            for (long i = n.appliedChecked + 1; i <= n.machine.appliedIndex(); i++) {
                invariants.onApply(n.id, n.log.live().entries(i, i + 1, Long.MAX_VALUE).get(0));
            }
            n.appliedChecked = n.machine.appliedIndex();
        }
        invariants.afterStep();
        if (stats.events % 20_000 == 0) {
            invariants.checkLogsFromScratch();
        }
    }

    private void schedule(long delay, Runnable action) {
        events.schedule(delay, action);
    }

    private long now() {
        return events.now();
    }

    private void note(String line) {
        if (trace.size() == TRACE_LINES) {
            trace.pollFirst();
        }
        trace.addLast("t=" + now() / MS + "ms " + line);
    }

    // ------------------------------------------------------------------ nodes

    private ServerConfig config(SimNode n) {
        ServerConfig c = ServerConfig.DEFAULTS;
        if (opt.nodes() > 1) {
            c = ConfigParams.apply(c, "cluster-node-id", Long.toString(n.id));
            c = ConfigParams.apply(c, "cluster-members", members.stream()
                    .map(m -> m.id() + "@" + m.host() + ":" + m.clientPort()).collect(Collectors.joining(",")));
            c = ConfigParams.apply(c, "port", Integer.toString(n.member.clientPort()));
        }
        if (opt.variant() == DriverSimOptions.Variant.LEASE_READS) {
            c = ConfigParams.apply(c, "cluster-lease-reads", "yes");
        }
        return c.validated();
    }

    /** Starts node {@code n} on what its disk holds, as RaftDriver does: recover, first round, then ticks. */
    private void start(SimNode n) {
        long incarnation = ++n.incarnation;
        if (incarnation > 1) {
            invariants.onRestart(n.id);
        }
        n.state = new ServerState(config(n), TABLE);
        n.store = new ChronicleKeyspace(KV_CONFIG);
        n.machine = new KvStateMachine(TABLE, n.store, n.state);
        n.appliedChecked = 0;
        n.busyUntil = 0;
        DriverLoop loop = new DriverLoop() {
            @Override
            public void execute(Runnable task) {
                DriverSimulation.this.schedule(0, () -> runOn(n, incarnation, task));
            }

            @Override
            public void schedule(Runnable task, long delayNanos) {
                DriverSimulation.this.schedule(delayNanos, () -> runOn(n, incarnation, task));
            }
        };
        NodeClock clock = new NodeClock() {
            @Override
            public long monotonicNanos() {
                return n.monotonicOffset + now();
            }

            @Override
            public long wallMillis() {
                return EPOCH_MILLIS + (now() + n.wallSkew) / MS;
            }
        };
        PeerTransport transport;
        if (opt.nodes() == 1) {
            transport = new NoPeerTransport();
        } else {
            n.transport = new SimTransport(n);
            transport = n.transport;
        }
        // Runnable::run: the apply loop's tasks, large writes' included, run at once on this thread, as on a cluster
        // node's driver thread.
        n.core = new DriverCore(n.state, n.log, MAX_ENTRY_BYTES, transport, n.machine, Runnable::run, Runnable::run,
                n.member, members, clock, loop, opt.seed() * 7919 + n.id * 104729 + incarnation);
        n.core.applier().start();
        note("node " + n.id + " starts (incarnation " + incarnation + ", log up to " + n.log.lastIndex() + ", term "
                + n.log.hardState().term() + ")");
        n.core.round();
        transport.start(n.core::deliver);
        long tick = n.core.tickNanos();
        schedule(1 + random.nextLong(tick), () -> tick(n, incarnation, tick));
    }

    /**
     * Runs a task of node {@code n}'s driver thread, unless the node crashed since; while a sync holds the thread,
     * the task waits for it. A task that synced holds the thread for a sync time of its own.
     */
    private void runOn(SimNode n, long incarnation, Runnable task) {
        if (n.core == null || n.incarnation != incarnation) {
            return;
        }
        if (now() < n.busyUntil) {
            schedule(n.busyUntil - now(), () -> runOn(n, incarnation, task));
            return;
        }
        long syncs = n.log.syncCount();
        task.run();
        if (n.log.syncCount() > syncs) {
            n.busyUntil = now() + 1 + random.nextLong(opt.maxSyncTime());
        }
    }

    private void tick(SimNode n, long incarnation, long period) {
        if (n.core == null || n.incarnation != incarnation) {
            return;
        }
        runOn(n, incarnation, () -> {
            Role before = n.core.view().role;
            n.core.tick();
            if (n.core.view().role != before) {
                note("node " + n.id + " is " + n.core.view().role + " in term " + n.core.view().term);
            }
        });
        schedule(period, () -> tick(n, incarnation, period));
    }

    private void crash(SimNode n, String why) {
        stats.crashes++;
        note("node " + n.id + " crashes: " + why + " (" + n.core.raft().role() + " in term " + n.core.raft().term()
                + ", log " + n.log.lastIndex() + ", synced " + n.log.durable().lastIndex() + ")");
        stats.deferredSyncs += n.core.view().deferredSyncs;
        stats.proposals += n.core.view().proposedCount;
        n.core = null;
        if (n.transport != null) {
            n.transport.close();
            n.transport = null;
        }
        n.store.close();
        n.store = null;
        n.log.crash();
        List<Attempt> lost = new ArrayList<>(n.inflight);
        n.inflight.clear();
        for (Attempt a : lost) {
            if (!a.op().done) {
                if (a.op().kind == Op.Kind.GET) {
                    schedule(random.nextLong(5 * MS), () -> attempt(a.op()));
                } else {
                    indeterminate(a.op(), "server " + n.id + " crashed");
                }
            }
        }
    }

    private long downCount() {
        return nodes.values().stream().filter(n -> n.core == null || n.log.failing()).count();
    }

    /** Whether one more node may go down: at most a minority at once, or now and then a majority. */
    private boolean mayTakeDown() {
        int minority = Math.max(1, (opt.nodes() - 1) / 2);
        return downCount() < minority + (random.nextInt(4) == 0 ? 1 : 0);
    }

    // ------------------------------------------------------------------ network

    private void transmit(long from, long to, byte[] frame) {
        stats.frames++;
        try {
            invariants.onSend(codec.decode(frame));
        } catch (CodecException e) {
            throw new Invariants.Violation("node " + from + " sent a frame it cannot decode: " + e.getMessage());
        }
        if (faults && random.nextInt(1000) < opt.dropPerMille()) {
            stats.dropped++;
            return;
        }
        deliverLater(from, to, frame);
        if (faults && random.nextInt(1000) < opt.dupPerMille()) {
            deliverLater(from, to, frame.clone());
        }
    }

    private void deliverLater(long from, long to, byte[] frame) {
        // Liveness needs the broadcast time well below the election timeout (Raft paper §5.6); in the quiet phase
        // the latency stays low.
        long latency = 50 * US + random.nextLong(faults ? opt.maxLatency() : Math.min(opt.maxLatency(), MS));
        if (faults && random.nextInt(1000) < opt.slowPerMille()) {
            latency += random.nextLong(2_000 * MS);
        }
        schedule(latency, () -> {
            SimNode n = nodes.get(to);
            if (partition.cuts(from, to) || n.core == null) {
                stats.dropped++;
                return;
            }
            n.transport.inbound.onFrame(from, frame);
        });
    }

    // ------------------------------------------------------------------ faults

    private long nextFault(long every) {
        return 1 + random.nextLong(2 * every);
    }

    private void scheduleCrash() {
        schedule(nextFault(opt.crashEvery()), () -> {
            if (!faults) {
                return;
            }
            SimNode n = nodes.get(1L + random.nextInt(opt.nodes()));
            if (n.core != null && !n.log.failing() && mayTakeDown()) {
                crash(n, "power loss");
                restartAfter(n, 10 * MS + random.nextLong(3_000 * MS));
            }
            scheduleCrash();
        });
    }

    /** Starts crashed node {@code n} again after {@code downtime}, unless something else restarts it first. */
    private void restartAfter(SimNode n, long downtime) {
        long incarnation = n.incarnation;
        schedule(downtime, () -> {
            if (n.core == null && n.incarnation == incarnation && !n.log.failing()) {
                start(n);
            }
        });
    }

    /** Every node loses power at once and comes back on what it synced, each after its own downtime. */
    private void powerCut() {
        note("power cut: every node goes down");
        for (SimNode n : nodes.values()) {
            if (n.core != null) {
                crash(n, "power cut");
            }
            n.log.repair();
            restartAfter(n, 10 * MS + random.nextLong(1_000 * MS));
        }
    }

    private void scheduleDiskFailure() {
        schedule(nextFault(opt.diskFailEvery()), () -> {
            if (!faults) {
                return;
            }
            SimNode n = nodes.get(1L + random.nextInt(opt.nodes()));
            if (n.core != null && !n.log.failing() && mayTakeDown()) {
                stats.diskFailures++;
                note("node " + n.id + "'s disk fails");
                n.log.fail();
                long incarnation = n.incarnation;
                schedule(500 * MS + random.nextLong(3_000 * MS), () -> {
                    if (faults && n.core != null && n.incarnation == incarnation) {
                        crash(n, "the operator restarts it after its disk failed");
                        n.log.repair();
                        start(n);
                    }
                });
            }
            scheduleDiskFailure();
        });
    }

    private void schedulePartition() {
        schedule(nextFault(opt.partitionEvery()), () -> {
            if (!faults) {
                return;
            }
            partition();
            schedule(100 * MS + random.nextLong(3_000 * MS), () -> {
                if (faults) {
                    partition.heal();
                    note("partition heals");
                    schedulePartition();
                }
            });
        });
    }

    private void partition() {
        stats.partitions++;
        note("partition: " + partition.cutRandomly(random, opt.nodes()));
    }

    // ------------------------------------------------------------------ clients

    private void scheduleNextOp(Client c) {
        scheduleNextOp(c, 0);
    }

    private void scheduleNextOp(Client c, long backOff) {
        long delay = backOff + random.nextLong(opt.maxThink() + 1);
        if (now() + delay < clientsStopAt) {
            schedule(delay, () -> invoke(c));
        }
    }

    private void invoke(Client c) {
        long id = nextOpId++;
        int pick = random.nextInt(100);
        Op.Kind kind = pick < 35 ? Op.Kind.PUT : pick < 60 ? Op.Kind.SWAP : Op.Kind.GET;
        String key = "k" + random.nextInt(opt.keys());
        String value = null;
        if (kind != Op.Kind.GET) {
            value = random.nextInt(1000) < opt.largePerMille()
                    ? large(id, LARGE_MIN + random.nextInt(LARGE_MAX - LARGE_MIN)) : "<" + id + ">";
        }
        ClientOp op = new ClientOp(id, c, kind, key, value, history.invoke(), now());
        schedule(OP_TIMEOUT, () -> {
            if (!op.done) {
                if (op.invokeTime >= answersDueFrom) {
                    throw new AssertionError("liveness: op#" + op.id + " (" + op.kind + " " + op.key + "), invoked "
                            + (op.invokeTime - opt.chaos()) / MS + " ms after the faults stopped, got no answer in "
                            + OP_TIMEOUT / MS + " ms\n" + status());
                }
                if (op.kind == Op.Kind.GET) {
                    op.done = true; // a read that never returned took no effect: not part of the history
                    scheduleNextOp(op.client);
                } else {
                    indeterminate(op, "timed out");
                }
            }
        });
        attempt(op);
    }

    private void attempt(ClientOp op) {
        if (op.done) {
            return;
        }
        Client c = op.client;
        long target = c.leaderGuess != 0 && (op.kind != Op.Kind.GET || random.nextBoolean())
                ? c.leaderGuess : 1 + random.nextInt(opt.nodes());
        schedule(20 * US + random.nextLong(200 * US), () -> arrive(op, target));
    }

    /** The request reaches node {@code target}: it goes in through the driver's entry points, as from a client. */
    private void arrive(ClientOp op, long target) {
        if (op.done) {
            return;
        }
        SimNode n = nodes.get(target);
        if (n.core == null) {
            op.client.leaderGuess = 0;
            schedule(BACK_OFF, () -> attempt(op));
            return;
        }
        if (op.kind == Op.Kind.GET && sabotage == Sabotage.STALE_READS) {
            complete(op, text(n.machine.read(GET, op.argv(), op.client.session, EPOCH_MILLIS + now() / MS)));
            return;
        }
        Attempt a = new Attempt(op, target);
        n.inflight.add(a);
        ReplySink sink = reply -> {
            if (n.inflight.remove(a)) {
                schedule(20 * US + random.nextLong(200 * US), () -> answered(op, target, reply));
            }
        };
        if (op.kind == Op.Kind.GET) {
            n.core.read(GET, op.argv(), op.client.session, sink);
        } else {
            n.core.write(op.spec(), op.argv(), sink);
        }
    }

    private void answered(ClientOp op, long from, Reply reply) {
        if (op.done) {
            return;
        }
        Client c = op.client;
        if (reply instanceof Reply.Error e) {
            String t = e.text();
            if (t.startsWith("MOVED ")) {
                stats.redirects++;
                c.leaderGuess = memberAt(t.substring(t.lastIndexOf(' ') + 1));
                schedule(1, () -> attempt(op)); // not proposed there: safe to send again
            } else if (t.startsWith("CLUSTERDOWN") || t.startsWith("ERR this node stopped taking part")) {
                stats.clusterDown++;
                c.leaderGuess = 0;
                schedule(BACK_OFF, () -> attempt(op)); // never proposed (or a read): safe to send again
            } else if (op.kind != Op.Kind.GET && (t.equals("ERR the write was lost in a leader change before it "
                    + "committed; retry") || t.startsWith("MISCONF "))) {
                // proposed, but its outcome is unknown to this node: it may yet commit
                c.leaderGuess = 0;
                indeterminate(op, "node " + from + " answered " + t);
            } else {
                throw new Invariants.Violation("node " + from + " answered op#" + op.id + " (" + op.kind + ") with an "
                        + "error a client should never see: " + t);
            }
            return;
        }
        if (op.kind == Op.Kind.PUT) {
            if (!reply.equals(Reply.OK)) {
                throw new Invariants.Violation("node " + from + " answered SET op#" + op.id + " with " + reply);
            }
            complete(op, null);
        } else {
            complete(op, text(reply));
        }
    }

    private long memberAt(String address) {
        for (ClusterMember m : members) {
            if (m.address().equals(address)) {
                return m.id();
            }
        }
        throw new Invariants.Violation("-MOVED to " + address + ", which is not a member");
    }

    /** A large value: op {@code id}'s token padded to {@code size} bytes with a letter of its own. */
    private static String large(long id, int size) {
        String token = "<" + id + ">";
        return token + String.valueOf(pad(id)).repeat(size - token.length());
    }

    private static char pad(long id) {
        return (char) ('a' + id % 26);
    }

    /**
     * A value as the history records it: as it is, or for a large value its token and length, once its padding is
     * checked (a value rebuilt from parts in the wrong order, or cut short, fails here).
     */
    private static String compact(String value) {
        if (value.length() <= 64) {
            return value;
        }
        String token = value.substring(0, value.indexOf('>') + 1);
        char pad = pad(Long.parseLong(token.substring(1, token.length() - 1)));
        for (int i = token.length(); i < value.length(); i++) {
            if (value.charAt(i) != pad) {
                throw new Invariants.Violation("value " + token + " of " + value.length() + " bytes is corrupt at byte "
                        + i + ": '" + value.charAt(i) + "' where '" + pad + "' was written");
            }
        }
        return token + "*" + value.length();
    }

    private static String text(Reply r) {
        if (r instanceof Reply.Bulk b) {
            return compact(new String(b.bytes(), StandardCharsets.UTF_8));
        }
        if (r instanceof Reply.NullBulk || r instanceof Reply.Null) {
            return null;
        }
        throw new Invariants.Violation("expected a bulk string or null, got " + r);
    }

    private void complete(ClientOp op, String result) {
        op.done = true;
        history.completed(op.id, op.client.id, op.kind, op.key, op.arg, op.invoke, result, op.invokeTime / MS);
        if (op.kind == Op.Kind.GET) {
            stats.readsOk++;
        } else {
            stats.writesOk++;
            if (op.value.length() > MAX_ENTRY_BYTES) {
                stats.largeWritesOk++;
            }
            if (!faults) {
                stats.lateWritesOk++;
            }
        }
        scheduleNextOp(op.client);
    }

    private void indeterminate(ClientOp op, String why) {
        op.done = true;
        stats.indeterminate++;
        history.indeterminate(op.id, op.client.id, op.kind, op.key, op.arg, op.invoke, op.invokeTime / MS);
        note("op#" + op.id + " indeterminate: " + why);
        scheduleNextOp(op.client, BACK_OFF);
    }

    // ------------------------------------------------------------------ the end

    private SimNode leader() {
        SimNode leader = null;
        for (SimNode n : nodes.values()) {
            if (n.core.raft().role() == Role.LEADER) {
                if (leader != null) {
                    return null;
                }
                leader = n;
            }
        }
        return leader;
    }

    private boolean converged() {
        SimNode leader = leader();
        if (leader == null) {
            return false;
        }
        long commit = leader.core.raft().commitIndex();
        for (SimNode n : nodes.values()) {
            if (n.machine.appliedIndex() != commit) {
                return false;
            }
        }
        return true;
    }

    /** After the faults stopped: one leader, new writes completed, every replica the same, INFO telling so. */
    private void checkLiveness() {
        SimNode leader = leader();
        if (leader == null) {
            throw new AssertionError("liveness: no single leader " + (QUIET + CATCH_UP) / MS
                    + " ms after the faults stopped\n" + status());
        }
        if (stats.lateWritesOk == 0) {
            throw new AssertionError("liveness: no write invoked in the quiet phase completed\n" + status());
        }
        if (!converged()) {
            throw new AssertionError("liveness: the replicas did not converge to the leader's commit\n" + status());
        }
        List<String> raftInfo = leader.core.info("raft");
        long commit = leader.core.raft().commitIndex();
        require(raftInfo.contains("raft_role:leader") && raftInfo.contains("raft_taking_part:1")
                && raftInfo.contains("raft_commit_index:" + commit), "INFO raft of the leader: " + raftInfo);
        for (SimNode n : nodes.values()) {
            for (int k = 0; k < opt.keys(); k++) {
                byte[] key = ("k" + k).getBytes(StandardCharsets.UTF_8);
                StoredValue want = leader.store.get(key, Long.MAX_VALUE - 1);
                StoredValue got = n.store.get(key, Long.MAX_VALUE - 1);
                require(want == null ? got == null : got != null && Arrays.equals(bytesOf(want), bytesOf(got)),
                        "node " + n.id + " has k" + k + " = " + describe(got) + ", the leader " + describe(want));
            }
            if (n != leader) {
                List<String> replication = n.core.info("replication");
                require(replication.contains("role:slave")
                        && replication.contains("master_port:" + leader.member.clientPort())
                        && replication.contains("master_link_status:up"), "INFO replication of node " + n.id + ": "
                        + replication);
            }
            stats.deferredSyncs += n.core.view().deferredSyncs;
            stats.proposals += n.core.view().proposedCount;
        }
        stats.entries = commit;
        for (Entry e : leader.log.live().entries(1, commit + 1, Long.MAX_VALUE)) {
            if (e.data().length > 0 && e.data()[0] == LogRecord.BATCH) {
                stats.batchEntries++;
            }
        }
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    private static String describe(StoredValue v) {
        return v == null ? "nothing" : "'" + compact(new String(bytesOf(v), StandardCharsets.UTF_8)) + "'";
    }

    /** A string value's bytes (the simulation's clients write only strings). */
    private static byte[] bytesOf(StoredValue v) {
        return ((StringValue) v).bytes();
    }

    private String status() {
        StringBuilder out = new StringBuilder();
        for (SimNode n : nodes.values()) {
            out.append("  node ").append(n.id);
            if (n.core == null) {
                out.append(" down\n");
                continue;
            }
            RaftNode raft = n.core.raft();
            out.append(' ').append(raft.role()).append(" term=").append(raft.term()).append(" lead=")
                    .append(raft.leaderId()).append(" commit=").append(raft.commitIndex()).append(" last=")
                    .append(raft.lastIndex()).append(" applied=").append(n.machine.appliedIndex())
                    .append(n.log.failing() ? " disk failed" : "").append('\n');
        }
        return out.toString();
    }

    private static byte[][] bytes(String... args) {
        byte[][] out = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            out[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }
}
