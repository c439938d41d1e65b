package io.raftkv.server.driver;

import io.raftkv.raft.CodecException;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.Membership;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageCodec;
import io.raftkv.server.StandardCommands;
import io.raftkv.server.cluster.ClusterMember;
import io.raftkv.server.cluster.ClusterMembers;
import io.raftkv.server.cluster.Redirect;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.config.ConfigParams;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.kv.ChronicleKeyspace;
import io.raftkv.server.kv.Keyspace;
import io.raftkv.server.kv.KvConfig;
import io.raftkv.server.node.KvStateMachine;
import io.raftkv.server.peer.PeerStatus;
import io.raftkv.server.peer.PeerTransport;
import io.raftkv.server.reply.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The driver core stepped by hand on virtual time, as its owner's thread would step it: node 1 of a group of three
 * whose peers never answer. A request it cannot serve waits for a leader until cluster-redirect-wait has passed,
 * then gets -CLUSTERDOWN; once a leader's heartbeat tells it who leads, what waits is sent there with -MOVED.
 */
class DriverCoreTest {

    private static final String MEMBERS = "1@127.0.0.1:7001,2@127.0.0.1:7002,3@127.0.0.1:7003";
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private long now;
    private final ArrayDeque<Runnable> driverThread = new ArrayDeque<>();
    private final List<Message> sent = new ArrayList<>();
    private final MessageCodec codec = new MessageCodec();
    private ServerState state;
    private Keyspace store;
    private DriverCore core;

    @BeforeEach
    void start() {
        List<ClusterMember> members = ClusterMembers.parse(MEMBERS);
        ServerConfig c = ConfigParams.apply(ServerConfig.DEFAULTS, "cluster-node-id", "1");
        c = ConfigParams.apply(c, "cluster-members", MEMBERS);
        c = ConfigParams.apply(c, "port", "7001");
        state = new ServerState(c.validated(), StandardCommands.table());
        store = new ChronicleKeyspace(new KvConfig(16, 8, 16));
        SimLog disk = new SimLog(Membership.ofVoters(1, 2, 3));
        disk.observer(new SimLog.Observer() { // no invariants to check with one node
            @Override
            public void beforeTruncate(long lastKept) {
            }

            @Override
            public void afterWrite(List<Entry> entries, HardState hardState) {
            }
        });
        PeerTransport silentPeers = new PeerTransport() {
            @Override
            public boolean send(long to, byte[] frame) {
                try {
                    sent.add(codec.decode(frame));
                } catch (CodecException e) {
                    throw new AssertionError("node 1 sent a frame it cannot decode", e);
                }
                return true;
            }

            @Override
            public void start(Inbound inbound) {
            }

            @Override
            public Map<Long, PeerStatus> status() {
                return Map.of();
            }

            @Override
            public void close() {
            }
        };
        DriverLoop loop = new DriverLoop() {
            @Override
            public void execute(Runnable task) {
                driverThread.add(task);
            }

            @Override
            public void schedule(Runnable task, long delayNanos) {
                throw new AssertionError("a follower defers no sync");
            }
        };
        NodeClock clock = new NodeClock() {
            @Override
            public long monotonicNanos() {
                return now;
            }

            @Override
            public long wallMillis() {
                return 1_796_083_200_000L + now / MS;
            }
        };
        core = new DriverCore(state, disk, 1 << 20, silentPeers, new KvStateMachine(state.table(), store, state),
                Runnable::run, Runnable::run, members.get(0), members, clock, loop, 1);
        core.applier().start();
        core.round();
    }

    @AfterEach
    void stop() {
        store.close();
    }

    /** Runs what the core handed its thread, as that thread would. */
    private void runDriverThread() {
        Runnable task;
        while ((task = driverThread.poll()) != null) {
            task.run();
        }
    }

    /** Lets {@code millis} pass, ticking every heartbeat interval (100 ms) as the owner's ticker does. */
    private void pass(long millis) {
        for (long t = 0; t < millis; t += 100) {
            now += 100 * MS;
            core.tick();
            runDriverThread();
        }
    }

    private Reply[] write(String... argv) {
        Reply[] reply = new Reply[1];
        byte[][] bytes = new byte[argv.length][];
        for (int i = 0; i < argv.length; i++) {
            bytes[i] = argv[i].getBytes(StandardCharsets.UTF_8);
        }
        core.write(state.table().get(argv[0]), bytes, r -> reply[0] = r);
        runDriverThread();
        return reply;
    }

    @Test
    void aWriteWaitsForALeaderUpToTheRedirectWaitThenGetsClusterDown() {
        Reply[] reply = write("set", "k", "v");
        pass(2_900); // cluster-redirect-wait is 3 s; meanwhile node 1 campaigns, and nobody answers
        assertEquals(null, reply[0], "answered before the wait for a leader was over");
        assertTrue(sent.stream().anyMatch(m -> m instanceof Message.PreVote), "node 1 campaigned: " + sent);
        pass(200);
        assertEquals(Redirect.CLUSTERDOWN, reply[0]);
        assertEquals(0, core.view().leaderId());
    }

    @Test
    void whatWaitsForALeaderIsSentToTheOneAHeartbeatNames() {
        Reply[] reply = write("set", "k", "v");
        pass(1_000);
        assertEquals(null, reply[0]);
        core.deliver(2, codec.encode(new Message.Heartbeat(2, 1, 1, 0, 0)));
        runDriverThread();
        assertTrue(reply[0] instanceof Reply.Error e && e.text().startsWith("MOVED ")
                && e.text().endsWith(" 127.0.0.1:7002"), "expected -MOVED to node 2: " + reply[0]);
        assertEquals(2, core.view().leaderId());
        Reply[] next = write("set", "other", "v");
        assertTrue(next[0] instanceof Reply.Error e && e.text().endsWith(" 127.0.0.1:7002"), "then at once: " + next[0]);
    }
}
