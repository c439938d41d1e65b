package io.raftkv.server.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.reply.Reply;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes {@link Reply} values as RESP2 or RESP3, by the rules {@link Reply} lists. One instance per connection: it
 * writes in the version its {@link ClientSession#protocol()} names when each reply is encoded. The command
 * dispatcher encodes most replies itself through {@link #write} with the version in force when the command arrived;
 * this handler writes the replies sent down the pipeline as objects.
 *
 * <p>Threads: the connection's event loop ({@link #write} itself is pure and may run anywhere). The existing
 * variants are written without allocating; a {@link Reply.Double} formats its text.
 */
public final class RespEncoder extends MessageToByteEncoder<Reply> {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] NULL_BULK = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_ARRAY = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESP2_TRUE = ":1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESP2_FALSE = ":0\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESP3_NULL = "_\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESP3_TRUE = "#t\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESP3_FALSE = "#f\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ClientSession session;

    public RespEncoder(ClientSession session) {
        super(Reply.class);
        this.session = session;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Reply msg, ByteBuf out) {
        write(msg, out, session.protocol());
    }

    /** Appends {@code reply}'s bytes in RESP {@code protocol} (2 or 3) to {@code out}. Any thread. */
    public static void write(Reply reply, ByteBuf out, int protocol) {
        if (protocol != 2 && protocol != 3) {
            throw new IllegalArgumentException("RESP version must be 2 or 3: " + protocol);
        }
        write(reply, out, protocol == 3);
    }

    private static void write(Reply reply, ByteBuf out, boolean resp3) {
        // Java 17 has no pattern switch: the common reply types are tested first, the RESP3 ones last.
        if (reply instanceof Reply.Bulk b) {
            bulkHeader(out, b.bytes().length);
            out.writeBytes(b.bytes());
            out.writeBytes(CRLF);
        } else if (reply instanceof Reply.Simple s) {
            line(out, '+', s.text());
        } else if (reply instanceof Reply.Int i) {
            out.writeByte(':');
            writeLong(out, i.value());
            out.writeBytes(CRLF);
        } else if (reply instanceof Reply.NullBulk) {
            out.writeBytes(resp3 ? RESP3_NULL : NULL_BULK);
        } else if (reply instanceof Reply.Error e) {
            line(out, '-', e.text());
        } else if (reply instanceof Reply.Multi m) {
            aggregate(out, '*', m.elements().size(), m.elements(), resp3);
        } else if (reply instanceof Reply.NullArray) {
            out.writeBytes(resp3 ? RESP3_NULL : NULL_ARRAY);
        } else if (reply instanceof Reply.Map m) {
            List<Reply> flat = m.keysAndValues();
            aggregate(out, resp3 ? '%' : '*', resp3 ? m.pairs() : flat.size(), flat, resp3);
        } else if (reply instanceof Reply.Set s) {
            aggregate(out, resp3 ? '~' : '*', s.elements().size(), s.elements(), resp3);
        } else if (reply instanceof Reply.Double d) {
            String text = d.text();
            if (resp3) {
                line(out, ',', text);
            } else {
                out.writeByte('$');
                writeLong(out, text.length());
                out.writeBytes(CRLF);
                out.writeCharSequence(text, StandardCharsets.US_ASCII);
                out.writeBytes(CRLF);
            }
        } else if (reply instanceof Reply.Bool b) {
            out.writeBytes(resp3 ? (b.value() ? RESP3_TRUE : RESP3_FALSE) : (b.value() ? RESP2_TRUE : RESP2_FALSE));
        } else if (reply instanceof Reply.Null) {
            out.writeBytes(resp3 ? RESP3_NULL : NULL_BULK);
        } else if (reply instanceof Reply.Push p) {
            aggregate(out, resp3 ? '>' : '*', p.elements().size(), p.elements(), resp3);
        } else {
            throw new IllegalStateException("unknown reply type " + reply.getClass());
        }
    }

    /** A header {@code prefix count} and then every element (a map's count is its pairs, its elements are flat). */
    private static void aggregate(ByteBuf out, char prefix, int count, List<Reply> elements, boolean resp3) {
        out.writeByte(prefix);
        writeLong(out, count);
        out.writeBytes(CRLF);
        for (Reply r : elements) {
            write(r, out, resp3);
        }
    }

    private static void line(ByteBuf out, char prefix, String text) {
        out.writeByte(prefix);
        out.writeCharSequence(text, StandardCharsets.UTF_8);
        out.writeBytes(CRLF);
    }

    /**
     * Appends a bulk string's header, {@code $length\r\n} (the same in RESP2 and RESP3); its bytes and a CRLF follow.
     * Any thread.
     */
    public static void bulkHeader(ByteBuf out, int length) {
        out.writeByte('$');
        writeLong(out, length);
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
