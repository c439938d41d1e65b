package io.raftkv.server.peer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import org.agrona.collections.LongHashSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * First handler of every peer connection, on both ends: reads and checks the other side's {@link Handshake} (the
 * dialer's hello on an accepted connection, the listener's reply on a dialed one), then fires it as a user event and
 * removes itself, passing any bytes that followed to the next handler. A wrong magic, version, unexpected sender or
 * wrong receiver, or no handshake within the timeout, closes the connection with a log line. One per connection.
 */
final class HandshakeDecoder extends ByteToMessageDecoder {

    private static final Logger log = LoggerFactory.getLogger(HandshakeDecoder.class);

    private final long selfId;
    private final LongHashSet knownSenders;
    private final long timeoutMillis;
    private final String role;
    private ScheduledFuture<?> timeout;
    private boolean refused;

    /**
     * @param expectedSenders the ids accepted as sender; shared, must not change after construction
     * @param role            names the connection in log lines, e.g. "inbound peer connection"
     */
    HandshakeDecoder(long selfId, LongHashSet expectedSenders, long timeoutMillis, String role) {
        this.selfId = selfId;
        this.role = role;
        this.knownSenders = expectedSenders;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            startTimeout(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        startTimeout(ctx);
        super.channelActive(ctx);
    }

    private void startTimeout(ChannelHandlerContext ctx) {
        if (timeout == null && !refused) {
            timeout = ctx.executor().schedule(() -> refuse(ctx, "no handshake within " + timeoutMillis + " ms"),
                    timeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (refused) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < Handshake.LENGTH) {
            return;
        }
        int magic = in.readInt();
        int version = in.readInt();
        long sender = in.readLong();
        long receiver = in.readLong();
        if (magic != Handshake.MAGIC) {
            refuse(ctx, String.format("bad magic 0x%08x", magic));
        } else if (version != Handshake.VERSION) {
            refuse(ctx, "unsupported protocol version " + version + " (this node speaks " + Handshake.VERSION + ")");
        } else if (!knownSenders.contains(sender)) {
            refuse(ctx, "unexpected sender id " + sender);
        } else if (receiver != selfId) {
            refuse(ctx, "handshake addressed to node " + receiver + ", this is node " + selfId);
        } else {
            cancelTimeout();
            ctx.fireUserEventTriggered(new Handshake(version, sender, receiver));
            ctx.pipeline().remove(this);
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelTimeout();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        refuse(ctx, cause.toString());
    }

    private void refuse(ChannelHandlerContext ctx, String why) {
        if (refused) {
            return;
        }
        refused = true;
        cancelTimeout();
        log.warn("closing {} {}: {}", role, ctx.channel().remoteAddress(), why);
        ctx.close();
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }
}
