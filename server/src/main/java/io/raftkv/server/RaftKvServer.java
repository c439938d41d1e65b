package io.raftkv.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.FileAppender;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ResourceLeakDetector;
import io.raftkv.server.cluster.ClusterMember;
import io.raftkv.server.cluster.ClusterMembers;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.config.ConfigFile;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.kv.KvConfig;
import io.raftkv.server.kv.ChronicleKeyspace;
import io.raftkv.server.kv.Keyspace;
import io.raftkv.server.node.KvNode;
import io.raftkv.server.driver.RaftDriver;
import io.raftkv.server.node.KvStateMachine;
import io.raftkv.server.peer.NettyPeerTransport;
import io.raftkv.server.peer.PeerAddress;
import io.raftkv.server.peer.PeerTransport;
import io.raftkv.server.peer.PeerTransportConfig;
import io.raftkv.server.resp.ClientChannelInitializer;
import io.raftkv.wal.SyncPolicy;
import io.raftkv.wal.Wal;
import io.raftkv.wal.WalConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code raftkv-server [config-file] [--name value ...]}: starts one node. Wires the parts together and owns their
 * lifetimes; the logic lives in them.
 */
public final class RaftKvServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RaftKvServer.class);
    /** Chronicle mapping chunk of the WAL; a log entry may take a quarter of it, so values up to about 16 MiB. */
    private static final long WAL_BLOCK_BYTES = 64L << 20;
    /**
     * WAL file size at which a new file is started. fdatasync of a memory-mapped file slows as more of it has been
     * written on this ext4/virtio machine: a 120-byte append then sync took 0.08-0.10 ms up to 16 MB into a file,
     * 0.20 ms at 32 MB, 0.28-0.57 ms past 48 MB, and 0.09 ms again in a fresh file beside it (writes with pwrite
     * did not slow). Chronicle writes through mappings, so the log rolls early instead.
     */
    private static final long WAL_ROLL_BYTES = 8L << 20;

    private final ServerState state;
    private final Keyspace store;
    private final KvNode node;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel serverChannel;

    public RaftKvServer(ServerConfig config) throws InterruptedException {
        state = new ServerState(config, StandardCommands.table());
        ChronicleKeyspace.warmUp();
        store = new ChronicleKeyspace(KvConfig.DEFAULT);
        KvStateMachine machine = new KvStateMachine(state.table(), store, state);
        WalConfig walConfig = new WalConfig(Path.of(config.dir()).resolve("wal"), SyncPolicy.parse(config.appendfsync()))
                .withBlockSize(WAL_BLOCK_BYTES).withRollBytes(WAL_ROLL_BYTES);
        Wal wal = Wal.open(walConfig);
        if (config.clusterEnabled()) {
            List<ClusterMember> members = ClusterMembers.parse(config.clusterMembers());
            ClusterMember self = members.stream().filter(m -> m.id() == config.clusterNodeId()).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("cluster-node-id " + config.clusterNodeId()
                            + " is not among cluster-members"));
            if (self.clientPort() != config.port()) {
                throw new IllegalArgumentException("cluster-members gives node " + self.id() + " port "
                        + self.clientPort() + " but port is " + config.port());
            }
            List<PeerAddress> peers = new ArrayList<>();
            for (ClusterMember m : members) {
                if (m.id() != self.id()) {
                    peers.add(new PeerAddress(m.id(), m.host(), m.peerPort()));
                }
            }
            PeerTransport transport = new NettyPeerTransport(
                    PeerTransportConfig.of(self.id(), config.bind(), self.peerPort(), peers));
            RaftDriver driver = new RaftDriver(state, wal, walConfig.maxEntryBytes(), transport, machine, self, members,
                    System::currentTimeMillis);
            state.cluster(driver);
            node = driver;
        } else {
            // A Raft group of one voter; not the ClusterView, so CLUSTER and routing answer as Redis without cluster
            // support does.
            node = RaftDriver.standalone(state, wal, walConfig.maxEntryBytes(), machine, System::currentTimeMillis);
        }

        IoHandlerFactory io = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = Epoll.isAvailable()
                ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        boss = new MultiThreadIoEventLoopGroup(1, io);
        workers = new MultiThreadIoEventLoopGroup(config.ioThreads(), io);
        serverChannel = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 511)
                .option(ChannelOption.SO_REUSEADDR, true) // as Redis: a restart binds despite TIME_WAIT connections
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ClientChannelInitializer(state, node))
                .bind(new InetSocketAddress(config.bind(), config.port()))
                .sync()
                .channel();
        log.info("RaftKV ready to accept connections on {}", serverChannel.localAddress());
    }

    /** The port actually bound (differs from the config's when that is 0). */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public ServerState state() {
        return state;
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        workers.shutdownGracefully().syncUninterruptibly();
        boss.shutdownGracefully().syncUninterruptibly();
        node.close();
        store.close();
    }

    public static void main(String[] args) {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println("Usage: raftkv-server [/path/to/raftkv.conf] [--name value ...]");
            System.out.println("Settings use redis.conf names, e.g. --port 6380 --dir ./data --appendfsync always");
            return;
        }
        ServerConfig config;
        try {
            config = ConfigFile.load(ServerConfig.DEFAULTS, args).validated();
        } catch (IllegalArgumentException e) {
            System.err.println("*** FATAL CONFIG ERROR (RaftKV) *** " + e.getMessage());
            System.exit(1);
            return;
        } catch (ConfigFile.ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(1);
            return;
        }
        configureLogging(config);
        // Netty tracks one buffer in 128 for leaks by default, filling in a stack trace at its allocation and at
        // each touch: 2.5-2.7% of the client event loops' CPU under SET -P 16 (perf). The tests, which build
        // servers in-process, keep Netty's default; -Dio.netty.leakDetection.level=... still chooses.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        try {
            RaftKvServer server = new RaftKvServer(config);
            if (args.length > 0 && !args[0].startsWith("--")) {
                server.state().configFile(Path.of(args[0]).toAbsolutePath().toString());
            }
            server.state().onShutdownRequest(() -> new Thread(() -> System.exit(0), "raftkv-shutdown-command").start());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                log.info("shutting down");
                server.close();
            }, "raftkv-shutdown"));
        } catch (Throwable e) {
            log.error("could not start: {}", e.toString(), e);
            System.exit(1);
        }
    }

    /** Maps Redis's log levels onto logback's and sends logs to {@code logfile} when one is set. */
    private static void configureLogging(ServerConfig config) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return;
        }
        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(switch (config.loglevel()) {
            case "debug", "verbose" -> Level.DEBUG;
            case "warning" -> Level.WARN;
            default -> Level.INFO;
        });
        if (!config.logfile().isEmpty()) {
            PatternLayoutEncoder enc = new PatternLayoutEncoder();
            enc.setContext(ctx);
            enc.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n");
            enc.start();
            FileAppender<ch.qos.logback.classic.spi.ILoggingEvent> file = new FileAppender<>();
            file.setContext(ctx);
            file.setFile(config.logfile());
            file.setEncoder(enc);
            file.start();
            root.detachAndStopAllAppenders();
            root.addAppender(file);
        }
    }
}
