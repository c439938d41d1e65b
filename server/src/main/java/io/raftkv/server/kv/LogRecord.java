package io.raftkv.server.kv;

import java.nio.ByteBuffer;

/**
 * The payload of a log entry: what the state machine applies. Layout (big-endian):
 * {@code kind:u8, timestamp:i64 (ms since epoch, the proposing node's clock), argc:i32, then argc times (len:i32, bytes)}.
 * A COMMAND record carries a client's argv; an EXPIRE record carries keys the leader saw expired, deleted on apply
 * only if they are still expired at the record's time. An empty payload is a NOOP: what a new Raft leader appends.
 */
public record LogRecord(byte kind, long timestamp, byte[][] argv) {

    public static final byte NOOP = 0;
    public static final byte COMMAND = 1;
    public static final byte EXPIRE = 2;

    private static final int MAX_ARGC = 1 << 24;

    public static byte[] encode(byte kind, long timestamp, byte[][] argv) {
        int size = 1 + 8 + 4;
        for (byte[] a : argv) {
            size += 4 + a.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(kind).putLong(timestamp).putInt(argv.length);
        for (byte[] a : argv) {
            b.putInt(a.length).put(a);
        }
        return b.array();
    }

    /** The timestamp of an encoded record, or 0 for an empty (no-op) payload. */
    public static long timestampOf(byte[] data) {
        return data.length >= 9 ? ByteBuffer.wrap(data, 1, 8).getLong() : 0;
    }

    /** The answer to a command whose record would not fit in one log entry. */
    public static io.raftkv.server.resp.Reply tooLarge(int bytes, long maxEntryBytes) {
        return io.raftkv.server.resp.Reply.error("ERR command too large for the log (" + bytes
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
        long ts = b.getLong();
        int argc = b.getInt();
        if (argc < 0 || argc > MAX_ARGC) {
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
        if (b.hasRemaining()) {
            throw new IllegalArgumentException("log record has " + b.remaining() + " trailing bytes");
        }
        return new LogRecord(kind, ts, argv);
    }
}
