package io.raftkv.server.resp;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.node.KvNode;

/**
 * The client pipeline: {@code flush} (coalesces the flushes of pipelined replies) → {@code decoder} (RESP to argv)
 * → {@code encoder} (replies to RESP) → {@code commands} (dispatch).
 */
public final class ClientChannelInitializer extends ChannelInitializer<SocketChannel> {

    private final ServerState server;
    private final KvNode node;

    public ClientChannelInitializer(ServerState server, KvNode node) {
        this.server = server;
        this.node = node;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ClientSession session = new ClientSession(address(ch.remoteAddress()), address(ch.localAddress()),
                System.currentTimeMillis(), server.config().requirepass().isEmpty());
        pipeline(ch.pipeline(), server, node, session);
    }

    /** Builds the pipeline; also used by EmbeddedChannel tests. */
    public static void pipeline(ChannelPipeline p, ServerState server, KvNode node, ClientSession session) {
        p.addLast("flush", new FlushConsolidationHandler(256, true));
        p.addLast("decoder", new RespDecoder(server, session));
        p.addLast("encoder", new RespEncoder(session));
        p.addLast("commands", new CommandHandler(server, node, session));
    }

    private static String address(java.net.InetSocketAddress a) {
        return a == null ? "?:0" : a.getAddress().getHostAddress() + ":" + a.getPort();
    }
}
