package io.raftkv.server.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.config.QuotedArgs;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.reply.Reply;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a client's byte stream into commands: one {@code byte[][]} argv per command (each argument its own
 * array, {@code argv[0]} the command name as sent), in order, or one {@link ProtocolError} when the input is
 * malformed. Both request forms Redis accepts are decoded: multibulk ({@code *<n>\r\n} then n times
 * {@code $<len>\r\n<bytes>\r\n}) and inline (a text line split like {@code redis-cli} arguments).
 *
 * <p>Why not netty-codec-redis's {@code RedisDecoder} plus its aggregators: (a) clients and tests expect Redis's
 * exact protocol error wording, which those handlers do not produce; (b) limits must be enforced before
 * allocating, while {@code RedisArrayAggregator} does {@code new ArrayList<>(n)} for whatever n a client sends;
 * (c) the command handler wants argv directly, without a tree of reference-counted messages per argument.
 *
 * <p>Semantics follow Redis 7.0 ({@code processInlineBuffer} / {@code processMultibulkBuffer} in networking.c),
 * checked by hand against redis-server 7.0.15 (transcripts in RespDecoderTest), including its quirks:
 * <ul>
 *   <li>a header line ends at the first CR, and the byte after it is skipped without checking that it is LF;
 *       the two bytes after a bulk payload are skipped unchecked too;</li>
 *   <li>a NUL byte before a line's terminator hides the terminator (Redis searches with {@code strchr}), so
 *       such a line only ends in "too big ..." once more than 64KB are buffered;</li>
 *   <li>{@code *0} and {@code *-n} are accepted and produce nothing; a multibulk count above
 *       {@link Integer#MAX_VALUE} is invalid (7.0.15 waits for {@code *2147483647}); numbers follow
 *       {@code string2ll}: no sign other than '-', no leading zeros, at most 20 characters;</li>
 *   <li>the 64KB limit on an unterminated line (inline request, count or length line) applies to everything
 *       buffered from the line's start, and only while no terminator has arrived, as in Redis.</li>
 * </ul>
 *
 * <p>Limits are read live, per header, from {@link ServerState#config()} (so CONFIG SET takes effect on open
 * connections): {@code protoMaxBulkLen} and {@code clientQueryBufferLimit}; the unauthenticated limits (10
 * arguments, 16384-byte bulks) apply while {@code requirepass} is set and the session has not authenticated.
 * At most one command is produced per {@link #decode} call, so a downstream handler that runs AUTH on the event
 * loop has updated the session before the next command's headers are checked.
 *
 * <p>Memory is bounded by what has arrived, never by what a client announces: argv is preallocated to at most
 * 1024 slots and grows by doubling; a bulk shorter than 32KB is copied once all of it is buffered; a longer one
 * is streamed out of the cumulation buffer into an array that grows to at most twice the bytes received. A
 * command whose bytes received so far (parsed plus buffered) exceed {@code clientQueryBufferLimit} is refused.
 * Redis instead closes, without a reply, a client whose unparsed buffer exceeds that limit; we send
 * {@code ERR Protocol error: query buffer limit exceeded} first so the client can tell why, and bound the whole
 * command (Redis does not count arguments already parsed).
 *
 * <p>After a {@link ProtocolError} the decoder discards all further input on the channel. It never closes the
 * channel: the downstream handler writes the error after the replies to earlier commands, then closes, as Redis
 * does. One instance per channel, used only on that channel's event loop.
 */
public final class RespDecoder extends ByteToMessageDecoder {

    /**
     * Malformed input. {@code text} is the whole error line without the dash, e.g.
     * {@code "ERR Protocol error: invalid bulk length"}. A byte quoted in the text (the "expected '$'" error) is
     * one char per byte (ISO-8859-1), CR and LF shown as spaces as Redis does.
     */
    public record ProtocolError(String text) {
        public Reply reply() {
            return Reply.error(text);
        }
    }

    /** Redis's PROTO_INLINE_MAX_SIZE: an unterminated line may hold this many bytes, one more is an error. */
    static final int MAX_LINE = 64 * 1024;
    /** Redis's PROTO_MBULK_BIG_ARG: bulks at least this long are streamed instead of waited for. */
    static final int BIG_ARG = 32 * 1024;
    static final int ARGV_PREALLOC = 1024;
    static final int UNAUTH_MAX_ARGS = 10;
    static final int UNAUTH_MAX_BULK = 16 * 1024;
    /** The longest byte[] a JVM reliably allocates; a longer bulk is invalid whatever protoMaxBulkLen says. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private static final int NEED_MORE = 0;
    private static final int PROGRESS = 1;
    private static final int DONE = 2;

    private final ServerState server;
    private final ClientSession session;

    private boolean failed;

    /** Arguments still to read of the current multibulk; 0 between commands. */
    private int argsLeft;
    private byte[][] argv;
    private int argc;
    /** Length of the bulk being read, -1 while its {@code $} line is awaited. */
    private int bulkLen = -1;
    /** A big bulk being streamed: its first {@link #bigFilled} bytes have arrived. */
    private byte[] big;
    private int bigFilled;
    /** Bytes of the current command consumed from the input (except {@link #bigFilled}), for the query buffer limit. */
    private long commandBytes;

    /** Bytes after the reader index already searched for the current line's terminator. */
    private int lineScanned;
    /** A NUL came before any terminator: the current line can never end (Redis's strchr stops there). */
    private boolean lineBlocked;

    private long parsed;
    private final byte[] digits = new byte[20];
    private final ArrayList<byte[]> inlineArgs = new ArrayList<>();

    public RespDecoder(ServerState server, ClientSession session) {
        this.server = server;
        this.session = session;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int step;
        do {
            if (argsLeft > 0) {
                step = readArgument(in, out);
            } else if (!in.isReadable()) {
                return;
            } else if (in.getByte(in.readerIndex()) == '*') {
                step = readMultibulkCount(in, out);
            } else {
                step = readInline(in, out);
            }
        } while (step == PROGRESS);
        if (step == NEED_MORE
                && commandBytes + bigFilled + in.readableBytes() > server.config().clientQueryBufferLimit()) {
            fail(in, out, "query buffer limit exceeded");
        }
    }

    private int readMultibulkCount(ByteBuf in, List<Object> out) {
        int cr = findTerminator(in, (byte) '\r');
        if (cr < 0) {
            return in.readableBytes() > MAX_LINE ? fail(in, out, "too big mbulk count string") : NEED_MORE;
        }
        if (cr + 1 >= in.writerIndex()) {
            return NEED_MORE;
        }
        int start = in.readerIndex();
        if (!parseLong(in, start + 1, cr) || parsed > Integer.MAX_VALUE) {
            return fail(in, out, "invalid multibulk length");
        }
        if (parsed > UNAUTH_MAX_ARGS && authRequired()) {
            return fail(in, out, "unauthenticated multibulk length");
        }
        consumeLine(in, cr);
        if (parsed <= 0) {
            commandBytes = 0;
            return PROGRESS;
        }
        argsLeft = (int) parsed;
        argv = new byte[Math.min(argsLeft, ARGV_PREALLOC)][];
        argc = 0;
        return PROGRESS;
    }

    private int readArgument(ByteBuf in, List<Object> out) {
        if (bulkLen < 0) {
            int cr = findTerminator(in, (byte) '\r');
            if (cr < 0) {
                return in.readableBytes() > MAX_LINE ? fail(in, out, "too big bulk count string") : NEED_MORE;
            }
            if (cr + 1 >= in.writerIndex()) {
                return NEED_MORE;
            }
            int start = in.readerIndex();
            int first = in.getByte(start) & 0xFF;
            if (first != '$') {
                char shown = first == '\r' || first == '\n' ? ' ' : (char) first;
                return fail(in, out, "expected '$', got '" + shown + "'");
            }
            ServerConfig config = server.config();
            if (!parseLong(in, start + 1, cr) || parsed < 0
                    || parsed > Math.min(config.protoMaxBulkLen(), MAX_ARRAY)) {
                return fail(in, out, "invalid bulk length");
            }
            if (parsed > UNAUTH_MAX_BULK && authRequired()) {
                return fail(in, out, "unauthenticated bulk length");
            }
            consumeLine(in, cr);
            bulkLen = (int) parsed;
        }
        byte[] arg;
        if (big == null && in.readableBytes() >= (long) bulkLen + 2) {
            arg = new byte[bulkLen];
            in.readBytes(arg);
        } else if (bulkLen >= BIG_ARG) {
            if (!streamBig(in)) {
                return NEED_MORE;
            }
            arg = big;
            big = null;
            bigFilled = 0;
        } else {
            return NEED_MORE;
        }
        in.skipBytes(2);
        commandBytes += (long) bulkLen + 2;
        bulkLen = -1;
        return addArgument(arg, out);
    }

    /**
     * Moves what has arrived of a big bulk into {@link #big}; true once the payload and the two bytes after it
     * are all there. The array never exceeds twice the bytes received (or {@link #BIG_ARG}), and ends exactly
     * {@link #bulkLen} long.
     */
    private boolean streamBig(ByteBuf in) {
        int n = Math.min(in.readableBytes(), bulkLen - bigFilled);
        if (n > 0) {
            int needed = bigFilled + n;
            if (big == null || big.length < needed) {
                int current = big == null ? 0 : big.length;
                int capacity = (int) Math.min(bulkLen, Math.max(Math.max((long) current * 2, needed), BIG_ARG));
                big = big == null ? new byte[capacity] : Arrays.copyOf(big, capacity);
            }
            in.readBytes(big, bigFilled, n);
            bigFilled = needed;
        }
        return bigFilled == bulkLen && in.readableBytes() >= 2;
    }

    private int addArgument(byte[] arg, List<Object> out) {
        if (argc == argv.length) {
            argv = Arrays.copyOf(argv, (int) Math.min((long) argv.length * 2, (long) argc + argsLeft));
        }
        argv[argc++] = arg;
        if (--argsLeft > 0) {
            return PROGRESS;
        }
        out.add(argv);
        argv = null;
        argc = 0;
        commandBytes = 0;
        return DONE;
    }

    /** Bytes the decoder holds outside the cumulation buffer for a partly received bulk (for tests). */
    long heldBulkBytes() {
        return big == null ? 0 : big.length;
    }

    /** Slots of the argv being filled (for tests). */
    int argvSlots() {
        return argv == null ? 0 : argv.length;
    }

    private int readInline(ByteBuf in, List<Object> out) {
        int lf = findTerminator(in, (byte) '\n');
        if (lf < 0) {
            return in.readableBytes() > MAX_LINE ? fail(in, out, "too big inline request") : NEED_MORE;
        }
        int start = in.readerIndex();
        int end = lf > start && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
        byte[] line = new byte[end - start];
        in.getBytes(start, line);
        if (!QuotedArgs.split(line, inlineArgs)) {
            inlineArgs.clear();
            return fail(in, out, "unbalanced quotes in request");
        }
        in.readerIndex(lf + 1);
        lineScanned = 0;
        if (inlineArgs.isEmpty()) {
            return PROGRESS;
        }
        out.add(inlineArgs.toArray(new byte[0][]));
        inlineArgs.clear();
        return DONE;
    }

    /**
     * Index of the current line's terminator, or -1 if it has not arrived. Remembers how far it searched, so a
     * line arriving a byte at a time is scanned once in total.
     */
    private int findTerminator(ByteBuf in, byte terminator) {
        if (lineBlocked) {
            return -1;
        }
        int start = in.readerIndex();
        int end = in.writerIndex();
        int from = start + lineScanned;
        int found = in.indexOf(from, end, terminator);
        int searched = found < 0 ? end : found;
        if (in.indexOf(from, searched, (byte) 0) >= 0) {
            lineBlocked = true;
            return -1;
        }
        lineScanned = searched - start;
        return found;
    }

    /** Consumes a header line ending with the CR at {@code cr} and the (unchecked) byte after it. */
    private void consumeLine(ByteBuf in, int cr) {
        commandBytes += cr + 2 - in.readerIndex();
        in.readerIndex(cr + 2);
        lineScanned = 0;
    }

    /**
     * Parses {@code in[from, to)} as Redis's string2ll does into {@link #parsed}: optional '-', no leading zero
     * (except "0" itself), 1 to 20 characters, within a signed 64-bit range.
     */
    private boolean parseLong(ByteBuf in, int from, int to) {
        int len = to - from;
        if (len <= 0 || len > digits.length) {
            return false;
        }
        byte[] d = digits;
        in.getBytes(from, d, 0, len);
        if (len == 1 && d[0] == '0') {
            parsed = 0;
            return true;
        }
        boolean negative = d[0] == '-';
        int i = negative ? 1 : 0;
        if (i == len || d[i] < '1' || d[i] > '9') {
            return false;
        }
        // Accumulate negatively: the negative range holds every value the positive one does.
        long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
        long v = 0;
        for (; i < len; i++) {
            int digit = d[i] - '0';
            if (digit < 0 || digit > 9 || v < Long.MIN_VALUE / 10) {
                return false;
            }
            v *= 10;
            if (v < limit + digit) {
                return false;
            }
            v -= digit;
        }
        parsed = negative ? v : -v;
        return true;
    }

    private boolean authRequired() {
        String pass = server.config().requirepass();
        return pass != null && !pass.isEmpty() && !session.authenticated();
    }

    private int fail(ByteBuf in, List<Object> out, String what) {
        failed = true;
        argv = null;
        big = null;
        inlineArgs.clear();
        in.skipBytes(in.readableBytes());
        out.add(new ProtocolError("ERR Protocol error: " + what));
        return DONE;
    }
}
