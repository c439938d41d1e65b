package io.raftkv.server.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.raftkv.server.StandardCommands;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.config.ConfigParams;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.node.KvNode;
import io.raftkv.server.node.ReplySink;
import io.raftkv.server.reply.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dispatcher's ordering rules, with a node whose replies the test completes by hand: replies leave in request
 * order whatever order they complete in; writes of a connection are proposed back to back; a read waits for the
 * connection's earlier writes, and a write for its earlier reads.
 */
class CommandHandlerTest {

    /** Records what it was asked; the test answers. (Thread-safe lists: CommandHandlerOffLoopTest reads them from
     * the test thread while the connection's loop adds.) */
    static final class ManualNode implements KvNode {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<ReplySink> pending = new CopyOnWriteArrayList<>();

        @Override
        public void write(CommandSpec spec, byte[][] argv, ReplySink sink) {
            calls.add("write " + new String(argv[1], StandardCharsets.UTF_8));
            pending.add(sink);
        }

        @Override
        public void read(CommandSpec spec, byte[][] argv, ClientSession client, ReplySink sink) {
            calls.add("read " + new String(argv[argv.length > 1 ? 1 : 0], StandardCharsets.UTF_8));
            pending.add(sink);
        }

        @Override
        public void close() {
        }
    }

    private final ManualNode node = new ManualNode();
    private EmbeddedChannel ch;
    private ServerState server;
    private ClientSession session;

