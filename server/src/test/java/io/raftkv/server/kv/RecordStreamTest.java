package io.raftkv.server.kv;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordStreamTest {

    /** Commands of random shapes: no arguments, empty ones, long ones, many short ones. */
    private static byte[][] randomArgv(Random r) {
        byte[][] argv = new byte[r.nextInt(6) == 0 ? 0 : 1 + r.nextInt(8)][];
        for (int i = 0; i < argv.length; i++) {
            argv[i] = new byte[r.nextInt(4) == 0 ? 0 : r.nextInt(5) == 0 ? r.nextInt(20_000) : r.nextInt(40)];
            r.nextBytes(argv[i]);
        }
        return argv;
    }

    @Test
    void theWriterWritesTheEncodedBytesInAnySlicesAndTheReaderRebuildsTheCommand() throws Exception {
        Seeds.each(200, seed -> {
            Random r = new Random(seed);
            byte[][] argv = randomArgv(r);
            long ts = r.nextLong();
            byte[] whole = LogRecord.encode(LogRecord.COMMAND, ts, argv);
            RecordStream.Writer w = new RecordStream.Writer(LogRecord.COMMAND, ts, argv);
            RecordStream.Reader reader = new RecordStream.Reader(whole.length);
            assertEquals(whole.length, w.total());
            ByteArrayOutputStream written = new ByteArrayOutputStream();
            while (w.remaining() > 0) {
                assertFalse(reader.complete());
                int n = Math.min(w.remaining(), 1 + r.nextInt(r.nextBoolean() ? 7 : 5_000));
                byte[] slice = new byte[n + 3];
                w.next(slice, 3, n);
                written.write(slice, 3, n);
                reader.feed(slice, 3, n);
            }
            assertArrayEquals(whole, written.toByteArray(), "seed " + seed + ": the parts' bytes are the record's");
            assertTrue(reader.complete());
            LogRecord rec = reader.record();
            assertEquals(LogRecord.COMMAND, rec.kind());
            assertEquals(ts, rec.timestamp());
            assertArrayEquals(argv, rec.argv(), "seed " + seed);
        });
    }

    @Test
    void theReaderRefusesBytesThatAreNotTheRecordItWasToldOf() {
        byte[] whole = LogRecord.encode(LogRecord.COMMAND, 5, new byte[][]{"SET".getBytes(), "k".getBytes(), new byte[100]});
        // more bytes than the record has
        RecordStream.Reader longer = new RecordStream.Reader(whole.length + 1);
        byte[] padded = Arrays.copyOf(whole, whole.length + 1);
        assertThrows(IllegalArgumentException.class, () -> longer.feed(padded, 0, padded.length));
        // a record announced shorter than its arguments
        RecordStream.Reader shorter = new RecordStream.Reader(whole.length - 1);
        assertThrows(IllegalArgumentException.class, () -> shorter.feed(whole, 0, whole.length - 1));
        // an argument length past the end
        byte[] badLength = whole.clone();
        badLength[13] = 0x7f;
        assertThrows(IllegalArgumentException.class,
                () -> new RecordStream.Reader(badLength.length).feed(badLength, 0, badLength.length));
        // a negative argc
        byte[] badArgc = whole.clone();
        badArgc[9] = (byte) 0x80;
        assertThrows(IllegalArgumentException.class,
                () -> new RecordStream.Reader(badArgc.length).feed(badArgc, 0, badArgc.length));
        RecordStream.Reader half = new RecordStream.Reader(whole.length);
        half.feed(whole, 0, 20);
        assertThrows(IllegalStateException.class, half::record);
    }

    @Test
    void aPartRecordCarriesItsPlaceInTheRun() {
        byte[][] argv = {"SET".getBytes(), "k".getBytes(), new byte[3_000]};
        RecordStream.Writer w = new RecordStream.Writer(LogRecord.COMMAND, 9, argv);
        byte[] p1 = LogRecord.encodePart(0, w, 1_000);
        byte[] p2 = LogRecord.encodePart(77, w, w.remaining());
        LogRecord.Part first = LogRecord.decodePart(p1);
        LogRecord.Part last = LogRecord.decodePart(p2);
        assertEquals(new LogRecord.Part(0, w.total(), 0, p1), first);
        assertEquals(77, last.first());
        assertEquals(1_000, last.offset());
        assertEquals(w.total() - 1_000, last.length());
        assertEquals(9, LogRecord.timestampOf(p2));
        // a later part claiming to start the run, or a first part claiming an offset, is refused
        byte[] bad = p2.clone();
        java.nio.ByteBuffer.wrap(bad).putLong(9, 0);
        assertThrows(IllegalArgumentException.class, () -> LogRecord.decodePart(bad));
        byte[] past = p2.clone();
        java.nio.ByteBuffer.wrap(past).putLong(25, w.total());
        assertThrows(IllegalArgumentException.class, () -> LogRecord.decodePart(past));
    }
}
