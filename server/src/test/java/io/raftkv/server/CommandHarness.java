package io.raftkv.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandContext;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.CommandTable;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.kv.KvConfig;
import io.raftkv.server.kv.KvStateMachine;
import io.raftkv.server.kv.KvStore;
import io.raftkv.server.kv.LogRecord;
import io.raftkv.server.resp.Reply;
import io.raftkv.server.resp.RespEncoder;

import java.nio.charset.StandardCharsets;

/**
 * Runs commands the way the server does (table lookup and arity, then LOCAL on the spot, READ against the store,
 * WRITE through an encoded log record and apply) and returns the RESP2 bytes a client would read. The clock is
 * the test's: set {@link #now} to move time.
 */
public final class CommandHarness implements AutoCloseable {

    public long now = 1_700_000_000_000L;
    public final ServerState server;
    public final KvStore store;
    public final KvStateMachine machine;
    public final ClientSession client;
    private long index;

    public CommandHarness() {
        this(ServerConfig.DEFAULTS, new KvConfig(10_000, 16, 32, 0));
    }

    public CommandHarness(ServerConfig config, KvConfig kv) {
        server = new ServerState(config, CommandTable.standard());
        store = new KvStore(kv);
        machine = new KvStateMachine(server.table(), store, server);
        client = new ClientSession("127.0.0.1:50000", "127.0.0.1:6379", now, true);
    }

    /** Sends one command (arguments as UTF-8) and returns the reply as RESP text, e.g. {@code "+OK\r\n"}. */
    public String send(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return resp(execute(argv));
    }

    public Reply execute(byte[][] argv) {
        CommandTable.Resolved r = server.table().resolve(argv);
        if (r instanceof CommandTable.Resolved.Rejected rej) {
            return rej.error();
        }
        CommandSpec spec = ((CommandTable.Resolved.Found) r).spec();
        return switch (spec.exec()) {
            case LOCAL -> spec.impl().execute(new LocalContext(), argv);
            case READ -> machine.read(spec, argv, client, now);
            case WRITE -> machine.apply(++index, LogRecord.encode(LogRecord.COMMAND, now, argv));
        };
    }

    public static String resp(Reply reply) {
        ByteBuf buf = Unpooled.buffer();
        try {
            RespEncoder.write(reply, buf);
            return buf.toString(StandardCharsets.UTF_8);
        } finally {
            buf.release();
        }
    }

    @Override
    public void close() {
        store.close();
    }

    private final class LocalContext implements CommandContext {
        @Override
        public KvStore store() {
            throw new IllegalStateException("LOCAL commands do not touch the store");
        }

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
