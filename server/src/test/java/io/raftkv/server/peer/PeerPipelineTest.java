package io.raftkv.server.peer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongHashSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The inbound pipeline (handshake, framing, copy-out) and the frame encoder on EmbeddedChannel: every byte sequence a
 * peer or a stranger could send, and the rule that every buffer is released exactly once.
 */
class PeerPipelineTest {

    private static final long SELF = 2;
    private static final long KNOWN = 1;
    private static final int MAX_FRAME = 1024;

    private final PeerTesting.Inbox inbox = new PeerTesting.Inbox();
    private final List<ByteBuf> fed = new ArrayList<>();
    private final EmbeddedChannel ch = newInboundChannel();

    private EmbeddedChannel newInboundChannel() {
        PeerTransportConfig config = PeerTransportConfig.of(SELF, "127.0.0.1", 0,
                        List.of(new PeerAddress(KNOWN, "127.0.0.1", 1), new PeerAddress(SELF, "127.0.0.1", 2)))
                .withMaxFrameBytes(MAX_FRAME)
                .withHandshakeTimeout(Duration.ofSeconds(5));
        LongHashSet known = new LongHashSet();
        known.add(KNOWN);
        EmbeddedChannel c = new EmbeddedChannel();
        c.freezeTime();
        InboundChannelInitializer.pipeline(c.pipeline(), config, known, new Long2ObjectHashMap<>(), inbox);
        return c;
    }

    @AfterEach
    void releasedExactlyOnce() {
        ch.finishAndReleaseAll();
        for (ByteBuf b : fed) {
            assertEquals(0, b.refCnt(), "every inbound buffer is released");
        }
    }

    private void feed(ByteBuf b) {
        fed.add(b);
        ch.writeInbound(b);
    }

    private static ByteBuf handshake(int magic, int version, long sender, long receiver) {
        return Unpooled.buffer().writeInt(magic).writeInt(version).writeLong(sender).writeLong(receiver);
    }

    private static ByteBuf goodHandshake() {
        return handshake(Handshake.MAGIC, Handshake.VERSION, KNOWN, SELF);
    }

    private static ByteBuf framed(byte[] frame) {
        return Unpooled.buffer().writeInt(frame.length).writeBytes(frame);
    }

