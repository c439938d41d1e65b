package io.raftkv.server.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import io.raftkv.server.reply.Reply;

import java.nio.charset.StandardCharsets;

/** Writes {@link Reply} values as RESP2. Stateless, so one instance serves every channel. */
@ChannelHandler.Sharable
public final class RespEncoder extends MessageToByteEncoder<Reply> {

    public static final RespEncoder INSTANCE = new RespEncoder();

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] NULL_BULK = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_ARRAY = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);

    private RespEncoder() {
        super(Reply.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Reply msg, ByteBuf out) {
        write(msg, out);
    }

    /** Appends {@code reply}'s RESP2 bytes to {@code out}. */
    public static void write(Reply reply, ByteBuf out) {
        // Java 17 has no pattern switch: the common reply types are tested first.
        if (reply instanceof Reply.Bulk b) {
            out.writeByte('$');
            writeLong(out, b.bytes().length);
            out.writeBytes(CRLF);
            out.writeBytes(b.bytes());
            out.writeBytes(CRLF);
        } else if (reply instanceof Reply.Simple s) {
            line(out, '+', s.text());
        } else if (reply instanceof Reply.Int i) {
            out.writeByte(':');
            writeLong(out, i.value());
            out.writeBytes(CRLF);
        } else if (reply instanceof Reply.NullBulk) {
            out.writeBytes(NULL_BULK);
        } else if (reply instanceof Reply.Error e) {
            line(out, '-', e.text());
        } else if (reply instanceof Reply.Multi m) {
            out.writeByte('*');
            writeLong(out, m.elements().size());
            out.writeBytes(CRLF);
            for (Reply r : m.elements()) {
                write(r, out);
            }
        } else if (reply instanceof Reply.NullArray) {
            out.writeBytes(NULL_ARRAY);
        } else {
            throw new IllegalStateException("unknown reply type " + reply.getClass());
        }
    }

    private static void line(ByteBuf out, char prefix, String text) {
        out.writeByte(prefix);
        out.writeCharSequence(text, StandardCharsets.UTF_8);
        out.writeBytes(CRLF);
    }

    private static void writeLong(ByteBuf out, long v) {
        if (v >= 0 && v < 10) {
            out.writeByte('0' + (int) v);
            return;
        }
        out.writeCharSequence(Long.toString(v), StandardCharsets.US_ASCII);
    }
}
