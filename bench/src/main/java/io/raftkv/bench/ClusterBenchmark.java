package io.raftkv.bench;

import io.raftkv.server.StandardCommands;
import io.raftkv.server.cluster.ClusterMember;
import io.raftkv.server.cluster.ClusterMembers;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.config.ConfigParams;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.driver.RaftDriver;
import io.raftkv.server.kv.KvConfig;
import io.raftkv.server.kv.ChronicleKeyspace;
import io.raftkv.server.kv.Keyspace;
import io.raftkv.server.node.KvStateMachine;
import io.raftkv.server.node.ReplySink;
import io.raftkv.server.peer.InMemoryNetwork;
import io.raftkv.server.reply.Reply;
import io.raftkv.wal.SyncPolicy;
import io.raftkv.wal.Wal;
import io.raftkv.wal.WalConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A whole 3-node cluster in one JVM, built from the server's own parts exactly as RaftKvServer wires a cluster
 * member (ServerState, Keyspace, KvStateMachine, a real Wal with sync always in a temp folder, RaftDriver), joined
 * by InMemoryNetwork.threaded() instead of Netty; no RESP, no client sockets. One operation: {@code batch} SET
 * commands (16-byte keys over 100,000, 64-byte values) handed to the leader's driver at once, as pipelined or
 * concurrent clients would, and waited for until all are answered (durable on a majority and applied). Times are
 * per batch. What is left out compared with bench/run.sh: Netty on both sides and the TCP loopback.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ClusterBenchmark {

    @Param({"1", "16", "256"})
    public int batch;

    private Path dir;
    private InMemoryNetwork network;
    private final Wal[] wals = new Wal[3];
    private final Keyspace[] stores = new Keyspace[3];
    private final RaftDriver[] drivers = new RaftDriver[3];
    private RaftDriver leader;
    private CommandSpec set;
    private byte[][][] argvs;
    private int next;

    private final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicReference<Reply> failure = new AtomicReference<>();
    private volatile Thread waiter;
    private final ReplySink sink = reply -> {
        if (reply != Reply.OK) {
            failure.compareAndSet(null, reply);
        }
        if (outstanding.decrementAndGet() == 0) {
            LockSupport.unpark(waiter);
        }
    };

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir"))),
                "raftkv-cluster-bench");
        network = InMemoryNetwork.threaded();
        String membersText = "1@127.0.0.1:1,2@127.0.0.1:2,3@127.0.0.1:3"; // addresses unused on the in-memory network
        List<ClusterMember> members = ClusterMembers.parse(membersText);
        for (int i = 0; i < 3; i++) {
            ServerConfig c = ServerConfig.DEFAULTS;
            c = ConfigParams.apply(c, "cluster-node-id", Integer.toString(i + 1));
            c = ConfigParams.apply(c, "cluster-members", membersText);
            c = ConfigParams.apply(c, "dir", dir.resolve("node-" + (i + 1)).toString());
            ServerState state = new ServerState(c.validated(), StandardCommands.table());
            stores[i] = new ChronicleKeyspace(KvConfig.DEFAULT);
            KvStateMachine machine = new KvStateMachine(state.table(), stores[i], state);
            WalConfig wc = new WalConfig(dir.resolve("node-" + (i + 1)).resolve("wal"), SyncPolicy.ALWAYS)
                    .withBlockSize(64L << 20);
            wals[i] = Wal.open(wc);
            drivers[i] = new RaftDriver(state, wals[i], wc.maxEntryBytes(), network.transport(i + 1), machine,
                    members.get(i), members, System::currentTimeMillis);
            state.cluster(drivers[i]);
            set = state.table().get("set");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (leader == null) {
            for (RaftDriver d : drivers) {
                if (d.mayPropose()) {
                    leader = d;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no leader after 30 s");
            }
            Thread.sleep(10);
        }
        argvs = new byte[4096][][];
        long k = 12345;
        for (int i = 0; i < argvs.length; i++) {
            k = k * 6364136223846793005L + 1442695040888963407L;
            argvs[i] = BenchData.setArgv(Math.floorMod(k >>> 16, 100_000L), 64);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        for (int i = 0; i < 3; i++) {
            if (drivers[i] != null) {
                drivers[i].close();
            }
            if (wals[i] != null) {
                wals[i].close();
            }
            if (stores[i] != null) {
                stores[i].close();
            }
        }
        network.close();
        BenchFiles.deleteTree(dir);
    }

    @Benchmark
    public int setBatch() {
        waiter = Thread.currentThread();
        outstanding.set(batch);
        for (int i = 0; i < batch; i++) {
            leader.write(set, argvs[next++ & 4095], sink);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (outstanding.get() > 0) {
            LockSupport.parkNanos(this, 1_000_000);
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(outstanding.get() + " of " + batch + " writes unanswered after 10 s");
            }
        }
        Reply f = failure.get();
        if (f != null) {
            throw new IllegalStateException("a SET was answered " + f);
        }
        return batch;
    }
}
