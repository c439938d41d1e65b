package io.raftkv.server.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.reply.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every reply variant as the connection's encoder writes it, in RESP2 and in RESP3. The RESP3 forms and the double
 * texts were checked against redis-server 7.0.15 after HELLO 3 (ZSCORE, HGETALL, SMEMBERS, GET and LPOP of missing
 * keys, SISMEMBER); RESP2 is what every existing test compares with redis-server.
 */
class RespEncoderTest {

    private final ClientSession session = new ClientSession("127.0.0.1:1", "127.0.0.1:2", 0, true);
    private final EmbeddedChannel ch = new EmbeddedChannel(new RespEncoder(session));

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    private String resp2(Reply reply) {
        session.protocol(2);
        return written(reply);
    }

    private String resp3(Reply reply) {
        session.protocol(3);
        return written(reply);
    }

    private String written(Reply reply) {
        ch.writeOutbound(reply);
        ByteBuf b = ch.readOutbound();
        try {
            return b.toString(StandardCharsets.UTF_8);
        } finally {
            b.release();
        }
    }

    private static final Reply MAP = Reply.map(List.of(Reply.bulk("f"), Reply.bulk("v"), Reply.bulk("n"), Reply.ONE));

    /** One variant (or shared constant) and its bytes in RESP2 and in RESP3: the table in Reply's comment. */
    private record Case(String what, Reply reply, String resp2, String resp3) {
    }

    private static final Reply PUSH = Reply.push(Reply.bulk("message"), Reply.bulk("hi"));

    /** The first rows existed before RESP3: their RESP2 bytes are the ones every redis-server comparison checks. */
    private static final List<Case> CASES = List.of(
            new Case("simple", Reply.OK, "+OK\r\n", "+OK\r\n"),
            new Case("error", Reply.SYNTAX_ERROR, "-ERR syntax error\r\n", "-ERR syntax error\r\n"),
            new Case("small integer", Reply.integer(7), ":7\r\n", ":7\r\n"),
            new Case("integer", Reply.integer(-12345), ":-12345\r\n", ":-12345\r\n"),
            new Case("bulk", Reply.bulk("abc"), "$3\r\nabc\r\n", "$3\r\nabc\r\n"),
            new Case("empty bulk", Reply.EMPTY_BULK, "$0\r\n\r\n", "$0\r\n\r\n"),
            new Case("array", Reply.array(Reply.bulk("a"), Reply.ONE), "*2\r\n$1\r\na\r\n:1\r\n",
                    "*2\r\n$1\r\na\r\n:1\r\n"),
            new Case("empty array", Reply.EMPTY_ARRAY, "*0\r\n", "*0\r\n"),
            new Case("null bulk (GET of a missing key)", Reply.NIL, "$-1\r\n", "_\r\n"),
            new Case("null array (LPOP with a count, missing key)", Reply.NIL_ARRAY, "*-1\r\n", "_\r\n"),
            new Case("map (a flat array in RESP2)", MAP, "*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nn\r\n:1\r\n",
                    "%2\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nn\r\n:1\r\n"),
            new Case("empty map", Reply.EMPTY_MAP, "*0\r\n", "%0\r\n"),
            new Case("set", Reply.set(List.of(Reply.bulk("x"))), "*1\r\n$1\r\nx\r\n", "~1\r\n$1\r\nx\r\n"),
            new Case("empty set", Reply.EMPTY_SET, "*0\r\n", "~0\r\n"),
            new Case("double", new Reply.Double(1.5), "$3\r\n1.5\r\n", ",1.5\r\n"),
            new Case("double, 17 digits", new Reply.Double(0.1), "$19\r\n0.10000000000000001\r\n",
                    ",0.10000000000000001\r\n"),
            new Case("infinity", new Reply.Double(Double.POSITIVE_INFINITY), "$3\r\ninf\r\n", ",inf\r\n"),
            new Case("negative infinity", new Reply.Double(Double.NEGATIVE_INFINITY), "$4\r\n-inf\r\n", ",-inf\r\n"),
            new Case("true", Reply.TRUE, ":1\r\n", "#t\r\n"),
            new Case("false", Reply.FALSE, ":0\r\n", "#f\r\n"),
            new Case("null", Reply.NULL, "$-1\r\n", "_\r\n"),
            new Case("push", PUSH, "*2\r\n$7\r\nmessage\r\n$2\r\nhi\r\n", ">2\r\n$7\r\nmessage\r\n$2\r\nhi\r\n"));

    @Test
    void everyVariantInBothVersions() {
        for (Case c : CASES) {
            assertEquals(c.resp2(), resp2(c.reply()), c.what() + " in RESP2");
            assertEquals(c.resp3(), resp3(c.reply()), c.what() + " in RESP3");
        }
    }

    @Test
    void elementsFollowTheConnectionsVersionToo() {
        Reply nested = Reply.array(MAP, Reply.NIL, Reply.set(List.of(Reply.TRUE)));
        assertEquals("*3\r\n%2\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nn\r\n:1\r\n_\r\n~1\r\n#t\r\n", resp3(nested));
        assertEquals("*3\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nn\r\n:1\r\n$-1\r\n*1\r\n:1\r\n", resp2(nested));
    }

    /** What redis-server 7.0.15 answered ZSCORE after HELLO 3 for these scores: C's %.17g. */
    @Test
    void doublesAreFormattedAsRedis70PrintsThem() {
        assertEquals(",0.10000000000000001\r\n", resp3(new Reply.Double(0.1)));
        assertEquals(",3\r\n", resp3(new Reply.Double(3)));
        assertEquals(",100\r\n", resp3(new Reply.Double(100)));
        assertEquals(",0\r\n", resp3(new Reply.Double(0)));
        assertEquals(",1.0000000000000001e+300\r\n", resp3(new Reply.Double(1e300)));
        assertEquals(",1.0000000000000001e-05\r\n", resp3(new Reply.Double(1e-5)));
        assertEquals(",1e+17\r\n", resp3(new Reply.Double(1e17)));
        assertEquals(",10000000000000000\r\n", resp3(new Reply.Double(1e16)));
        assertEquals(",123456789.123\r\n", resp3(new Reply.Double(123456789.123)));
        assertEquals(",4.9406564584124654e-324\r\n", resp3(new Reply.Double(5e-324)));
        assertEquals(",0.29999999999999999\r\n", resp3(new Reply.Double(0.3)));
        assertEquals(",1.2345678901234568e+18\r\n", resp3(new Reply.Double(1234567890123456789d)));
        // Not in that capture (ZADD stores -0 as 0): what C's %.17g prints for these.
        assertEquals(",-2.5\r\n", resp3(new Reply.Double(-2.5)));
        assertEquals(",-1.0000000000000001e-05\r\n", resp3(new Reply.Double(-1e-5)));
        assertEquals(",-0\r\n", resp3(new Reply.Double(-0.0)));
        assertEquals(",0.0001\r\n", resp3(new Reply.Double(0.0001)));
        assertEquals(",nan\r\n", resp3(new Reply.Double(Double.NaN)));
    }

    @Test
    void onlyVersionsTwoAndThreeExistAndAMapNeedsPairs() {
        assertThrows(IllegalArgumentException.class, () -> session.protocol(4));
        ByteBuf buf = Unpooled.buffer();
        try {
            assertThrows(IllegalArgumentException.class, () -> RespEncoder.write(Reply.OK, buf, 1));
        } finally {
            buf.release();
        }
        assertThrows(IllegalArgumentException.class, () -> Reply.map(List.of(Reply.OK)));
    }
}
