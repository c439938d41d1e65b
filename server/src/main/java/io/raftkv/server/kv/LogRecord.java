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
 */
public record LogRecord(byte kind, long timestamp, byte[][] argv) {

    public static final byte NOOP = 0;
    public static final byte COMMAND = 1;
    public static final byte EXPIRE = 2;
    public static final byte BATCH = 3;

    private static final int MAX_ARGC = 1 << 24;

    public static byte[] encode(byte kind, long timestamp, byte[][] argv) {
        if (kind == BATCH) {
            throw new IllegalArgumentException("a BATCH record is built with encodeBatch");
        }
        ByteBuffer b = ByteBuffer.allocate(encodedSize(argv));
        b.put(kind).putLong(timestamp);
        putArgv(b, argv);
        return b.array();
    }

    /** Bytes {@code argv} takes in a COMMAND record, or as one command of a BATCH record (4 bytes less). */
    public static int encodedSize(byte[][] argv) {
        int size = 1 + 8 + 4;
        for (byte[] a : argv) {
            size += 4 + a.length;
        }
        return size;
    }

    /** A BATCH record of the commands {@code argvs[0..count)}, applied in that order. */
    public static byte[] encodeBatch(long timestamp, byte[][][] argvs, int count) {
        int size = 1 + 8 + 4;
        for (int i = 0; i < count; i++) {
            size += encodedSize(argvs[i]) - 9;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
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

    /** The timestamp of an encoded record, or 0 for an empty (no-op) payload. */
    public static long timestampOf(byte[] data) {
        return data.length >= 9 ? ByteBuffer.wrap(data, 1, 8).getLong() : 0;
    }

    /** The answer to a command whose record would not fit in one log entry. */
    public static io.raftkv.server.reply.Reply tooLarge(int bytes, long maxEntryBytes) {
        return io.raftkv.server.reply.Reply.error("ERR command too large for the log (" + bytes
                + " bytes; a log entry holds at most " + maxEntryBytes + ")");
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
