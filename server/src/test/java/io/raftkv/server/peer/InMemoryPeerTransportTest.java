package io.raftkv.server.peer;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;

import static io.raftkv.server.peer.PeerTesting.await;
import static io.raftkv.server.peer.PeerTesting.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InMemoryPeerTransportTest {

    private static List<InMemoryPeerTransport> members(InMemoryNetwork net, int n, List<PeerTesting.Inbox> inboxes) {
        List<InMemoryPeerTransport> out = new ArrayList<>();
        for (long id = 1; id <= n; id++) {
            InMemoryPeerTransport t = net.transport(id);
            PeerTesting.Inbox in = new PeerTesting.Inbox();
            t.start(in);
            out.add(t);
            inboxes.add(in);
        }
        return out;
    }

    @Test
    void synchronousDeliveryHappensInsideSend() {
        InMemoryNetwork net = InMemoryNetwork.synchronous();
        List<PeerTesting.Inbox> in = new ArrayList<>();
        List<InMemoryPeerTransport> t = members(net, 3, in);
        byte[] f = frame(1, 0, 16);
        assertTrue(t.get(0).send(2, f));
        assertEquals(1, in.get(1).count(1), "delivered before send returned");
        assertSame(f, in.get(1).from(1).get(0), "frames pass by reference");
        assertFalse(t.get(0).send(9, f), "unknown peer");
        assertFalse(t.get(0).send(1, f), "self");
        PeerStatus s = t.get(0).status().get(2L);
        assertEquals(1, s.framesSent());
        assertTrue(s.connected());
        assertEquals(Set.of(2L, 3L, 9L), t.get(0).status().keySet(), "members plus peers with counted drops");
        assertEquals(1, t.get(1).status().get(1L).framesReceived());
    }

    @Test
    void threadedDeliveryKeepsOrderPerSender() {
        try (InMemoryNetwork net = InMemoryNetwork.threaded()) {
            List<PeerTesting.Inbox> in = new ArrayList<>();
            List<InMemoryPeerTransport> t = members(net, 3, in);
            int n = 5000;
            for (int i = 0; i < n; i++) {
                assertTrue(t.get(0).send(3, frame(1, i, 16)));
                assertTrue(t.get(1).send(3, frame(2, i, 16)));
            }
            await("all delivered", () -> in.get(2).count(1) == n && in.get(2).count(2) == n);
            List<Long> expected = LongStream.range(0, n).boxed().toList();
            assertEquals(expected, in.get(2).seqs(1));
            assertEquals(expected, in.get(2).seqs(2));
        }
    }

    @Test
    void partitionIsolateAndHeal() {
        InMemoryNetwork net = InMemoryNetwork.synchronous();
        List<PeerTesting.Inbox> in = new ArrayList<>();
        List<InMemoryPeerTransport> t = members(net, 5, in);

        net.partition(Set.of(1L, 2L), Set.of(3L, 4L)); // 5 is left on a side of its own
        assertTrue(t.get(0).send(2, frame(1, 0, 16)));
        assertFalse(t.get(0).send(3, frame(1, 0, 16)), "across the cut");
        assertFalse(t.get(3).send(5, frame(4, 0, 16)));
        assertTrue(t.get(2).send(4, frame(3, 0, 16)));
        assertFalse(t.get(0).status().get(3L).connected());
        assertEquals(1, t.get(0).status().get(3L).framesDropped());

        net.heal();
        net.isolate(1);
        assertFalse(t.get(1).send(1, frame(2, 1, 16)));
        assertTrue(t.get(1).send(3, frame(2, 1, 16)));

        net.heal();
        assertTrue(t.get(0).send(3, frame(1, 1, 16)));
        assertEquals(List.of(1L), in.get(2).seqs(1), "only the frame sent after healing arrived");
    }

    @Test
    void lossRuleLosesFramesSilently() {
        InMemoryNetwork net = InMemoryNetwork.synchronous();
        List<PeerTesting.Inbox> in = new ArrayList<>();
        List<InMemoryPeerTransport> t = members(net, 2, in);
        net.loseIf((from, to, f) -> PeerTesting.seqOf(f) % 2 == 1);
        for (int i = 0; i < 10; i++) {
            assertTrue(t.get(0).send(2, frame(1, i, 16)), "loss in flight is invisible to the sender");
        }
        assertEquals(List.of(0L, 2L, 4L, 6L, 8L), in.get(1).seqs(1));
        assertEquals(5, net.lostFrames());
        net.loseIf(null);
        assertTrue(t.get(0).send(2, frame(1, 11, 16)));
        assertEquals(6, in.get(1).count(1));
    }

    @Test
    void delayedFramesStillArriveInOrder() {
        try (InMemoryNetwork net = InMemoryNetwork.threaded()) {
            List<PeerTesting.Inbox> in = new ArrayList<>();
            List<InMemoryPeerTransport> t = members(net, 2, in);
            net.delay(Duration.ofMillis(20));
            for (int i = 0; i < 100; i++) {
                t.get(0).send(2, frame(1, i, 16));
            }
            await("delayed frames arrive", () -> in.get(1).count(1) == 100);
            assertEquals(LongStream.range(0, 100).boxed().toList(), in.get(1).seqs(1));
        }
        assertThrows(IllegalStateException.class, () -> InMemoryNetwork.synchronous().delay(Duration.ofMillis(1)));
    }

    @Test
    void closedOrUnstartedMembersReceiveNothingAndIdsCanBeReused() {
        InMemoryNetwork net = InMemoryNetwork.synchronous();
        InMemoryPeerTransport a = net.transport(1);
        InMemoryPeerTransport b = net.transport(2);
        a.start(new PeerTesting.Inbox());
        assertFalse(a.send(2, frame(1, 0, 16)), "not started");
        assertThrows(IllegalStateException.class, () -> net.transport(2));
        b.close();
        assertFalse(a.send(2, frame(1, 0, 16)), "closed");
        InMemoryPeerTransport b2 = net.transport(2);
        PeerTesting.Inbox in = new PeerTesting.Inbox();
        b2.start(in);
        assertTrue(a.send(2, frame(1, 1, 16)));
        assertEquals(List.of(1L), in.seqs(1));
        assertThrows(IllegalStateException.class, () -> b2.start(in));
    }
}
