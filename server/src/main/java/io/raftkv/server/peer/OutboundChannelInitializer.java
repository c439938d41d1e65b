package io.raftkv.server.peer;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/**
 * The pipeline of a connection this node dials: {@code handshake} (checks the listener's reply, then leaves) →
 * {@code encoder} (length prefix) → {@code outbound} (connected on the reply; flow control; errors).
 */
final class OutboundChannelInitializer extends ChannelInitializer<Channel> {

    private final PeerLink link;

    OutboundChannelInitializer(PeerLink link) {
        this.link = link;
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.pipeline().addLast("handshake", new HandshakeDecoder(link.selfId(), link.expectedReplier(),
                link.handshakeTimeoutMillis(), "connection to peer " + link.id() + " at"));
        ch.pipeline().addLast("encoder", PeerFrameEncoder.INSTANCE);
        ch.pipeline().addLast("outbound", new OutboundPeerHandler(link));
    }
}
