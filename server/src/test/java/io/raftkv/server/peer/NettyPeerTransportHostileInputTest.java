package io.raftkv.server.peer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static io.raftkv.server.peer.PeerTesting.LOOPBACK;
import static io.raftkv.server.peer.PeerTesting.await;
import static io.raftkv.server.peer.PeerTesting.connected;
import static io.raftkv.server.peer.PeerTesting.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Strangers and broken peers on a real peer port: each bad connection is closed by node 2, while node 1's frames keep
 * flowing to it. Node 3 is a configured member that never runs, so its id makes a valid handshake for raw sockets.
 */
class NettyPeerTransportHostileInputTest {

    private static final int MAX_FRAME = 1 << 20;

    private final PeerTesting.LeakWatch leaks = new PeerTesting.LeakWatch();
    private final PeerTesting.Inbox inB = new PeerTesting.Inbox();
    private NettyPeerTransport a;
    private NettyPeerTransport b;
    private int portB;
    private long seq;

    @BeforeEach
    void startTwoOfThree() {
        List<PeerAddress> cluster = List.of(new PeerAddress(1, LOOPBACK, PeerTesting.freePort()),
                new PeerAddress(2, LOOPBACK, PeerTesting.freePort()),
                new PeerAddress(3, LOOPBACK, PeerTesting.freePort()));
        a = new NettyPeerTransport(config(1, cluster), new Random(1));
        b = new NettyPeerTransport(config(2, cluster), new Random(2));
        a.start(new PeerTesting.Inbox());
        b.start(inB);
        portB = b.boundPort();
        await("1 connected to 2", () -> connected(a, 2), a::status);
        assertGoodPeerStillServed();
    }

