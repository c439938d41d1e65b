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
import io.raftkv.raft.Message.ReadIndexResponse;
import io.raftkv.raft.Message.RequestVote;
import io.raftkv.raft.Message.RequestVoteResponse;
import io.raftkv.raft.Message.TimeoutNow;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

class MessageCodecTest {

    private final MessageCodec codec = new MessageCodec();

    /** One of every message type, with non-trivial field values. */
    static List<Message> samples() {
        Snapshot snap = new Snapshot(40, 3, new Membership(Set.of(1L, 2L, 3L), Set.of(4L)), "state".getBytes());
        List<Entry> entries = List.of(new Entry(8, 2, "a".getBytes()), new Entry(9, 3, new byte[0]),
                new Entry(10, 3, "ccc".getBytes()));
        return List.of(
                new PreVote(1, 2, 5, 10, 4),
                new PreVoteResponse(2, 1, 5, true),
                new RequestVote(1, 3, 5, 10, 4, true),
                new RequestVoteResponse(3, 1, 5, false),
                new AppendEntries(1, 2, 3, 7, 2, entries, 6),
                new AppendEntries(1, 2, 3, 7, 2, List.of(), 6),
                AppendEntriesResponse.accept(2, 1, 3, 10),
                AppendEntriesResponse.reject(2, 1, 3, 7, 5, 2),
                new Heartbeat(1, 2, 3, 6, 1234),
                new HeartbeatResponse(2, 1, 3, 1234),
                new TimeoutNow(1, 3, 3),
                new InstallSnapshot(1, 2, 3, snap),
                new InstallSnapshotResponse(2, 1, 3, 40),
                new ReadIndexRequest(2, 1, 3, -77),
                new ReadIndexResponse(1, 2, 3, -77, 12),
                new Message.TransferLeader(3, 1, 3));
    }

    @Test
    void everyMessageTypeRoundTrips() throws CodecException {
        for (Message m : samples()) {
            byte[] frame = codec.encode(m);
            assertEquals(codec.encodedLength(m), frame.length);
            Message back = codec.decode(frame);
            assertEquals(describe(m), describe(back), "round trip of " + m.getClass().getSimpleName());
            assertArrayEquals(frame, codec.encode(back), "re-encoding of " + m.getClass().getSimpleName());
        }
    }

    @Test
    void framesFollowEachOtherInOneBuffer() throws CodecException {
        List<Message> all = samples();
        ByteBuffer buf = ByteBuffer.allocate(all.stream().mapToInt(codec::encodedLength).sum());
        all.forEach(m -> codec.encode(m, buf));
        buf.flip();
        for (Message m : all) {
            assertEquals(codec.encodedLength(m), codec.frameLength(buf));
            assertEquals(describe(m), describe(codec.decode(buf)));
        }
        assertEquals(0, buf.remaining());
        assertEquals(-1, codec.frameLength(buf));
    }

    @Test
    void everySingleBitFlipIsRejected() {
        for (Message m : samples()) {
            byte[] frame = codec.encode(m);
            for (int bit = 0; bit < frame.length * 8; bit++) {
                byte[] bad = frame.clone();
                bad[bit / 8] ^= (byte) (1 << (bit % 8));
                expectRejected(bad, m.getClass().getSimpleName() + " with bit " + bit + " flipped");
            }
        }
    }

    @Test
    void everyTruncationIsRejected() {
        for (Message m : samples()) {
            byte[] frame = codec.encode(m);
            for (int len = 0; len < frame.length; len++) {
                byte[] bad = Arrays.copyOf(frame, len);
                expectRejected(bad, m.getClass().getSimpleName() + " cut to " + len + " bytes");
                ByteBuffer buf = ByteBuffer.wrap(bad);
                assertThrows(CodecException.class, () -> codec.decode(buf));
                assertEquals(0, buf.position(), "position unchanged after a failed decode");
            }
        }
    }

    @Test
    void randomGarbageOnlyEverThrowsCodecException() {
        long seed = 20261128;
        Random random = new Random(seed);
        for (int i = 0; i < 20_000; i++) {
            byte[] junk = new byte[random.nextInt(120)];
            random.nextBytes(junk);
            if (junk.length >= 4 && random.nextBoolean()) {
                // a plausible length prefix, so that decoding gets further
                ByteBuffer.wrap(junk).putInt(junk.length - 4);
            }
            decodeExpectingOnlyCodecException(junk, "seed " + seed + " case " + i);
        }
    }

