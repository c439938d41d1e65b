package io.raftkv.server.node;

import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandFlag;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.CommandTable;
import io.raftkv.server.command.LocalContext;
import io.raftkv.server.command.ReadContext;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.command.WriteContext;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.kv.ChronicleKeyspace;
import io.raftkv.server.kv.KvConfig;
import io.raftkv.server.kv.LogRecord;
import io.raftkv.server.reply.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contexts the state machine hands commands: a write applied from the log gets an object that is a
 * {@link WriteContext} and nothing more (no cast reaches the client or the server), with the record's time; a read
 * gets a {@link ReadContext} with its client and this node's clock.
 */
class KvStateMachineContextTest {

    private final List<Object> seen = new ArrayList<>();
    private final ServerState server;
    private final ChronicleKeyspace store = new ChronicleKeyspace(new KvConfig(1_000, 16, 16));
    private final KvStateMachine machine;

    KvStateMachineContextTest() {
        CommandTable table = new CommandTable.Builder()
                .add(CommandSpec.builder("probe-write", 1).flags(CommandFlag.WRITE).write((ctx, argv) -> {
                    seen.add(ctx);
                    seen.add(ctx.now());
                    ctx.stats().hit();
                    return Reply.OK;
                }))
                .add(CommandSpec.builder("probe-read", 1).flags(CommandFlag.READONLY).read((ctx, argv) -> {
                    seen.add(ctx);
                    seen.add(ctx.now());
                    seen.add(ctx.client());
                    return Reply.OK;
                }))
                .build();
        server = new ServerState(ServerConfig.DEFAULTS, table);
        machine = new KvStateMachine(table, store, server);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aWriteGetsOnlyTheWriteContextAndTheRecordsTime() {
        byte[] record = LogRecord.encode(LogRecord.COMMAND, 1_234L, new byte[][] {b("probe-write")});
        assertEquals(Reply.OK, machine.apply(1, record));
        Object ctx = seen.get(0);
        assertTrue(ctx instanceof WriteContext);
        assertFalse(ctx instanceof ReadContext, "a write's context is a ReadContext: " + ctx.getClass());
        assertFalse(ctx instanceof LocalContext, "a write's context is a LocalContext: " + ctx.getClass());
        assertEquals(1_234L, seen.get(1));
        assertEquals(1, server.keyspaceHits.sum(), "the write counted through its stats sink");
    }

    @Test
    void aReadGetsItsClientAndTheNodesClock() {
        ClientSession client = new ClientSession("127.0.0.1:50000", "127.0.0.1:6379", 0, true);
        CommandSpec spec = server.table().get("probe-read");
        assertEquals(Reply.OK, machine.read(spec, new byte[][] {b("probe-read")}, client, 5_678L));
        assertTrue(seen.get(0) instanceof ReadContext);
        assertEquals(5_678L, seen.get(1));
        assertSame(client, seen.get(2));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
