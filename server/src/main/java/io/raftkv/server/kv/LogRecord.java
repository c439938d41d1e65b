package io.raftkv.server.kv;

import java.nio.ByteBuffer;

/**
 * The payload of a log entry: what the state machine applies. Layout (big-endian):
 * {@code kind:u8, timestamp:i64 (ms since epoch, the proposing node's clock), argc:i32, then argc times (len:i32, bytes)}.
 * A COMMAND record carries a client's argv; an EXPIRE record carries keys the leader saw expired, deleted on apply
 * only if they are still expired at the record's time. An empty payload is a NOOP: what a new Raft leader appends.
 *
 * <p>A BATCH record carries several commands proposed together, applied in order as if each were its own COMMAND
 * record with the batch's timestamp: {@code kind:u8 = 3, timestamp:i64, count:i32, then count times (argc:i32, then
 * argc times (len:i32, bytes))}. Batching makes the per-entry costs of the log (Raft bookkeeping, message and WAL
 * framing, CRC, fsync accounting) per batch instead of per command.
 *
 * <p>A record larger than one log entry should carry (a SET of a 100 MB value) travels as a run of PART records,
 * each its own entry holding a slice of the whole record's bytes: {@code kind:u8 = 4, timestamp:i64, first:i64,
 * total:i64, offset:i64, then the slice}. {@code first} is the log index of the run's first part (0 in that part
 * itself), {@code total} the whole record's length and {@code offset} where the slice goes in it. Parts of one run
 * are proposed in order by one leader in one term, other entries may come between them, and the record is applied
 * when its last part is. A run cut short by a leader change is never finished: the next leader's first entry is a
 * NOOP, and applying a NOOP drops every unfinished run (see {@link Part}).
 */
public record LogRecord(byte kind, long timestamp, byte[][] argv) {

    public static final byte NOOP = 0;
    public static final byte COMMAND = 1;
    public static final byte EXPIRE = 2;
    public static final byte BATCH = 3;
    public static final byte PART = 4;
    /** The bytes of a PART record before its slice. */
    public static final int PART_HEADER = 1 + 8 + 8 + 8 + 8;

    private static final int MAX_ARGC = 1 << 24;

