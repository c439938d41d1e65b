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

    @Test
    void resp2IsWhatItWasForTheRepliesThatExistedBefore() {
        assertEquals("+OK\r\n", resp2(Reply.OK));
        assertEquals("-ERR syntax error\r\n", resp2(Reply.SYNTAX_ERROR));
        assertEquals(":7\r\n", resp2(Reply.integer(7)));
        assertEquals(":-12345\r\n", resp2(Reply.integer(-12345)));
        assertEquals("$3\r\nabc\r\n", resp2(Reply.bulk("abc")));
        assertEquals("$0\r\n\r\n", resp2(Reply.EMPTY_BULK));
        assertEquals("*2\r\n$1\r\na\r\n:1\r\n", resp2(Reply.array(Reply.bulk("a"), Reply.ONE)));
        assertEquals("*0\r\n", resp2(Reply.EMPTY_ARRAY));
        assertEquals("$-1\r\n", resp2(Reply.NIL));
        assertEquals("*-1\r\n", resp2(Reply.NIL_ARRAY));
    }

    @Test
    void resp2WritesTheRedisFallbackForTheResp3Types() {
        assertEquals("*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nn\r\n:1\r\n", resp2(MAP), "a map is a flat array");
        assertEquals("*0\r\n", resp2(Reply.EMPTY_MAP));
        assertEquals("*1\r\n$1\r\nx\r\n", resp2(Reply.set(List.of(Reply.bulk("x")))));
        assertEquals("$3\r\n1.5\r\n", resp2(new Reply.Double(1.5)));
        assertEquals("$19\r\n0.10000000000000001\r\n", resp2(new Reply.Double(0.1)));
        assertEquals("$3\r\ninf\r\n", resp2(new Reply.Double(Double.POSITIVE_INFINITY)));
        assertEquals(":1\r\n", resp2(Reply.TRUE));
        assertEquals(":0\r\n", resp2(Reply.FALSE));
        assertEquals("$-1\r\n", resp2(Reply.NULL));
        assertEquals("*2\r\n$7\r\nmessage\r\n$2\r\nhi\r\n", resp2(Reply.push(Reply.bulk("message"), Reply.bulk("hi"))));
    }

    @Test
    void resp3WritesEveryVariantInItsOwnType() {
        assertEquals("+OK\r\n", resp3(Reply.OK));
        assertEquals("-ERR syntax error\r\n", resp3(Reply.SYNTAX_ERROR));
        assertEquals(":7\r\n", resp3(Reply.integer(7)));
        assertEquals("$3\r\nabc\r\n", resp3(Reply.bulk("abc")));
        assertEquals("*2\r\n$1\r\na\r\n:1\r\n", resp3(Reply.array(Reply.bulk("a"), Reply.ONE)));
        assertEquals("_\r\n", resp3(Reply.NIL), "GET of a missing key");
        assertEquals("_\r\n", resp3(Reply.NIL_ARRAY), "LPOP with a count on a missing key");
        assertEquals("%2\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nn\r\n:1\r\n", resp3(MAP));
        assertEquals("%0\r\n", resp3(Reply.EMPTY_MAP));
        assertEquals("~1\r\n$1\r\nx\r\n", resp3(Reply.set(List.of(Reply.bulk("x")))));
        assertEquals("~0\r\n", resp3(Reply.EMPTY_SET));
        assertEquals(",1.5\r\n", resp3(new Reply.Double(1.5)));
        assertEquals(",inf\r\n", resp3(new Reply.Double(Double.POSITIVE_INFINITY)));
        assertEquals(",-inf\r\n", resp3(new Reply.Double(Double.NEGATIVE_INFINITY)));
        assertEquals("#t\r\n", resp3(Reply.TRUE));
        assertEquals("#f\r\n", resp3(Reply.FALSE));
        assertEquals("_\r\n", resp3(Reply.NULL));
        assertEquals(">2\r\n$7\r\nmessage\r\n$2\r\nhi\r\n", resp3(Reply.push(Reply.bulk("message"), Reply.bulk("hi"))));
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
