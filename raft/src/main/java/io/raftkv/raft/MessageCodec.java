package io.raftkv.raft;

import io.raftkv.raft.Message.AppendEntries;
import io.raftkv.raft.Message.AppendEntriesResponse;
import io.raftkv.raft.Message.Heartbeat;
import io.raftkv.raft.Message.HeartbeatResponse;
import io.raftkv.raft.Message.InstallSnapshot;
import io.raftkv.raft.Message.InstallSnapshotResponse;
import io.raftkv.raft.Message.PreVote;
import io.raftkv.raft.Message.PreVoteResponse;
import io.raftkv.raft.Message.ReadIndexRequest;
import io.raftkv.raft.Message.TransferLeader;
import io.raftkv.raft.Message.ReadIndexResponse;
import io.raftkv.raft.Message.RequestVote;
import io.raftkv.raft.Message.RequestVoteResponse;
import io.raftkv.raft.Message.TimeoutNow;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * The one binary form of a {@link Message}: a frame that is versioned, length-prefixed and CRC32C-checked. All
 * integers are big-endian.
 *
 * <pre>
 * frame   = length:int32  body  crc:int32      length counts body + crc, crc is CRC32C of body
 * body    = version:int8 (=1)  type:int8  from:int64  to:int64  term:int64  fields
 * entries = count:int32 { index:int64 term:int64 size:int32 data:size bytes }
 * snapshot= index:int64 term:int64 voters:int32 {id:int64} learners:int32 {id:int64} size:int32 data
 * boolean = int8 0 or 1
 * </pre>
 *
 * <p>Decoding trusts nothing: every length and count is checked against the bytes actually there before anything
 * is allocated, the CRC is checked before the body is parsed, and every field is validated, so a corrupt, truncated
 * or hostile frame ends in a {@link CodecException} and never in another exception or a large allocation.
 *
 * <p>Threads: immutable and stateless apart from its limit; any thread may use one instance. Buffers passed in
 * stay owned by the caller; decoded messages share no memory with them.
 */
public final class MessageCodec {

    public static final byte VERSION = 1;
    /** Bytes of the length prefix. */
    public static final int LENGTH_BYTES = 4;
    /** Default largest frame accepted (length prefix excluded). */
    public static final int DEFAULT_MAX_FRAME_BYTES = 64 << 20;

    private static final int CRC_BYTES = 4;
    /** version, type, from, to, term. */
    private static final int HEADER_BYTES = 1 + 1 + 8 + 8 + 8;
    private static final int MIN_BODY_BYTES = HEADER_BYTES;
    private static final int ENTRY_MIN_BYTES = 8 + 8 + 4;

    private static final byte PRE_VOTE = 1;
    private static final byte PRE_VOTE_RESPONSE = 2;
    private static final byte REQUEST_VOTE = 3;
    private static final byte REQUEST_VOTE_RESPONSE = 4;
    private static final byte APPEND_ENTRIES = 5;
    private static final byte APPEND_ENTRIES_RESPONSE = 6;
    private static final byte HEARTBEAT = 7;
    private static final byte HEARTBEAT_RESPONSE = 8;
    private static final byte TIMEOUT_NOW = 9;
    private static final byte INSTALL_SNAPSHOT = 10;
    private static final byte INSTALL_SNAPSHOT_RESPONSE = 11;
    private static final byte READ_INDEX_REQUEST = 12;
    private static final byte READ_INDEX_RESPONSE = 13;
    private static final byte TRANSFER_LEADER = 14;

    private final int maxFrameBytes;

    public MessageCodec() {
        this(DEFAULT_MAX_FRAME_BYTES);
    }

    /** @param maxFrameBytes the largest frame (without its length prefix) this codec encodes or accepts */
    public MessageCodec(int maxFrameBytes) {
        if (maxFrameBytes < MIN_BODY_BYTES + CRC_BYTES) {
            throw new IllegalArgumentException("maxFrameBytes too small: " + maxFrameBytes);
        }
        this.maxFrameBytes = maxFrameBytes;
    }

    // ---------------------------------------------------------------- encoding

    /** The size of {@code m}'s whole frame, length prefix included. */
    public int encodedLength(Message m) {
        long body = HEADER_BYTES + fieldsLength(m);
        long frame = body + CRC_BYTES;
        if (frame > maxFrameBytes) {
            throw new IllegalArgumentException("message needs a " + frame + "-byte frame, limit " + maxFrameBytes);
        }
        return (int) (LENGTH_BYTES + frame);
    }

    public byte[] encode(Message m) {
        byte[] out = new byte[encodedLength(m)];
        encode(m, ByteBuffer.wrap(out));
        return out;
    }