    private static PeerTransportConfig config(long id, List<PeerAddress> cluster) {
        return PeerTransportConfig.of(id, LOOPBACK, cluster.get((int) id - 1).port(), cluster)
                .withMaxFrameBytes(MAX_FRAME)
                .withHandshakeTimeout(Duration.ofMillis(300))
                .withReconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(200));
    }

    @AfterEach
    void close() {
        a.close();
        b.close();
        leaks.assertNoLeaks();
        leaks.close();
    }

    @Test
    void badMagic() throws IOException {
        assertClosedAfter("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void wrongVersion() throws IOException {
        assertClosedAfter(handshake(Handshake.MAGIC, 99, 3, 2));
    }

    @Test
    void unknownSender() throws IOException {
        assertClosedAfter(handshake(Handshake.MAGIC, Handshake.VERSION, 42, 2));
    }

    @Test
    void receiverPretendingToBeTheSender() throws IOException {
        assertClosedAfter(handshake(Handshake.MAGIC, Handshake.VERSION, 2, 2));
    }

    @Test
    void handshakeMeantForAnotherNode() throws IOException {
        assertClosedAfter(handshake(Handshake.MAGIC, Handshake.VERSION, 3, 1));
    }

    @Test
    void lengthOfTwoToThe31MinusOne() throws IOException {
        assertClosedAfter(concat(handshake(Handshake.MAGIC, Handshake.VERSION, 3, 2), intBytes(Integer.MAX_VALUE)));
    }

    @Test
    void negativeLength() throws IOException {
        assertClosedAfter(concat(handshake(Handshake.MAGIC, Handshake.VERSION, 3, 2), intBytes(Integer.MIN_VALUE)));
    }

    @Test
    void lengthJustAboveTheLimit() throws IOException {
        assertClosedAfter(concat(handshake(Handshake.MAGIC, Handshake.VERSION, 3, 2), intBytes(MAX_FRAME + 1)));
    }

    @Test
    void garbage() throws IOException {
        long seed = 7;
        byte[] junk = new byte[64 << 10];
        new Random(seed).nextBytes(junk);
        assertClosedAfter(junk);
    }

    @Test
    void silence() throws IOException {
        assertClosedAfter(new byte[0]);
    }

    @Test
    void halfAHandshakeThenSilence() throws IOException {
        assertClosedAfter(new byte[] {0x52, 0x4B, 0x56});
    }

    @Test
    void aWellFormedRawPeerIsHeardThenItsBadFrameClosesOnlyItsConnection() throws IOException {
        try (Socket s = new Socket(LOOPBACK, portB)) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.write(handshake(Handshake.MAGIC, Handshake.VERSION, 3, 2));
            byte[] f = frame(3, 0, 100);
            out.writeInt(f.length);
            out.write(f);
            out.flush();
            byte[] reply = s.getInputStream().readNBytes(Handshake.LENGTH);
            assertArrayEquals(handshake(Handshake.MAGIC, Handshake.VERSION, 2, 3), reply, "node 2 answers");
            await("2 receives the raw frame from 3", () -> inB.count(3) == 1);
            out.writeInt(-1);
            out.flush();
            assertClosedByPeer(s);
        }
        assertGoodPeerStillServed();
    }

    @Test
    void manyBadConnectionsAtOnce() throws IOException {
        Socket[] sockets = new Socket[20];
        try {
            for (int i = 0; i < sockets.length; i++) {
                sockets[i] = new Socket(LOOPBACK, portB);
                sockets[i].getOutputStream().write(handshake(Handshake.MAGIC, Handshake.VERSION + 1 + i, 3, 2));
            }
            for (Socket s : sockets) {
                assertClosedByPeer(s);
            }
        } finally {
            for (Socket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
        assertGoodPeerStillServed();
    }

    @Test
    void aMiswiredNodeIsNeverCountedAsConnected() {
        // Node 1 believes node 3 listens where node 2 does: node 2 refuses the hello addressed to node 3.
        List<PeerAddress> wrong = List.of(new PeerAddress(1, LOOPBACK, PeerTesting.freePort()),
                new PeerAddress(3, LOOPBACK, portB));
        NettyPeerTransport confused = new NettyPeerTransport(config(1, wrong), new Random(3));
        try {
            confused.start(new PeerTesting.Inbox());
            await("the refusal is recorded", () -> confused.status().get(3L).lastError().contains("handshake"),
                    confused::status);
            assertTrue(!connected(confused, 3), "never connected: " + confused.status());
            assertTrue(!confused.send(3, frame(1, 0, 16)));
        } finally {
            confused.close();
        }
        assertGoodPeerStillServed();
        assertEquals(0, inB.count(3));
    }

    private void assertClosedAfter(byte[] payload) throws IOException {
        try (Socket s = new Socket(LOOPBACK, portB)) {
            s.getOutputStream().write(payload);
            s.getOutputStream().flush();
            assertClosedByPeer(s);
        }
        assertGoodPeerStillServed();
        assertEquals(0, inB.count(3), "nothing from the raw socket was delivered");
    }

    /** Reads until the listener closes; it may have answered a valid hello first, and sends nothing else. */
    private static void assertClosedByPeer(Socket s) throws IOException {
        s.setSoTimeout((int) PeerTesting.PATIENCE.toMillis());
        InputStream in = s.getInputStream();
        try {
            byte[] got = in.readAllBytes();
            if (got.length != 0) {
                assertArrayEquals(handshake(Handshake.MAGIC, Handshake.VERSION, 2, 3), got,
                        "only a handshake reply may precede the close");
            }
        } catch (SocketTimeoutException e) {
            fail("connection not closed by node 2");
        } catch (SocketException e) {
            assertTrue(String.valueOf(e.getMessage()).contains("reset"), "closed with a reset: " + e);
        }
    }

    private void assertGoodPeerStillServed() {
        long s = seq++;
        int before = inB.count(1);
        await("node 1 still reaches node 2", () -> {
            a.send(2, frame(1, s, 32));
            return inB.count(1) > before;
        }, a::status);
    }

    private static byte[] handshake(int magic, int version, long sender, long receiver) {
        return java.nio.ByteBuffer.allocate(24).putInt(magic).putInt(version).putLong(sender).putLong(receiver).array();
    }

    private static byte[] intBytes(int v) {
        return java.nio.ByteBuffer.allocate(4).putInt(v).array();
    }

    private static byte[] concat(byte[] x, byte[] y) {
        byte[] out = java.util.Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }
}
