package io.raftkv.server.peer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process network joining several {@link InMemoryPeerTransport}s, so a whole cluster can run in one JVM. Test
 * hooks cut it: {@link #partition}, {@link #isolate}, {@link #heal} (a cut link refuses frames, like a TCP transport
 * whose connection is down: {@code send} returns {@code false}), {@link #loseIf} (frames silently lost in flight) and
 * {@link #delay}.
 *
 * <p>Delivery, chosen at creation:
 * <ul>
 * <li>{@link #synchronous()}: {@code send} calls the receiver's {@code onFrame} on the caller's thread before it
 *     returns. Deterministic, but the receiver runs inside the sender's call: its consumer must only enqueue.
 *     {@link #delay} is not available.</li>
 * <li>{@link #threaded()}: frames are delivered on one thread owned by the network ({@code raftkv-inmem-net}), in
 *     send order per sender and receiver (equal delays keep order). {@link #close} stops it.</li>
 * </ul>
 * Transports are members from {@link #transport} until closed; every member is a peer of every other. Queues are not
 * bounded here. Hooks may be changed from any thread at any time.
 */
public final class InMemoryNetwork implements AutoCloseable {

    /** Decides whether a frame in flight is lost. */
    @FunctionalInterface
    public interface LossRule {
        boolean lose(long from, long to, byte[] frame);
    }

    private static final LossRule NO_LOSS = (from, to, frame) -> false;

    private final ScheduledExecutorService executor;
    private final Map<Long, InMemoryPeerTransport> members = new ConcurrentHashMap<>();
    private final AtomicLong lost = new AtomicLong();
    /** Member id -> side; members on different sides cannot reach each other. Absent means side 0. */
    private volatile Map<Long, Integer> sides = Map.of();
    private volatile LossRule lossRule = NO_LOSS;
    private volatile long delayNanos;

    private InMemoryNetwork(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    public static InMemoryNetwork synchronous() {
        return new InMemoryNetwork(null);
    }

    public static InMemoryNetwork threaded() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "raftkv-inmem-net");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        return new InMemoryNetwork(executor);
    }

    /** A new member with this id. Throws if the id is taken by an open transport. */
    public InMemoryPeerTransport transport(long id) {
        if (id <= 0) {
            throw new IllegalArgumentException("peer id must be positive: " + id);
        }
        InMemoryPeerTransport t = new InMemoryPeerTransport(this, id);
        if (members.putIfAbsent(id, t) != null) {
            throw new IllegalStateException("peer id " + id + " is already on this network");
        }
        return t;
    }

    /** Splits the members into the given sides; members not named form one more side together. Replaces any cut. */
    @SafeVarargs
    public final synchronized void partition(java.util.Set<Long>... groups) {
        Map<Long, Integer> next = new HashMap<>();
        for (int i = 0; i < groups.length; i++) {
            for (Long id : groups[i]) {
                if (next.put(id, i + 1) != null) {
                    throw new IllegalArgumentException("peer " + id + " named in two sides");
                }
            }
        }
        sides = Map.copyOf(next);
    }

    /** Cuts one member off from all others, keeping earlier cuts. */
    public synchronized void isolate(long id) {
        Map<Long, Integer> next = new HashMap<>(sides);
        int side = next.values().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        next.put(id, side);
        sides = Map.copyOf(next);
    }

    /** Removes every partition and isolation (not the loss rule or the delay). */
    public synchronized void heal() {
        sides = Map.of();
    }

    /** Frames for which {@code rule} answers true are accepted by {@code send} and then lost; {@code null} clears. */
    public void loseIf(LossRule rule) {
        lossRule = rule == null ? NO_LOSS : rule;
    }

    /** Delays every frame sent from now on by {@code d} (threaded networks only). */
    public void delay(Duration d) {
        if (executor == null) {
            throw new IllegalStateException("a synchronous network cannot delay frames");
        }
        delayNanos = Objects.requireNonNull(d, "d").toNanos();
    }

    /** Frames lost in flight so far (loss rule, or receiver gone before delivery). */
    public long lostFrames() {
        return lost.get();
    }

    boolean reachable(long from, long to) {
        Map<Long, Integer> s = sides;
        return s.getOrDefault(from, 0).equals(s.getOrDefault(to, 0));
    }

    InMemoryPeerTransport member(long id) {
        return members.get(id);
    }

    Iterable<InMemoryPeerTransport> members() {
        return members.values();
    }

    /** The caller has checked that the receiver is a started member and reachable. */
    void transmit(InMemoryPeerTransport sender, InMemoryPeerTransport receiver, byte[] frame) {
        if (lossRule.lose(sender.id(), receiver.id(), frame)) {
            lost.incrementAndGet();
            return;
        }
        if (executor == null) {
            deliver(sender.id(), receiver, frame);
            return;
        }
        Delivery d = new Delivery(sender.id(), receiver, frame);
        long delay = delayNanos;
        if (delay == 0) {
            executor.execute(d);
        } else {
            executor.schedule(d, delay, TimeUnit.NANOSECONDS);
        }
    }

    private void deliver(long from, InMemoryPeerTransport receiver, byte[] frame) {
        if (!receiver.receive(from, frame)) {
            lost.incrementAndGet();
        }
    }

    void left(InMemoryPeerTransport t) {
        members.remove(t.id(), t);
    }

    /** Stops the delivery thread (frames not yet delivered are lost). Transports should be closed first. */
    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    private final class Delivery implements Runnable {
        private final long from;
        private final InMemoryPeerTransport receiver;
        private final byte[] frame;

        Delivery(long from, InMemoryPeerTransport receiver, byte[] frame) {
            this.from = from;
            this.receiver = receiver;
            this.frame = frame;
        }

        @Override
        public void run() {
            if (!reachable(from, receiver.id())) {
                lost.incrementAndGet(); // a cut made while the frame was on its way loses it
                return;
            }
            deliver(from, receiver, frame);
        }
    }
}
