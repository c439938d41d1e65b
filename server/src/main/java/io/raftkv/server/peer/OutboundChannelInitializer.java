package io.raftkv.server.peer;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/** The pipeline of a connection this node dials: {@code encoder} (length prefix) → {@code outbound} (flow, errors). */
final class OutboundChannelInitializer extends ChannelInitializer<Channel> {

    private final PeerLink link;

    OutboundChannelInitializer(PeerLink link) {
        this.link = link;
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.pipeline().addLast("encoder", PeerFrameEncoder.INSTANCE);
        ch.pipeline().addLast("outbound", new OutboundPeerHandler(link));
    }
}
