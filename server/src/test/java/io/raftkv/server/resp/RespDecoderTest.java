package io.raftkv.server.resp;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.raftkv.server.StandardCommands;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandTable;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.config.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decoder transcripts: bytes in, one line per message out ({@code [GET, k]} for an argv, {@code !ERR ...} for a
 * protocol error). Expected error texts were checked by hand against redis-server 7.0.15 (raw bytes over a socket,
 * reply and whether the connection closed); the observed replies are quoted next to the cases.
 */
class RespDecoderTest {

    private static final CommandTable TABLE = StandardCommands.table();
    private static final String PING = "*1\r\n$4\r\nPING\r\n";

    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void closeChannels() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }

    // ---- multibulk and inline ----

    @Test
    void multibulkCommandsPipelinedInOneBuffer() {
        assertEquals(List.of("[GET, k]", "[PING]", "[SET, key, value]"),
                decode("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n" + PING + "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"));
    }

    @Test
    void argumentsAreBinarySafe() {
        List<Object> out = decodeRaw(bytes("*3\r\n$3\r\nSET\r\n$4\r\n\0\r\n\0\r\n$0\r\n\r\n"));
        assertEquals(1, out.size());
        byte[][] argv = (byte[][]) out.get(0);
        assertArrayEquals(new byte[] {0, '\r', '\n', 0}, argv[1]);
        assertArrayEquals(new byte[0], argv[2]);
    }

    @Test
    void emptyAndNegativeCountsProduceNothing() {
        // redis 7.0.15: "*0\r\nPING\r\n" -> +PONG; "*-1\r\nPING\r\n" -> +PONG; "*-7\r\nPING\r\n" -> +PONG
        assertEquals(List.of("[PING]", "[PING]"), decode("*0\r\n*-1\r\n*-7\r\n" + PING + "*0\r\nPING\r\n"));
        assertEquals(List.of("[]"), decode("*-9223372036854775808\r\n*1\r\n$0\r\n\r\n"));
    }

    @Test
    void bytesAfterCrAndAfterPayloadAreSkippedUnchecked() {
        // redis 7.0.15: "*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n" -> +PONG +PONG; "*1\rX$4\r\nPING\r\n" -> +PONG;
        // "*1\r\n$4\rXPING\r\n" -> +PONG
        assertEquals(List.of("[PING]", "[PING]"), decode("*1\r\n$4\r\nPINGxx" + PING));
        assertEquals(List.of("[PING]"), decode("*1\rX$4\r\nPING\r\n"));
        assertEquals(List.of("[PING]"), decode("*1\r\n$4\rXPING\r\n"));
    }

    @Test
    void inlineCommandsSplitLikeSdssplitargs() {
        // redis 7.0.15: ECHO 'a\'b' -> $3 a'b; ECHO "\x41\x4g\n" -> $5 "Ax4g\n"; ECHO a\rb -> wrong number of args
        // (three arguments); ECHO "a\rb" -> $3; ECHO \vfoo -> $3 foo; ECHO a\vfoo -> $5; ECHO "a"\v -> $1 a;
        // ECHO a"b c" -> $4 "ab c"; "" -> unknown command ''
        assertEquals(List.of(
                        "[ECHO, a'b]", "[ECHO, Ax4g\\n]", "[ECHO, a, b]", "[ECHO, a\\rb]", "[ECHO, foo]",
                        "[ECHO, a\\x0bfoo]", "[ECHO, a]", "[ECHO, ab c]", "[]", "[SET, k, v]",
                        "[x, \\x00\\xff, \\\\, q]"),
                decode("ECHO 'a\\'b'\r\n" + "ECHO \"\\x41\\x4g\\n\"\r\n" + "ECHO a\rb\r\n" + "ECHO \"a\rb\"\r\n"
                        + "ECHO \u000bfoo\r\n" + "ECHO a\u000bfoo\r\n" + "ECHO \"a\"\u000b\r\n" + "ECHO a\"b c\"\r\n"
                        + "\"\"\r\n" + "  SET\tk   v  \n" + "x \"\\x00\\xFf\" \"\\\\\" \"\\q\"\n"));
    }

    @Test
    void emptyInlineLinesAreSkipped() {
        // redis 7.0.15: "\r\n\n  \nPING\n" -> +PONG, connection open
        assertEquals(List.of("[PING]", "[PING]"), decode("\r\n\n  \nPING\n\t\r\nPING\r\n"));
    }

    @Test
    void inlineLineLongerThan64KbIsAcceptedWhenItsNewlineIsAlreadyThere() {
        // redis 7.0.15: 70000 x 'P' + CRLF in one write -> "-ERR unknown command 'PPP...'", connection open.
        String line = "P".repeat(70_000);
        assertEquals(List.of("[" + line + "]"), decode(line + "\r\n"));
    }

    // ---- errors ----

    static Stream<Arguments> errors() {
        String mbulk = "ERR Protocol error: invalid multibulk length";
        String bulk = "ERR Protocol error: invalid bulk length";
        return Stream.of(
                // redis 7.0.15 replies, each followed by the connection closing:
                Arguments.of("*2147483648\r\n", mbulk), // -ERR Protocol error: invalid multibulk length
                Arguments.of("*abc\r\n", mbulk), // same
                Arguments.of("*\r\n", mbulk), // same
                Arguments.of("*01\r\n", mbulk), // same
                Arguments.of("*+1\r\n", mbulk), // same
                Arguments.of("*-0\r\n", mbulk), // same
                Arguments.of("*1\n$4\r\nPING\r\n", mbulk), // same: the line runs to the first CR
                Arguments.of("*1" + "1".repeat(70_000) + "\r\n", mbulk), // same
                Arguments.of("*1\r\nfoo\r\n", "ERR Protocol error: expected '$', got 'f'"),
                Arguments.of("*1\r\n\r\n\r\n", "ERR Protocol error: expected '$', got ' '"), // CR shown as space
                Arguments.of("*1\r\n$-1\r\n", bulk), // -ERR Protocol error: invalid bulk length
                Arguments.of("*1\r\n$abc\r\n", bulk), // same
                Arguments.of("*1\r\n$\r\n", bulk), // same
                Arguments.of("*1\r\n$04\r\n", bulk), // same
                Arguments.of("*1\r\n$-0\r\n", bulk), // same
                Arguments.of("*1\r\n$11111111111111111111\r\n", bulk), // same
                Arguments.of("*1\r\n$9223372036854775808\r\n", bulk), // same
                Arguments.of("*1\r\n$536870913\r\n", bulk), // same (proto-max-bulk-len 512mb; 536870912 waits)
                Arguments.of("*1\r\n$600000000\r\n", bulk), // same
                Arguments.of("*" + "1".repeat(65_536), "ERR Protocol error: too big mbulk count string"),
                Arguments.of("*1\r\n$" + "1".repeat(65_536), "ERR Protocol error: too big bulk count string"),
                Arguments.of("*1\r\n" + "x".repeat(65_537), "ERR Protocol error: too big bulk count string"),
                Arguments.of("P".repeat(65_537), "ERR Protocol error: too big inline request"),
                Arguments.of("PING \"a\r\n", "ERR Protocol error: unbalanced quotes in request"),
                Arguments.of("ECHO \"a\"b\r\n", "ERR Protocol error: unbalanced quotes in request"),
                Arguments.of("ECHO \"a\\\"\r\n", "ERR Protocol error: unbalanced quotes in request"),
                Arguments.of("ECHO 'a'b\r\n", "ERR Protocol error: unbalanced quotes in request"),
                Arguments.of("ECHO 'a\r\n", "ERR Protocol error: unbalanced quotes in request"));
    }

    @ParameterizedTest
    @MethodSource("errors")
    void malformedInputGivesRedisErrorAndNothingAfterIt(String input, String error) {
        EmbeddedChannel ch = channel(ServerConfig.DEFAULTS, true);
        // An unterminated line only fails while no terminator follows it, so those inputs come alone.
        String after = error.contains("too big") ? "" : PING + "PING\r\n";
        assertEquals(List.of("[PING]", "!" + error), describe(write(ch, bytes(PING + input + after))));
        assertEquals(List.of(), describe(write(ch, bytes(PING))), "input after the error is discarded");
    }

    @Test
    void errorAfterEarlierCommandsComesInOrder() {
        // redis 7.0.15: PING, then "*x\r\n", then PING -> "+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n",
        // then the connection closes.
        assertEquals(List.of("[PING]", "!ERR Protocol error: invalid multibulk length"),
                decode(PING + "*x\r\n" + PING));
    }

    @Test
    void nonAsciiByteIsQuotedAsOneChar() {
        // redis 7.0.15: "*1\r\n\xff\r\n" -> "-ERR Protocol error: expected '$', got '\xff'" (the raw byte).
        List<Object> out = decodeRaw(new byte[] {'*', '1', '\r', '\n', (byte) 0xFF, '\r', '\n'});
        assertEquals(new RespDecoder.ProtocolError("ERR Protocol error: expected '$', got '\u00ff'"), out.get(0));
    }

    @Test
    void lineLimitsAllowExactly64Kb() {
        // redis 7.0.15: "*1\r\n$" + 65535 digits -> no reply, open; 65536 -> too big bulk count string.
        // 65536 x 'P' -> no reply, open; 65537 -> too big inline request.
        assertEquals(List.of(), decode("*1\r\n$" + "1".repeat(65_535)));
        assertEquals(List.of(), decode("P".repeat(65_536)));
        assertEquals(List.of(), decode("*" + "1".repeat(65_535)));
    }

    @Test
    void nulHidesTheLineEndAsInRedis() {
        // redis 7.0.15: "*1\0\r\n$4\r\nPING\r\n" -> no reply, connection open; "PI\0NG\r\n" -> same.
        EmbeddedChannel ch = channel(ServerConfig.DEFAULTS, true);
        assertEquals(List.of(), describe(write(ch, bytes("*1\0\r\n" + PING))));
        assertEquals(List.of("!ERR Protocol error: too big mbulk count string"),
                describe(write(ch, bytes("x".repeat(65_536)))));
        assertEquals(List.of(), decode("PI\0NG\r\n"));
    }

    // ---- split points ----

    private static final String PIPELINE = PING
            + "*3\r\n$3\r\nSET\r\n$5\r\nk\r\n\0y\r\n$0\r\n\r\n"
            + "*0\r\n*-1\r\n"
            + "SET \"a b\" 'c\\'d' \"\\x41\\n\"\r\n"
            + "\n"
            + "*2\r\n$4\r\nECHO\r\n$12\r\n*1\r\n$4\r\nPING\r\n"
            + "inline\n"
            + "*1\rX$4\rYPINGzz"
            + "*1\r\n$-1\r\n"; // ends in an error

    @Test
    void everySplitPointGivesTheSameCommands() {
        byte[] input = bytes(PIPELINE);
        List<String> whole = describe(decodeRaw(input));
        assertEquals(List.of("[PING]", "[SET, k\\r\\n\\x00y, ]", "[SET, a b, c'd, A\\n]", "[ECHO, *1\\r\\n$4\\r\\nPING]",
                "[inline]", "[PING]", "!ERR Protocol error: invalid bulk length"), whole);
        for (int i = 0; i <= input.length; i++) {
            EmbeddedChannel ch = channel(ServerConfig.DEFAULTS, true);
            List<Object> out = write(ch, Arrays.copyOfRange(input, 0, i));
            out.addAll(write(ch, Arrays.copyOfRange(input, i, input.length)));
            assertEquals(whole, describe(out), "split at " + i);
        }
        assertEquals(whole, describe(oneByteAtATime(input)));
    }

    @Test
    void errorsAreTheSameWhenFedOneByteAtATime() {
        for (Arguments a : errors().toList()) {
            String input = (String) a.get()[0];
            if (input.length() > 100) {
                continue;
            }
            assertEquals(List.of("[PING]", "!" + a.get()[1]), describe(oneByteAtATime(bytes(PING + input + PING))),
                    input);
        }
    }

    @Test
    void bigBulksSurviveAnyChunking() {
        // Above RespDecoder.BIG_ARG, so a bulk that arrives in parts is streamed out of the cumulation buffer.
        byte[] payload = new byte[40_000];
        new Random(42).nextBytes(payload);
        String head = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$40000\r\n";
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        in.writeBytes(bytes(head));
        in.writeBytes(payload);
        in.writeBytes(bytes("\r\n" + PING));
        byte[] input = in.toByteArray();

        List<List<byte[]>> chunkings = new ArrayList<>();
        for (int i = 0; i <= input.length; i = i == head.length() + 50 ? input.length - 50 : i + 1) {
            chunkings.add(List.of(Arrays.copyOfRange(input, 0, i), Arrays.copyOfRange(input, i, input.length)));
        }
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            List<byte[]> chunks = new ArrayList<>();
            for (int i = 0; i < input.length; ) {
                int n = Math.min(input.length - i, 1 + r.nextInt(seed % 2 == 0 ? 20_000 : 1_000));
                chunks.add(Arrays.copyOfRange(input, i, i + n));
                i += n;
            }
            chunkings.add(chunks);
        }
        for (List<byte[]> chunks : chunkings) {
            EmbeddedChannel ch = channel(ServerConfig.DEFAULTS, true);
            List<Object> out = new ArrayList<>();
            for (byte[] chunk : chunks) {
                out.addAll(write(ch, chunk));
            }
            String where = "chunk sizes " + chunks.stream().map(c -> c.length).toList();
            assertEquals(2, out.size(), where);
            assertArrayEquals(payload, ((byte[][]) out.get(0))[2], where);
            assertEquals(List.of("[PING]"), describe(out.subList(1, 2)), where);
        }
    }

    // ---- limits ----

    @Test
    void hugeAnnouncedCountsAllocateNothing() {
        // redis 7.0.15: "*2147483647\r\n" -> no reply, open (INT_MAX is the limit, not 1024*1024*1024).
        RespDecoder decoder = new RespDecoder(new ServerState(ServerConfig.DEFAULTS, TABLE), session(true));
        EmbeddedChannel ch = track(new EmbeddedChannel(decoder));
        assertEquals(List.of(), write(ch, bytes("*2147483647\r\n$3\r\nSET\r\n")));
        assertEquals(1024, decoder.argvSlots());
    }

    @Test
    void argvGrowsToExactlyTheAnnouncedCount() {
        RespDecoder decoder = new RespDecoder(new ServerState(ServerConfig.DEFAULTS, TABLE), session(true));
        EmbeddedChannel ch = track(new EmbeddedChannel(decoder));
        String arg = "$1\r\nx\r\n";
        assertEquals(List.of(), write(ch, bytes("*3000\r\n" + arg.repeat(1500))));
        assertEquals(2048, decoder.argvSlots());
        List<Object> out = write(ch, bytes(arg.repeat(1500) + PING));
        assertEquals(2, out.size());
        assertEquals(3000, ((byte[][]) out.get(0)).length);
    }

    @Test
    void hugeAnnouncedBulkIsRefusedOrHeldOnlyAsFarAsItArrived() {
        ServerConfig small = config(1024 * 1024, ServerConfig.DEFAULTS.clientQueryBufferLimit(), "");
        assertEquals(List.of("!ERR Protocol error: invalid bulk length"),
                describe(decodeRaw(channel(small, true), bytes("*1\r\n$600000000\r\n"))));
        assertEquals(List.of("!ERR Protocol error: invalid bulk length"),
                describe(decodeRaw(channel(small, true), bytes("*1\r\n$1048577\r\n"))));

        RespDecoder decoder = new RespDecoder(new ServerState(ServerConfig.DEFAULTS, TABLE), session(true));
        EmbeddedChannel ch = track(new EmbeddedChannel(decoder));
        assertEquals(List.of(), write(ch, bytes("*2\r\n$3\r\nGET\r\n$536870912\r\n")));
        assertEquals(0, decoder.heldBulkBytes());
        write(ch, new byte[100_000]);
        assertTrue(decoder.heldBulkBytes() <= 200_000, "held " + decoder.heldBulkBytes());
        write(ch, new byte[300_000]);
        assertTrue(decoder.heldBulkBytes() <= 800_000, "held " + decoder.heldBulkBytes());
    }

    @Test
    void protoMaxBulkLenIsReadLive() {
        ServerState server = new ServerState(ServerConfig.DEFAULTS, TABLE);
        EmbeddedChannel ch = track(new EmbeddedChannel(new RespDecoder(server, session(true))));
        assertEquals(List.of("[ECHO, 1234567890]"), describe(write(ch, bytes("*2\r\n$4\r\nECHO\r\n$10\r\n1234567890\r\n"))));
        server.config(config(5, ServerConfig.DEFAULTS.clientQueryBufferLimit(), ""));
        assertEquals(List.of("!ERR Protocol error: invalid bulk length"),
                describe(write(ch, bytes("*2\r\n$4\r\nECHO\r\n$10\r\n1234567890\r\n"))));
    }

    @Test
    void commandLargerThanQueryBufferLimitIsRefused() {
        // redis 7.0.15 with client-query-buffer-limit 1mb: PING then 1.2MB of a 2MB bulk -> "+PONG", then the
        // connection closes without an error reply (we send one, see RespDecoder's javadoc).
        ServerConfig limited = config(ServerConfig.DEFAULTS.protoMaxBulkLen(), 1000, "");
        String head = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000\r\n";
        assertEquals(List.of("[PING]"), decode(limited, PING + head + "x".repeat(900)));
        assertEquals(List.of("[PING]", "!ERR Protocol error: query buffer limit exceeded"),
                decode(limited, PING + head + "x".repeat(1000)));
        assertEquals(List.of("!ERR Protocol error: query buffer limit exceeded"), decode(limited, "P".repeat(1001)));

        ServerConfig streamed = config(ServerConfig.DEFAULTS.protoMaxBulkLen(), 100_000, "");
        String bigHead = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$200000\r\n";
        assertEquals(List.of(), decode(streamed, bigHead + "x".repeat(90_000)));
        assertEquals(List.of("!ERR Protocol error: query buffer limit exceeded"),
                decode(streamed, bigHead + "x".repeat(100_000)));
        // A whole command that arrived at once is never held back.
        assertEquals(1, decode(streamed, bigHead + "x".repeat(200_000) + "\r\n").size());
    }

    @Test
    void unauthenticatedLimitsApplyOnlyWhileRequirepassIsSetAndNotAuthenticated() {
        // redis 7.0.15 with requirepass set, not authenticated: "*10\r\n" -> no reply, open;
        // "*11\r\n" -> -ERR Protocol error: unauthenticated multibulk length; "*1\r\n$16384\r\n" -> no reply;
        // "*1\r\n$16385\r\n" -> -ERR Protocol error: unauthenticated bulk length; "*2147483648\r\n" -> invalid
        // multibulk length (checked first); "*1\r\n$600000000\r\n" -> invalid bulk length (checked first).
        ServerConfig withPass = config(ServerConfig.DEFAULTS.protoMaxBulkLen(),
                ServerConfig.DEFAULTS.clientQueryBufferLimit(), "secret");
        assertEquals(List.of(), decode(withPass, false, "*10\r\n"));
        assertEquals(List.of("!ERR Protocol error: unauthenticated multibulk length"), decode(withPass, false, "*11\r\n"));
        assertEquals(List.of(), decode(withPass, false, "*1\r\n$16384\r\n"));
        assertEquals(List.of("!ERR Protocol error: unauthenticated bulk length"),
                decode(withPass, false, "*1\r\n$16385\r\n"));
        assertEquals(List.of("!ERR Protocol error: invalid multibulk length"), decode(withPass, false, "*2147483648\r\n"));
        assertEquals(List.of("!ERR Protocol error: invalid bulk length"), decode(withPass, false, "*1\r\n$600000000\r\n"));
        assertEquals(List.of("[PING]"), decode(withPass, false, "*-11\r\n" + PING));

        assertEquals(List.of(), decode(withPass, true, "*11\r\n"));
        assertEquals(List.of(), decode(withPass, true, "*1\r\n$16385\r\n"));
        assertEquals(List.of(), decode(ServerConfig.DEFAULTS, false, "*11\r\n"));
        assertEquals(List.of(), decode(ServerConfig.DEFAULTS, false, "*1\r\n$16385\r\n"));
    }

    @Test
    void authInTheSameBufferLiftsLimitsForTheNextCommand() {
        // redis 7.0.15: AUTH secret then "*11\r\n" in one write -> "+OK", connection open.
        ServerConfig withPass = config(ServerConfig.DEFAULTS.protoMaxBulkLen(),
                ServerConfig.DEFAULTS.clientQueryBufferLimit(), "secret");
        ClientSession session = session(false);
        EmbeddedChannel ch = track(new EmbeddedChannel(new RespDecoder(new ServerState(withPass, TABLE), session),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof byte[][] argv && new String(argv[0], StandardCharsets.US_ASCII).equals("AUTH")) {
                            session.authenticated(true);
                        }
                        ctx.fireChannelRead(msg);
                    }
                }));
        assertEquals(List.of("[AUTH, secret]"),
                describe(write(ch, bytes("*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n*11\r\n$16385\r\n"))));
    }

    // ---- helpers ----

    static ServerConfig config(long protoMaxBulkLen, long clientQueryBufferLimit, String requirepass) {
        ServerConfig d = ServerConfig.DEFAULTS;
        return new ServerConfig(d.port(), d.bind(), d.dir(), requirepass, d.appendfsync(), d.maxmemory(),
                d.loglevel(), d.logfile(), protoMaxBulkLen, clientQueryBufferLimit, d.maxclients(),
                d.databases(), d.clusterNodeId(), d.clusterMembers(), d.clusterElectionTimeoutMs(),
                d.clusterHeartbeatMs(), d.clusterRedirectWaitMs(), d.clusterLeaseReads(), d.ioThreads());
    }

    private static ClientSession session(boolean authenticated) {
        return new ClientSession("127.0.0.1:50000", "127.0.0.1:6379", 0, authenticated);
    }

    private EmbeddedChannel channel(ServerConfig config, boolean authenticated) {
        return track(new EmbeddedChannel(new RespDecoder(new ServerState(config, TABLE), session(authenticated))));
    }

    private EmbeddedChannel track(EmbeddedChannel ch) {
        channels.add(ch);
        return ch;
    }

    private List<String> decode(String input) {
        return decode(ServerConfig.DEFAULTS, true, input);
    }

    private List<String> decode(ServerConfig config, String input) {
        return decode(config, true, input);
    }

    private List<String> decode(ServerConfig config, boolean authenticated, String input) {
        return describe(decodeRaw(channel(config, authenticated), bytes(input)));
    }

    private List<Object> decodeRaw(byte[] input) {
        return decodeRaw(channel(ServerConfig.DEFAULTS, true), input);
    }

    private static List<Object> decodeRaw(EmbeddedChannel ch, byte[] input) {
        return write(ch, input);
    }

    private List<Object> oneByteAtATime(byte[] input) {
        EmbeddedChannel ch = channel(ServerConfig.DEFAULTS, true);
        List<Object> out = new ArrayList<>();
        for (byte b : input) {
            out.addAll(write(ch, new byte[] {b}));
        }
        return out;
    }

    /** Writes one chunk (the decoder releases it) and returns every message it produced. */
    private static List<Object> write(EmbeddedChannel ch, byte[] chunk) {
        ch.writeInbound(Unpooled.wrappedBuffer(chunk));
        List<Object> out = new ArrayList<>();
        for (Object m; (m = ch.readInbound()) != null; ) {
            out.add(m);
        }
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static List<String> describe(List<Object> messages) {
        List<String> lines = new ArrayList<>();
        for (Object m : messages) {
            if (m instanceof RespDecoder.ProtocolError e) {
                lines.add("!" + e.text());
            } else if (m instanceof byte[][] argv) {
                StringBuilder sb = new StringBuilder("[");
                for (int i = 0; i < argv.length; i++) {
                    sb.append(i == 0 ? "" : ", ").append(printable(argv[i]));
                }
                lines.add(sb.append(']').toString());
            } else {
                throw new AssertionError("unexpected message " + m);
            }
        }
        return lines;
    }

    private static String printable(byte[] arg) {
        StringBuilder sb = new StringBuilder();
        for (byte b : arg) {
            int c = b & 0xFF;
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c >= 0x7F) {
                        sb.append(String.format("\\x%02x", c));
                    } else {
                        sb.append((char) c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
