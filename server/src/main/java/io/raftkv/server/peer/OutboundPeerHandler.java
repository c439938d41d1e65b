package io.raftkv.server.peer;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Last handler of a connection this node dialed: tells the link when the listener's handshake reply arrives, resumes
 * draining the peer's queue when the connection becomes writable again, and closes it on any error (the link
 * reconnects). The listener sends nothing after its reply, so bytes read here are released and ignored. One per
 * connection (it belongs to one link).
 */
final class OutboundPeerHandler extends ChannelInboundHandlerAdapter {

    private final PeerLink link;

    OutboundPeerHandler(PeerLink link) {
        this.link = link;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            link.wakeDrain();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Handshake) {
            link.handshakeAnswered(ctx.channel());
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        link.connectionFailed(cause);
        ctx.close();
    }
}
