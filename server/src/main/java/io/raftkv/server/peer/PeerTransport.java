package io.raftkv.server.peer;

import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Moves opaque frames between cluster members. The frames are the Raft messages already encoded by the raft module's
 * codec (versioned, length-prefixed, CRC32C); the transport never looks inside them. Delivery is best effort: a frame
 * may be dropped (and then {@link #send} says so, or the frame is lost on a connection that breaks). Frames from one
 * sender to one receiver arrive in the order they were sent, except around a reconnection, when the last frames of
 * the old connection may still arrive after the first of the new one. Raft tolerates loss, duplication and
 * reordering and retries on its own (heartbeats, AppendEntries probes), so nothing here retries a frame.
 *
 * <p>Two implementations: {@link NettyPeerTransport} (TCP) and {@link InMemoryPeerTransport} (tests, one JVM).
 */
public interface PeerTransport extends AutoCloseable {

    /**
     * Queues {@code frame} for peer {@code to} and returns at once; never blocks, never throws for a network
     * condition. Any thread may call it.
     *
     * <p>Ownership of {@code frame} passes to the transport: the caller must not modify the array afterwards (the
     * same unmodified array may be sent to several peers).
     *
     * @return {@code false} if the frame was dropped here: peer unknown, not connected (no established connection,
     *         so a frame sent before a peer is reachable is dropped, not held), its queue full (frames or bytes),
     *         frame larger than the maximum frame size, or transport not started / closed. {@code true} means
     *         queued, not delivered.
     */
    boolean send(long to, byte[] frame);

    /**
     * Starts listening and connecting. Must be called once, before anything is received; a second call throws
     * {@link IllegalStateException}, as does a failure to listen (port in use). Frames received afterwards are
     * passed to {@code inbound} on a transport thread.
     */
    void start(Inbound inbound);

    /**
     * The transport's I/O thread as an executor, if it has exactly one: {@link Inbound#onFrame} runs on it, and
     * {@link #send} called on it writes at once, without handing the frame to another thread. A driver that runs its
     * work there moves Raft messages between socket and core with no thread switch. Tasks run in submission order
     * and may block (a WAL sync), holding up the transport's I/O meanwhile. Null if there is no such single thread;
     * the caller then runs its own.
     */
    default ScheduledExecutorService driverLoop() {
        return null;
    }

    /**
     * A snapshot of per-peer counters for INFO and tests, keyed by peer id (self excluded). Any thread; allocates, so
     * not for hot paths.
     */
    Map<Long, PeerStatus> status();

    /**
     * Closes connections and stops the transport's threads; queued frames are discarded, later sends return
     * {@code false}. Idempotent. Blocks until the threads have stopped, so it must not be called from
     * {@link Inbound#onFrame} (a transport thread).
     */
    @Override
    void close();

    /** Where received frames go. */
    @FunctionalInterface
    interface Inbound {
        /**
         * Called on a transport thread, in arrival order per sender; must not block (hand the frame to the driver's
         * queue). {@code frame} is a fresh array owned by the callee. An exception thrown here is logged and the
         * frame is lost; the connection stays open.
         */
        void onFrame(long from, byte[] frame);
    }
}