    /**
     * Writes {@code m}'s frame at {@code out}'s position and advances it.
     *
     * @throws IllegalArgumentException if the frame exceeds the limit or {@code out} has too little room
     */
    public void encode(Message m, ByteBuffer out) {
        int length = encodedLength(m);
        if (out.remaining() < length) {
            throw new IllegalArgumentException("need " + length + " bytes, buffer has " + out.remaining());
        }
        int start = out.position();
        out.putInt(length - LENGTH_BYTES);
        int bodyStart = out.position();
        out.put(VERSION);
        out.put(typeOf(m));
        out.putLong(m.from());
        out.putLong(m.to());
        out.putLong(m.term());
        writeFields(m, out);
        CRC32C crc = new CRC32C();
        ByteBuffer body = out.duplicate();
        body.position(bodyStart).limit(out.position());
        crc.update(body);
        out.putInt((int) crc.getValue());
        if (out.position() - start != length) {
            throw new IllegalStateException("encoded " + (out.position() - start) + " bytes, computed " + length);
        }
    }

    private static byte typeOf(Message m) {
        if (m instanceof PreVote) {
            return PRE_VOTE;
        } else if (m instanceof PreVoteResponse) {
            return PRE_VOTE_RESPONSE;
        } else if (m instanceof RequestVote) {
            return REQUEST_VOTE;
        } else if (m instanceof RequestVoteResponse) {
            return REQUEST_VOTE_RESPONSE;
        } else if (m instanceof AppendEntries) {
            return APPEND_ENTRIES;
        } else if (m instanceof AppendEntriesResponse) {
            return APPEND_ENTRIES_RESPONSE;
        } else if (m instanceof Heartbeat) {
            return HEARTBEAT;
        } else if (m instanceof HeartbeatResponse) {
            return HEARTBEAT_RESPONSE;
        } else if (m instanceof TimeoutNow) {
            return TIMEOUT_NOW;
        } else if (m instanceof InstallSnapshot) {
            return INSTALL_SNAPSHOT;
        } else if (m instanceof InstallSnapshotResponse) {
            return INSTALL_SNAPSHOT_RESPONSE;
        } else if (m instanceof ReadIndexRequest) {
            return READ_INDEX_REQUEST;
        } else if (m instanceof ReadIndexResponse) {
            return READ_INDEX_RESPONSE;
        } else if (m instanceof TransferLeader) {
            return TRANSFER_LEADER;
        }
        throw new IllegalStateException("unknown message type " + m.getClass());
    }

    private static long fieldsLength(Message m) {
        if (m instanceof PreVote) {
            return 16;
        } else if (m instanceof RequestVote) {
            return 17;
        } else if (m instanceof PreVoteResponse || m instanceof RequestVoteResponse) {
            return 1;
        } else if (m instanceof AppendEntries a) {
            long n = 8 + 8 + 8 + 4;
            for (Entry e : a.entries()) {
                n += ENTRY_MIN_BYTES + e.data().length;
            }
            return n;
        } else if (m instanceof AppendEntriesResponse) {
            return 1 + 8 * 4;
        } else if (m instanceof Heartbeat) {
            return 16;
        } else if (m instanceof HeartbeatResponse) {
            return 8;
        } else if (m instanceof TimeoutNow) {
            return 0;
        } else if (m instanceof InstallSnapshot s) {
            Snapshot snap = s.snapshot();
            return 8 + 8 + 4 + 8L * snap.membership().voters().size() + 4 + 8L * snap.membership().learners().size()
                    + 4 + snap.data().length;
        } else if (m instanceof InstallSnapshotResponse) {
            return 8;
        } else if (m instanceof ReadIndexRequest) {
            return 8;
        } else if (m instanceof ReadIndexResponse) {
            return 16;
        } else if (m instanceof TransferLeader) {
            return 0;
        }
        throw new IllegalStateException("unknown message type " + m.getClass());
    }

