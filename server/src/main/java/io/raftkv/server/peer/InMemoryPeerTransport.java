package io.raftkv.server.peer;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A member of an {@link InMemoryNetwork}; see there for delivery threads and test hooks. Its peers are the network's
 * other open members. {@code send} drops (returns {@code false}) when the receiver is unknown, not started, closed or
 * cut off by a partition. A frame is passed by reference: the receiver gets the very array the sender gave up.
 */
public final class InMemoryPeerTransport implements PeerTransport {

    private final InMemoryNetwork network;
    private final long id;
    private final Map<Long, Counters> counters = new ConcurrentHashMap<>();
    private volatile Inbound inbound;
    private volatile boolean closed;

    InMemoryPeerTransport(InMemoryNetwork network, long id) {
        this.network = network;
        this.id = id;
    }

    public long id() {
        return id;
    }

    @Override
    public synchronized void start(Inbound inbound) {
        Objects.requireNonNull(inbound, "inbound");
        if (closed) {
            throw new IllegalStateException("peer transport is closed");
        }
        if (this.inbound != null) {
            throw new IllegalStateException("peer transport already started");
        }
        this.inbound = inbound;
    }

    @Override
    public boolean send(long to, byte[] frame) {
        Objects.requireNonNull(frame, "frame");
        InMemoryPeerTransport receiver = network.member(to);
        if (inbound == null || closed || receiver == null || to == id || !receiver.open()
                || !network.reachable(id, to)) {
            counters(to).dropped.incrementAndGet();
            return false;
        }
        counters(to).sent.incrementAndGet();
        network.transmit(this, receiver, frame);
        return true;
    }

    /** On the network's delivery thread (or the sender's, if synchronous). False if this member can't receive. */
    boolean receive(long from, byte[] frame) {
        Inbound in = inbound;
        if (in == null || closed) {
            return false;
        }
        counters(from).received.incrementAndGet();
        in.onFrame(from, frame);
        return true;
    }

    boolean open() {
        return inbound != null && !closed;
    }

    /** Every other open member, plus any peer this one has counted frames for. Queues are never reported. */
    @Override
    public Map<Long, PeerStatus> status() {
        TreeSet<Long> peers = new TreeSet<>(counters.keySet());
        for (InMemoryPeerTransport peer : network.members()) {
            peers.add(peer.id);
        }
        peers.remove(id);
        Map<Long, PeerStatus> out = new TreeMap<>();
        for (long peer : peers) {
            Counters c = counters(peer);
            InMemoryPeerTransport p = network.member(peer);
            boolean connected = open() && p != null && p.open() && network.reachable(id, peer);
            out.put(peer, new PeerStatus(peer, connected, 0, 0, c.sent.get(), c.dropped.get(), c.received.get(), ""));
        }
        return out;
    }

    @Override
    public void close() {
        closed = true;
        network.left(this);
    }

    private Counters counters(long peer) {
        Counters c = counters.get(peer);
        return c != null ? c : counters.computeIfAbsent(peer, k -> new Counters());
    }

    private static final class Counters {
        final AtomicLong sent = new AtomicLong();
        final AtomicLong dropped = new AtomicLong();
        final AtomicLong received = new AtomicLong();
    }
}