    @Test
    void garbageBodiesWithValidLengthAndCrcOnlyEverThrowCodecException() {
        // Past the CRC the parser itself must hold: random bodies of every type, correctly framed.
        long seed = 7;
        Random random = new Random(seed);
        for (int i = 0; i < 50_000; i++) {
            byte[] body = new byte[26 + random.nextInt(80)];
            random.nextBytes(body);
            body[0] = MessageCodec.VERSION;
            body[1] = (byte) (1 + random.nextInt(14));
            if (random.nextBoolean()) {
                // small positive ids and small numbers make valid-looking prefixes more likely
                ByteBuffer b = ByteBuffer.wrap(body);
                b.position(2);
                while (b.remaining() >= 8) {
                    b.putLong(random.nextInt(4));
                }
            }
            decodeExpectingOnlyCodecException(frame(body), "seed " + seed + " case " + i);
        }
    }

    @Test
    void hostileCountsAreRejectedWithoutAllocating() {
        ByteBuffer body = ByteBuffer.allocate(26 + 24 + 4);
        body.put(MessageCodec.VERSION).put((byte) 5).putLong(1).putLong(2).putLong(3);
        body.putLong(0).putLong(0).putLong(0).putInt(Integer.MAX_VALUE);
        CodecException e = assertThrows(CodecException.class, () -> codec.decode(frame(body.array())));
        assertEquals("entries count 2147483647 does not fit in 0 bytes", e.getMessage());

        byte[] huge = new byte[8];
        ByteBuffer.wrap(huge).putInt(Integer.MAX_VALUE - 4);
        assertThrows(CodecException.class, () -> codec.decode(huge));
    }

    @Test
    void semanticallyInvalidFramesAreRejected() {
        // entries that do not follow prevLogIndex
        AppendEntries ok = new AppendEntries(1, 2, 3, 7, 2, List.of(new Entry(8, 2, new byte[0])), 6);
        byte[] frame = codec.encode(ok);
        ByteBuffer b = ByteBuffer.wrap(frame);
        b.putLong(4 + 26, 9); // prevLogIndex 9, entry index 8
        refreshCrc(frame);
        CodecException e = assertThrows(CodecException.class, () -> codec.decode(frame));
        assertEquals(true, e.getMessage().startsWith("invalid message"), e.getMessage());

        byte[] zeroFrom = codec.encode(new TimeoutNow(1, 3, 3));
        ByteBuffer.wrap(zeroFrom).putLong(4 + 2, 0);
        refreshCrc(zeroFrom);
        assertThrows(CodecException.class, () -> codec.decode(zeroFrom));
    }

    private void expectRejected(byte[] bad, String what) {
        try {
            Message m = codec.decode(bad);
            fail(what + " decoded as " + m);
        } catch (CodecException expected) {
            // the point
        } catch (RuntimeException e) {
            throw new AssertionError(what + " threw " + e, e);
        }
    }

    private void decodeExpectingOnlyCodecException(byte[] bytes, String replay) {
        try {
            codec.decode(bytes);
        } catch (CodecException expected) {
            // fine
        } catch (RuntimeException | OutOfMemoryError e) {
            throw new AssertionError("replay: " + replay + " bytes " + Arrays.toString(bytes) + " threw " + e, e);
        }
    }

    private static byte[] frame(byte[] body) {
        ByteBuffer out = ByteBuffer.allocate(4 + body.length + 4);
        CRC32C crc = new CRC32C();
        crc.update(body);
        out.putInt(body.length + 4).put(body).putInt((int) crc.getValue());
        return out.array();
    }

    private static void refreshCrc(byte[] frame) {
        CRC32C crc = new CRC32C();
        crc.update(frame, 4, frame.length - 8);
        ByteBuffer.wrap(frame).putInt(frame.length - 4, (int) crc.getValue());
    }

    /** A deep description (byte arrays by content) for comparing messages. */
    static String describe(Message m) {
        String s = m.toString();
        if (m instanceof AppendEntries a) {
            StringBuilder out = new StringBuilder(s.substring(0, s.indexOf("entries=")));
            for (Entry e : a.entries()) {
                out.append(e.index()).append('@').append(e.term()).append(Arrays.toString(e.data())).append(' ');
            }
            return out + " commit=" + a.leaderCommit();
        }
        if (m instanceof InstallSnapshot is) {
            Snapshot snap = is.snapshot();
            return m.from() + ">" + m.to() + " t" + m.term() + " " + snap.index() + "@" + snap.term() + " "
                    + snap.membership() + Arrays.toString(snap.data());
        }
        return s;
    }
}