    private static void writeFields(Message m, ByteBuffer out) {
        if (m instanceof PreVote v) {
            out.putLong(v.lastLogIndex()).putLong(v.lastLogTerm());
        } else if (m instanceof RequestVote v) {
            out.putLong(v.lastLogIndex()).putLong(v.lastLogTerm()).put(bool(v.leadershipTransfer()));
        } else if (m instanceof PreVoteResponse r) {
            out.put(bool(r.granted()));
        } else if (m instanceof RequestVoteResponse r) {
            out.put(bool(r.granted()));
        } else if (m instanceof AppendEntries a) {
            out.putLong(a.prevLogIndex()).putLong(a.prevLogTerm()).putLong(a.leaderCommit());
            out.putInt(a.entries().size());
            for (Entry e : a.entries()) {
                out.putLong(e.index()).putLong(e.term()).putInt(e.data().length).put(e.data());
            }
        } else if (m instanceof AppendEntriesResponse r) {
            out.put(bool(r.success())).putLong(r.matchIndex()).putLong(r.rejectedIndex())
                    .putLong(r.conflictIndex()).putLong(r.conflictTerm());
        } else if (m instanceof Heartbeat h) {
            out.putLong(h.commit()).putLong(h.context());
        } else if (m instanceof HeartbeatResponse h) {
            out.putLong(h.context());
        } else if (m instanceof InstallSnapshot s) {
            Snapshot snap = s.snapshot();
            out.putLong(snap.index()).putLong(snap.term());
            out.putInt(snap.membership().voters().size());
            snap.membership().voters().forEach(out::putLong);
            out.putInt(snap.membership().learners().size());
            snap.membership().learners().forEach(out::putLong);
            out.putInt(snap.data().length).put(snap.data());
        } else if (m instanceof InstallSnapshotResponse r) {
            out.putLong(r.matchIndex());
        } else if (m instanceof ReadIndexRequest r) {
            out.putLong(r.requestId());
        } else if (m instanceof ReadIndexResponse r) {
            out.putLong(r.requestId()).putLong(r.index());
        }
    }

    private static byte bool(boolean b) {
        return b ? (byte) 1 : (byte) 0;
    }

    // ---------------------------------------------------------------- decoding

    /**
     * The size of the frame starting at {@code in}'s position (prefix included), or -1 if fewer than
     * {@link #LENGTH_BYTES} bytes are there. Does not move the position. For splitting a byte stream into frames.
     *
     * @throws CodecException if the length prefix is impossible
     */
    public int frameLength(ByteBuffer in) throws CodecException {
        if (in.remaining() < LENGTH_BYTES) {
            return -1;
        }
        int length = in.getInt(in.position());
        checkLength(length);
        return LENGTH_BYTES + length;
    }

    /** Decodes {@code frame}, which must hold exactly one whole frame. */
    public Message decode(byte[] frame) throws CodecException {
        ByteBuffer in = ByteBuffer.wrap(frame);
        Message m = decode(in);
        if (in.hasRemaining()) {
            throw new CodecException(in.remaining() + " bytes after the frame");
        }
        return m;
    }

    /**
     * Decodes the frame at {@code in}'s position and moves the position past it. On failure the position is
     * unchanged.
     */
    public Message decode(ByteBuffer in) throws CodecException {
        ByteBuffer buf = in.duplicate();
        if (buf.remaining() < LENGTH_BYTES) {
            throw new CodecException("truncated: " + buf.remaining() + " bytes, no length prefix");
        }
        int length = buf.getInt();
        checkLength(length);
        if (buf.remaining() < length) {
            throw new CodecException("truncated: frame length " + length + " but " + buf.remaining() + " bytes");
        }
        int bodyStart = buf.position();
        int bodyEnd = bodyStart + length - CRC_BYTES;
        ByteBuffer body = buf.duplicate();
        body.limit(bodyEnd);
        CRC32C crc = new CRC32C();
        crc.update(body.duplicate());
        int expected = buf.getInt(bodyEnd);
        if ((int) crc.getValue() != expected) {
            throw new CodecException("CRC mismatch: frame says " + Integer.toHexString(expected) + ", body has "
                    + Integer.toHexString((int) crc.getValue()));
        }
        Message m;
        try {
            m = decodeBody(new Reader(body));
        } catch (IllegalArgumentException e) {
            throw new CodecException("invalid message: " + e.getMessage(), e);
        }
        in.position(bodyEnd + CRC_BYTES);
        return m;
    }

    private void checkLength(int length) throws CodecException {
        if (length < MIN_BODY_BYTES + CRC_BYTES) {
            throw new CodecException("frame length " + length + " below the minimum " + (MIN_BODY_BYTES + CRC_BYTES));
        }
        if (length > maxFrameBytes) {
            throw new CodecException("frame length " + length + " above the limit " + maxFrameBytes);
        }
    }

