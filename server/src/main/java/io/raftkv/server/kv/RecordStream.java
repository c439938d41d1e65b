package io.raftkv.server.kv;

import java.nio.ByteBuffer;

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

    /**
     * The record walked in order, segment by segment: 0 the header, then 2i + 1 argument i's length, 2i + 2 its
     * bytes. Subclasses say which array holds a segment and what happens once it is full.
     */
    private abstract static class Segments {
        final long total;
        final ByteBuffer head = ByteBuffer.allocate(HEAD);
        final ByteBuffer length = ByteBuffer.allocate(4);
        int segment;
        int inSegment;
        /** Bytes moved so far. */
        long moved;

        Segments(long total) {
            this.total = total;
        }

        abstract byte[] segmentBytes();

        /** Whether every segment is done. */
        abstract boolean complete();

        void segmentDone() {
            segment++;
            inSegment = 0;
        }

        /** Moves {@code n} bytes between {@code ext[off ..)} and the segments: into them if {@code in}, else out. */
        final void move(byte[] ext, int off, int n, boolean in) {
            if (n > total - moved) {
                throw new IllegalArgumentException(n + " bytes, " + (total - moved) + " left of the record");
            }
            while (n > 0) {
                if (complete()) {
                    throw new IllegalArgumentException("record has " + n + " bytes after its last argument");
                }
                byte[] seg = segmentBytes();
                int k = Math.min(n, seg.length - inSegment);
                if (in) {
                    System.arraycopy(ext, off, seg, inSegment, k);
                } else {
                    System.arraycopy(seg, inSegment, ext, off, k);
                }
                off += k;
                n -= k;
                inSegment += k;
                moved += k;
                if (inSegment == seg.length) {
                    segmentDone();
                }
            }
        }
    }

    /** Writes the record of one command in order. Not thread-safe. */
    public static final class Writer extends Segments {
        private final byte[][] argv;
        private final long timestamp;

        public Writer(byte kind, long timestamp, byte[][] argv) {
            super(LogRecord.encodedSize(argv));
            if (!LogRecord.fits(total)) {
                throw new IllegalArgumentException("a record of " + total + " bytes");
            }
            this.argv = argv;
            this.timestamp = timestamp;
            head.put(kind).putLong(timestamp).putInt(argv.length);
        }

        /** Length of the whole record. */
        public int total() {
            return (int) total;
        }

        /** The record's timestamp. */
        public long timestamp() {
            return timestamp;
        }

        /** Bytes not yet written. */
        public int remaining() {
            return (int) (total - moved);
        }

        /** Writes the next {@code n} bytes (at most {@link #remaining}) to {@code dst[off ..)}. */
        public void next(byte[] dst, int off, int n) {
            move(dst, off, n, false);
        }

        @Override
        byte[] segmentBytes() {
            if (segment == 0) {
                return head.array();
            }
            byte[] arg = argv[(segment - 1) / 2];
            if (segment % 2 == 1) {
                length.putInt(0, arg.length);
                return length.array();
            }
            return arg;
        }

        @Override
        boolean complete() {
            return segment == 2 * argv.length + 1;
        }
    }

    /** Rebuilds a COMMAND record from its bytes fed in order. Not thread-safe. */
    public static final class Reader extends Segments {
        private byte[][] argv;

        /** A reader of a record of {@code total} bytes. */
        public Reader(long total) {
            super(total);
            if (total < HEAD || total > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("a record of " + total + " bytes");
            }
        }

        /** Bytes fed so far. */
        public long read() {
            return moved;
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
            move(src, off, n, true);
            if (moved == total && !complete()) {
                throw new IllegalArgumentException("record ends inside argument " + (segment - 1) / 2);
            }
        }

        /** Whether the whole record has been fed. */
        @Override
        public boolean complete() {
            return argv != null && segment == 2 * argv.length + 1;
        }

        /** The record, once {@link #complete}. */
        public LogRecord record() {
            if (!complete()) {
                throw new IllegalStateException("record incomplete: " + moved + " of " + total + " bytes");
            }
            return new LogRecord(head.get(0), head.getLong(1), argv);
        }

        @Override
        byte[] segmentBytes() {
            if (segment == 0) {
                return head.array();
            }
            return segment % 2 == 1 ? length.array() : argv[(segment - 2) / 2];
        }

        @Override
        void segmentDone() {
            if (segment == 0) {
                int argc = head.getInt(9);
                if (argc < 0 || argc > (total - HEAD) / 4) {
                    throw new IllegalArgumentException("record argc out of range: " + argc);
                }
                argv = new byte[argc][];
            } else if (segment % 2 == 1) {
                int len = length.getInt(0);
                if (len < 0 || len > total - moved) {
                    throw new IllegalArgumentException("record argument length out of range: " + len);
                }
                argv[(segment - 1) / 2] = new byte[len];
            }
            super.segmentDone();
            if (segment % 2 == 0 && argv[(segment - 2) / 2].length == 0) {
                segment++; // an empty argument: its bytes are done too
            }
        }
    }
}