    private EmbeddedChannel channel(ServerConfig config, boolean authenticated) {
        server = new ServerState(config, StandardCommands.table());
        session = new ClientSession("127.0.0.1:1", "127.0.0.1:2", 0, authenticated);
        ch = new EmbeddedChannel(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel c) {
                ClientChannelInitializer.pipeline(c.pipeline(), server, node, session);
            }
        });
        return ch;
    }

    @AfterEach
    void close() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
    }

    private String out() {
        ch.runPendingTasks();
        if (ch.isOpen()) {
            ch.flushOutbound();
        }
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            sb.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return sb.toString();
    }

    private void in(String inline) {
        ch.writeInbound(Unpooled.copiedBuffer(inline, StandardCharsets.UTF_8));
    }

    @Test
    void repliesLeaveInRequestOrderWhateverOrderTheyCompleteIn() {
        channel(ServerConfig.DEFAULTS, true);
        in("SET a 1\r\nSET b 2\r\nPING\r\n");
        assertEquals(List.of("write a", "write b"), node.calls, "writes are proposed back to back");
        assertEquals("", out(), "PING's answer waits behind the writes");
        node.pending.get(1).reply(Reply.simple("second"));
        assertEquals("", out());
        node.pending.get(0).reply(Reply.simple("first"));
        assertEquals("+first\r\n+second\r\n+PONG\r\n", out());
    }

    @Test
    void aReadWaitsForTheConnectionsEarlierWritesAndAWriteForItsReads() {
        channel(ServerConfig.DEFAULTS, true);
        in("SET a 1\r\nGET a\r\nGET b\r\nSET c 3\r\n");
        assertEquals(List.of("write a"), node.calls);
        node.pending.get(0).reply(Reply.OK);
        assertEquals(List.of("write a", "read a", "read b"), node.calls, "reads go together once the write is answered");
        node.pending.get(2).reply(Reply.bulk("B"));
        assertEquals(3, node.calls.size(), "the write waits for both reads");
        node.pending.get(1).reply(Reply.bulk("1"));
        assertEquals(List.of("write a", "read a", "read b", "write c"), node.calls);
        node.pending.get(3).reply(Reply.OK);
        assertEquals("+OK\r\n$1\r\n1\r\n$1\r\nB\r\n+OK\r\n", out());
    }

    @Test
    void aReplyIsWrittenInTheRespVersionInForceWhenItsCommandArrived() {
        channel(ServerConfig.DEFAULTS, true);
        in("GET a\r\n");
        session.protocol(3); // what HELLO 3 will do, once RESP3 is served
        in("GET b\r\nPING\r\n");
        node.pending.get(1).reply(Reply.NIL);
        node.pending.get(0).reply(Reply.NIL);
        assertEquals("$-1\r\n_\r\n+PONG\r\n", out());
    }

    @Test
    void protocolErrorIsAnsweredAfterEarlierRepliesThenTheConnectionCloses() {
        channel(ServerConfig.DEFAULTS, true);
        in("SET a 1\r\n*1\r\n$x\r\nPING\r\n");
        assertTrue(ch.isOpen(), "still owes the SET reply");
        node.pending.get(0).reply(Reply.OK);
        assertEquals("+OK\r\n-ERR Protocol error: invalid bulk length\r\n", out());
        assertFalse(ch.isOpen());
    }

    @Test
    void quitClosesAfterItsReply() {
        channel(ServerConfig.DEFAULTS, true);
        in("PING\r\nQUIT\r\nPING\r\n");
        assertEquals("+PONG\r\n+OK\r\n", out());
        assertFalse(ch.isOpen());
    }

    @Test
    void requirepassRefusesCommandsUntilAuth() {
        channel(ConfigParams.apply(ServerConfig.DEFAULTS, "requirepass", "pw"), false);
        in("GET a\r\nAUTH wrong\r\nAUTH pw\r\nPING\r\n");
        assertEquals("-NOAUTH Authentication required.\r\n"
                + "-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n+PONG\r\n", out());
        assertTrue(node.calls.isEmpty());
    }

    @Test
    void maxmemoryRefusesWritesThatAddDataButNotOthers() {
        channel(ConfigParams.apply(ServerConfig.DEFAULTS, "maxmemory", "100"), true);
        server.datasetBytes.set(100); // what the apply thread publishes after each command
        in("SET a 1\r\nDEL a\r\n");
        assertEquals("-OOM command not allowed when used memory > 'maxmemory'.\r\n", out());
        node.pending.get(0).reply(Reply.ONE);
        assertEquals(":1\r\n", out());
        assertEquals(List.of("write a"), node.calls, "DEL frees memory, so it is let through");
    }

    @Test
    void aFollowerRedirectsKeyedCommandsToTheLeaderAndServesReadsAfterReadonly() {
        channel(ServerConfig.DEFAULTS, true);
        // node 2 of 3 (client ports 7001-7003); node 1 leads
        server.cluster(io.raftkv.server.cluster.FixedClusterView.of("127.0.0.1", 7000, 3, 2, 1, 5));
        in("SET foo bar\r\nGET foo\r\nFLUSHALL\r\nDBSIZE\r\nINFO keyspace\r\nREADONLY\r\nGET foo\r\n");
        assertEquals(List.of("read DBSIZE", "read keyspace", "read foo"), node.calls,
                "DBSIZE (keyless) and INFO run here; GET after READONLY too");
        for (ReplySink s : node.pending) {
            s.reply(Reply.ZERO);
        }
        assertEquals("-MOVED 12182 127.0.0.1:7001\r\n-MOVED 12182 127.0.0.1:7001\r\n"
                + "-READONLY You can't write against a read only replica.\r\n:0\r\n:0\r\n+OK\r\n:0\r\n", out());
    }

    @Test
    void withNoLeaderKnownCommandsGoToTheNodeWhichWaitsForAnElection() {
        channel(ServerConfig.DEFAULTS, true);
        server.cluster(io.raftkv.server.cluster.FixedClusterView.of("127.0.0.1", 7000, 3, 2, 0, 5));
        in("SET foo bar\r\n");
        assertEquals(List.of("write foo"), node.calls);
    }

    @Test
    void unknownCommandsAndWrongArityNeverReachTheNode() {
        channel(ServerConfig.DEFAULTS, true);
        in("NOPE x\r\nGET\r\nSET a\r\n");
        assertEquals("-ERR unknown command 'NOPE', with args beginning with: 'x' \r\n"
                + "-ERR wrong number of arguments for 'get' command\r\n"
                + "-ERR wrong number of arguments for 'set' command\r\n", out());
        assertTrue(node.calls.isEmpty());
    }
}