    public static byte[] encode(byte kind, long timestamp, byte[][] argv) {
        if (kind == BATCH) {
            throw new IllegalArgumentException("a BATCH record is built with encodeBatch");
        }
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(encodedSize(argv)));
        b.put(kind).putLong(timestamp);
        putArgv(b, argv);
        return b.array();
    }

    /**
     * Bytes {@code argv} takes in a COMMAND record, or as one command of a BATCH record (4 bytes less); more than
     * {@link Integer#MAX_VALUE} for a command no record can hold (see {@link #fits}).
     */
    public static long encodedSize(byte[][] argv) {
        long size = 1 + 8 + 4;
        for (byte[] a : argv) {
            size += 4 + a.length;
        }
        return size;
    }

    /** Whether a record of {@code argv} fits in one byte array, which encoding needs. */
    public static boolean fits(byte[][] argv) {
        return fits(encodedSize(argv));
    }

    /** Whether a record of {@code size} bytes ({@link #encodedSize}) fits in one byte array. */
    public static boolean fits(long size) {
        return size <= Integer.MAX_VALUE - 8;
    }

    /** A BATCH record of the commands {@code argvs[0..count)}, applied in that order. */
    public static byte[] encodeBatch(long timestamp, byte[][][] argvs, int count) {
        long size = 1 + 8 + 4;
        for (int i = 0; i < count; i++) {
            size += encodedSize(argvs[i]) - 9;
        }
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(size));
        b.put(BATCH).putLong(timestamp).putInt(count);
        for (int i = 0; i < count; i++) {
            putArgv(b, argvs[i]);
        }
        return b.array();
    }

    private static void putArgv(ByteBuffer b, byte[][] argv) {
        b.putInt(argv.length);
        for (byte[] a : argv) {
            b.putInt(a.length).put(a);
        }
    }

    /**
     * The PART record holding the next {@code length} bytes {@code record} writes, of the run whose first part is at
     * log index {@code first} (0 for the first part itself).
     */
    public static byte[] encodePart(long first, RecordStream.Writer record, int length) {
        int offset = record.total() - record.remaining();
        byte[] out = new byte[PART_HEADER + length];
        ByteBuffer.wrap(out).put(PART).putLong(record.timestamp()).putLong(first).putLong(record.total())
                .putLong(offset);
        record.next(out, PART_HEADER, length);
        return out;
    }

    /**
     * A decoded PART record: its slice is {@code data[PART_HEADER ..)} of the entry, not copied.
     *
     * @param first  log index of the run's first part, 0 in the first part
     * @param total  length of the whole record the run carries
     * @param offset where this slice goes in it
     */
    public record Part(long first, long total, long offset, byte[] data) {
        public int length() {
            return data.length - PART_HEADER;
        }
    }

    /** Reads a PART record's header; throws IllegalArgumentException if it is not a consistent one. */
    public static Part decodePart(byte[] data) {
        if (data.length < PART_HEADER || data[0] != PART) {
            throw new IllegalArgumentException("not a part record (" + data.length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(data, 9, PART_HEADER - 9);
        long first = b.getLong();
        long total = b.getLong();
        long offset = b.getLong();
        int length = data.length - PART_HEADER;
        if (first < 0 || total <= 0 || total > Integer.MAX_VALUE - 8 || offset < 0 || offset + length > total
                || (first == 0) != (offset == 0)) {
            throw new IllegalArgumentException("part record out of range: first " + first + ", total " + total
                    + ", offset " + offset + ", length " + length);
        }
        return new Part(first, total, offset, data);
    }

    /** The timestamp of an encoded record, or 0 for an empty (no-op) payload. */
    public static long timestampOf(byte[] data) {
        return data.length >= 9 ? ByteBuffer.wrap(data, 1, 8).getLong() : 0;
    }

    /** The answer to a command whose record would not fit in one byte array ({@link #fits}). */
    public static io.raftkv.server.reply.Reply tooLarge(long bytes) {
        return io.raftkv.server.reply.Reply.error("ERR command too large for the log (" + bytes
                + " bytes; a command's arguments may take at most " + (Integer.MAX_VALUE - 8 - 13) + ")");
    }

    /** Decodes a payload; throws IllegalArgumentException if it is not one (the WAL's CRC makes that a bug, not bad luck). */
    public static LogRecord decode(byte[] data) {
        if (data.length == 0) {
            return new LogRecord(NOOP, 0, new byte[0][]);
        }
        if (data.length < 13) {
            throw new IllegalArgumentException("log record too short: " + data.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        byte kind = b.get();
        if (kind == BATCH) {
            throw new IllegalArgumentException("a BATCH record is read with decodeBatch");
        }
        long ts = b.getLong();
        byte[][] argv = getArgv(b);
        checkConsumed(b);
        return new LogRecord(kind, ts, argv);
    }

    /** The commands of a BATCH record, in order; each comes back as a COMMAND record with the batch's timestamp. */
    public static LogRecord[] decodeBatch(byte[] data) {
        if (data.length < 13 || data[0] != BATCH) {
            throw new IllegalArgumentException("not a batch record (" + data.length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(data, 1, data.length - 1);
        long ts = b.getLong();
        int count = b.getInt();
        // every command takes at least its 4-byte argc, so a count larger than that is corrupt, not a huge batch
        if (count < 0 || count > b.remaining() / 4) {
            throw new IllegalArgumentException("batch record count out of range: " + count);
        }
        LogRecord[] commands = new LogRecord[count];
        for (int i = 0; i < count; i++) {
            commands[i] = new LogRecord(COMMAND, ts, getArgv(b));
        }
        checkConsumed(b);
        return commands;
    }

    private static byte[][] getArgv(ByteBuffer b) {
        int argc = b.getInt();
        if (argc < 0 || argc > MAX_ARGC || argc > b.remaining() / 4) {
            throw new IllegalArgumentException("log record argc out of range: " + argc);
        }
        byte[][] argv = new byte[argc][];
        for (int i = 0; i < argc; i++) {
            int len = b.getInt();
            if (len < 0 || len > b.remaining()) {
                throw new IllegalArgumentException("log record argument " + i + " length out of range: " + len);
            }
            argv[i] = new byte[len];
            b.get(argv[i]);
        }
        return argv;
    }

    private static void checkConsumed(ByteBuffer b) {
        if (b.hasRemaining()) {
            throw new IllegalArgumentException("log record has " + b.remaining() + " trailing bytes");
        }
    }
}
