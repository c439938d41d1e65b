package io.raftkv.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Our framing inside one Chronicle excerpt, little-endian:
 * <pre>
 *   kind:1  index:8  term:8  length:4  payload:length  crc32c:4
 * </pre>
 * The CRC covers every byte before it. Per kind: ENTRY carries (index, term, data); TRUNCATE carries the last
 * kept index in {@code index}; HARD_STATE carries (commit, term) in (index, term) and the vote as an 8-byte
 * payload; SNAPSHOT carries the mark's (index, term). Not thread-safe: one instance per owner thread.
 */
final class Record {
    static final byte ENTRY = 1;
    static final byte TRUNCATE = 2;
    static final byte HARD_STATE = 3;
    static final byte SNAPSHOT = 4;

    static final int HEADER = 1 + 8 + 8 + 4;
    static final int OVERHEAD = HEADER + 4;

    private final CRC32C crc = new CRC32C();
    private final ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer trailer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);

    // Decoded fields of the last successful decode.
    byte kind;
    long index;
    long term;
    byte[] payload;

    /** Fills {@link #header()} and {@link #trailer()} for a record; the payload is written between them. */
    void encode(byte kind, long index, long term, byte[] payload) {
        header.clear();
        header.put(kind).putLong(index).putLong(term).putInt(payload.length);
        crc.reset();
        crc.update(header.array(), 0, HEADER);
        crc.update(payload, 0, payload.length);
        trailer.clear();
        trailer.putInt((int) crc.getValue());
    }

    byte[] header() {
        return header.array();
    }

    byte[] trailer() {
        return trailer.array();
    }

    /** The whole encoded record as one array (tests and repair use it; the append path does not copy). */
    byte[] toBytes(byte kind, long index, long term, byte[] payload) {
        encode(kind, index, term, payload);
        byte[] out = new byte[OVERHEAD + payload.length];
        System.arraycopy(header(), 0, out, 0, HEADER);
        System.arraycopy(payload, 0, out, HEADER, payload.length);
        System.arraycopy(trailer(), 0, out, HEADER + payload.length, 4);
        return out;
    }

    /**
     * Checks lengths, kind and CRC of {@code len} bytes of {@code buf}; on success fills the decoded fields and
     * returns null, otherwise returns why the record is bad (nothing is thrown: bad records are expected at a
     * torn tail).
     */
    String decode(byte[] buf, int len) {
        if (len < OVERHEAD) {
            return "excerpt of " + len + " bytes is shorter than a record header";
        }
        ByteBuffer b = ByteBuffer.wrap(buf, 0, len).order(ByteOrder.LITTLE_ENDIAN);
        byte k = b.get();
        long i = b.getLong();
        long t = b.getLong();
        int payloadLength = b.getInt();
        if (payloadLength < 0 || payloadLength != len - OVERHEAD) {
            return "payload length " + payloadLength + " does not match excerpt length " + len;
        }
        crc.reset();
        crc.update(buf, 0, len - 4);
        int stored = ByteBuffer.wrap(buf, len - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (stored != (int) crc.getValue()) {
            return "CRC32C mismatch";
        }
        if (k < ENTRY || k > SNAPSHOT) {
            return "unknown record kind " + k;
        }
        byte[] p = new byte[payloadLength];
        System.arraycopy(buf, HEADER, p, 0, payloadLength);
        kind = k;
        index = i;
        term = t;
        payload = p;
        return null;
    }

    static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static long longFrom(byte[] b) {
        if (b.length != 8) {
            throw new WalException("hard state record with a " + b.length + "-byte payload, expected 8");
        }
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
