package io.raftkv.server.peer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

import static io.raftkv.server.peer.PeerTesting.LOOPBACK;
import static io.raftkv.server.peer.PeerTesting.await;
import static io.raftkv.server.peer.PeerTesting.connected;
import static io.raftkv.server.peer.PeerTesting.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real transports on loopback: ordering, large frames, late starters, restarts. */
class NettyPeerTransportTest {

    private static final int MAX_FRAME = 4 << 20;

    private final List<PeerTransport> open = new ArrayList<>();
    private final PeerTesting.LeakWatch leaks = new PeerTesting.LeakWatch();

    @AfterEach
    void closeAll() {
        open.forEach(PeerTransport::close);
        leaks.assertNoLeaks();
        leaks.close();
    }

    private static List<PeerAddress> cluster(int... ports) {
        List<PeerAddress> out = new ArrayList<>();
        for (int i = 0; i < ports.length; i++) {
            out.add(new PeerAddress(i + 1, LOOPBACK, ports[i]));
        }
        return out;
    }

    private NettyPeerTransport node(long id, List<PeerAddress> cluster) {
        PeerAddress self = cluster.get((int) id - 1);
        PeerTransportConfig config = PeerTransportConfig.of(id, LOOPBACK, self.port(), cluster)
                .withMaxFrameBytes(MAX_FRAME)
                .withQueueBounds(1 << 16, 64L << 20)
                .withReconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(200));
        NettyPeerTransport t = new NettyPeerTransport(config, new Random(id));
        open.add(t);
        return t;
    }

    private static void awaitMesh(List<? extends PeerTransport> nodes) {
        for (int i = 0; i < nodes.size(); i++) {
            for (int j = 0; j < nodes.size(); j++) {
                if (i != j) {
                    PeerTransport from = nodes.get(i);
                    long to = j + 1;
                    await("node " + (i + 1) + " connected to " + to, () -> connected(from, to), from::status);
                }
            }
        }
    }

    @Test
    void twoNodesExchangeManyFramesInOrderIncludingOneOfTheMaximumSize() {
        List<PeerAddress> cluster = cluster(PeerTesting.freePort(), PeerTesting.freePort());
        NettyPeerTransport a = node(1, cluster);
        NettyPeerTransport b = node(2, cluster);
        PeerTesting.Inbox inA = new PeerTesting.Inbox();
        PeerTesting.Inbox inB = new PeerTesting.Inbox();
        a.start(inA);
        b.start(inB);
        awaitMesh(List.of(a, b));

        int n = 5000;
        byte[] biggest = frame(1, n, MAX_FRAME);
        for (int i = 0; i < n; i++) {
            assertTrue(a.send(2, frame(1, i, 16 + i % 700)));
            assertTrue(b.send(1, frame(2, i, 16 + i % 300)));
        }
        assertTrue(a.send(2, biggest), "a frame of exactly maxFrameBytes is sent");
        assertFalse(a.send(2, new byte[MAX_FRAME + 1]), "a larger one is refused at the sender");

        await("B received all from A", () -> inB.count(1) == n + 1, a::status);
        await("A received all from B", () -> inA.count(2) == n, b::status);
        assertEquals(LongStream.rangeClosed(0, n).boxed().toList(), inB.seqs(1));
        assertEquals(LongStream.range(0, n).boxed().toList(), inA.seqs(2));
        assertArrayEquals(biggest, inB.from(1).get(n));
        assertEquals(16 + 699, inB.from(1).get(699).length);

        PeerStatus aToB = a.status().get(2L);
        assertEquals(n + 1, aToB.framesSent());
        assertEquals(1, aToB.framesDropped());
        assertEquals(n, aToB.framesReceived());
        assertEquals(0, aToB.queuedFrames());
        assertEquals(n + 1, b.status().get(1L).framesReceived());
    }

    @Test
    void aFrameSentOnTheDriverLoopIsWrittenBeforeTheSendReturnsAndFramesArriveThere() throws Exception {
        List<PeerAddress> cluster = cluster(PeerTesting.freePort(), PeerTesting.freePort());
        NettyPeerTransport a = node(1, cluster);
        NettyPeerTransport b = node(2, cluster);
        java.util.concurrent.ScheduledExecutorService loopA = a.driverLoop();
        java.util.concurrent.ScheduledExecutorService loopB = b.driverLoop();
        assertTrue(loopA != null && loopB != null, "one I/O thread (the default): the transport offers it");
        java.util.concurrent.atomic.AtomicReference<Thread> deliveredOn = new java.util.concurrent.atomic.AtomicReference<>();
        PeerTesting.Inbox inB = new PeerTesting.Inbox();
        a.start(new PeerTesting.Inbox());
        b.start((from, frame) -> {
            deliveredOn.compareAndSet(null, Thread.currentThread());
            inB.onFrame(from, frame);
        });
        awaitMesh(List.of(a, b));

        // On the loop, the frame is on the wire when send returns (a driver's append leaves before its WAL sync)...
        long sentThere = loopA.submit(() -> {
            assertTrue(a.send(2, frame(1, 0, 64)));
            return a.status().get(2L).framesSent();
        }).get();
        assertEquals(1, sentThere);
        // ...and inbound frames are handed over on the receiver's loop thread.
        await("B received the frame", () -> inB.count(1) == 1, a::status);
        assertEquals(loopB.submit(Thread::currentThread).get(), deliveredOn.get());
    }

    @Test
    void aFrameOfTheDefault64MiBLimitPassesAlthoughItExceedsTheQueueByteBound() {
        List<PeerAddress> cluster = cluster(PeerTesting.freePort(), PeerTesting.freePort());
        List<NettyPeerTransport> nodes = new ArrayList<>();
        List<PeerTesting.Inbox> inboxes = new ArrayList<>();
        for (long id = 1; id <= 2; id++) {
            PeerTransportConfig defaults = PeerTransportConfig.of(id, LOOPBACK, cluster.get((int) id - 1).port(),
                    cluster);
            NettyPeerTransport t = new NettyPeerTransport(defaults, new Random(id));
            open.add(t);
            PeerTesting.Inbox in = new PeerTesting.Inbox();
            t.start(in);
            nodes.add(t);
            inboxes.add(in);
        }
        awaitMesh(nodes);
        byte[] huge = frame(1, 1, PeerTransportConfig.DEFAULT_MAX_FRAME_BYTES);
        assertTrue(nodes.get(0).send(2, huge), "accepted: nothing else is queued");
        // Until the huge frame has left the queue the byte bound is exceeded and further frames are dropped, so the
        // small one is sent once the queue is empty again.
        await("the huge frame leaves the queue", () -> nodes.get(0).status().get(2L).queuedFrames() == 0,
                nodes.get(0)::status);
        assertTrue(nodes.get(0).send(2, frame(1, 2, 16)), "a small frame may follow it");
        await("both arrive", () -> inboxes.get(1).count(1) == 2, nodes.get(0)::status);
        assertArrayEquals(huge, inboxes.get(1).from(1).get(0));
        assertEquals(2L, PeerTesting.seqOf(inboxes.get(1).from(1).get(1)));
    }

    @Test
    void threeNodesAllToAllKeepPerSenderOrder() {
        List<PeerAddress> cluster = cluster(PeerTesting.freePort(), PeerTesting.freePort(), PeerTesting.freePort());
        List<NettyPeerTransport> nodes = new ArrayList<>();
        List<PeerTesting.Inbox> inboxes = new ArrayList<>();
        for (long id = 1; id <= 3; id++) {
            NettyPeerTransport t = node(id, cluster);
            PeerTesting.Inbox in = new PeerTesting.Inbox();
            t.start(in);
            nodes.add(t);
            inboxes.add(in);
        }
        awaitMesh(nodes);

        int n = 2000;
        for (int i = 0; i < n; i++) {
            for (long from = 1; from <= 3; from++) {
                for (long to = 1; to <= 3; to++) {
                    if (from != to) {
                        assertTrue(nodes.get((int) from - 1).send(to, frame(from, i, 24)));
                    }
                }
            }
        }
        List<Long> expected = LongStream.range(0, n).boxed().toList();
        for (long to = 1; to <= 3; to++) {
            PeerTesting.Inbox in = inboxes.get((int) to - 1);
            for (long from = 1; from <= 3; from++) {
                if (from != to) {
                    long f = from;
                    await("node " + to + " received all from " + from, () -> in.count(f) == n);
                    assertEquals(expected, in.seqs(from), "order of frames from " + from + " at " + to);
                }
            }
        }
    }

    @Test
    void concurrentSendersEachKeepTheirOrder() throws InterruptedException {
        List<PeerAddress> cluster = cluster(PeerTesting.freePort(), PeerTesting.freePort());
        NettyPeerTransport a = node(1, cluster);
        NettyPeerTransport b = node(2, cluster);
        a.start(new PeerTesting.Inbox());
        List<byte[]> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        b.start((from, f) -> received.add(f));
        awaitMesh(List.of(a, b));

        int threads = 4;
        int n = 3000;
        List<Thread> senders = new ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        for (int t = 0; t < threads; t++) {
            long tag = t;
            senders.add(new Thread(() -> {
                for (int i = 0; i < n; i++) {
                    if (!a.send(2, frame(tag, i, 32))) {
                        refused.incrementAndGet();
                    }
                }
            }, "sender-" + t));
        }
        senders.forEach(Thread::start);
        for (Thread t : senders) {
            t.join();
        }
        assertEquals(0, refused.get(), "the queue is large enough for every frame here");
        await("all frames arrive", () -> received.size() == threads * n, a::status);
        long[] next = new long[threads];
        for (byte[] f : received) {
            int tag = (int) PeerTesting.senderOf(f);
            assertEquals(next[tag]++, PeerTesting.seqOf(f), "order of sender thread " + tag);
        }
    }

    @Test
    void framesForAPeerThatIsNotUpAreDroppedThenDeliveryStartsOnceItConnects() {
        List<PeerAddress> cluster = cluster(PeerTesting.freePort(), PeerTesting.freePort());
        NettyPeerTransport a = node(1, cluster);
        PeerTesting.Inbox inA = new PeerTesting.Inbox();
        a.start(inA);

        assertFalse(a.send(2, frame(1, 0, 16)), "no connection yet: dropped, not held");
        assertFalse(a.send(7, frame(1, 0, 16)), "unknown peer");
        assertFalse(connected(a, 2));
        assertEquals(1, a.status().get(2L).framesDropped());
        await("A records why it cannot connect", () -> !a.status().get(2L).lastError().isEmpty(), a::status);

        NettyPeerTransport b = node(2, cluster);
        PeerTesting.Inbox inB = new PeerTesting.Inbox();
        b.start(inB);
        awaitMesh(List.of(a, b));
        assertTrue(a.send(2, frame(1, 1, 16)));
        assertTrue(b.send(1, frame(2, 1, 16)));
        await("B receives", () -> inB.count(1) == 1);
        await("A receives", () -> inA.count(2) == 1);
        assertEquals(List.of(1L), inB.seqs(1), "the frame sent before B was up never arrives");
    }

    @Test
    void aRestartedPeerOnTheSamePortIsReconnectedByItself() {
        List<PeerAddress> cluster = cluster(PeerTesting.freePort(), PeerTesting.freePort(), PeerTesting.freePort());
        NettyPeerTransport a = node(1, cluster);
        NettyPeerTransport b = node(2, cluster);
        NettyPeerTransport c = node(3, cluster);
        PeerTesting.Inbox inA = new PeerTesting.Inbox();
        PeerTesting.Inbox inC = new PeerTesting.Inbox();
        a.start(inA);
        b.start(new PeerTesting.Inbox());
        c.start(inC);
        awaitMesh(List.of(a, b, c));

        b.close();
        await("A sees B gone", () -> !connected(a, 2), a::status);
        await("C sees B gone", () -> !connected(c, 2), c::status);
        assertTrue(a.send(3, frame(1, 0, 16)), "the others keep talking");
        await("C still hears A", () -> inC.count(1) == 1);

        NettyPeerTransport b2 = node(2, cluster);
        PeerTesting.Inbox inB2 = new PeerTesting.Inbox();
        b2.start(inB2);
        long[] seq = {0};
        await("A reaches the new B by itself", () -> {
            a.send(2, frame(1, seq[0]++, 16));
            return inB2.count(1) > 0;
        }, a::status);
        await("C reaches the new B by itself", () -> {
            c.send(2, frame(3, seq[0]++, 16));
            return inB2.count(3) > 0;
        }, c::status);
        await("the new B reaches A and C", () -> connected(b2, 1) && connected(b2, 3), b2::status);
        assertTrue(b2.send(1, frame(2, 0, 16)));
        assertTrue(b2.send(3, frame(2, 0, 16)));
        await("A hears the new B", () -> inA.count(2) == 1);
        await("C hears the new B", () -> inC.count(2) == 1);
    }

    @Test
    void lifecycleMisuseFailsLoudly() {
        int port = PeerTesting.freePort();
        List<PeerAddress> cluster = cluster(port, PeerTesting.freePort());
        NettyPeerTransport a = node(1, cluster);
        a.start(new PeerTesting.Inbox());
        assertThrows(IllegalStateException.class, () -> a.start(new PeerTesting.Inbox()));
        assertEquals(port, a.boundPort());

        NettyPeerTransport clash = node(1, cluster);
        assertThrows(IllegalStateException.class, () -> clash.start(new PeerTesting.Inbox()), "port in use");

        a.close();
        a.close();
        assertFalse(a.send(2, frame(1, 0, 16)), "closed: dropped");
    }
}
