package io.raftkv.server.driver;

import io.raftkv.raft.Membership;
import io.raftkv.server.cluster.ClusterMember;
import io.raftkv.server.cluster.ClusterView;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.node.ApplyLoop;
import io.raftkv.server.node.KvNode;
import io.raftkv.server.node.KvStateMachine;
import io.raftkv.server.node.ReplySink;
import io.raftkv.server.peer.NoPeerTransport;
import io.raftkv.server.peer.PeerTransport;
import io.raftkv.wal.Wal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * The one place where the layers meet (the consensus core, the WAL and the transport know nothing of each other):
 * a node's Raft driver on real threads. Its {@link DriverCore} runs the Ready loop — persist, send, apply committed
 * entries through the {@link ApplyLoop}, release confirmed reads, advance — in rounds; this class gives it a driver
 * thread, ticks it every heartbeat, feeds it the transport's frames and the clients' requests, and stops it.
 *
 * <p>Writes: a WRITE command becomes a proposal on the leader, batched with the others of its round, and is answered
 * once its entry is committed and applied; a node that is not the leader answers {@code -MOVED} to the leader, and
 * while no leader is known the request waits up to {@code cluster-redirect-wait} for an election before
 * {@code -CLUSTERDOWN}. Under pipelined load the leader leaves its own fsync for later and the entry commits on the
 * followers' durable copies. Reads: every READ goes through ReadIndex (Raft dissertation §6.4), on the leader or,
 * for READONLY connections and keyless reads, forwarded by a follower, so reads are linearizable on any node.
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
    /** The node id of a standalone node, fixed so that its log's terms and votes stay its own across restarts. */
    public static final long STANDALONE_ID = 1;
    /**
     * A standalone node's member record needs an address, but nothing ever shows it: it is not the server's
     * ClusterView (no CLUSTER replies, no -MOVED) and it never redirects, being the only possible leader.
     */
    private static final String STANDALONE_HOST = "127.0.0.1";

    private final PeerTransport transport;
    /** The driver thread: the transport's I/O thread, or one of our own (then {@link #ownLoop}). */
    private final ScheduledExecutorService loop;
    private final boolean ownLoop;
    /** Where committed entries are applied: {@link #loop}, or for a lone voter a thread of its own (null otherwise). */
    private final ScheduledExecutorService applyThread;
    private final DriverCore core;
    private final ScheduledFuture<?> ticker;
    private final ScheduledFuture<?> expiryCycle;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Recovers the Raft state from {@code wal} and starts the driver; returns once the node is ready to take
     * requests. The key space is rebuilt by applying the committed log through the normal Ready path.
     * {@code clock} gives log records their timestamps (milliseconds since the epoch).
     */
    public RaftDriver(ServerState server, Wal wal, long maxEntryBytes, PeerTransport transport, KvStateMachine machine,
                      ClusterMember self, List<ClusterMember> members, LongSupplier clock) {
        this.transport = transport;
        boolean alone = members.size() == 1 && members.get(0).id() == self.id();
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
        ScheduledExecutorService applyExecutor = applyThread != null ? applyThread : loop;
        NodeClock nodeClock = NodeClock.system(clock);
        DriverLoop driverLoop = new DriverLoop() {
            @Override
            public void execute(Runnable task) {
                loop.execute(task);
            }

            @Override
            public void schedule(Runnable task, long delayNanos) {
                loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            }
        };
        Membership membership = Membership.ofVoters(members.stream().mapToLong(ClusterMember::id).toArray());
        try {
            // The first round persists and publishes a lone voter's election before the node takes requests. (A
            // round handles its own failures: the node then stops taking part, as it would later.)
            this.core = loop.submit(() -> {
                DriverCore c = new DriverCore(server, new WalLog(wal, membership), maxEntryBytes, transport, machine,
                        applyExecutor, null, self, members, nodeClock, driverLoop, nodeClock.monotonicNanos() ^ self.id());
                c.round();
                return c;
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
        server.nodeInfo(core::info);
        core.applier().start();
        long cycle = TimeUnit.MILLISECONDS.toNanos(ApplyLoop.EXPIRE_CYCLE_MILLIS);
        expiryCycle = applyExecutor.scheduleWithFixedDelay(core.applier()::expiryCycle, cycle, cycle,
                TimeUnit.NANOSECONDS);
        ticker = loop.scheduleAtFixedRate(this::tick, core.tickNanos(), core.tickNanos(), TimeUnit.NANOSECONDS);
        transport.start(core::deliver);
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

    private void tick() {
        if (core.stopped()) {
            ticker.cancel(false);
            return;
        }
        core.tick();
    }

    // ------------------------------------------------------------------ KvNode and expiry (any thread)

    @Override
    public void write(CommandSpec spec, byte[][] argv, ReplySink sink) {
        core.write(spec, argv, sink);
    }

    @Override
    public void read(CommandSpec spec, byte[][] argv, ClientSession client, ReplySink sink) {
        core.read(spec, argv, client, sink);
    }

    @Override
    public boolean mayPropose() {
        return core.mayPropose();
    }

    @Override
    public void proposeExpire(byte[][] keys, ReplySink done) {
        core.proposeExpire(keys, done);
    }

    // ------------------------------------------------------------------ ClusterView (any thread)

    @Override
    public ClusterMember self() {
        return core.view().self();
    }

    @Override
    public List<ClusterMember> members() {
        return core.view().members();
    }

    @Override
    public long leaderId() {
        return core.view().leaderId();
    }

    @Override
    public long currentEpoch() {
        return core.view().currentEpoch();
    }

    @Override
    public boolean connected(long memberId) {
        return core.view().connected(memberId);
    }

    @Override
    public void requestLeadership() {
        core.view().requestLeadership();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // closed before: a second close does nothing
        }
        core.shutdown();
        try {
            loop.submit(() -> {
                ticker.cancel(false);
                core.stop();
            }).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            log.error("driver did not stop cleanly", e);
        }
        expiryCycle.cancel(false);
        core.applier().close();
        if (applyThread != null) {
            applyThread.shutdown();
        }
        if (ownLoop) {
            loop.shutdown();
        }
        transport.close();
    }
}
