package io.raftkv.server.command.string;

import io.raftkv.server.CommandHarness;
import io.raftkv.server.command.CommandFlag;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.Exec;
import io.raftkv.server.kv.CollectionHeader;
import io.raftkv.server.kv.StoredValue;
import io.raftkv.server.kv.ValueType;
import io.raftkv.server.reply.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The string group against Redis 7.0.15's replies. Every expected reply here was checked on a real redis-server
 * 7.0.15 with the same commands; cases that needed care are annotated with what redis-server answered.
 */
class StringCommandsTest {

    private static final String OK = "+OK\r\n";
    private static final String NIL = "$-1\r\n";
    private static final String EMPTY = "$0\r\n\r\n";
    private static final String SYNTAX = "-ERR syntax error\r\n";
    private static final String NOT_INTEGER = "-ERR value is not an integer or out of range\r\n";
    private static final String NOT_FLOAT = "-ERR value is not a valid float\r\n";
    private static final String WRONGTYPE = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    private static final String TOO_LONG = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";
    private static final String NAN_OR_INF = "-ERR increment would produce NaN or Infinity\r\n";

    private final CommandHarness h = new CommandHarness();

    @AfterEach
    void close() {
        h.close();
    }

    private static String bulk(String s) {
        return "$" + s.getBytes(StandardCharsets.UTF_8).length + "\r\n" + s + "\r\n";
    }

    private static String integer(long n) {
        return ":" + n + "\r\n";
    }

    private static String error(String text) {
        return "-" + text + "\r\n";
    }

    private static String array(String... elements) {
        return "*" + elements.length + "\r\n" + String.join("", elements);
    }

    private static String invalidExpire(String command) {
        return error("ERR invalid expire time in '" + command + "' command");
    }

    private long expireAt(String key) {
        StoredValue v = h.store.get(key.getBytes(StandardCharsets.UTF_8), h.now);
        return v == null ? -2 : v.expireAt();
    }

