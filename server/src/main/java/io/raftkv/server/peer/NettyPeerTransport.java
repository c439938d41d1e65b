package io.raftkv.server.peer;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.agrona.collections.Long2ObjectHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The TCP peer transport. Each node listens on its peer port and dials every other member; a node sends only on the
 * connection it dialed and receives only on connections it accepted, so two nodes never race to pick one of two
 * connections between them. Every dialed connection begins with a {@link Handshake} each way (the dialer's hello,
 * the listener's reply); then frames travel one way as {@code [length:int32][bytes]}.
 *
 * <p>Sending: {@link #send} reserves room in the peer's bounded queue and returns; the peer's event loop writes
 * queued frames in batches with one flush (see {@link PeerLink}). Frames are accepted only while the peer's
 * connection is up (its handshake reply received), so a frame sent to a peer that is down or not yet connected is
 * dropped and counted, never held for later. Frames queued when a connection breaks are discarded (counted as
 * dropped); frames already written to a broken connection are lost silently. Raft retries what it needs.
 *
 * <p>Memory per peer is bounded by the queue's bounds plus the connection's high water mark plus one frame.
 *
 * <p>Threads: one small event loop group (default one thread) serves the listening socket, all accepted and all
 * dialed connections. Received frames are handed to {@link PeerTransport.Inbound} on that thread.
 */
public final class NettyPeerTransport implements PeerTransport {

    private static final Logger log = LoggerFactory.getLogger(NettyPeerTransport.class);

    private final PeerTransportConfig config;
    private final EventLoopGroup group;
    private final Class<? extends ServerChannel> serverChannelType;
    /** Read-only after construction (lookups from any thread are then safe). */
    private final Long2ObjectHashMap<PeerLink> links = new Long2ObjectHashMap<>();
    /** The same links, for iteration: the map's iterators are cached instances, unsafe across threads. */
    private final PeerLink[] linkList;
    /** Every open channel (listening, accepted, dialed): closing the event loop group alone does not close them. */
    private final ChannelGroup channels;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Channel serverChannel;

    public NettyPeerTransport(PeerTransportConfig config) {
        this(config, new Random());
    }

    /** {@code random} jitters reconnect delays (inject a seeded one for reproducible tests). */
    public NettyPeerTransport(PeerTransportConfig config, Random random) {
        this.config = Objects.requireNonNull(config, "config");
        Objects.requireNonNull(random, "random");
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        group = new MultiThreadIoEventLoopGroup(config.ioThreads(),
                new DefaultThreadFactory("raftkv-peer-" + config.selfId(), true), io);
        serverChannelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        Bootstrap base = new Bootstrap()
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                        config.writeBufferLowWaterMark(), config.writeBufferHighWaterMark()));
        channels = new DefaultChannelGroup("raftkv-peer-" + config.selfId(), GlobalEventExecutor.INSTANCE);
        for (PeerAddress peer : config.remotePeers()) {
            links.put(peer.id(), new PeerLink(config, peer, group.next(), base, random, channels));
        }
        linkList = config.remotePeers().stream().map(p -> links.get(p.id())).toArray(PeerLink[]::new);
    }

    @Override
    public void start(Inbound inbound) {
        Objects.requireNonNull(inbound, "inbound");
        if (closed.get()) {
            throw new IllegalStateException("peer transport is closed");
        }
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("peer transport already started");
        }
        try {
            serverChannel = new ServerBootstrap()
                    .group(group)
                    .channel(serverChannelType)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_BACKLOG, 64)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childHandler(new InboundChannelInitializer(config, links, inbound, channels))
                    .bind(new InetSocketAddress(config.bindHost(), config.bindPort()))
                    .syncUninterruptibly()
                    .channel();
        } catch (Exception e) { // bind failures arrive as checked exceptions thrown sneakily
            throw new IllegalStateException("cannot listen for peers on " + config.bindHost() + ":"
                    + config.bindPort() + ": " + e, e);
        }
        channels.add(serverChannel);
        log.info("node {} listening for peers on {} ({})", config.selfId(), serverChannel.localAddress(),
                serverChannelType == EpollServerSocketChannel.class ? "epoll" : "nio");
        for (PeerLink link : linkList) {
            link.start();
        }
    }

    /** The peer port actually bound (differs from the configured one when that is 0); -1 before start. */
    public int boundPort() {
        Channel ch = serverChannel;
        return ch == null ? -1 : ((InetSocketAddress) ch.localAddress()).getPort();
    }

    /** The event loop, when the group has one thread (the default): then every channel and link lives on it. */
    @Override
    public ScheduledExecutorService driverLoop() {
        return config.ioThreads() == 1 ? group.next() : null;
    }

    @Override
    public boolean send(long to, byte[] frame) {
        PeerLink link = links.get(to);
        return link != null && link.offer(frame);
    }

    @Override
    public Map<Long, PeerStatus> status() {
        Map<Long, PeerStatus> out = new TreeMap<>();
        for (PeerLink link : linkList) {
            out.put(link.id(), link.status());
        }
        return out;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (PeerLink link : linkList) {
            link.close();
        }
        channels.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
