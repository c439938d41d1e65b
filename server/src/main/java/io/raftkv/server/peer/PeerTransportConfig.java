package io.raftkv.server.peer;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the peer transport needs, validated here so that a bad value fails at startup.
 *
 * @param selfId                 this node's Raft id, positive
 * @param bindHost               address to listen on for peer connections
 * @param bindPort               peer port to listen on; 0 picks a free port (tests)
 * @param peers                  the cluster's members; may include this node (ignored), so every node can be given
 *                               the same list. Only these addresses are ever dialed, and only these ids are accepted
 *                               as senders.
 * @param maxFrameBytes          largest frame accepted or sent (default 64 MiB); a peer announcing a longer frame
 *                               loses its connection
 * @param maxQueuedFramesPerPeer bound on frames waiting for one peer's connection (default 4096)
 * @param maxQueuedBytesPerPeer  bound on the bytes of those frames (default 16 MiB); a single frame larger than the
 *                               bound is still accepted when nothing else is queued
 * @param connectTimeout         TCP connect timeout (default 3 s)
 * @param reconnectBackoffMin    first delay before reconnecting after a failure (default 50 ms)
 * @param reconnectBackoffMax    the delay doubles per failure up to this (default 2 s); jittered down to half
 * @param handshakeTimeout       an inbound connection that has not sent its handshake by then is closed (default 5 s)
 * @param writeBufferLowWaterMark  Netty write buffer low water mark per connection (default 256 KiB)
 * @param writeBufferHighWaterMark above this the connection is unwritable and frames wait in the bounded queue
 *                                 (default 1 MiB)
 * @param ioThreads              event loop threads shared by all peer connections (default 1)
 */
public record PeerTransportConfig(long selfId, String bindHost, int bindPort, List<PeerAddress> peers,
                                  int maxFrameBytes, int maxQueuedFramesPerPeer, long maxQueuedBytesPerPeer,
                                  Duration connectTimeout, Duration reconnectBackoffMin, Duration reconnectBackoffMax,
                                  Duration handshakeTimeout, int writeBufferLowWaterMark, int writeBufferHighWaterMark,
                                  int ioThreads) {

    public static final int DEFAULT_MAX_FRAME_BYTES = 64 << 20;
    /** The length prefix is an int32 and counts only the payload; keep room so length + prefix fits an int. */
    public static final int MAX_FRAME_BYTES_LIMIT = Integer.MAX_VALUE - 8;

    public PeerTransportConfig {
        if (selfId <= 0) {
            throw new IllegalArgumentException("selfId must be positive: " + selfId);
        }
        Objects.requireNonNull(bindHost, "bindHost");
        if (bindHost.isBlank()) {
            throw new IllegalArgumentException("bindHost is blank");
        }
        if (bindPort < 0 || bindPort > 65535) {
            throw new IllegalArgumentException("bindPort out of range: " + bindPort);
        }
        peers = List.copyOf(Objects.requireNonNull(peers, "peers"));
        Set<Long> ids = new HashSet<>();
        for (PeerAddress p : peers) {
            if (!ids.add(p.id())) {
                throw new IllegalArgumentException("peer id listed twice: " + p.id());
            }
        }
        if (maxFrameBytes < 1 || maxFrameBytes > MAX_FRAME_BYTES_LIMIT) {
            throw new IllegalArgumentException("maxFrameBytes out of range: " + maxFrameBytes);
        }
        if (maxQueuedFramesPerPeer < 1 || maxQueuedFramesPerPeer > (1 << 30)) {
            throw new IllegalArgumentException("maxQueuedFramesPerPeer out of range: " + maxQueuedFramesPerPeer);
        }
        if (maxQueuedBytesPerPeer < 1) {
            throw new IllegalArgumentException("maxQueuedBytesPerPeer must be positive: " + maxQueuedBytesPerPeer);
        }
        positive("connectTimeout", connectTimeout);
        positive("reconnectBackoffMin", reconnectBackoffMin);
        positive("reconnectBackoffMax", reconnectBackoffMax);
        positive("handshakeTimeout", handshakeTimeout);
        if (reconnectBackoffMax.compareTo(reconnectBackoffMin) < 0) {
            throw new IllegalArgumentException("reconnectBackoffMax " + reconnectBackoffMax
                    + " is below reconnectBackoffMin " + reconnectBackoffMin);
        }
        if (connectTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("connectTimeout too large: " + connectTimeout);
        }
        if (writeBufferLowWaterMark < 1 || writeBufferHighWaterMark < writeBufferLowWaterMark) {
            throw new IllegalArgumentException("need 0 < writeBufferLowWaterMark <= writeBufferHighWaterMark, got "
                    + writeBufferLowWaterMark + " and " + writeBufferHighWaterMark);
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be positive: " + ioThreads);
        }
    }

    /** The defaults documented on the record's components. */
    public static PeerTransportConfig of(long selfId, String bindHost, int bindPort, List<PeerAddress> peers) {
        return new PeerTransportConfig(selfId, bindHost, bindPort, peers, DEFAULT_MAX_FRAME_BYTES, 4096, 16L << 20,
                Duration.ofSeconds(3), Duration.ofMillis(50), Duration.ofSeconds(2), Duration.ofSeconds(5),
                256 << 10, 1 << 20, 1);
    }

    public PeerTransportConfig withMaxFrameBytes(int bytes) {
        return new PeerTransportConfig(selfId, bindHost, bindPort, peers, bytes, maxQueuedFramesPerPeer,
                maxQueuedBytesPerPeer, connectTimeout, reconnectBackoffMin, reconnectBackoffMax, handshakeTimeout,
                writeBufferLowWaterMark, writeBufferHighWaterMark, ioThreads);
    }

    public PeerTransportConfig withQueueBounds(int frames, long bytes) {
        return new PeerTransportConfig(selfId, bindHost, bindPort, peers, maxFrameBytes, frames, bytes,
                connectTimeout, reconnectBackoffMin, reconnectBackoffMax, handshakeTimeout,
                writeBufferLowWaterMark, writeBufferHighWaterMark, ioThreads);
    }

    public PeerTransportConfig withReconnectBackoff(Duration min, Duration max) {
        return new PeerTransportConfig(selfId, bindHost, bindPort, peers, maxFrameBytes, maxQueuedFramesPerPeer,
                maxQueuedBytesPerPeer, connectTimeout, min, max, handshakeTimeout,
                writeBufferLowWaterMark, writeBufferHighWaterMark, ioThreads);
    }

    public PeerTransportConfig withHandshakeTimeout(Duration timeout) {
        return new PeerTransportConfig(selfId, bindHost, bindPort, peers, maxFrameBytes, maxQueuedFramesPerPeer,
                maxQueuedBytesPerPeer, connectTimeout, reconnectBackoffMin, reconnectBackoffMax, timeout,
                writeBufferLowWaterMark, writeBufferHighWaterMark, ioThreads);
    }

    public PeerTransportConfig withWriteBufferWaterMarks(int low, int high) {
        return new PeerTransportConfig(selfId, bindHost, bindPort, peers, maxFrameBytes, maxQueuedFramesPerPeer,
                maxQueuedBytesPerPeer, connectTimeout, reconnectBackoffMin, reconnectBackoffMax, handshakeTimeout,
                low, high, ioThreads);
    }

    /** The members other than this node. */
    public List<PeerAddress> remotePeers() {
        return peers.stream().filter(p -> p.id() != selfId).toList();
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }
}
