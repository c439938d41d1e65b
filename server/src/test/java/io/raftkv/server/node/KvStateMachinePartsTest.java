package io.raftkv.server.node;

import io.raftkv.server.StandardCommands;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.kv.ChronicleKeyspace;
import io.raftkv.server.kv.KvConfig;
import io.raftkv.server.kv.LogRecord;
import io.raftkv.server.kv.RecordStream;
import io.raftkv.server.kv.StoredValue;
import io.raftkv.server.kv.StringValue;
import io.raftkv.server.reply.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A command carried by PART entries: applied when its last part is, dropped if a new leader's NOOP cuts it short. */
class KvStateMachinePartsTest {

    private static final long TS = 1_700_000_000_000L;
    private final List<ChronicleKeyspace> stores = new ArrayList<>();

    @AfterEach
    void close() {
        stores.forEach(ChronicleKeyspace::close);
    }

    private KvStateMachine machine() {
        ChronicleKeyspace store = new ChronicleKeyspace(new KvConfig(1_000, 16, 64));
        stores.add(store);
        ServerState server = new ServerState(ServerConfig.DEFAULTS, StandardCommands.table());
        return new KvStateMachine(server.table(), store, server);
    }

    /** The bytes of a string value. */
    private static byte[] string(StoredValue v) {
        return ((StringValue) v).bytes();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The PART entries of {@code argv}'s record in slices of {@code slice} bytes, the first at log index {@code first}. */
    private static List<byte[]> parts(byte[][] argv, int slice, long first) {
        RecordStream.Writer w = new RecordStream.Writer(LogRecord.COMMAND, TS, argv);
        List<byte[]> out = new ArrayList<>();
        while (w.remaining() > 0) {
            out.add(LogRecord.encodePart(out.isEmpty() ? 0 : first, w, Math.min(slice, w.remaining())));
        }
        return out;
    }

    private static byte[] command(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = bytes(args[i]);
        }
        return LogRecord.encode(LogRecord.COMMAND, TS, argv);
    }

    @Test
    void aCommandInPartsAppliesWhenItsLastPartDoesWithOtherEntriesBetweenItsParts() {
        byte[] value = new byte[300_000];
        new Random(7).nextBytes(value);
        List<byte[]> parts = parts(new byte[][]{bytes("SET"), bytes("big"), value}, 100_000, 1);
        assertEquals(4, parts.size());
        List<byte[]> log = new ArrayList<>();
        log.add(parts.get(0));                       // 1
        log.add(command("SET", "small", "x"));       // 2: another client's write between two parts
        log.add(parts.get(1));                       // 3
        log.add(parts.get(2));                       // 4
        log.add(command("SET", "other", "y"));       // 5
        log.add(parts.get(3));                       // 6
        for (KvStateMachine m : List.of(machine(), machine())) { // a replay on another node gives the same
            List<Reply> replies = new ArrayList<>();
            for (int i = 0; i < log.size(); i++) {
                replies.add(m.apply(i + 1, log.get(i)));
            }
            assertEquals(java.util.Arrays.asList(null, Reply.OK, null, null, Reply.OK, Reply.OK), replies);
            assertEquals(0, m.unfinishedRuns());
        }
        assertArrayEquals(value, string(stores.get(0).get(bytes("big"), TS)));
        assertArrayEquals(value, string(stores.get(1).get(bytes("big"), TS)));
        assertArrayEquals(bytes("x"), string(stores.get(0).get(bytes("small"), TS)));
    }

    @Test
    void aNewLeadersNoopDropsARunCutShortAndItsKeyIsNeverWritten() {
        KvStateMachine m = machine();
        List<byte[]> parts = parts(new byte[][]{bytes("SET"), bytes("big"), new byte[50_000]}, 20_000, 1);
        assertNull(m.apply(1, parts.get(0)));
        assertNull(m.apply(2, parts.get(1)));
        assertEquals(1, m.unfinishedRuns());
        assertEquals(Reply.OK, m.apply(3, new byte[0])); // the next leader's first entry
        assertEquals(0, m.unfinishedRuns());
        // A part of the old run after that can only be a bug: it is refused, not applied as a write.
        Reply late = m.apply(4, parts.get(2));
        assertTrue(late instanceof Reply.Error, String.valueOf(late));
        assertNull(stores.get(0).get(bytes("big"), TS));
        // and the next run works
        List<byte[]> again = parts(new byte[][]{bytes("SET"), bytes("big"), bytes("v")}, 10, 5);
        for (int i = 0; i < again.size() - 1; i++) {
            assertNull(m.apply(5 + i, again.get(i)));
        }
        assertEquals(Reply.OK, m.apply(5 + again.size() - 1, again.get(again.size() - 1)));
        assertArrayEquals(bytes("v"), string(stores.get(0).get(bytes("big"), TS)));
    }
}
