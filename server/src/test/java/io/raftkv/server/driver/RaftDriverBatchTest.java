package io.raftkv.server.driver;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.server.StandardCommands;
import io.raftkv.server.cluster.ClusterMember;
import io.raftkv.server.cluster.ClusterMembers;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.config.ConfigParams;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.kv.KvConfig;
import io.raftkv.server.kv.ChronicleKeyspace;
import io.raftkv.server.kv.Keyspace;
import io.raftkv.server.kv.StoredValue;
import io.raftkv.server.kv.StringValue;
import io.raftkv.server.node.KvStateMachine;
import io.raftkv.server.peer.InMemoryNetwork;
import io.raftkv.server.reply.Reply;
import io.raftkv.wal.SyncPolicy;
import io.raftkv.wal.Wal;
import io.raftkv.wal.WalConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Writes handed to the leader's driver together (as pipelined or concurrent clients do) are proposed as BATCH log
 * entries: every command still gets its own reply, in its own order, and every replica applies the same commands.
 * A 3-node cluster in one JVM: real WALs (sync always), RaftDrivers, the in-memory peer network.
 */
class RaftDriverBatchTest {

    private static final String MEMBERS = "1@127.0.0.1:1,2@127.0.0.1:2,3@127.0.0.1:3";
    private static final long WAIT_SECONDS = 30;
    private static final Reply LOST = Reply.error("ERR the write was lost in a leader change before it committed; retry");

    @TempDir
    Path dir;

    private InMemoryNetwork network;
    private final Wal[] wals = new Wal[3];
    private final Keyspace[] stores = new Keyspace[3];
    private final ServerState[] states = new ServerState[3];
    private final RaftDriver[] drivers = new RaftDriver[3];
    /** Per node: while set, every WAL sync fails as a failed fdatasync would. */
    private final AtomicBoolean[] diskFails = {new AtomicBoolean(), new AtomicBoolean(), new AtomicBoolean()};
    /** Per node: whether a sync failed. */
    private final AtomicBoolean[] syncFailed = {new AtomicBoolean(), new AtomicBoolean(), new AtomicBoolean()};

    /** Guards the records and the cut, so the power goes between two syncs of a node, never during one. */
    private final Object syncLock = new Object();
    /** The node whose answers decide when the power goes (see {@link #recordSync}); -1: none. */
    private volatile int cutWatched = -1;
    /** The watched node's applied index when the power went. */
    private volatile long appliedAtCut = -1;
    /** Once set, the power is out: every sync fails, and each disk keeps what its node's last sync covered. */
    private volatile boolean powerCut;
    /**
     * Per node, at the start of its last sync (before the power went, or before a sync failed: a failed WAL syncs no
     * more): the log's last index (-1: none)...
     */
    private final AtomicLongArray syncedLastIndex = new AtomicLongArray(new long[] {-1, -1, -1});
    /** ...and its hard state. */
    private final HardState[] syncedHardState = new HardState[3];

    @BeforeEach
    void startCluster() {
        network = InMemoryNetwork.threaded();
        for (int i = 0; i < 3; i++) {
            startNode(i);
        }
    }

    /** Starts node {@code i + 1} on whatever its directory holds (nothing at first; its log after a restart). */
    private void startNode(int i) {
        List<ClusterMember> members = ClusterMembers.parse(MEMBERS);
        ServerConfig c = ServerConfig.DEFAULTS;
        c = ConfigParams.apply(c, "cluster-node-id", Integer.toString(i + 1));
        c = ConfigParams.apply(c, "cluster-members", MEMBERS);
        c = ConfigParams.apply(c, "dir", dir.resolve("node-" + (i + 1)).toString());
        states[i] = new ServerState(c.validated(), StandardCommands.table());
        stores[i] = new ChronicleKeyspace(new KvConfig(10_000, 16, 32));
        KvStateMachine machine = new KvStateMachine(states[i].table(), stores[i], states[i]);
        int node = i;
        WalConfig wc = new WalConfig(walDir(i), SyncPolicy.ALWAYS)
                .withBlockSize(1L << 20).withSyncHook(() -> {
                    // runs on the driver thread, the WAL's owner, at the start of each sync
                    if (diskFails[node].get()) {
                        syncFailed[node].set(true);
                        throw new IOException("injected: the disk failed");
                    }
                    recordSync(node);
                });
        wals[i] = Wal.open(wc);
        drivers[i] = new RaftDriver(states[i], wals[i], wc.maxEntryBytes(), network.transport(i + 1), machine,
                members.get(i), members, System::currentTimeMillis);
        states[i].cluster(drivers[i]);
    }