    @Test
    void handshakeThenFramesInOneBufferAreDeliveredInOrder() {
        ByteBuf all = goodHandshake();
        for (int i = 0; i < 5; i++) {
            all.writeBytes(framed(PeerTesting.frame(KNOWN, i, 16 + i)));
        }
        feed(all);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), inbox.seqs(KNOWN));
        assertTrue(ch.isOpen());
        assertEquals(List.of("frames", "inbound"), ch.pipeline().names().subList(0, 2), "handshake stage removed");
        ByteBuf reply = ch.readOutbound();
        assertEquals(Handshake.LENGTH, reply.readableBytes());
        assertEquals(Handshake.MAGIC, reply.readInt());
        assertEquals(Handshake.VERSION, reply.readInt());
        assertEquals(SELF, reply.readLong(), "the reply names this node as sender");
        assertEquals(KNOWN, reply.readLong(), "and the dialer as receiver");
        reply.release();
        assertNull(ch.readOutbound(), "nothing but the reply is ever sent back");
    }

    @Test
    void bytesSplitAnywhereMakeTheSameFrames() {
        ByteBuf all = goodHandshake();
        byte[] big = PeerTesting.frame(KNOWN, 7, MAX_FRAME);
        all.writeBytes(framed(PeerTesting.frame(KNOWN, 6, 100))).writeBytes(framed(big))
                .writeBytes(framed(new byte[0]));
        byte[] wire = new byte[all.readableBytes()];
        all.readBytes(wire);
        all.release();
        for (byte b : wire) {
            feed(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertEquals(3, inbox.count(KNOWN));
        assertEquals(6L, PeerTesting.seqOf(inbox.from(KNOWN).get(0)));
        assertArrayEquals(big, inbox.from(KNOWN).get(1), "a frame of exactly the maximum size passes intact");
        assertEquals(0, inbox.from(KNOWN).get(2).length, "an empty frame is still a frame");
    }

    @Test
    void wrongMagicClosesTheConnection() {
        feed(handshake(0x47455420, Handshake.VERSION, KNOWN, SELF));
        assertHelloRefused();
    }

    @Test
    void wrongVersionClosesTheConnection() {
        feed(handshake(Handshake.MAGIC, Handshake.VERSION + 1, KNOWN, SELF));
        assertHelloRefused();
    }

    @Test
    void unknownSenderClosesTheConnection() {
        feed(handshake(Handshake.MAGIC, Handshake.VERSION, 99, SELF));
        assertHelloRefused();
    }

    @Test
    void ownIdAsSenderClosesTheConnection() {
        feed(handshake(Handshake.MAGIC, Handshake.VERSION, SELF, SELF));
        assertHelloRefused();
    }

    @Test
    void handshakeForAnotherNodeClosesTheConnection() {
        feed(handshake(Handshake.MAGIC, Handshake.VERSION, KNOWN, 3));
        assertHelloRefused();
    }

    @Test
    void bytesAfterARefusedHandshakeAreIgnored() {
        ByteBuf b = handshake(Handshake.MAGIC, 9, KNOWN, SELF).writeBytes(framed(new byte[] {1, 2, 3}));
        feed(b);
        assertHelloRefused();
    }

    @Test
    void hugeLengthClosesTheConnectionWithoutWaitingForTheBytes() {
        feed(goodHandshake().writeInt(Integer.MAX_VALUE).writeBytes(new byte[64]));
        assertRefused();
    }

    @Test
    void lengthJustAboveTheMaximumClosesTheConnection() {
        feed(goodHandshake().writeInt(MAX_FRAME + 1));
        assertRefused();
    }

    @Test
    void negativeLengthClosesTheConnection() {
        feed(goodHandshake().writeInt(-5).writeBytes(new byte[8]));
        assertRefused();
    }

    @Test
    void framesBeforeTheBadOneAreDelivered() {
        feed(goodHandshake().writeBytes(framed(PeerTesting.frame(KNOWN, 1, 20))).writeInt(-1));
        assertEquals(List.of(1L), inbox.seqs(KNOWN));
        assertFalse(ch.isOpen());
    }

    @Test
    void silenceAfterConnectingIsCutOffByTheHandshakeTimeout() {
        feed(Unpooled.wrappedBuffer(new byte[10]));
        assertTrue(ch.isOpen());
        ch.advanceTimeBy(6, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertHelloRefused();
    }

    @Test
    void aCompletedHandshakeCancelsTheTimeout() {
        feed(goodHandshake());
        ch.advanceTimeBy(60, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen());
    }

    @Test
    void consumerFailureLosesTheFrameButKeepsTheConnection() {
        PeerTesting.Inbox good = new PeerTesting.Inbox();
        EmbeddedChannel c = new EmbeddedChannel();
        InboundChannelInitializer.pipeline(c.pipeline(),
                PeerTransportConfig.of(SELF, "127.0.0.1", 0, List.of(new PeerAddress(KNOWN, "127.0.0.1", 1))),
                known(), new Long2ObjectHashMap<>(), (from, frame) -> {
                    if (PeerTesting.seqOf(frame) == 1) {
                        throw new IllegalStateException("consumer bug");
                    }
                    good.onFrame(from, frame);
                });
        ByteBuf in = goodHandshake();
        for (int i = 0; i < 3; i++) {
            in.writeBytes(framed(PeerTesting.frame(KNOWN, i, 16)));
        }
        c.writeInbound(in);
        assertEquals(List.of(0L, 2L), good.seqs(KNOWN));
        assertTrue(c.isOpen());
        assertEquals(0, in.refCnt());
        c.finishAndReleaseAll();
    }

    @Test
    void encoderWritesLengthThenBytesAndPassesBuffersThrough() {
        EmbeddedChannel out = new EmbeddedChannel(PeerFrameEncoder.INSTANCE);
        out.writeOutbound(new byte[] {9, 8, 7});
        ByteBuf hs = Handshake.encode(out.alloc(), 1, 2);
        out.writeOutbound(hs);
        ByteBuf frame = out.readOutbound();
        assertEquals(7, frame.readableBytes());
        assertEquals(3, frame.readInt());
        assertEquals(9, frame.readByte());
        frame.release();
        ByteBuf passed = out.readOutbound();
        assertEquals(Handshake.LENGTH, passed.readableBytes());
        assertEquals(Handshake.MAGIC, passed.getInt(0));
        passed.release();
        assertFalse(out.finishAndReleaseAll());
    }

    private static LongHashSet known() {
        LongHashSet s = new LongHashSet();
        s.add(KNOWN);
        return s;
    }

    private void assertHelloRefused() {
        assertRefused();
        assertNull(ch.readOutbound(), "a refused hello gets no reply");
    }

    private void assertRefused() {
        ch.runPendingTasks();
        assertFalse(ch.isOpen(), "connection closed");
        assertEquals(0, inbox.count(KNOWN), "nothing delivered");
    }
}
