package io.raftkv.server.kv;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LogRecordTest {

    private static byte[][] argv(String... args) {
        byte[][] a = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            a[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return a;
    }

    @Test
    void aBatchDecodesToItsCommandsInOrderWithTheBatchTimestamp() {
        byte[][][] commands = {argv("set", "a", "1"), argv("incr", "n"), argv("del", "a", "b", "")};
        byte[] data = LogRecord.encodeBatch(42, commands, commands.length);
        assertEquals(LogRecord.BATCH, data[0]);
        assertEquals(42, LogRecord.timestampOf(data));
        LogRecord[] decoded = LogRecord.decodeBatch(data);
        assertEquals(3, decoded.length);
        for (int i = 0; i < 3; i++) {
            assertEquals(LogRecord.COMMAND, decoded[i].kind());
            assertEquals(42, decoded[i].timestamp());
            assertArrayEquals(commands[i], decoded[i].argv());
        }
        // a batch is never larger than its commands' own records
        int own = 0;
        for (byte[][] c : commands) {
            own += LogRecord.encode(LogRecord.COMMAND, 42, c).length;
            assertEquals(LogRecord.encode(LogRecord.COMMAND, 42, c).length, LogRecord.encodedSize(c));
        }
        assertEquals(13 + own - 13 * commands.length + 4 * commands.length, data.length); // one header, one count
    }

    @Test
    void aDamagedBatchIsRefusedNotMisread() {
        byte[] data = LogRecord.encodeBatch(7, new byte[][][]{argv("set", "a", "1"), argv("get", "a")}, 2);
        assertThrows(IllegalArgumentException.class, () -> LogRecord.decodeBatch(Arrays.copyOf(data, data.length + 1)));
        assertThrows(RuntimeException.class, () -> LogRecord.decodeBatch(Arrays.copyOf(data, data.length - 1)));
        byte[] hugeCount = data.clone();
        ByteBuffer.wrap(hugeCount).putInt(9, Integer.MAX_VALUE);
        assertThrows(IllegalArgumentException.class, () -> LogRecord.decodeBatch(hugeCount));
        byte[] negativeCount = data.clone();
        ByteBuffer.wrap(negativeCount).putInt(9, -1);
        assertThrows(IllegalArgumentException.class, () -> LogRecord.decodeBatch(negativeCount));
        // each reader refuses the other's kind
        assertThrows(IllegalArgumentException.class, () -> LogRecord.decode(data));
        assertThrows(IllegalArgumentException.class,
                () -> LogRecord.decodeBatch(LogRecord.encode(LogRecord.COMMAND, 7, argv("get", "a"))));
        assertThrows(IllegalArgumentException.class, () -> LogRecord.encode(LogRecord.BATCH, 7, argv("get", "a")));
    }
}
