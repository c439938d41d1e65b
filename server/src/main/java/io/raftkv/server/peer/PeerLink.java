package io.raftkv.server.peer;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.util.concurrent.ScheduledFuture;
import org.agrona.collections.LongHashSet;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This node's side of one peer: the outbound connection it dials (and redials with backoff), the bounded queue of
 * frames waiting for that connection, and the peer's counters.
 *
 * <p>Threads: {@link #offer} runs on any sender thread and only touches the lock-free queue and atomics; everything
 * else (connecting, draining, the channel field) is confined to this link's event loop, which is fixed at
 * construction so that connect, drain and close callbacks never race.
 *
 * <p>Connecting: dial, send the hello, and count as connected only when the peer's handshake reply arrives; any
 * failure before that is a failed attempt and the next one waits for the backoff, which resets once a reply arrives.
 *
 * <p>Flow: a sender reserves room (frames, then bytes) and enqueues; the first sender to find no drain pending
 * schedules one on the event loop ({@link #run}), which writes frames while the channel is writable, up to a batch,
 * then flushes once. When the channel is unwritable (above the high water mark) frames stay queued up to the bound and
 * the next ones are dropped; the writability event resumes the drain.
 */
final class PeerLink implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(PeerLink.class);
    /** Frames written per drain before yielding the event loop to other channels. */
    private static final int MAX_BATCH_FRAMES = 256;

    private final long selfId;
    private final PeerAddress address;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    /** Every open channel of the transport, closed together on close. */
    private final ChannelGroup channels;
    private final int maxFrameBytes;
    private final int maxQueuedFrames;
    private final long maxQueuedBytes;
    private final LongHashSet expectedReplier = new LongHashSet();
    private final long handshakeTimeoutMillis;
    private final ManyToOneConcurrentArrayQueue<byte[]> queue;
    private final AtomicInteger queuedFrames = new AtomicInteger();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean drainPending = new AtomicBoolean();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private volatile boolean connected;
    private volatile boolean closed;
    private volatile String lastError = "";

    // Confined to loop.
    private final ReconnectBackoff backoff;
    private Channel channel;
    private ScheduledFuture<?> reconnect;
    private int failuresInRow;
    private String closeCause = "";

    PeerLink(PeerTransportConfig config, PeerAddress address, EventLoop loop, Bootstrap base, Random random,
             ChannelGroup channels) {
        this.channels = channels;
        this.selfId = config.selfId();
        this.address = address;
        this.loop = loop;
        this.maxFrameBytes = config.maxFrameBytes();
        this.maxQueuedFrames = config.maxQueuedFramesPerPeer();
        this.maxQueuedBytes = config.maxQueuedBytesPerPeer();
        this.expectedReplier.add(address.id());
        this.handshakeTimeoutMillis = config.handshakeTimeout().toMillis();
        this.queue = new ManyToOneConcurrentArrayQueue<>(maxQueuedFrames);
        this.backoff = new ReconnectBackoff(config.reconnectBackoffMin().toMillis(),
                config.reconnectBackoffMax().toMillis(), random);
        // Unresolved: the name is looked up at each attempt (a restarted container may come back at a new address).
        this.bootstrap = base.clone(loop)
                .handler(new OutboundChannelInitializer(this))
                .remoteAddress(InetSocketAddress.createUnresolved(address.host(), address.port()));
    }

    long id() {
        return address.id();
    }

    long selfId() {
        return selfId;
    }

    /** The only sender accepted in the handshake reply: the peer itself. */
    LongHashSet expectedReplier() {
        return expectedReplier;
    }

    long handshakeTimeoutMillis() {
        return handshakeTimeoutMillis;
    }

    /** Any thread. See {@link PeerTransport#send}. */
    boolean offer(byte[] frame) {
        if (!connected) {
            return drop();
        }
        int length = frame.length;
        if (length > maxFrameBytes) {
            lastError = "refused to send a frame of " + length + " bytes (max " + maxFrameBytes + ")";
            return drop();
        }
        if (queuedFrames.incrementAndGet() > maxQueuedFrames) {
            queuedFrames.decrementAndGet();
            return drop();
        }
        long before = queuedBytes.getAndAdd(length);
        if (before != 0 && before + length > maxQueuedBytes) {
            queuedBytes.addAndGet(-length);
            queuedFrames.decrementAndGet();
            return drop();
        }
        if (!queue.offer(frame)) {
            throw new IllegalStateException("queue full below its reserved bound: capacity " + queue.capacity()
                    + " < " + maxQueuedFrames);
        }
        wakeDrain();
        return true;
    }

    /**
     * Any thread: makes sure a drain will run after this call. On the link's own event loop it drains at once: a
     * driver running there (see {@link PeerTransport#driverLoop}) gets its frame on the wire before it goes on to a
     * WAL sync, rather than after.
     */
    void wakeDrain() {
        if (loop.inEventLoop()) {
            run();
        } else {
            scheduleDrain();
        }
    }

    private void scheduleDrain() {
        if (!drainPending.get() && drainPending.compareAndSet(false, true)) {
            loop.execute(this);
        }
    }

    /** The drain, on the event loop. */
    @Override
    public void run() {
        drainPending.set(false);
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            discardQueued();
            return;
        }
        if (!connected) { // handshake not answered yet; handshakeAnswered wakes the drain
            return;
        }
        int written = 0;
        while (written < MAX_BATCH_FRAMES && ch.isWritable()) {
            byte[] frame = queue.poll();
            if (frame == null) {
                break;
            }
            queuedFrames.decrementAndGet();
            queuedBytes.addAndGet(-frame.length);
            ch.write(frame, ch.voidPromise());
            written++;
        }
        if (written > 0) {
            sent.addAndGet(written);
            ch.flush();
        }
        if (written == MAX_BATCH_FRAMES && !queue.isEmpty()) {
            scheduleDrain(); // later, after the loop's other channels
        }
    }

    /** Any thread: begins dialing. */
    void start() {
        loop.execute(this::connect);
    }

    private void connect() {
        reconnect = null;
        if (closed) {
            return;
        }
        ChannelFuture f = bootstrap.connect();
        channels.add(f.channel());
        f.addListener(this::onConnectDone);
    }

    private void onConnectDone(io.netty.util.concurrent.Future<? super Void> f) {
        Channel ch = ((ChannelFuture) f).channel();
        if (!f.isSuccess()) {
            attemptFailed("connect: " + f.cause());
            return;
        }
        if (closed) {
            ch.close();
            return;
        }
        channel = ch;
        ch.closeFuture().addListener(c -> onClosed(ch));
        ch.writeAndFlush(Handshake.encode(ch.alloc(), selfId, address.id()), ch.voidPromise());
    }

    /** On the event loop: the listener accepted our hello; frames may flow. */
    void handshakeAnswered(Channel ch) {
        if (channel != ch || closed) {
            return;
        }
        connected = true;
        failuresInRow = 0;
        backoff.reset();
        log.info("connected to peer {}", address);
        wakeDrain();
    }

    private void onClosed(Channel ch) {
        if (channel != ch) {
            return;
        }
        boolean wasConnected = connected;
        channel = null;
        connected = false;
        discardQueued();
        if (closed) {
            return;
        }
        String cause = closeCause;
        closeCause = "";
        if (!wasConnected) {
            attemptFailed("closed before the handshake was answered"
                    + (cause.isEmpty() ? " (refused? see the peer's log)" : ": " + cause));
            return;
        }
        log.info("lost connection to peer {}{}", address, cause.isEmpty() ? "" : ": " + cause);
        scheduleReconnect();
    }

    private void attemptFailed(String why) {
        failuresInRow++;
        lastError = why;
        if (failuresInRow == 1) {
            log.info("cannot connect to peer {}: {} (retrying with backoff)", address, why);
        } else {
            log.debug("cannot connect to peer {}: {}", address, why);
        }
        scheduleReconnect();
    }

    /** On the event loop, from the pipeline. */
    void connectionFailed(Throwable cause) {
        lastError = cause.toString();
        closeCause = lastError;
        log.debug("connection to peer {} failed", address, cause);
    }

    private void scheduleReconnect() {
        if (closed || reconnect != null) {
            return;
        }
        reconnect = loop.schedule(this::connect, backoff.nextDelayMillis(), TimeUnit.MILLISECONDS);
    }

    private void discardQueued() {
        byte[] frame;
        while ((frame = queue.poll()) != null) {
            queuedFrames.decrementAndGet();
            queuedBytes.addAndGet(-frame.length);
            dropped.incrementAndGet();
        }
    }

    private boolean drop() {
        dropped.incrementAndGet();
        return false;
    }

    void received() {
        received.incrementAndGet();
    }

    /** Any thread. Stops accepting frames and reconnecting; the transport closes the channel. */
    void close() {
        closed = true;
        connected = false;
    }

    PeerStatus status() {
        return new PeerStatus(address.id(), connected, queuedFrames.get(), queuedBytes.get(), sent.get(),
                dropped.get(), received.get(), lastError);
    }
}
