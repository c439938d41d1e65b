package io.raftkv.server.peer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.agrona.collections.Long2ObjectHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Last handler of an inbound peer connection: learns the sender from the {@link Handshake} event and answers it with
 * this node's handshake (the dialer counts itself connected only then), then copies each
 * frame into a fresh {@code byte[]} for {@link PeerTransport.Inbound} (the buffer is released by the superclass,
 * exactly once). Any decoding error (oversized or negative length) closes this connection only. One per connection.
 */
final class InboundFrameHandler extends SimpleChannelInboundHandler<ByteBuf> {

    private static final Logger log = LoggerFactory.getLogger(InboundFrameHandler.class);

    private final long selfId;
    private final PeerTransport.Inbound inbound;
    private final Long2ObjectHashMap<PeerLink> links;
    private long from;
    private PeerLink link;

    /** {@code links} is shared and must not change after construction. */
    InboundFrameHandler(long selfId, PeerTransport.Inbound inbound, Long2ObjectHashMap<PeerLink> links) {
        super(ByteBuf.class, true);
        this.selfId = selfId;
        this.inbound = inbound;
        this.links = links;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof Handshake h) {
            from = h.sender();
            link = links.get(from);
            ctx.writeAndFlush(Handshake.encode(ctx.alloc(), selfId, from), ctx.voidPromise());
            log.info("peer {} connected from {}", from, ctx.channel().remoteAddress());
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        if (from == 0) {
            throw new IllegalStateException("frame before handshake: HandshakeDecoder must precede the frames");
        }
        byte[] bytes = ByteBufUtil.getBytes(frame);
        if (link != null) {
            link.received();
        }
        try {
            inbound.onFrame(from, bytes);
        } catch (RuntimeException e) {
            log.error("inbound consumer failed on a frame from peer {}; frame lost", from, e);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (from != 0) {
            log.info("peer {} disconnected (inbound from {})", from, ctx.channel().remoteAddress());
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("inbound connection from peer {} ({}) failed: {}", from, ctx.channel().remoteAddress(),
                    cause.toString());
        } else {
            log.warn("closing inbound connection from peer {} ({}): {}", from, ctx.channel().remoteAddress(),
                    cause.toString());
        }
        ctx.close();
    }
}