    private static Message decodeBody(Reader r) throws CodecException {
        byte version = r.in.get();
        if (version != VERSION) {
            throw new CodecException("unsupported version " + version);
        }
        byte type = r.in.get();
        long from = r.id("from");
        long to = r.id("to");
        long term = r.nonNegative("term");
        Message m = switch (type) {
            case PRE_VOTE -> new PreVote(from, to, term, r.nonNegative("lastLogIndex"), r.nonNegative("lastLogTerm"));
            case PRE_VOTE_RESPONSE -> new PreVoteResponse(from, to, term, r.bool("granted"));
            case REQUEST_VOTE -> new RequestVote(from, to, term, r.nonNegative("lastLogIndex"),
                    r.nonNegative("lastLogTerm"), r.bool("leadershipTransfer"));
            case REQUEST_VOTE_RESPONSE -> new RequestVoteResponse(from, to, term, r.bool("granted"));
            case APPEND_ENTRIES -> {
                long prevLogIndex = r.nonNegative("prevLogIndex");
                long prevLogTerm = r.nonNegative("prevLogTerm");
                long leaderCommit = r.nonNegative("leaderCommit");
                int count = r.count("entries", ENTRY_MIN_BYTES);
                List<Entry> entries = new ArrayList<>(count);
                for (int k = 0; k < count; k++) {
                    entries.add(new Entry(r.nonNegative("entry index"), r.nonNegative("entry term"), r.bytes("entry data")));
                }
                yield new AppendEntries(from, to, term, prevLogIndex, prevLogTerm, entries, leaderCommit);
            }
            case APPEND_ENTRIES_RESPONSE -> new AppendEntriesResponse(from, to, term, r.bool("success"),
                    r.nonNegative("matchIndex"), r.nonNegative("rejectedIndex"), r.nonNegative("conflictIndex"),
                    r.nonNegative("conflictTerm"));
            case HEARTBEAT -> new Heartbeat(from, to, term, r.nonNegative("commit"), r.nonNegative("context"));
            case HEARTBEAT_RESPONSE -> new HeartbeatResponse(from, to, term, r.nonNegative("context"));
            case TIMEOUT_NOW -> new TimeoutNow(from, to, term);
            case INSTALL_SNAPSHOT -> {
                long index = r.nonNegative("snapshot index");
                long snapTerm = r.nonNegative("snapshot term");
                Set<Long> voters = r.ids("voters");
                Set<Long> learners = r.ids("learners");
                byte[] data = r.bytes("snapshot data");
                yield new InstallSnapshot(from, to, term, new Snapshot(index, snapTerm, new Membership(voters, learners), data));
            }
            case INSTALL_SNAPSHOT_RESPONSE -> new InstallSnapshotResponse(from, to, term, r.nonNegative("matchIndex"));
            case READ_INDEX_REQUEST -> new ReadIndexRequest(from, to, term, r.anyLong("requestId"));
            case READ_INDEX_RESPONSE -> new ReadIndexResponse(from, to, term, r.anyLong("requestId"),
                    r.nonNegative("index"));
            case TRANSFER_LEADER -> new TransferLeader(from, to, term);
            default -> throw new CodecException("unknown message type " + type);
        };
        if (r.in.hasRemaining()) {
            throw new CodecException(r.in.remaining() + " unexpected bytes after a " + m.getClass().getSimpleName());
        }
        return m;
    }

    /** Bounds-checked reads from one frame body. */
    private static final class Reader {
        final ByteBuffer in;

        Reader(ByteBuffer in) {
            this.in = in;
        }

        private void need(int bytes, String field) throws CodecException {
            if (in.remaining() < bytes) {
                throw new CodecException("truncated " + field + ": need " + bytes + " bytes, have " + in.remaining());
            }
        }

        long anyLong(String field) throws CodecException {
            need(8, field);
            return in.getLong();
        }

        long nonNegative(String field) throws CodecException {
            long v = anyLong(field);
            if (v < 0) {
                throw new CodecException(field + " is negative: " + v);
            }
            return v;
        }

        long id(String field) throws CodecException {
            long v = anyLong(field);
            if (v <= 0) {
                throw new CodecException(field + " is not a node id: " + v);
            }
            return v;
        }

        boolean bool(String field) throws CodecException {
            need(1, field);
            byte b = in.get();
            if (b != 0 && b != 1) {
                throw new CodecException(field + " is not a boolean: " + b);
            }
            return b == 1;
        }

        /** A count of elements of at least {@code minBytes} each, checked against the bytes left. */
        int count(String field, int minBytes) throws CodecException {
            need(4, field + " count");
            int n = in.getInt();
            if (n < 0 || (long) n * minBytes > in.remaining()) {
                throw new CodecException(field + " count " + n + " does not fit in " + in.remaining() + " bytes");
            }
            return n;
        }

        byte[] bytes(String field) throws CodecException {
            int n = count(field, 1);
            byte[] out = new byte[n];
            in.get(out);
            return out;
        }

        Set<Long> ids(String field) throws CodecException {
            int n = count(field, 8);
            Set<Long> ids = new TreeSet<>();
            for (int k = 0; k < n; k++) {
                if (!ids.add(id(field))) {
                    throw new CodecException("duplicate id in " + field);
                }
            }
            return ids;
        }
    }
}