    private Path walDir(int i) {
        return dir.resolve("node-" + (i + 1)).resolve("wal");
    }

    @AfterEach
    void stopCluster() {
        for (int i = 0; i < 3; i++) {
            if (drivers[i] != null) {
                drivers[i].close();
            }
            if (stores[i] != null) {
                stores[i].close();
            }
        }
        network.close();
    }

    @Test
    void pipelinedWritesShareEntriesAndEachGetsItsOwnReply() throws Exception {
        int leader = awaitLeader();
        RaftDriver d = drivers[leader];
        ServerState s = states[leader];
        // 600 commands at once: INCRs whose replies count up, SETs, and INCRs on a non-integer that fail alone
        int n = 600;
        List<CompletableFuture<Reply>> replies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String[] argv = switch (i % 3) {
                case 0 -> new String[]{"incr", "counter"};
                case 1 -> new String[]{"set", "k" + i, "v" + i};
                default -> new String[]{"incr", "k" + (i - 1)};
            };
            CompletableFuture<Reply> f = new CompletableFuture<>();
            replies.add(f);
            d.write(s.table().get(argv[0]), bytes(argv), f::complete);
        }
        for (int i = 0; i < n; i++) {
            Reply r = replies.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS);
            Reply expected = switch (i % 3) {
                case 0 -> Reply.integer(i / 3 + 1);
                case 1 -> Reply.OK;
                default -> Reply.error("ERR value is not an integer or out of range");
            };
            assertEquals(expected, r, "reply to command " + i);
        }
        long lastIndex = wals[leader].lastIndex();
        assertTrue(lastIndex < n / 2, "600 commands handed over together took " + lastIndex + " log entries");

        stopOnceAllApplied(lastIndex);
        for (int i = 0; i < 3; i++) {
            StoredValue counter = stores[i].get("counter".getBytes(StandardCharsets.US_ASCII), Long.MAX_VALUE - 1);
            assertArrayEquals("200".getBytes(StandardCharsets.US_ASCII), ((StringValue) counter).bytes(),
                    "counter on node " + (i + 1));
            StoredValue last = stores[i].get(("k" + (n - 2)).getBytes(StandardCharsets.US_ASCII), Long.MAX_VALUE - 1);
            assertArrayEquals(("v" + (n - 2)).getBytes(StandardCharsets.US_ASCII), ((StringValue) last).bytes(),
                    "k" + (n - 2) + " on node " + (i + 1));
        }
    }

    /**
     * Under pipelined load the leader leaves its own fsync to the followers (RaftDriver#mayDeferSync): writes commit
     * on the followers' two durable copies. With one follower cut off the leader's copy is needed again: it syncs
     * what it deferred and the writes still commit, on it and the other follower.
     */
    @Test
    void pipelinedWritesCommitWithTheLeadersSyncDeferredAndStillWithAFollowerCutOff() throws Exception {
        int leader = awaitLeader();
        RaftDriver d = drivers[leader];
        ServerState s = states[leader];
        List<CompletableFuture<Reply>> replies = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        int n = 0;
        while (deferredSyncs(s) == 0) {
            if (System.nanoTime() > deadline) {
                fail("the leader never deferred its sync in " + n + " pipelined writes");
            }
            for (int i = 0; i < 100; i++, n++) {
                CompletableFuture<Reply> f = new CompletableFuture<>();
                replies.add(f);
                d.write(s.table().get("set"), bytes("set", "k" + n, "v" + n), f::complete);
            }
            Thread.sleep(1);
        }
        // Frames now take 5 ms each way, so the next bursts' entries are in flight together and the leader defers
        // its sync again while the cut-off follower still counts as up; no follower pair can commit them now, so
        // the leader must sync what it deferred by itself (after MAX_DEFER_NANOS, or at the latest the next tick).
        network.delay(Duration.ofMillis(5));
        int follower = (leader + 1) % 3;
        network.isolate(follower + 1);
        for (int burst = 0; burst < 3; burst++) {
            for (int i = 0; i < 50; i++, n++) {
                CompletableFuture<Reply> f = new CompletableFuture<>();
                replies.add(f);
                d.write(s.table().get("set"), bytes("set", "k" + n, "v" + n), f::complete);
            }
            Thread.sleep(1);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(Reply.OK, replies.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS), "reply to write " + i);
        }
        network.heal();
        network.delay(Duration.ZERO);
        long lastIndex = wals[leader].lastIndex();
        stopOnceAllApplied(lastIndex);
        for (int i = 0; i < 3; i++) {
            StoredValue last = stores[i].get(("k" + (n - 1)).getBytes(StandardCharsets.US_ASCII), Long.MAX_VALUE - 1);
            assertArrayEquals(("v" + (n - 1)).getBytes(StandardCharsets.US_ASCII), ((StringValue) last).bytes(),
                    "node " + (i + 1));
        }
    }

    /**
     * A follower whose disk fails stops taking part: nothing it wrote after its last good sync is ever acknowledged,
     * and the leader and the other follower go on committing without it.
     */
    @Test
    void aFollowerWhoseLogFailsAcknowledgesNothingMoreAndTheOthersGoOn() throws Exception {
        int leader = awaitLeader();
        for (int i = 0; i < 5; i++) {
            assertEquals(Reply.OK, write(leader, "set", "before" + i, "v"));
        }
        int bad = (leader + 1) % 3;
        diskFails[bad].set(true);
        for (int i = 0; i < 30; i++) {
            assertEquals(Reply.OK, write(leader, "set", "after" + i, "v"), "write " + i + " with one follower's disk failed");
        }
        await(() -> syncFailed[bad].get() && info(bad, "persistence").contains("aof_last_write_status:err"),
                "node " + (bad + 1) + " reports its failed log");
        long acked = peerMatch(leader, bad + 1);
        assertTrue(acked <= syncedLastIndex.get(bad), "node " + (bad + 1) + " acknowledged index " + acked
                + " but its syncs covered only up to " + syncedLastIndex.get(bad));
        for (int i = 0; i < 10; i++) {
            assertEquals(Reply.OK, write(leader, "set", "later" + i, "v"));
        }
        assertEquals(acked, peerMatch(leader, bad + 1), "no acknowledgement after the failed sync");
        assertRedirected(write(bad, "set", "later", "v"), leader); // clients are sent to the leader
        List<String> raftInfo = info(bad, "raft");
        assertTrue(raftInfo.contains("raft_taking_part:0") && raftInfo.contains("raft_role:follower")
                && raftInfo.stream().anyMatch(l -> l.startsWith("raft_failure:") && l.contains("sync failed")),
                "INFO raft of the failed node: " + raftInfo);
        assertTrue(info(leader, "raft").contains("raft_taking_part:1"), info(leader, "raft").toString());
        assertTrue(commitIndex(leader) > acked + 30, "the others commit on without it");
    }

    /**
     * A leader whose disk fails answers every write it can no longer log with Redis's MISCONF error and stops
     * sending, so the other two elect a new leader; every write that was answered OK is there.
     */
    @Test
    void aLeaderWhoseLogFailsRefusesWritesAndAnotherNodeLeads() throws Exception {
        int leader = awaitLeader();
        List<String> ok = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            assertEquals(Reply.OK, write(leader, "set", "k" + i, "v" + i));
            ok.add("k" + i);
        }
        diskFails[leader].set(true);
        // The write in flight when the sync fails gets MISCONF too, saying it may still have committed (its entry
        // left for the followers before the leader's own sync); the writes after it are refused outright.
        for (int i = 10; i < 20; i++) {
            Reply r = write(leader, "set", "k" + i, "v" + i);
            assertTrue(r.toString().contains("MISCONF Errors writing to the AOF file"), "write " + i + ": " + r);
        }
        await(() -> syncFailed[leader].get(), "the leader's sync failed");
        Reply refused = write(leader, "set", "refused", "x");
        assertTrue(refused.toString().contains("MISCONF Errors writing to the AOF file"), refused.toString());
        int next = awaitLeaderOtherThan(leader);
        assertEquals(Reply.OK, write(next, "set", "after", "failover"));
        ok.add("after");
        // It takes no part, but the new leader's heartbeats tell it where to send clients, and it no longer says master
        await(() -> drivers[leader].leaderId() == next + 1, "node " + (leader + 1) + " learns the new leader");
        assertTrue(info(leader, "replication").contains("role:slave"), info(leader, "replication").toString());
        assertRedirected(write(leader, "set", "k1", "again"), next);
        for (RaftDriver driver : drivers) {
            driver.close();
        }
        for (String k : ok) {
            assertTrue(stores[next].get(k.getBytes(StandardCharsets.UTF_8), Long.MAX_VALUE - 1) != null,
                    k + " was answered OK but is not on the new leader, node " + (next + 1));
        }
        assertEquals(null, stores[next].get("refused".getBytes(StandardCharsets.UTF_8), Long.MAX_VALUE - 1));
        assertEquals(null, stores[next].get("k11".getBytes(StandardCharsets.UTF_8), Long.MAX_VALUE - 1),
                "k11 was refused once the failure was known: never proposed");
    }

    /**
     * Power loss on all three nodes at once, under pipelined load while the leader defers its own syncs. Each node
     * restarts on what its last sync covered, and the leader's disk lacks writes it had already answered OK. Each of
     * those was synced on both followers before it was answered, so it survives even with one follower still down
     * after the restart: the old leader and the other follower carry on alone, then the third node returns. (Made to
     * acknowledge before their sync, followers fail this test.)
     */
    @Test
    void writesAnsweredOkOutliveAPowerCutOfEveryNode() throws Exception {
        int leader = awaitLeader();
        int late = (leader + 1) % 3; // the follower that comes back last
        cutWatched = leader;
        RaftDriver d = drivers[leader];
        ServerState s = states[leader];
        List<CompletableFuture<Reply>> replies = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        int n = 0;
        while (!powerCut) {
            // (the cut came after 14,000-29,000 writes in trials; the stores take about 200,000 keys)
            if (System.nanoTime() > deadline || n >= 150_000) {
                fail("the leader never answered past its disk in " + n + " pipelined writes (deferred syncs: "
                        + deferredSyncs(s) + ")");
            }
            if (n >= 300) { // about 300 writes in flight: pipelined, but not a flood the driver cannot keep up with
                replies.get(n - 300).get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            for (int i = 0; i < 100; i++, n++) {
                CompletableFuture<Reply> f = new CompletableFuture<>();
                replies.add(f);
                d.write(s.table().get("set"), bytes("set", "k" + n, "v" + n), f::complete);
            }
            Thread.sleep(1);
        }
        List<Integer> ok = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Reply r = replies.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS);
            if (r.equals(Reply.OK)) {
                ok.add(i);
            } else {
                // in flight at the cut: refused when its sync failed, or lost when it stopped leading
                assertTrue(r.equals(LOST) || r.toString().contains("MISCONF Errors writing to the AOF file"),
                        "write " + i + ": " + r);
            }
        }

        for (int i = 0; i < 3; i++) {
            drivers[i].close();
            stores[i].close();
            keepWhatWasSynced(i);
        }
        cutWatched = -1;
        powerCut = false; // the power is back
        network.heal();
        network.isolate(late + 1);
        for (int i = 0; i < 3; i++) {
            startNode(i);
        }
        int next = awaitLeaderOtherThan(late);
        assertEquals(Reply.OK, write(next, "set", "after", "the power cut"));
        network.heal(); // the last node is back: what it has and the others lack is replaced by the leader's log
        long committed = commitIndex(next);
        stopOnceAllApplied(committed);
        for (int i = 0; i < 3; i++) {
            for (int k : ok) {
                StoredValue v = stores[i].get(("k" + k).getBytes(StandardCharsets.US_ASCII), Long.MAX_VALUE - 1);
                assertTrue(v != null && Arrays.equals(("v" + k).getBytes(StandardCharsets.US_ASCII), ((StringValue) v).bytes()),
                        "k" + k + " was answered OK but node " + (i + 1) + " has " + v + " (" + ok.size()
                                + " answered OK; the old leader had applied up to " + appliedAtCut
                                + "; the disks kept the logs up to " + syncedLastIndex + ")");
            }
            assertTrue(stores[i].get("after".getBytes(StandardCharsets.US_ASCII), Long.MAX_VALUE - 1) != null,
                    "node " + (i + 1));
        }
    }

    /**
     * On a node's driver thread at the start of each of its syncs. A sync makes durable exactly what was written
     * before it started, so what the node's log holds now (entries up to its last index, and its hard state) is what
     * its disk holds once this sync is done. The power goes at the first sync of the watched node (the leader) that
     * finds entries applied, so answered, past what its last sync covered: only a leader that deferred its sync gets
     * there. From then on every node's syncs fail (each stops taking part) and the network is cut.
     */
    private void recordSync(int node) throws IOException {
        synchronized (syncLock) {
            if (powerCut) {
                throw new IOException("injected: power cut");
            }
            long applied = states[node].appliedIndex.get(); // its replies have gone out up to here
            if (node == cutWatched && syncedLastIndex.get(node) >= 0 && applied > syncedLastIndex.get(node)) {
                for (int i = 1; i <= 3; i++) {
                    network.isolate(i); // frames still on their way are lost
                }
                appliedAtCut = applied;
                powerCut = true;
                throw new IOException("injected: power cut");
            }
            syncedLastIndex.set(node, wals[node].lastIndex());
            syncedHardState[node] = wals[node].hardState();
        }
    }

    /**
     * Replaces node {@code i}'s WAL (closed) by what its disk kept at the power cut: the entries its last sync covered
     * and the hard state it had then. Everything written after that sync started is gone, as the page cache is. (One
     * leader throughout, so no log was cut back before the power went: the entries up to that index are still the
     * ones the sync covered.)
     */
    private void keepWhatWasSynced(int i) throws IOException {
        Path kept = dir.resolve("node-" + (i + 1)).resolve("wal-kept");
        try (Wal all = Wal.open(new WalConfig(walDir(i)).withBlockSize(1L << 20));
             Wal disk = Wal.open(new WalConfig(kept).withBlockSize(1L << 20))) {
            long next = all.firstIndex();
            while (next <= syncedLastIndex.get(i)) {
                List<Entry> batch = all.entries(next, syncedLastIndex.get(i) + 1, 1L << 20);
                disk.append(batch);
                next += batch.size();
            }
            if (syncedHardState[i] != null) {
                disk.saveHardState(syncedHardState[i]);
            }
            disk.sync();
        }
        deleteTree(walDir(i));
        Files.move(kept, walDir(i));
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    /** Waits until every node has applied the log up to {@code index}, then stops them, so the stores may be read. */
    private void stopOnceAllApplied(long index) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            int node = i;
            await(() -> states[node].appliedIndex.get() >= index, "node " + (node + 1) + " applies the log");
        }
        for (RaftDriver driver : drivers) {
            driver.close(); // stops the apply threads
        }
    }

    private static void assertRedirected(Reply r, int leader) {
        String to = ClusterMembers.parse(MEMBERS).get(leader).address();
        assertTrue(r.toString().contains("MOVED ") && r.toString().contains(to), "expected -MOVED to " + to + ": " + r);
    }

    private Reply write(int node, String... argv) throws Exception {
        CompletableFuture<Reply> f = new CompletableFuture<>();
        drivers[node].write(states[node].table().get(argv[0]), bytes(argv), f::complete);
        return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private List<String> info(int node, String section) {
        return states[node].nodeInfo(section);
    }

    private long peerMatch(int leader, long peerId) {
        String prefix = "raft_peer_" + peerId + ":match=";
        for (String line : info(leader, "raft")) {
            if (line.startsWith(prefix)) {
                return Long.parseLong(line.substring(prefix.length(), line.indexOf(',')));
            }
        }
        return fail("INFO raft has no " + prefix);
    }

    private long commitIndex(int node) {
        for (String line : info(node, "raft")) {
            if (line.startsWith("raft_commit_index:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1));
            }
        }
        return fail("INFO raft has no raft_commit_index");
    }

    private int awaitLeaderOtherThan(int old) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 3; i++) {
                if (i != old && drivers[i].mayPropose()) {
                    return i;
                }
            }
            Thread.sleep(10);
        }
        return fail("no new leader after " + WAIT_SECONDS + " s");
    }

    private static long deferredSyncs(ServerState s) {
        for (String line : s.nodeInfo("raft")) {
            if (line.startsWith("raft_deferred_syncs:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1));
            }
        }
        return fail("INFO raft has no raft_deferred_syncs");
    }

    private int awaitLeader() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 3; i++) {
                if (drivers[i].mayPropose()) {
                    return i;
                }
            }
            Thread.sleep(10);
        }
        return fail("no leader after " + WAIT_SECONDS + " s");
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting: " + what);
            }
            Thread.sleep(10);
        }
    }

    private static byte[][] bytes(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return argv;
    }
}
