package io.raftkv.server.peer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Writes a frame ({@code byte[]}) as {@code [length:int32][bytes]} into one pooled direct buffer of the exact size
 * (the copy the socket write needs anyway). Other messages (the handshake's {@code ByteBuf}) pass through. Stateless.
 */
@Sharable
final class PeerFrameEncoder extends MessageToByteEncoder<byte[]> {

    static final PeerFrameEncoder INSTANCE = new PeerFrameEncoder();

    private PeerFrameEncoder() {
        super(byte[].class);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, byte[] frame, boolean preferDirect) {
        return ctx.alloc().ioBuffer(PeerFrameDecoder.LENGTH_FIELD_BYTES + frame.length);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, byte[] frame, ByteBuf out) {
        out.writeInt(frame.length).writeBytes(frame);
    }
}
