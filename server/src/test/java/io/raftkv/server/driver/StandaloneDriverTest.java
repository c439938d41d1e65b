package io.raftkv.server.driver;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.server.StandardCommands;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.config.ConfigParams;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.kv.ChronicleKeyspace;
import io.raftkv.server.kv.KvConfig;
import io.raftkv.server.kv.Keyspace;
import io.raftkv.server.kv.LogRecord;
import io.raftkv.server.node.KvStateMachine;
import io.raftkv.server.reply.Reply;
import io.raftkv.wal.SyncPolicy;
import io.raftkv.wal.Wal;
import io.raftkv.wal.WalConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A standalone node is a Raft group of one voter ({@link RaftDriver#standalone}): it leads as soon as it starts,
 * answers a write only once its entry is synced, refuses writes with Redis's MISCONF after a WAL failure and goes on
 * serving reads, deletes expired keys through the log, and restarts on its log (one written by the WAL-only
 * standalone node of earlier versions included). Real WAL with sync always, no peers.
 */
class StandaloneDriverTest {

    private static final long WAIT_SECONDS = 30;

    @TempDir
    Path dir;

    private ServerState state;
    private Keyspace store;
    private Wal wal;
    private RaftDriver driver;
    /** While set, every WAL sync fails as a failed fdatasync would. */
    private final AtomicBoolean diskFails = new AtomicBoolean();
    /** The log's last index at the start of the latest sync: what the syncs have covered. */
    private final AtomicLong syncedLastIndex = new AtomicLong(-1);

    private void start() {
        ServerConfig c = ConfigParams.apply(ServerConfig.DEFAULTS, "dir", dir.toString()).validated();
        state = new ServerState(c, StandardCommands.table());
        store = new ChronicleKeyspace(new KvConfig(10_000, 16, 32));
        KvStateMachine machine = new KvStateMachine(state.table(), store, state);
        WalConfig wc = walConfig().withSyncHook(() -> {
            // on the driver thread, the WAL's owner, at the start of each sync
            if (diskFails.get()) {
                throw new IOException("injected: the disk failed");
            }
            syncedLastIndex.set(wal.lastIndex());
        });
        wal = Wal.open(wc);
        driver = RaftDriver.standalone(state, wal, wc.maxEntryBytes(), machine, System::currentTimeMillis);
    }

    private WalConfig walConfig() {
        return new WalConfig(dir.resolve("wal"), SyncPolicy.ALWAYS).withBlockSize(1L << 20);
    }

    private void stop() {
        driver.close();
        store.close();
        driver = null;
    }

    @AfterEach
    void tearDown() {
        if (driver != null) {
            stop();
        }
    }

    @Test
    void leadsAGroupOfOneAtOnceAndAnswersAsAStandaloneRedis() throws Exception {
        start();
        long started = System.nanoTime();
        assertEquals(Reply.OK, write("set", "k", "v"));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(tookMillis < state.config().clusterElectionTimeoutMs(),
                "the first write took " + tookMillis + " ms: the lone voter waited for an election timeout");
        List<String> raft = state.nodeInfo("raft");
        assertTrue(raft.contains("raft_role:leader") && raft.contains("raft_members:1")
                && raft.contains("raft_node_id:" + RaftDriver.STANDALONE_ID) && raft.contains("raft_taking_part:1"),
                raft.toString());
        List<String> replication = state.nodeInfo("replication");
        assertEquals(List.of("role:master", "connected_slaves:0"), replication.subList(0, 2));
        assertEquals(null, state.cluster(), "a standalone node is not the cluster face");
    }

    @Test
    void everyWriteIsSyncedBeforeItsReply() throws Exception {
        start();
        int n = 300;
        List<CompletableFuture<Reply>> replies = new ArrayList<>();
        List<Long> syncedAtReply = new ArrayList<>(n);
        List<Long> appliedAtReply = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            CompletableFuture<Reply> f = new CompletableFuture<>();
            replies.add(f);
            driver.write(state.table().get("incr"), bytes("incr", "counter"), r -> {
                // on the driver thread as it applies: the sync covering this entry has started and ended
                synchronized (syncedAtReply) {
                    syncedAtReply.add(syncedLastIndex.get());
                    appliedAtReply.add(state.appliedIndex.get());
                }
                f.complete(r);
            });
        }
        for (int i = 0; i < n; i++) {
            assertEquals(Reply.integer(i + 1), replies.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS), "reply " + i);
        }
        synchronized (syncedAtReply) {
            for (int i = 0; i < n; i++) {
                assertTrue(syncedAtReply.get(i) >= appliedAtReply.get(i), "write " + i + " answered at applied index "
                        + appliedAtReply.get(i) + " with syncs covering only " + syncedAtReply.get(i));
            }
        }
        assertTrue(wal.lastIndex() < n, n + " pipelined writes took " + wal.lastIndex() + " log entries");
    }

    @Test
    void aFailedLogRefusesWritesWithMisconfAndReadsGoOn() throws Exception {
        start();
        assertEquals(Reply.OK, write("set", "k", "v"));
        diskFails.set(true);
        Reply refused = write("set", "k", "other");
        assertTrue(refused.toString().contains("MISCONF Errors writing to the AOF file: "), refused.toString());
        assertTrue(!refused.toString().contains("other nodes"), "a lone node has no other nodes: " + refused);
        Reply again = write("set", "x", "y");
        assertTrue(again.toString().contains("MISCONF Errors writing to the AOF file: "), again.toString());
        assertEquals("v", text(read("get", "k")));
        assertEquals(Reply.integer(1), read("dbsize"));
        assertTrue(state.nodeInfo("persistence").contains("aof_last_write_status:err"),
                state.nodeInfo("persistence").toString());
        assertEquals("role:master", state.nodeInfo("replication").get(0), "still the master, as Redis");
        assertTrue(!driver.mayPropose(), "no expiry proposals from a node that cannot log them");
    }

    @Test
    void expiredKeysAreDeletedThroughTheLog() throws Exception {
        start();
        assertEquals(Reply.OK, write("set", "short", "v", "px", "50"));
        assertEquals(Reply.OK, write("set", "long", "v"));
        long entriesBefore = wal.lastIndex();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!read("dbsize").equals(Reply.integer(1))) { // DBSIZE counts an expired key until it is deleted
            if (System.nanoTime() > deadline) {
                fail("the expired key was never deleted");
            }
            Thread.sleep(20);
        }
        assertTrue(state.appliedIndex.get() > entriesBefore, "the deletion went through the log");
        stop();
        start(); // the deletion replays: the key stays gone
        assertEquals(Reply.integer(1), read("dbsize"));
    }

    /**
     * Restarts on its own log, and on one the WAL-only standalone node of earlier versions wrote: term 1, no vote,
     * commit index 0, entries of term 1. Electing itself in a later term commits all of them (Raft paper §5.4.2: with
     * the blank entry of its own term).
     */
    @Test
    void restartsOnItsLogAndOnALogWrittenBeforeItWasRaft() throws Exception {
        try (Wal old = Wal.open(walConfig())) {
            old.saveHardState(new HardState(1, 0, 0));
            old.append(List.of(
                    new Entry(1, 1, LogRecord.encode(LogRecord.COMMAND, 1000, bytes("set", "a", "1"))),
                    new Entry(2, 1, LogRecord.encode(LogRecord.COMMAND, 1001, bytes("incr", "a")))));
            old.sync();
        }
        start();
        assertEquals("2", text(read("get", "a")));
        assertEquals(Reply.integer(3), write("incr", "a"));
        stop();
        start();
        assertEquals("3", text(read("get", "a")));
        assertTrue(state.nodeInfo("raft").contains("raft_role:leader"), state.nodeInfo("raft").toString());
    }

    private Reply write(String... argv) throws Exception {
        CompletableFuture<Reply> f = new CompletableFuture<>();
        driver.write(state.table().get(argv[0]), bytes(argv), f::complete);
        return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private Reply read(String... argv) throws Exception {
        CompletableFuture<Reply> f = new CompletableFuture<>();
        driver.read(state.table().get(argv[0]), bytes(argv), new ClientSession("127.0.0.1:50000", "127.0.0.1:6379", System.currentTimeMillis(), true), f::complete);
        return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private static String text(Reply r) {
        return r instanceof Reply.Bulk b ? new String(b.bytes(), StandardCharsets.UTF_8) : r.toString();
    }

    private static byte[][] bytes(String... argv) {
        byte[][] out = new byte[argv.length][];
        for (int i = 0; i < argv.length; i++) {
            out[i] = argv[i].getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }
}
