package io.raftkv.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.LocalCommand;
import io.raftkv.server.command.LocalContext;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.CommandTable;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.kv.KvConfig;
import io.raftkv.server.kv.ChronicleKeyspace;
import io.raftkv.server.kv.Keyspace;
import io.raftkv.server.node.DirectNode;
import io.raftkv.server.node.KvStateMachine;
import io.raftkv.server.reply.Reply;
import io.raftkv.server.resp.ClientChannelInitializer;
import io.raftkv.server.resp.RespEncoder;

import java.nio.charset.StandardCharsets;

/**
 * Runs commands through the real client pipeline on a Netty {@link EmbeddedChannel} (RESP decoder, dispatcher,
 * encoder) over a {@link DirectNode} (each WRITE becomes an encoded log record that is applied at once) and returns
 * the RESP2 bytes a client would read. The clock of writes and reads is the test's: set {@link #now} to move time.
 */
public final class CommandHarness implements AutoCloseable {

    public long now = 1_700_000_000_000L;
    public final ServerState server;
    public final Keyspace store;
    public final KvStateMachine machine;
    public final ClientSession client;
    public final EmbeddedChannel channel;
    private final DirectNode node;

    public CommandHarness() {
        this(ServerConfig.DEFAULTS, new KvConfig(10_000, 16, 32));
    }

    public CommandHarness(ServerConfig config, KvConfig kv) {
        server = new ServerState(config, StandardCommands.table());
        store = new ChronicleKeyspace(kv);
        machine = new KvStateMachine(server.table(), store, server);
        client = new ClientSession("127.0.0.1:50000", "127.0.0.1:6379", now, true);
        node = new DirectNode(machine, () -> now);
        channel = new EmbeddedChannel(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ClientChannelInitializer.pipeline(ch.pipeline(), server, node, client);
            }
        });
    }

    /** Sends one command (arguments as UTF-8) and returns the reply as RESP text, e.g. {@code "+OK\r\n"}. */
    public String send(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return send(argv);
    }

    /** Sends one binary-safe command as a RESP multibulk and returns everything the server wrote back. */
    public String send(byte[][] argv) {
        ByteBuf in = Unpooled.buffer();
        in.writeByte('*').writeCharSequence(argv.length + "\r\n", StandardCharsets.US_ASCII);
        for (byte[] a : argv) {
            in.writeByte('$').writeCharSequence(a.length + "\r\n", StandardCharsets.US_ASCII);
            in.writeBytes(a).writeCharSequence("\r\n", StandardCharsets.US_ASCII);
        }
        return sendRaw(in);
    }

    /** Feeds raw bytes to the channel (ownership passes to the channel) and returns the output decoded as UTF-8. */
    public String sendRaw(ByteBuf in) {
        channel.writeInbound(in);
        channel.runPendingTasks();
        if (channel.isOpen()) {
            channel.flushOutbound();
        }
        StringBuilder out = new StringBuilder();
        ByteBuf b;
        while ((b = channel.readOutbound()) != null) {
            out.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return out.toString();
    }

    public String sendRaw(String text) {
        return sendRaw(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    }

    /** Runs argv straight through table and state machine, bypassing the channel; returns the reply value. */
    public Reply execute(byte[][] argv) {
        CommandTable.Resolved r = server.table().resolve(argv);
        if (r instanceof CommandTable.Resolved.Rejected rej) {
            return rej.error();
        }
        CommandSpec spec = ((CommandTable.Resolved.Found) r).spec();
        return switch (spec.exec()) {
            case LOCAL -> {
                try {
                    yield ((LocalCommand) spec.impl()).execute(new Local(), argv);
                } catch (io.raftkv.server.command.Args.ArgumentError e) {
                    yield e.reply();
                }
            }
            case READ, LOCAL_READ -> machine.read(spec, argv, client, now);
            case WRITE -> {
                Reply[] out = new Reply[1];
                node.write(spec, argv, reply -> out[0] = reply);
                yield out[0];
            }
        };
    }

    public static String resp(Reply reply) {
        ByteBuf buf = Unpooled.buffer();
        try {
            RespEncoder.write(reply, buf, 2);
            return buf.toString(StandardCharsets.UTF_8);
        } finally {
            buf.release();
        }
    }

    @Override
    public void close() {
        channel.finishAndReleaseAll();
        store.close();
    }

    private final class Local implements LocalContext {
        @Override
        public long now() {
            return now;
        }

        @Override
        public ClientSession client() {
            return client;
        }

        @Override
        public ServerState server() {
            return server;
        }
    }
}
