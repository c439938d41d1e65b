package io.raftkv.server.kv;

/**
 * A COMMAND record's bytes written or read in order, a slice at a time, so that a record carried by PART entries (see
 * {@link LogRecord}) never has to be in one array: the proposer {@link Writer writes} the parts straight from the
 * command's arguments, and apply {@link Reader reads} each part straight into the arguments it rebuilds. The bytes
 * are exactly {@link LogRecord#encode}'s.
 *
 * <p>The stream is a run of segments: the record's header (kind, timestamp, argc), then for every argument its
 * 4-byte length and its bytes.
 */
public final class RecordStream {

    private static final int HEAD = 1 + 8 + 4;

    private RecordStream() {
    }

    /** Writes the record of one command in order. Not thread-safe. */
    public static final class Writer {
        private final byte[][] argv;
        private final long total;
        private final byte[] head = new byte[HEAD];
        private final byte[] length = new byte[4];
        /** Segment being written: 0 the header, then 2i + 1 argument i's length, 2i + 2 its bytes. */
        private int segment;
        private int inSegment;
        private long written;

        public Writer(byte kind, long timestamp, byte[][] argv) {
            if (!LogRecord.fits(argv)) {
                throw new IllegalArgumentException("a record of " + LogRecord.encodedSize(argv) + " bytes");
            }
            this.argv = argv;
            this.total = LogRecord.encodedSize(argv);
            head[0] = kind;
            putLong(head, 1, timestamp);
            putInt(head, 9, argv.length);
        }

        /** Length of the whole record. */
        public int total() {
            return (int) total;
        }

        /** Bytes not yet written. */
        public int remaining() {
            return (int) (total - written);
        }

        /** Writes the next {@code n} bytes (at most {@link #remaining}) to {@code dst[off ..)}. */
        public void next(byte[] dst, int off, int n) {
            if (n > remaining()) {
                throw new IllegalArgumentException(n + " bytes asked, " + remaining() + " left");
            }
            while (n > 0) {
                byte[] src = segmentBytes();
                int k = Math.min(n, src.length - inSegment);
                System.arraycopy(src, inSegment, dst, off, k);
                off += k;
                n -= k;
                inSegment += k;
                written += k;
                if (inSegment == src.length) {
                    segment++;
                    inSegment = 0;
                }
            }
        }

        private byte[] segmentBytes() {
            if (segment == 0) {
                return head;
            }
            byte[] arg = argv[(segment - 1) / 2];
            if (segment % 2 == 1) {
                putInt(length, 0, arg.length);
                return length;
            }
            return arg;
        }
    }

    /** Rebuilds a COMMAND record from its bytes fed in order. Not thread-safe. */
    public static final class Reader {
        private final long total;
        private final byte[] head = new byte[HEAD];
        private final byte[] length = new byte[4];
        private byte kind;
        private long timestamp;
        private byte[][] argv;
        private int segment;
        private int inSegment;
        private long read;

        /** A reader of a record of {@code total} bytes. */
        public Reader(long total) {
            if (total < HEAD || total > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("a record of " + total + " bytes");
            }
            this.total = total;
        }

        /** Bytes fed so far. */
        public long read() {
            return read;
        }

        public long total() {
            return total;
        }

        /**
         * Feeds the next {@code n} bytes of the record from {@code src[off ..)}.
         *
         * @throws IllegalArgumentException if they go past its end or do not make a consistent record
         */
        public void feed(byte[] src, int off, int n) {
            if (n > total - read) {
                throw new IllegalArgumentException(n + " bytes fed, " + (total - read) + " left of the record");
            }
            while (n > 0) {
                if (complete()) {
                    throw new IllegalArgumentException("record has " + n + " bytes after its last argument");
                }
                byte[] dst = segmentBytes();
                int k = Math.min(n, dst.length - inSegment);
                System.arraycopy(src, off, dst, inSegment, k);
                off += k;
                n -= k;
                inSegment += k;
                read += k;
                if (inSegment == dst.length) {
                    segmentDone();
                }
            }
            if (read == total && !complete()) {
                throw new IllegalArgumentException("record ends inside argument " + (segment - 1) / 2);
            }
        }

        /** Whether the whole record has been fed. */
        public boolean complete() {
            return argv != null && segment == 2 * argv.length + 1;
        }

        /** The record, once {@link #complete}. */
        public LogRecord record() {
            if (!complete()) {
                throw new IllegalStateException("record incomplete: " + read + " of " + total + " bytes");
            }
            return new LogRecord(kind, timestamp, argv);
        }

        private byte[] segmentBytes() {
            if (segment == 0) {
                return head;
            }
            return segment % 2 == 1 ? length : argv[(segment - 2) / 2];
        }

        private void segmentDone() {
            if (segment == 0) {
                kind = head[0];
                timestamp = getLong(head, 1);
                int argc = getInt(head, 9);
                if (argc < 0 || argc > (total - HEAD) / 4) {
                    throw new IllegalArgumentException("record argc out of range: " + argc);
                }
                argv = new byte[argc][];
            } else if (segment % 2 == 1) {
                int len = getInt(length, 0);
                if (len < 0 || len > total - read) {
                    throw new IllegalArgumentException("record argument length out of range: " + len);
                }
                argv[(segment - 1) / 2] = new byte[len];
            }
            segment++;
            inSegment = 0;
            if (segment % 2 == 0 && argv[(segment - 2) / 2].length == 0) {
                segment++; // an empty argument: its bytes are done too
            }
        }
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static void putLong(byte[] b, int at, long v) {
        putInt(b, at, (int) (v >>> 32));
        putInt(b, at + 4, (int) v);
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | b[at + 3] & 0xFF;
    }

    private static long getLong(byte[] b, int at) {
        return (long) getInt(b, at) << 32 | getInt(b, at + 4) & 0xFFFFFFFFL;
    }
}
