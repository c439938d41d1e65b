package io.raftkv.server.peer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.raftkv.server.peer.PeerTesting.LOOPBACK;
import static io.raftkv.server.peer.PeerTesting.await;
import static io.raftkv.server.peer.PeerTesting.connected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer that accepts, answers the handshake and never reads again: the socket buffers fill, the connection turns
 * unwritable, frames wait in the bounded queue and the rest are dropped and counted, while {@code send} keeps
 * returning at once.
 */
class NettyPeerTransportBackPressureTest {

    private static final int MAX_FRAMES = 64;
    private static final long MAX_BYTES = 1 << 20;
    private static final int FRAME = 16 << 10;

    @Test
    void aPeerThatNeverReadsCostsBoundedMemoryAndNeverBlocksTheSender() throws Exception {
        try (ServerSocket sink = new ServerSocket();
             PeerTesting.LeakWatch leaks = new PeerTesting.LeakWatch()) {
            sink.setReceiveBufferSize(4096);
            sink.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), 0));
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    Socket s = sink.accept();
                    s.getInputStream().readNBytes(Handshake.LENGTH); // the hello: the last bytes it ever reads
                    s.getOutputStream().write(java.nio.ByteBuffer.allocate(Handshake.LENGTH).putInt(Handshake.MAGIC)
                            .putInt(Handshake.VERSION).putLong(2).putLong(1).array());
                    return s;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            List<PeerAddress> cluster = List.of(new PeerAddress(1, LOOPBACK, PeerTesting.freePort()),
                    new PeerAddress(2, LOOPBACK, sink.getLocalPort()));
            PeerTransportConfig config = PeerTransportConfig.of(1, LOOPBACK, cluster.get(0).port(), cluster)
                    .withQueueBounds(MAX_FRAMES, MAX_BYTES)
                    .withWriteBufferWaterMarks(32 << 10, 64 << 10)
                    .withReconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(100));
            NettyPeerTransport a = new NettyPeerTransport(config, new Random(1));
            try {
                a.start(new PeerTesting.Inbox());
                await("connected to the sink", () -> connected(a, 2), a::status);
                Socket never = accepted.get(PeerTesting.PATIENCE.toSeconds(), TimeUnit.SECONDS);

                int total = 20_000; // 312 MiB offered: far beyond every buffer on the way
                byte[] frame = new byte[FRAME];
                int[] refused = {0};
                assertTimeoutPreemptively(PeerTesting.PATIENCE, () -> {
                    for (int i = 0; i < total; i++) {
                        if (!a.send(2, frame)) {
                            refused[0]++;
                        }
                        if (i % 100 == 0) {
                            assertWithinBounds(a.status().get(2L));
                        }
                    }
                }, "send() blocked");

                assertTrue(refused[0] > 0, "some frames were dropped");
                await("every frame is accounted for as sent, dropped or queued", () -> {
                    PeerStatus s = a.status().get(2L);
                    return s.framesSent() + s.framesDropped() + s.queuedFrames() == total;
                }, a::status);
                PeerStatus s = a.status().get(2L);
                assertWithinBounds(s);
                assertEquals(refused[0], s.framesDropped(), "drops counted: " + s);
                assertTrue(s.connected(), "a slow peer is not disconnected: " + s);
                assertTrue(s.framesSent() < total / 2, "most frames never left: " + s);
                System.out.println("after " + total + " sends to a peer that never reads: " + s);

                sink.close(); // no reconnection may succeed while the disconnect is being observed
                never.close();
                await("the sink's close is noticed and what was queued is discarded",
                        () -> !connected(a, 2) && a.status().get(2L).queuedFrames() == 0, a::status);
                PeerStatus after = a.status().get(2L);
                assertEquals(total, after.framesSent() + after.framesDropped(), "accounting after discard: " + after);
            } finally {
                a.close();
            }
            leaks.assertNoLeaks();
        }
    }

    private static void assertWithinBounds(PeerStatus s) {
        assertTrue(s.queuedFrames() <= MAX_FRAMES, "frame bound: " + s);
        assertTrue(s.queuedBytes() <= MAX_BYTES, "byte bound: " + s);
    }
}