    private void putOtherType(String key) {
        h.store.put(key.getBytes(StandardCharsets.UTF_8), new CollectionHeader(ValueType.HASH, 1, 3, 0));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    // ---- the table rows

    @Test
    void rowsCarryRedisArityFlagsAndKeys() {
        // As COMMAND INFO answers on redis-server 7.0.15.
        assertRow("get", 2, EnumSet.of(CommandFlag.READONLY, CommandFlag.FAST), 1, 1, 1);
        assertRow("set", -3, EnumSet.of(CommandFlag.WRITE, CommandFlag.DENYOOM), 1, 1, 1);
        assertRow("setnx", 3, EnumSet.of(CommandFlag.WRITE, CommandFlag.DENYOOM, CommandFlag.FAST), 1, 1, 1);
        assertRow("setex", 4, EnumSet.of(CommandFlag.WRITE, CommandFlag.DENYOOM), 1, 1, 1);
        assertRow("psetex", 4, EnumSet.of(CommandFlag.WRITE, CommandFlag.DENYOOM), 1, 1, 1);
        assertRow("getset", 3, EnumSet.of(CommandFlag.WRITE, CommandFlag.DENYOOM, CommandFlag.FAST), 1, 1, 1);
        assertRow("getdel", 2, EnumSet.of(CommandFlag.WRITE, CommandFlag.FAST), 1, 1, 1);
        assertRow("getex", -2, EnumSet.of(CommandFlag.WRITE, CommandFlag.FAST), 1, 1, 1);
        assertRow("mget", -2, EnumSet.of(CommandFlag.READONLY, CommandFlag.FAST), 1, -1, 1);
        assertRow("mset", -3, EnumSet.of(CommandFlag.WRITE, CommandFlag.DENYOOM), 1, -1, 2);
        assertRow("msetnx", -3, EnumSet.of(CommandFlag.WRITE, CommandFlag.DENYOOM), 1, -1, 2);
        assertRow("append", 3, EnumSet.of(CommandFlag.WRITE, CommandFlag.DENYOOM, CommandFlag.FAST), 1, 1, 1);
        assertRow("strlen", 2, EnumSet.of(CommandFlag.READONLY, CommandFlag.FAST), 1, 1, 1);
        for (String incr : new String[] {"incr", "decr"}) {
            assertRow(incr, 2, EnumSet.of(CommandFlag.WRITE, CommandFlag.DENYOOM, CommandFlag.FAST), 1, 1, 1);
        }
        for (String incr : new String[] {"incrby", "decrby", "incrbyfloat"}) {
            assertRow(incr, 3, EnumSet.of(CommandFlag.WRITE, CommandFlag.DENYOOM, CommandFlag.FAST), 1, 1, 1);
        }
        assertRow("getrange", 4, EnumSet.of(CommandFlag.READONLY), 1, 1, 1);
        assertRow("setrange", 4, EnumSet.of(CommandFlag.WRITE, CommandFlag.DENYOOM), 1, 1, 1);
    }

    private void assertRow(String name, int arity, Set<CommandFlag> flags, int first, int last, int step) {
        CommandSpec spec = h.server.table().get(name);
        assertEquals(arity, spec.arity(), name);
        assertEquals(flags, spec.flags(), name);
        assertEquals(flags.contains(CommandFlag.WRITE) ? Exec.WRITE : Exec.READ, spec.exec(), name);
        assertEquals(first, spec.firstKey(), name);
        assertEquals(last, spec.lastKey(), name);
        assertEquals(step, spec.keyStep(), name);
        assertEquals("string", spec.group(), name);
    }

    @Test
    void wrongArityComesFromTheTable() {
        assertEquals(error("ERR wrong number of arguments for 'get' command"), h.send("GET"));
        assertEquals(error("ERR wrong number of arguments for 'set' command"), h.send("SET", "k"));
        assertEquals(error("ERR wrong number of arguments for 'getrange' command"), h.send("GETRANGE", "k", "0"));
    }

    // ---- GET / SET

    @Test
    void getAndSet() {
        assertEquals(NIL, h.send("GET", "k"));
        assertEquals(OK, h.send("SET", "k", "v"));
        assertEquals(bulk("v"), h.send("GET", "k"));
        assertEquals(OK, h.send("set", "k", ""));
        assertEquals(EMPTY, h.send("GET", "k"));
    }

    @Test
    void binaryValuesRoundTrip() {
        byte[] key = {0, (byte) 0xff, '\r', '\n'};
        byte[] value = new byte[256];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) i;
        }
        assertEquals(Reply.OK, h.execute(new byte[][] {b("SET"), key, value}));
        Reply got = h.execute(new byte[][] {b("GET"), key});
        assertArrayEquals(value, ((Reply.Bulk) got).bytes());
        assertEquals(Reply.integer(256), h.execute(new byte[][] {b("STRLEN"), key}));
        Reply appended = h.execute(new byte[][] {b("APPEND"), key, new byte[] {0, 0}});
        assertEquals(Reply.integer(258), appended);
        Reply range = h.execute(new byte[][] {b("GETRANGE"), key, b("-3"), b("-1")});
        assertArrayEquals(new byte[] {(byte) 0xff, 0, 0}, ((Reply.Bulk) range).bytes());
    }

    @Test
    void setOptionSyntaxErrors() {
        // redis-server 7.0.15: every one of these is "-ERR syntax error".
        assertEquals(SYNTAX, h.send("SET", "k", "v", "EX", "1", "PX", "1"));
        assertEquals(SYNTAX, h.send("SET", "k", "v", "NX", "XX"));
        assertEquals(SYNTAX, h.send("SET", "k", "v", "XX", "NX"));
        assertEquals(SYNTAX, h.send("SET", "k", "v", "EX", "10", "KEEPTTL"));
        assertEquals(SYNTAX, h.send("SET", "k", "v", "KEEPTTL", "EX", "10"));
        assertEquals(SYNTAX, h.send("SET", "k", "v", "EX"));
        assertEquals(SYNTAX, h.send("SET", "k", "v", "foo"));
        assertEquals(SYNTAX, h.send("SET", "k", "v", "PERSIST"));
        assertEquals(SYNTAX, h.send("SET", "k", "v", "EXAT", "1", "PXAT", "1"));
        // The option loop runs before the expire value is read: syntax wins over a bad number.
        assertEquals(SYNTAX, h.send("SET", "k", "v", "EX", "abc", "foo"));
        assertEquals(NIL, h.send("GET", "k"));
    }

    @Test
    void setRepeatedOptionsAreAllowed() {
        // redis-server 7.0.15: "set k v ex 10 ex 10" -> +OK, "set k v nx nx" -> $-1 when k exists.
        assertEquals(OK, h.send("SET", "k", "v", "ex", "10", "EX", "20"));
        assertEquals(h.now + 20_000, expireAt("k"));
        assertEquals(NIL, h.send("SET", "k", "v", "NX", "nx"));
    }

    @Test
    void setInvalidExpireTimes() {
        String invalid = invalidExpire("set");
        assertEquals(invalid, h.send("SET", "k", "v", "EX", "0"));
        assertEquals(invalid, h.send("SET", "k", "v", "EX", "-1"));
        assertEquals(invalid, h.send("SET", "k", "v", "PX", "0"));
        assertEquals(invalid, h.send("SET", "k", "v", "EXAT", "0"));
        assertEquals(invalid, h.send("SET", "k", "v", "PXAT", "0"));
        // Overflow: seconds * 1000, or now + ttl, past int64.
        assertEquals(invalid, h.send("SET", "k", "v", "EX", "9223372036854775807"));
        assertEquals(invalid, h.send("SET", "k", "v", "PX", "9223372036854775807"));
        assertEquals(invalid, h.send("SET", "k", "v", "EX", "9223372036854775"));
        assertEquals(NOT_INTEGER, h.send("SET", "k", "v", "EX", "abc"));
        assertEquals(NOT_INTEGER, h.send("SET", "k", "v", "EX", "01"));
        assertEquals(NOT_INTEGER, h.send("SET", "k", "v", "EX", "+1"));
        assertEquals(NOT_INTEGER, h.send("SET", "k", "v", "EX", "9223372036854775808"));
        assertEquals(NIL, h.send("GET", "k"));
        // Absolute deadlines only need to fit: redis-server 7.0.15 answers +OK to these.
        assertEquals(OK, h.send("SET", "k", "v", "EX", "9223372036854"));
        assertEquals(OK, h.send("SET", "k", "v", "EXAT", "9223372036854775"));
        assertEquals(9223372036854775000L, expireAt("k"));
        assertEquals(OK, h.send("SET", "k", "v", "PXAT", "9223372036854775807"));
        assertEquals(Long.MAX_VALUE, expireAt("k"));
    }

    @Test
    void setExpiresAndRelativeTtlsAreDeadlinesFromTheRecordTime() {
        assertEquals(OK, h.send("SET", "k", "v", "EX", "10"));
        assertEquals(h.now + 10_000, expireAt("k"));
        h.now += 9_999;
        assertEquals(bulk("v"), h.send("GET", "k"));
        h.now += 1;
        assertEquals(NIL, h.send("GET", "k"));

        assertEquals(OK, h.send("SET", "p", "v", "PX", "1500"));
        assertEquals(h.now + 1500, expireAt("p"));
        long at = h.now + 5_000;
        assertEquals(OK, h.send("SET", "a", "v", "PXAT", Long.toString(at)));
        assertEquals(at, expireAt("a"));
        assertEquals(OK, h.send("SET", "s", "v", "EXAT", Long.toString(at / 1000)));
        assertEquals(at / 1000 * 1000, expireAt("s"));
        h.now = at;
        assertEquals(NIL, h.send("GET", "a"));
    }

    @Test
    void setWithDeadlineInThePastStoresAKeyThatIsAlreadyGone() {
        // redis-server 7.0.15: "set k2 v exat 1" -> +OK, then "exists k2" -> 0.
        assertEquals(OK, h.send("SET", "k", "v", "EXAT", "1"));
        assertEquals(NIL, h.send("GET", "k"));
    }

    @Test
    void setClearsTtlAndKeepTtlKeepsIt() {
        assertEquals(OK, h.send("SET", "k", "v", "EX", "100"));
        assertEquals(OK, h.send("SET", "k", "v2", "KEEPTTL"));
        assertEquals(h.now + 100_000, expireAt("k"));
        assertEquals(bulk("v2"), h.send("GET", "k"));
        assertEquals(OK, h.send("SET", "k", "v3"));
        assertEquals(0, expireAt("k"));
        assertEquals(OK, h.send("SET", "fresh", "v", "KEEPTTL"));
        assertEquals(0, expireAt("fresh"));
    }

    @Test
    void setNxXx() {
        assertEquals(NIL, h.send("SET", "k", "v", "XX"));
        assertEquals(NIL, h.send("GET", "k"));
        assertEquals(OK, h.send("SET", "k", "v", "NX"));
        assertEquals(NIL, h.send("SET", "k", "w", "NX"));
        assertEquals(OK, h.send("SET", "k", "w", "XX"));
        assertEquals(bulk("w"), h.send("GET", "k"));
    }

    @Test
    void setNxTreatsAnExpiredKeyAsMissing() {
        assertEquals(OK, h.send("SET", "k", "v", "PX", "10"));
        h.now += 10;
        assertEquals(OK, h.send("SET", "k", "w", "NX"));
        assertEquals(bulk("w"), h.send("GET", "k"));
        assertEquals(0, expireAt("k"));
    }

    @Test
    void setGet() {
        assertEquals(NIL, h.send("SET", "k", "v", "GET"));
        assertEquals(bulk("v"), h.send("SET", "k", "w", "GET", "GET"));
        assertEquals(bulk("w"), h.send("SET", "k", "x", "XX", "GET"));
        assertEquals(bulk("x"), h.send("GET", "k"));
        // NX with GET is allowed in 7.0: the old value comes back and nothing is set.
        assertEquals(bulk("x"), h.send("SET", "k", "y", "NX", "GET"));
        assertEquals(bulk("x"), h.send("GET", "k"));
        assertEquals(NIL, h.send("SET", "n", "y", "NX", "GET"));
        assertEquals(bulk("y"), h.send("GET", "n"));
        assertEquals(NIL, h.send("SET", "none", "y", "XX", "GET"));
        assertEquals(NIL, h.send("GET", "none"));
    }

    @Test
    void setGetOnAnotherTypeIsWrongTypeAndSetsNothing() {
        putOtherType("o");
        assertEquals(WRONGTYPE, h.send("SET", "o", "v", "GET"));
        assertEquals(WRONGTYPE, h.send("SET", "o", "v", "NX", "GET"));
        assertEquals(ValueType.HASH, h.store.get(b("o"), h.now).type());
        // Without GET, SET overwrites whatever type is there (redis-server 7.0.15: "set list v" -> +OK).
        assertEquals(NIL, h.send("SET", "o", "v", "NX"));
        assertEquals(OK, h.send("SET", "o", "v"));
        assertEquals(bulk("v"), h.send("GET", "o"));
    }

    // ---- SETNX / SETEX / PSETEX

    @Test
    void setnx() {
        assertEquals(integer(1), h.send("SETNX", "k", "v"));
        assertEquals(integer(0), h.send("SETNX", "k", "w"));
        assertEquals(bulk("v"), h.send("GET", "k"));
        putOtherType("o");
        assertEquals(integer(0), h.send("SETNX", "o", "w"));
    }

    @Test
    void setexAndPsetex() {
        assertEquals(OK, h.send("SETEX", "k", "100", "v"));
        assertEquals(h.now + 100_000, expireAt("k"));
        assertEquals(bulk("v"), h.send("GET", "k"));
        assertEquals(OK, h.send("PSETEX", "p", "250", "v"));
        assertEquals(h.now + 250, expireAt("p"));
        h.now += 250;
        assertEquals(NIL, h.send("GET", "p"));

        assertEquals(invalidExpire("setex"), h.send("SETEX", "k", "0", "v"));
        assertEquals(invalidExpire("setex"), h.send("SETEX", "k", "-1", "v"));
        assertEquals(invalidExpire("setex"), h.send("SETEX", "k", "9223372036854775807", "v"));
        assertEquals(NOT_INTEGER, h.send("SETEX", "k", "abc", "v"));
        assertEquals(invalidExpire("psetex"), h.send("PSETEX", "k", "0", "v"));
        assertEquals(invalidExpire("psetex"), h.send("PSETEX", "k", "9223372036854775807", "v"));
        assertEquals(NOT_INTEGER, h.send("PSETEX", "k", "1.5", "v"));
    }

    // ---- GETSET / GETDEL / GETEX

    @Test
    void getset() {
        assertEquals(NIL, h.send("GETSET", "k", "v"));
        assertEquals(OK, h.send("SET", "k", "v", "EX", "100"));
        assertEquals(bulk("v"), h.send("GETSET", "k", "w"));
        assertEquals(bulk("w"), h.send("GET", "k"));
        assertEquals(0, expireAt("k"), "GETSET clears the TTL");
        putOtherType("o");
        assertEquals(WRONGTYPE, h.send("GETSET", "o", "v"));
    }

    @Test
    void getdel() {
        assertEquals(OK, h.send("SET", "k", "v"));
        assertEquals(bulk("v"), h.send("GETDEL", "k"));
        assertEquals(NIL, h.send("GETDEL", "k"));
        assertEquals(NIL, h.send("GET", "k"));
        putOtherType("o");
        assertEquals(WRONGTYPE, h.send("GETDEL", "o"));
        assertEquals(ValueType.HASH, h.store.get(b("o"), h.now).type());
    }

    @Test
    void getexSetsAndRemovesTtls() {
        assertEquals(OK, h.send("SET", "k", "v"));
        assertEquals(bulk("v"), h.send("GETEX", "k"));
        assertEquals(0, expireAt("k"));
        assertEquals(bulk("v"), h.send("GETEX", "k", "EX", "100"));
        assertEquals(h.now + 100_000, expireAt("k"));
        assertEquals(bulk("v"), h.send("GETEX", "k", "PX", "100"));
        assertEquals(h.now + 100, expireAt("k"));
        assertEquals(bulk("v"), h.send("GETEX", "k", "ex", "100", "ex", "200"));
        assertEquals(h.now + 200_000, expireAt("k"));
        long at = h.now + 7_000;
        assertEquals(bulk("v"), h.send("GETEX", "k", "PXAT", Long.toString(at)));
        assertEquals(at, expireAt("k"));
        assertEquals(bulk("v"), h.send("GETEX", "k", "EXAT", Long.toString(at / 1000 + 1)));
        assertEquals((at / 1000 + 1) * 1000, expireAt("k"));
        assertEquals(bulk("v"), h.send("GETEX", "k", "PERSIST"));
        assertEquals(0, expireAt("k"));
        assertEquals(bulk("v"), h.send("GETEX", "k", "persist", "PERSIST"));
        // redis-server 7.0.15: "getex k pxat 9223372036854775807" -> the value, then a huge PTTL.
        assertEquals(bulk("v"), h.send("GETEX", "k", "PXAT", "9223372036854775807"));
        assertEquals(Long.MAX_VALUE, expireAt("k"));
    }

    @Test
    void getexWithAPastDeadlineDeletesTheKey() {
        // redis-server 7.0.15: "getex k exat 1" -> $1 v, then "exists k" -> 0.
        assertEquals(OK, h.send("SET", "k", "v"));
        assertEquals(bulk("v"), h.send("GETEX", "k", "EXAT", "1"));
        assertNull(h.store.getIncludingExpired(b("k")));
        assertEquals(OK, h.send("SET", "k", "v"));
        assertEquals(bulk("v"), h.send("GETEX", "k", "PXAT", Long.toString(h.now)));
        assertNull(h.store.getIncludingExpired(b("k")));
    }

    @Test
    void getexErrors() {
        // Syntax comes first, then the key: on a missing key even a bad expire answers nil (redis-server 7.0.15).
        assertEquals(SYNTAX, h.send("GETEX", "none", "foo"));
        assertEquals(SYNTAX, h.send("GETEX", "none", "EX", "10", "PX", "10"));
        assertEquals(SYNTAX, h.send("GETEX", "none", "PERSIST", "EX", "10"));
        assertEquals(SYNTAX, h.send("GETEX", "none", "EX", "10", "PERSIST"));
        assertEquals(SYNTAX, h.send("GETEX", "none", "KEEPTTL"));
        assertEquals(SYNTAX, h.send("GETEX", "none", "NX"));
        assertEquals(SYNTAX, h.send("GETEX", "none", "GET"));
        assertEquals(SYNTAX, h.send("GETEX", "none", "EX"));
        assertEquals(NIL, h.send("GETEX", "none", "EX", "10"));
        assertEquals(NIL, h.send("GETEX", "none", "EX", "abc"));
        assertEquals(NIL, h.send("GETEX", "none", "EX", "0"));
        assertNull(h.store.getIncludingExpired(b("none")));

        assertEquals(OK, h.send("SET", "k", "v"));
        assertEquals(invalidExpire("getex"), h.send("GETEX", "k", "EX", "0"));
        assertEquals(invalidExpire("getex"), h.send("GETEX", "k", "EX", "9223372036854775"));
        assertEquals(invalidExpire("getex"), h.send("GETEX", "k", "PX", "9223372036854775807"));
        assertEquals(NOT_INTEGER, h.send("GETEX", "k", "EX", "abc"));
        assertEquals(0, expireAt("k"));

        putOtherType("o");
        assertEquals(WRONGTYPE, h.send("GETEX", "o"));
        assertEquals(WRONGTYPE, h.send("GETEX", "o", "EX", "abc"));
    }

    // ---- MGET / MSET / MSETNX

    @Test
    void mgetGivesNilForMissingExpiredAndOtherTypes() {
        assertEquals(OK, h.send("MSET", "a", "1", "b", "2"));
        assertEquals(OK, h.send("SET", "e", "x", "PX", "5"));
        putOtherType("o");
        h.now += 5;
        assertEquals(array(bulk("1"), bulk("2"), NIL, NIL, NIL, bulk("1")),
                h.send("MGET", "a", "b", "none", "e", "o", "a"));
    }

    @Test
    void msetOverwritesAndClearsTtls() {
        assertEquals(error("ERR wrong number of arguments for 'mset' command"), h.send("MSET", "a", "1", "b"));
        assertEquals(NIL, h.send("GET", "a"));
        assertEquals(OK, h.send("SET", "a", "old", "EX", "100"));
        putOtherType("o");
        assertEquals(OK, h.send("MSET", "a", "1", "o", "2", "a", "3"));
        assertEquals(bulk("3"), h.send("GET", "a"));
        assertEquals(bulk("2"), h.send("GET", "o"));
        assertEquals(0, expireAt("a"));
    }

    @Test
    void msetnx() {
        assertEquals(error("ERR wrong number of arguments for 'msetnx' command"), h.send("MSETNX", "a", "1", "b"));
        assertEquals(integer(1), h.send("MSETNX", "a", "1", "b", "2"));
        assertEquals(integer(0), h.send("MSETNX", "a", "x", "c", "3"));
        assertEquals(NIL, h.send("GET", "c"));
        assertEquals(bulk("1"), h.send("GET", "a"));
        // redis-server 7.0.15: "msetnx e 1 e 2" -> :1 and e is "2".
        assertEquals(integer(1), h.send("MSETNX", "e", "1", "e", "2"));
        assertEquals(bulk("2"), h.send("GET", "e"));
        putOtherType("o");
        assertEquals(integer(0), h.send("MSETNX", "o", "x"));
    }

    // ---- APPEND / STRLEN

    @Test
    void appendAndStrlen() {
        assertEquals(integer(0), h.send("STRLEN", "k"));
        assertEquals(integer(5), h.send("APPEND", "k", "hello"));
        assertEquals(integer(11), h.send("APPEND", "k", " world"));
        assertEquals(integer(11), h.send("APPEND", "k", ""));
        assertEquals(bulk("hello world"), h.send("GET", "k"));
        assertEquals(integer(11), h.send("STRLEN", "k"));
        assertEquals(integer(0), h.send("APPEND", "empty", ""));
        assertEquals(EMPTY, h.send("GET", "empty"));
    }

    @Test
    void appendKeepsTtlButAnExpiredKeyStartsOver() {
        assertEquals(OK, h.send("SET", "k", "ab", "EX", "10"));
        assertEquals(integer(4), h.send("APPEND", "k", "cd"));
        assertEquals(h.now + 10_000, expireAt("k"));
        h.now += 10_000;
        assertEquals(integer(2), h.send("APPEND", "k", "xy"));
        assertEquals(bulk("xy"), h.send("GET", "k"));
        assertEquals(0, expireAt("k"));
    }

    @Test
    void appendAndStrlenOnAnotherType() {
        putOtherType("o");
        assertEquals(WRONGTYPE, h.send("APPEND", "o", "x"));
        assertEquals(WRONGTYPE, h.send("STRLEN", "o"));
    }

    // ---- INCR / DECR / INCRBY / DECRBY

    @Test
    void incrDecr() {
        assertEquals(integer(1), h.send("INCR", "n"));
        assertEquals(integer(2), h.send("INCR", "n"));
        assertEquals(integer(1), h.send("DECR", "n"));
        assertEquals(integer(11), h.send("INCRBY", "n", "10"));
        assertEquals(integer(-9), h.send("INCRBY", "n", "-20"));
        assertEquals(integer(-14), h.send("DECRBY", "n", "5"));
        assertEquals(integer(-4), h.send("DECRBY", "n", "-10"));
        assertEquals(bulk("-4"), h.send("GET", "n"));
        assertEquals(integer(-1), h.send("DECR", "m"));
        assertEquals(OK, h.send("SET", "z", "0"));
        assertEquals(integer(1), h.send("INCR", "z"));
    }

    @Test
    void incrRejectsWhatString2llRejects() {
        // redis-server 7.0.15 answers "value is not an integer or out of range" to INCR on each of these.
        for (String bad : new String[] {"v", " 1", "1 ", "+1", "01", "-0", "", "-", "1.5", "12345678901234567890",
                "9223372036854775808", "-9223372036854775809", "0x10"}) {
            assertEquals(OK, h.send("SET", "n", bad));
            assertEquals(NOT_INTEGER, h.send("INCR", "n"), bad);
            assertEquals(bulk(bad), h.send("GET", "n"), bad);
        }
        assertEquals(NOT_INTEGER, h.send("INCRBY", "n", "abc"));
        assertEquals(NOT_INTEGER, h.send("INCRBY", "n", "01"));
        assertEquals(NOT_INTEGER, h.send("INCRBY", "n", "9223372036854775808"));
        assertEquals(NOT_INTEGER, h.send("DECRBY", "n", "1.0"));
    }

    @Test
    void incrOverflow() {
        String overflow = error("ERR increment or decrement would overflow");
        assertEquals(OK, h.send("SET", "n", "9223372036854775807"));
        assertEquals(overflow, h.send("INCR", "n"));
        assertEquals(integer(Long.MAX_VALUE), h.send("INCRBY", "n", "0"));
        assertEquals(OK, h.send("SET", "n", "-9223372036854775808"));
        assertEquals(overflow, h.send("DECR", "n"));
        assertEquals(overflow, h.send("DECRBY", "n", "1"));
        assertEquals(overflow, h.send("INCRBY", "n", "-1"));
        assertEquals(integer(-1), h.send("INCRBY", "n", "9223372036854775807"));
        assertEquals(OK, h.send("SET", "n", "10"));
        // redis-server 7.0.15: DECRBY by LLONG_MIN has its own message.
        assertEquals(error("ERR decrement would overflow"), h.send("DECRBY", "n", "-9223372036854775808"));
        assertEquals(overflow, h.send("DECRBY", "n", "-9223372036854775807"));
        assertEquals(bulk("10"), h.send("GET", "n"));
    }

    @Test
    void incrKeepsTheTtl() {
        // redis-server 7.0.15: "setex n 100 5", "incr n" -> :6, "ttl n" -> :100.
        assertEquals(OK, h.send("SETEX", "n", "100", "5"));
        assertEquals(integer(6), h.send("INCR", "n"));
        assertEquals(h.now + 100_000, expireAt("n"));
        h.now += 100_000;
        assertEquals(integer(1), h.send("INCR", "n"));
        assertEquals(0, expireAt("n"));
    }

    @Test
    void incrOnAnotherTypeIsWrongType() {
        putOtherType("o");
        assertEquals(WRONGTYPE, h.send("INCR", "o"));
        assertEquals(WRONGTYPE, h.send("DECRBY", "o", "1"));
        // The increment is parsed before the key is looked at.
        assertEquals(NOT_INTEGER, h.send("INCRBY", "o", "x"));
    }

    // ---- INCRBYFLOAT

    @Test
    void incrbyfloatFormatsLikeRedis() {
        // Each pair: the stored value, the increment, what redis-server 7.0.15 answered.
        String[][] cases = {
                {"10.5", "0.1", "10.6"},
                {"5.0e3", "200", "5200"},
                {"3", "1.5", "4.5"},
                {"5", "1.5", "6.5"},
                {"0.1", "0.2", "0.3"},
                {"0.1", "0.7", "0.8"},
                {"1.1", "2.2", "3.3"},
                {"-1", "1", "0"},
        };
        for (String[] c : cases) {
            assertEquals(OK, h.send("SET", "f", c[0]));
            assertEquals(bulk(c[2]), h.send("INCRBYFLOAT", "f", c[1]), c[0] + " + " + c[1]);
            assertEquals(bulk(c[2]), h.send("GET", "f"));
        }
    }

    @Test
    void incrbyfloatOnAMissingKeyParsesLikeStrtold() {
        // Each pair: the increment on a missing key, what redis-server 7.0.15 answered.
        String[][] cases = {
                {"0.1", "0.1"},
                {"1", "1"},
                {"1.0", "1"},
                {"-0", "0"},
                {"1e-20", "0"},
                {"-1e-20", "0"},
                {"123456789012345678", "123456789012345678"},
                {"1.23456789012345678e20", "123456789012345678000"},
                {"3.0e-5", "0.00003"},
                {"0x10", "16"},
                {"0x1.8p1", "3"},
                {"1e25", "10000000000000000000000000"},
                {"-1.5", "-1.5"},
                {".5", "0.5"},
                {"5.", "5"},
                {"+3", "3"},
                {"2.5e-10", "0.00000000025"},
                {"100000000000000000000", "100000000000000000000"},
                {"0e99999999999", "0"},
                {"1e-4950", "0"},
                // An exact tie at the 18th decimal rounds to even, as glibc's printf does.
                {"0.000003814697265625", "0.00000381469726562"},
                {"0.000003814697265635", "0.00000381469726563"},
                {"1e308", "99999999999999999996685879655845645660560099847415567207797047994921734868838061872100"
                        + "126921888539320446747225054013223152134749593960583597420814430196418767959100019603190778"
                        + "663109604507106667939153395788938914560543563061268364901618630217086589253444881623791300"
                        + "855757318142424510452728255046343928578048"},
                {"1e400", "1000000000000000000028188068394758651458645343362905203862591069353968553400862986203936"
                        + "399484832416052209405392731761620029582277725925573402382897659334066101779744743454617391"
                        + "786244811667497172377894382439159333804747067502624668440135923751360383034373548550524495"
                        + "596497902182503828009106841494740245689865304095101751265809261582758892018347251164331659"
                        + "1362664138176309734806343732497430221946880"},
        };
        int i = 0;
        for (String[] c : cases) {
            String key = "m" + i++;
            assertEquals(bulk(c[1]), h.send("INCRBYFLOAT", key, c[0]), c[0]);
        }
    }

    @Test
    void incrbyfloatMatchesARedisTranscript() throws IOException {
        // 400 random (stored, increment) pairs and redis-server 7.0.15's replies, long double artefacts included
        // (e.g. 342317227 + .951 -> 342317227.95100000000093132).
        String name = "incrbyfloat-redis-7.0.15.txt";
        int cases = 0;
        try (InputStream in = getClass().getResourceAsStream(name)) {
            assertNotNull(in, name);
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] c = line.split(" ");
                String expected = c[2].startsWith("-") && !Character.isDigit(c[2].charAt(1))
                        ? c[2].replace('_', ' ') + "\r\n" : bulk(c[2]);
                assertEquals(OK, h.send("SET", "k", c[0]));
                assertEquals(expected, h.send("INCRBYFLOAT", "k", c[1]), name + ": " + line);
                cases++;
            }
        }
        assertEquals(400, cases);
    }

    @Test
    void incrbyfloatComputesInLongDoubleRange() {
        // 1e308 + 1e308 is finite in a long double: redis-server 7.0.15 prints all 309 digits.
        assertEquals(OK, h.send("SET", "f", "1e308"));
        assertEquals(bulk("19999999999999999999337175931169129132112019969483113441559409598984346973767612374420"
                        + "025384377707864089349445010802644630426949918792116719484162886039283753591820003920638155"
                        + "732621920901421333587830679157787782912108712612253672980323726043417317850688976324758260"
                        + "1711514636284849020905456510092687857156096"),
                h.send("INCRBYFLOAT", "f", "1e308"));
        // The largest long double is accepted and printed in full (4933 digits); anything larger is not a float.
        String max = h.send("INCRBYFLOAT", "max", "1.18973149535723176502e+4932");
        assertTrue(max.startsWith("$4933\r\n118973149535723176502126385303097020516906332229462420044032373389173700552"),
                max.substring(0, 40));
        assertTrue(max.endsWith("9770240\r\n"));
        assertEquals(NAN_OR_INF, h.send("INCRBYFLOAT", "max", "1.18973149535723176502e+4932"));
        assertEquals(NOT_FLOAT, h.send("INCRBYFLOAT", "x", "1.19e+4932"));
        assertEquals(NOT_FLOAT, h.send("INCRBYFLOAT", "x", "1e5000"));
        assertEquals(NOT_FLOAT, h.send("INCRBYFLOAT", "x", "1e-5000"));
    }

    @Test
    void incrbyfloatErrors() {
        assertEquals(OK, h.send("SET", "f", "1"));
        // redis-server 7.0.15: "value is not a valid float" for each of these increments.
        for (String bad : new String[] {"abc", "nan", "NaN", " 1", "1 ", "", "1_0", "0x", "1e", "infinit", "--1",
                "1e5000", "1.5.5", "."}) {
            assertEquals(NOT_FLOAT, h.send("INCRBYFLOAT", "f", bad), bad);
        }
        // strtold stops at a NUL byte, leaving text unconsumed (redis-server 7.0.15: not a valid float).
        assertEquals(Reply.NOT_FLOAT, h.execute(new byte[][] {b("INCRBYFLOAT"), b("f"), b("1\0abc")}));
        // Infinity parses, but the sum is refused (redis-server 7.0.15: inf, INF, Infinity, -inf).
        for (String inf : new String[] {"inf", "INF", "Infinity", "-inf", "+inf"}) {
            assertEquals(NAN_OR_INF, h.send("INCRBYFLOAT", "f", inf), inf);
        }
        assertEquals(bulk("1"), h.send("GET", "f"));
        assertEquals(OK, h.send("SET", "f", "abc"));
        assertEquals(NOT_FLOAT, h.send("INCRBYFLOAT", "f", "1"));
        assertEquals(OK, h.send("SET", "f", "  3"));
        assertEquals(NOT_FLOAT, h.send("INCRBYFLOAT", "f", "1"));
        assertEquals(OK, h.send("SET", "f", "inf"));
        assertEquals(NAN_OR_INF, h.send("INCRBYFLOAT", "f", "1"));
        putOtherType("o");
        assertEquals(WRONGTYPE, h.send("INCRBYFLOAT", "o", "abc"));
    }

    @Test
    void incrbyfloatKeepsTheTtl() {
        assertEquals(OK, h.send("SETEX", "f", "100", "5"));
        assertEquals(bulk("7.5"), h.send("INCRBYFLOAT", "f", "2.5"));
        assertEquals(h.now + 100_000, expireAt("f"));
    }

    // ---- GETRANGE / SETRANGE

    @Test
    void getrangeClampsLikeRedis() {
        assertEquals(OK, h.send("SET", "k", "hello"));
        // Each pair: start, end, what redis-server 7.0.15 answered for "hello".
        String[][] cases = {
                {"0", "-1", "hello"},
                {"-100", "-100", "h"},
                {"-1", "-5", ""},
                {"-3", "-1", "llo"},
                {"2", "100", "llo"},
                {"5", "10", ""},
                {"3", "1", ""},
                {"-100", "2", "hel"},
                {"0", "-100", "h"},
                {"0", "0", "h"},
                {"4", "4", "o"},
                {"9223372036854775807", "-9223372036854775808", ""},
                {"-9223372036854775808", "9223372036854775807", "hello"},
        };
        for (String[] c : cases) {
            assertEquals(bulk(c[2]), h.send("GETRANGE", "k", c[0], c[1]), c[0] + ".." + c[1]);
        }
        assertEquals(EMPTY, h.send("GETRANGE", "none", "0", "-1"));
        assertEquals(OK, h.send("SET", "e", ""));
        assertEquals(EMPTY, h.send("GETRANGE", "e", "0", "-1"));
        assertEquals(EMPTY, h.send("GETRANGE", "e", "0", "0"));
        assertEquals(NOT_INTEGER, h.send("GETRANGE", "k", "abc", "1"));
        assertEquals(NOT_INTEGER, h.send("GETRANGE", "k", "0", "01"));
        assertEquals(NOT_INTEGER, h.send("GETRANGE", "none", "abc", "1"));
        putOtherType("o");
        assertEquals(WRONGTYPE, h.send("GETRANGE", "o", "0", "-1"));
    }

    @Test
    void setrangePadsWithZeros() {
        assertEquals(integer(7), h.send("SETRANGE", "s", "5", "ab"));
        Reply padded = h.execute(new byte[][] {b("GET"), b("s")});
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 'a', 'b'}, ((Reply.Bulk) padded).bytes());
        assertEquals(integer(7), h.send("SETRANGE", "s", "0", "X"));
        assertArrayEquals(new byte[] {'X', 0, 0, 0, 0, 'a', 'b'}, ((Reply.Bulk) h.execute(new byte[][] {b("GET"), b("s")})).bytes());
        assertEquals(integer(7), h.send("SETRANGE", "s", "1", ""));
        assertEquals(integer(9), h.send("SETRANGE", "s", "6", "xyz"));
        assertEquals(OK, h.send("SET", "t", "Hello World"));
        assertEquals(integer(11), h.send("SETRANGE", "t", "6", "Redis"));
        assertEquals(bulk("Hello Redis"), h.send("GET", "t"));
    }

    @Test
    void setrangeEmptyValueOnAMissingKeyCreatesNothing() {
        assertEquals(integer(0), h.send("SETRANGE", "none", "3", ""));
        assertEquals(integer(0), h.send("SETRANGE", "none", "0", ""));
        assertNull(h.store.getIncludingExpired(b("none")));
        // Even an offset past the maximum is fine when nothing is written (redis-server 7.0.15: ":7").
        assertEquals(OK, h.send("SET", "s", "1234567"));
        assertEquals(integer(7), h.send("SETRANGE", "s", "536870912", ""));
    }

    @Test
    void setrangeErrors() {
        assertEquals(error("ERR offset is out of range"), h.send("SETRANGE", "s", "-1", "x"));
        assertEquals(error("ERR offset is out of range"), h.send("SETRANGE", "s", "-1", ""));
        assertEquals(NOT_INTEGER, h.send("SETRANGE", "s", "abc", "x"));
        assertEquals(TOO_LONG, h.send("SETRANGE", "s", "536870911", "ab"));
        assertEquals(TOO_LONG, h.send("SETRANGE", "s", "9223372036854775807", "ab"));
        assertNull(h.store.getIncludingExpired(b("s")));
        putOtherType("o");
        assertEquals(WRONGTYPE, h.send("SETRANGE", "o", "0", "x"));
        assertEquals(WRONGTYPE, h.send("SETRANGE", "o", "0", ""));
        // The offset is checked before the type (redis-server 7.0.15).
        assertEquals(error("ERR offset is out of range"), h.send("SETRANGE", "o", "-1", "x"));
    }

    @Test
    void setrangeKeepsTheTtl() {
        assertEquals(OK, h.send("SET", "s", "abc", "EX", "10"));
        assertEquals(integer(3), h.send("SETRANGE", "s", "0", "X"));
        assertEquals(bulk("Xbc"), h.send("GET", "s"));
        assertEquals(h.now + 10_000, expireAt("s"));
    }

    // ---- statistics

    @Test
    void getFamilyCountsKeyspaceHitsAndMisses() {
        assertEquals(OK, h.send("SET", "k", "v"));
        h.send("GET", "k");
        h.send("GET", "none");
        h.send("MGET", "k", "none", "k");
        h.send("STRLEN", "none");
        assertEquals(3, h.server.keyspaceHits.sum());
        assertEquals(3, h.server.keyspaceMisses.sum());
        // Write-path lookups (APPEND, INCR, SETNX) count nothing, as in Redis.
        h.send("APPEND", "k", "x");
        h.send("INCR", "n");
        h.send("SETNX", "k", "v");
        assertEquals(3, h.server.keyspaceHits.sum());
        assertEquals(3, h.server.keyspaceMisses.sum());
    }
}
