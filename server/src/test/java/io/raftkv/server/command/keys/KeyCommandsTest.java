package io.raftkv.server.command.keys;

import io.raftkv.server.CommandHarness;
import io.raftkv.server.command.CommandFlag;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.Exec;
import io.raftkv.server.kv.CollectionHeader;
import io.raftkv.server.kv.StoredValue;
import io.raftkv.server.kv.StringValue;
import io.raftkv.server.kv.ValueType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The keyspace commands, reply by reply, as Redis 7.0.15 answers them (checked with redis-cli). */
class KeyCommandsTest {

    private static final String OK = "+OK\r\n";
    private static final String NIL = "$-1\r\n";
    private static final String SYNTAX = "-ERR syntax error\r\n";
    private static final String NOT_INT = "-ERR value is not an integer or out of range\r\n";

    private final CommandHarness h = new CommandHarness();

    @AfterEach
    void close() {
        h.close();
    }

    private void set(String key, long expireAt) {
        h.store.put(bytes(key), new StringValue(bytes("v-" + key), expireAt));
    }

    private void set(String key) {
        set(key, 0);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String i(long n) {
        return ":" + n + "\r\n";
    }

    private static String bulk(String s) {
        return "$" + bytes(s).length + "\r\n" + s + "\r\n";
    }

    private long deadline(String key) {
        StoredValue v = h.store.getIncludingExpired(bytes(key));
        return v == null ? -2 : v.expireAt();
    }

    // ---- table rows ------------------------------------------------------------------------------------------

    @Test
    void rowsMatchRedisCommandInfo() {
        row("del", -2, Exec.WRITE, 1, -1, 1, CommandFlag.WRITE);
        row("unlink", -2, Exec.WRITE, 1, -1, 1, CommandFlag.WRITE, CommandFlag.FAST);
        row("exists", -2, Exec.READ, 1, -1, 1, CommandFlag.READONLY, CommandFlag.FAST);
        row("touch", -2, Exec.READ, 1, -1, 1, CommandFlag.READONLY, CommandFlag.FAST);
        row("keys", 2, Exec.READ, 0, 0, 1, CommandFlag.READONLY);
        row("scan", -2, Exec.READ, 0, 0, 1, CommandFlag.READONLY);
        row("type", 2, Exec.READ, 1, 1, 1, CommandFlag.READONLY, CommandFlag.FAST);
        row("rename", 3, Exec.WRITE, 1, 2, 1, CommandFlag.WRITE);
        row("renamenx", 3, Exec.WRITE, 1, 2, 1, CommandFlag.WRITE, CommandFlag.FAST);
        for (String c : List.of("expire", "pexpire", "expireat", "pexpireat")) {
            row(c, -3, Exec.WRITE, 1, 1, 1, CommandFlag.WRITE, CommandFlag.FAST);
        }
        for (String c : List.of("ttl", "pttl", "expiretime", "pexpiretime")) {
            row(c, 2, Exec.READ, 1, 1, 1, CommandFlag.READONLY, CommandFlag.FAST);
        }
        row("persist", 2, Exec.WRITE, 1, 1, 1, CommandFlag.WRITE, CommandFlag.FAST);
        row("randomkey", 1, Exec.READ, 0, 0, 1, CommandFlag.READONLY);
        row("dbsize", 1, Exec.READ, 0, 0, 1, CommandFlag.READONLY, CommandFlag.FAST);
        row("flushdb", -1, Exec.WRITE, 0, 0, 1, CommandFlag.WRITE);
        row("flushall", -1, Exec.WRITE, 0, 0, 1, CommandFlag.WRITE);
    }

    private void row(String name, int arity, Exec exec, int first, int last, int step, CommandFlag... flags) {
        CommandSpec s = h.server.table().get(name);
        assertNotNull(s, name);
        assertEquals(arity, s.arity(), name);
        assertEquals(exec, s.exec(), name);
        assertEquals(Set.of(flags), s.flags(), name);
        assertEquals(List.of(first, last, step), List.of(s.firstKey(), s.lastKey(), s.keyStep()), name);
        assertEquals("generic", s.group(), name);
        assertTrue(!s.summary().isEmpty(), name);
    }

    @Test
    void arityErrors() {
        assertEquals("-ERR wrong number of arguments for 'del' command\r\n", h.send("DEL"));
        assertEquals("-ERR wrong number of arguments for 'expire' command\r\n", h.send("EXPIRE", "a"));
        assertEquals("-ERR wrong number of arguments for 'rename' command\r\n", h.send("RENAME", "a", "b", "c"));
        assertEquals("-ERR wrong number of arguments for 'keys' command\r\n", h.send("KEYS"));
        assertEquals("-ERR wrong number of arguments for 'dbsize' command\r\n", h.send("DBSIZE", "x"));
    }

    // ---- DEL, UNLINK, EXISTS, TOUCH, TYPE --------------------------------------------------------------------

    @Test
    void delCountsLiveKeysOnceAndRemovesExpiredOnes() {
        set("a");
        set("b");
        set("gone", h.now);
        assertEquals(i(2), h.send("DEL", "a", "a", "b", "nokey", "gone"));
        assertEquals(0, h.store.size(), "the expired key is removed physically too");
        assertEquals(i(0), h.send("DEL", "a"));
        set("c");
        assertEquals(i(1), h.send("UNLINK", "c", "c"));
        assertEquals(i(0), h.send("UNLINK", "c"));
    }

    @Test
    void existsAndTouchCountRepeatsAndIgnoreExpiredKeys() {
        set("a");
        set("soon", h.now + 1000);
        set("gone", h.now);
        assertEquals(i(3), h.send("EXISTS", "a", "a", "soon", "gone", "nokey"));
        assertEquals(i(3), h.send("TOUCH", "a", "a", "soon", "gone", "nokey"));
        assertEquals(i(0), h.send("EXISTS", "nokey"));
        h.now += 1000;
        assertEquals(i(0), h.send("EXISTS", "soon"));
        assertEquals(3, h.store.size(), "reads never remove keys");
    }

    @Test
    void type() {
        set("a");
        set("gone", h.now);
        assertEquals("+string\r\n", h.send("TYPE", "a"));
        assertEquals("+none\r\n", h.send("TYPE", "nokey"));
        assertEquals("+none\r\n", h.send("TYPE", "gone"));
    }

    @Test
    void aKeyHoldingACollectionIsAKeyLikeAnyOther() {
        h.store.put(bytes("h"), new CollectionHeader(ValueType.HASH, 11, 2, 0));
        h.store.put(bytes("z"), new CollectionHeader(ValueType.ZSET, 12, 1, 0));
        set("s");
        assertEquals("+hash\r\n", h.send("TYPE", "h"));
        assertEquals("+zset\r\n", h.send("TYPE", "z"));
        assertEquals(Set.of("h"), fullScan(List.of("TYPE", "hash"), () -> { }).keySet());
        assertEquals(i(1), h.send("EXPIRE", "h", "100"));
        assertEquals(i(100), h.send("TTL", "h"));
        assertEquals(OK, h.send("RENAME", "h", "h2"));
        assertEquals(new CollectionHeader(ValueType.HASH, 11, 2, h.now + 100_000), h.store.get(bytes("h2"), h.now));
        assertEquals(i(1), h.send("PERSIST", "h2"));
        assertEquals(i(2), h.send("EXISTS", "h2", "z"));
        assertEquals(i(2), h.send("DEL", "h2", "z"));
        assertEquals(i(0), h.send("EXISTS", "h2", "z"));
    }

    // ---- KEYS ------------------------------------------------------------------------------------------------

    private Set<String> keysReply(String pattern) {
        return new TreeSet<>(parseArray(h.send("KEYS", pattern)));
    }

    @Test
    void keysMatchesGlobAndSkipsExpiredKeys() {
        for (String k : List.of("hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "")) {
            set(k);
        }
        set("hexpired", h.now);
        assertEquals(new TreeSet<>(List.of("hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "")), keysReply("*"));
        assertEquals(new TreeSet<>(List.of("hello", "hallo", "hxllo", "h*llo")), keysReply("h?llo"));
        assertEquals(new TreeSet<>(List.of("hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo")), keysReply("h*llo"));
        assertEquals(new TreeSet<>(List.of("hello", "hallo")), keysReply("h[ae]llo"));
        assertEquals(new TreeSet<>(List.of("hxllo", "h*llo")), keysReply("h[^ae]llo"));
        assertEquals(new TreeSet<>(List.of("h*llo")), keysReply("h\\*llo"));
        assertEquals(new TreeSet<>(List.of("")), keysReply(""));
        assertEquals(new TreeSet<>(List.of("hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo")), keysReply("**"),
                "the empty key matches only the lone '*' (KEYS's shortcut) and the empty pattern");
        assertEquals(Set.of(), keysReply("nothing*"));
        assertEquals("*0\r\n", h.send("KEYS", "zzz"));
    }

    // ---- SCAN ------------------------------------------------------------------------------------------------

    /** Splits a SCAN reply into the cursor and the keys. */
    private record ScanReply(String cursor, List<String> keys) {
    }

    private ScanReply scan(String... args) {
        String[] argv = new String[args.length + 1];
        argv[0] = "SCAN";
        System.arraycopy(args, 0, argv, 1, args.length);
        String r = h.send(argv);
        assertTrue(r.startsWith("*2\r\n$"), r);
        String[] lines = r.split("\r\n", -1);
        String cursor = lines[2];
        return new ScanReply(cursor, parseArray(r.substring(("*2\r\n" + lines[1] + "\r\n" + cursor + "\r\n").length())));
    }

    /** Parses a RESP array of bulk strings (UTF-8 keys without CR/LF). */
    private static List<String> parseArray(String r) {
        String[] lines = r.split("\r\n", -1);
        assertTrue(lines[0].startsWith("*"), r);
        int n = Integer.parseInt(lines[0].substring(1));
        List<String> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            out.add(lines[2 + 2 * k]);
        }
        return out;
    }

    private Map<String, Integer> fullScan(List<String> options, Runnable between) {
        Map<String, Integer> seen = new HashMap<>();
        String cursor = "0";
        int steps = 0;
        do {
            List<String> args = new ArrayList<>();
            args.add(cursor);
            args.addAll(options);
            ScanReply r = scan(args.toArray(new String[0]));
            r.keys().forEach(k -> seen.merge(k, 1, Integer::sum));
            cursor = r.cursor();
            between.run();
            assertTrue(++steps < 100_000, "scan does not end");
        } while (!cursor.equals("0"));
        return seen;
    }

    @Test
    void scanOfAnEmptyKeyspace() {
        assertEquals("*2\r\n$1\r\n0\r\n*0\r\n", h.send("SCAN", "0"));
    }

    @Test
    void scanReturnsEveryKeyOnceWithMatchCountAndType() {
        Set<String> all = new HashSet<>();
        for (int k = 0; k < 300; k++) {
            set("user:" + k);
            set("item:" + k);
            all.add("user:" + k);
            all.add("item:" + k);
        }
        set("user:expired", h.now - 1);
        Map<String, Integer> seen = fullScan(List.of(), () -> { });
        assertEquals(all, seen.keySet());
        seen.values().forEach(n -> assertEquals(1, n));

        Map<String, Integer> users = fullScan(List.of("MATCH", "user:*", "COUNT", "7"), () -> { });
        assertEquals(300, users.size());
        users.keySet().forEach(k -> assertTrue(k.startsWith("user:"), k));

        assertEquals(all, fullScan(List.of("count", "1000", "type", "STRING"), () -> { }).keySet());
        assertEquals(Set.of(), fullScan(List.of("TYPE", "list"), () -> { }).keySet());
        assertEquals(Set.of(), fullScan(List.of("TYPE", "nosuchtype", "MATCH", "*"), () -> { }).keySet());
        // Options may repeat; the last one wins.
        assertEquals(Set.of("item:7"), fullScan(List.of("MATCH", "user:*", "MATCH", "item:7"), () -> { }).keySet());
    }

    @Test
    void scanStepsTakeCountKeys() {
        for (int k = 0; k < 100; k++) {
            set("k" + k);
        }
        ScanReply first = scan("0", "COUNT", "5");
        assertTrue(first.keys().size() >= 5 && first.keys().size() <= 6, first.toString());
        ScanReply all = scan("0", "COUNT", "100000");
        assertEquals("0", all.cursor());
        assertEquals(100, all.keys().size());
    }

    @Test
    void scanUnderChurnReturnsEveryKeyPresentThroughout() {
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        for (int round = 0; round < 5; round++) {
            h.send("FLUSHALL");
            Set<String> stable = new HashSet<>();
            for (int k = 0, n = 1 + rnd.nextInt(400); k < n; k++) {
                stable.add("s" + k);
                set("s" + k);
            }
            List<String> churn = new ArrayList<>();
            int[] next = {0};
            Set<String> ever = new HashSet<>(stable);
            Runnable between = () -> {
                for (int j = rnd.nextInt(6); j > 0; j--) {
                    if (!churn.isEmpty() && rnd.nextBoolean()) {
                        h.send("DEL", churn.remove(rnd.nextInt(churn.size())));
                    } else {
                        String k = "c" + next[0]++;
                        churn.add(k);
                        ever.add(k);
                        set(k);
                    }
                }
            };
            String count = String.valueOf(1 + rnd.nextInt(30));
            Map<String, Integer> seen = fullScan(List.of("COUNT", count), between);
            String ctx = "seed " + seed + " round " + round + " count " + count;
            for (String k : stable) {
                assertTrue(seen.containsKey(k), ctx + ": missed " + k);
            }
            for (String k : seen.keySet()) {
                assertTrue(ever.contains(k), ctx + ": invented " + k);
            }
        }
    }

    @Test
    void scanErrors() {
        assertEquals("-ERR invalid cursor\r\n", h.send("SCAN", "abc"));
        assertEquals("-ERR invalid cursor\r\n", h.send("SCAN", " 5"));
        assertEquals("-ERR invalid cursor\r\n", h.send("SCAN", "18446744073709551616"));
        assertEquals("-ERR invalid cursor\r\n", h.send("SCAN", "-"));
        assertEquals("-ERR invalid cursor\r\n", h.send("SCAN", "abc", "COUNT", "0"));
        assertEquals(SYNTAX, h.send("SCAN", "0", "COUNT", "0"));
        assertEquals(SYNTAX, h.send("SCAN", "0", "COUNT", "-1"));
        assertEquals(NOT_INT, h.send("SCAN", "0", "COUNT", "abc"));
        assertEquals(NOT_INT, h.send("SCAN", "0", "COUNT", "+5"));
        assertEquals(SYNTAX, h.send("SCAN", "0", "MATCH"));
        assertEquals(SYNTAX, h.send("SCAN", "0", "foo", "bar"));
        assertEquals(SYNTAX, h.send("SCAN", "0", "TYPE"));
    }

    @Test
    void scanAcceptsWhatStrtoulAccepts() {
        String empty = "*2\r\n$1\r\n0\r\n*0\r\n";
        assertEquals(empty, h.send("SCAN", ""));
        assertEquals(empty, h.send("SCAN", "+5"));
        assertEquals(empty, h.send("SCAN", "-1"));
        assertEquals(empty, h.send("SCAN", "18446744073709551615"));
        assertEquals(empty, h.send("SCAN", "007"));
    }

    // ---- RENAME, RENAMENX ------------------------------------------------------------------------------------

    @Test
    void renameMovesValueAndDeadline() {
        set("a", h.now + 5000);
        set("b");
        assertEquals(OK, h.send("RENAME", "a", "b"));
        assertEquals(i(0), h.send("EXISTS", "a"));
        assertEquals(i(5000), h.send("PTTL", "b"));
        assertEquals("v-a", new String(((StringValue) h.store.get(bytes("b"), h.now)).bytes(), StandardCharsets.UTF_8));
        assertEquals(1, h.store.size());
        assertEquals(OK, h.send("RENAME", "b", "b"));
        assertEquals(i(5000), h.send("PTTL", "b"));
    }

    @Test
    void renameOfAMissingOrExpiredKey() {
        assertEquals("-ERR no such key\r\n", h.send("RENAME", "nokey", "x"));
        assertEquals("-ERR no such key\r\n", h.send("RENAME", "nokey", "nokey"));
        assertEquals("-ERR no such key\r\n", h.send("RENAMENX", "nokey", "x"));
        set("gone", h.now);
        set("x");
        assertEquals("-ERR no such key\r\n", h.send("RENAME", "gone", "x"));
        assertNull(h.store.getIncludingExpired(bytes("gone")), "the expired source is removed");
        assertEquals(i(1), h.send("EXISTS", "x"));
    }

    @Test
    void renamenx() {
        set("a");
        set("b");
        assertEquals(i(0), h.send("RENAMENX", "a", "b"));
        assertEquals(i(0), h.send("RENAMENX", "a", "a"));
        assertEquals(i(1), h.send("RENAMENX", "a", "c"));
        assertEquals(i(0), h.send("EXISTS", "a"));
        set("d", h.now);
        assertEquals(i(1), h.send("RENAMENX", "c", "d"), "an expired destination counts as absent");
        assertEquals("+string\r\n", h.send("TYPE", "d"));
        assertEquals(0, deadline("d"));
    }

    // ---- EXPIRE family ---------------------------------------------------------------------------------------

    @Test
    void expireSetsDeadlinesFromTheLogTime() {
        set("a");
        assertEquals(i(1), h.send("EXPIRE", "a", "100"));
        assertEquals(h.now + 100_000, deadline("a"));
        assertEquals(i(1), h.send("PEXPIRE", "a", "1500"));
        assertEquals(h.now + 1500, deadline("a"));
        assertEquals(i(1), h.send("EXPIREAT", "a", String.valueOf(h.now / 1000 + 50)));
        assertEquals((h.now / 1000 + 50) * 1000, deadline("a"));
        assertEquals(i(1), h.send("PEXPIREAT", "a", String.valueOf(h.now + 1234)));
        assertEquals(h.now + 1234, deadline("a"));
        assertEquals(i(0), h.send("EXPIRE", "nokey", "100"));
        h.now += 1234;
        assertEquals(i(0), h.send("EXPIRE", "a", "100"), "expired at its deadline");
        assertEquals(0, h.store.size(), "and removed by the write that found it");
    }

    @Test
    void aDeadlineNotInTheFutureDeletesTheKey() {
        for (String[] cmd : new String[][] {
                {"EXPIRE", "k", "0"}, {"EXPIRE", "k", "-1"}, {"PEXPIRE", "k", "0"}, {"EXPIREAT", "k", "0"},
                {"PEXPIREAT", "k", String.valueOf(h.now)}, {"PEXPIREAT", "k", "-5"}}) {
            set("k", h.now + 10_000);
            assertEquals(i(1), h.send(cmd), Arrays.toString(cmd));
            assertEquals(0, h.store.size(), Arrays.toString(cmd));
        }
        set("k");
        assertEquals(i(1), h.send("PEXPIREAT", "k", String.valueOf(h.now + 1)));
    }

    @Test
    void expireOptions() {
        set("a");
        assertEquals(i(0), h.send("EXPIRE", "a", "100", "XX"));
        assertEquals(i(0), h.send("EXPIRE", "a", "100", "GT"), "no TTL is an infinite TTL");
        assertEquals(0, deadline("a"));
        assertEquals(i(1), h.send("EXPIRE", "a", "100", "nx"));
        assertEquals(i(0), h.send("EXPIRE", "a", "200", "NX"));
        assertEquals(i(1), h.send("EXPIRE", "a", "50", "LT"));
        assertEquals(i(0), h.send("EXPIRE", "a", "60", "LT"));
        assertEquals(i(0), h.send("EXPIRE", "a", "50", "GT"));
        assertEquals(i(1), h.send("EXPIRE", "a", "60", "gt", "xx"));
        assertEquals(i(60), h.send("TTL", "a"));
        assertEquals(i(1), h.send("EXPIRE", "a", "70", "XX"));
        assertEquals(i(1), h.send("PERSIST", "a"));
        assertEquals(i(1), h.send("EXPIRE", "a", "10", "LT"), "LT holds against no TTL");
        assertEquals(i(10), h.send("TTL", "a"));
        assertEquals(i(1), h.send("EXPIRE", "a", "10", "xx", "xx"));
    }

    @Test
    void expireErrors() {
        set("a");
        String both = "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n";
        assertEquals(both, h.send("EXPIRE", "a", "100", "NX", "XX"));
        assertEquals(both, h.send("EXPIRE", "a", "100", "NX", "GT"));
        assertEquals(both, h.send("PEXPIRE", "a", "100", "lt", "nx"));
        assertEquals("-ERR GT and LT options at the same time are not compatible\r\n", h.send("EXPIRE", "a", "100", "GT", "LT"));
        assertEquals("-ERR Unsupported option foo\r\n", h.send("EXPIRE", "a", "100", "foo"));
        assertEquals("-ERR Unsupported option foo\r\n", h.send("EXPIRE", "nokey", "abc", "foo"), "options are checked first");
        assertEquals(NOT_INT, h.send("EXPIRE", "a", "abc"));
        assertEquals(NOT_INT, h.send("EXPIRE", "a", "1.5"));
        assertEquals(NOT_INT, h.send("EXPIRE", "a", "9223372036854775808"));
        assertEquals("-ERR invalid expire time in 'expire' command\r\n", h.send("EXPIRE", "a", "9223372036854775807"));
        assertEquals("-ERR invalid expire time in 'expire' command\r\n", h.send("EXPIRE", "a", "922337203685477580"));
        assertEquals("-ERR invalid expire time in 'expire' command\r\n", h.send("EXPIRE", "a", "-9223372036854775808"));
        assertEquals("-ERR invalid expire time in 'pexpire' command\r\n", h.send("PEXPIRE", "a", "9223372036854775807"));
        assertEquals("-ERR invalid expire time in 'expireat' command\r\n", h.send("EXPIREAT", "a", "9223372036854775807"));
        assertEquals(0, deadline("a"), "errors change nothing");
        assertEquals(i(1), h.send("PEXPIREAT", "a", "9223372036854775807"));
        assertEquals(i((Long.MAX_VALUE - h.now + 500) / 1000), h.send("TTL", "a"));
        assertEquals(i(0), h.send("EXPIRE", "a", "100", "GT"));
    }

    @Test
    void ttlAndExpireTime() {
        set("a");
        set("b", h.now + 1499);
        set("c", h.now + 1500);
        set("d", 1_700_000_123_999L);
        assertEquals(i(-2), h.send("TTL", "nokey"));
        assertEquals(i(-2), h.send("PTTL", "nokey"));
        assertEquals(i(-1), h.send("TTL", "a"));
        assertEquals(i(-1), h.send("PTTL", "a"));
        assertEquals(i(1), h.send("TTL", "b"));
        assertEquals(i(1499), h.send("PTTL", "b"));
        assertEquals(i(2), h.send("TTL", "c"), "seconds round to nearest");
        assertEquals(i(-2), h.send("EXPIRETIME", "nokey"));
        assertEquals(i(-2), h.send("PEXPIRETIME", "nokey"));
        assertEquals(i(-1), h.send("EXPIRETIME", "a"));
        assertEquals(i(-1), h.send("PEXPIRETIME", "a"));
        assertEquals(i(1_700_000_123L), h.send("EXPIRETIME", "d"));
        assertEquals(i(1_700_000_123_999L), h.send("PEXPIRETIME", "d"));
        h.now += 1499;
        assertEquals(i(-2), h.send("TTL", "b"));
        assertEquals(i(-2), h.send("EXPIRETIME", "b"));
        assertEquals(i(1), h.send("PTTL", "c"));
        assertEquals(i(0), h.send("TTL", "c"));
    }

    @Test
    void persist() {
        set("a", h.now + 100);
        set("b");
        set("gone", h.now);
        assertEquals(i(1), h.send("PERSIST", "a"));
        assertEquals(i(-1), h.send("TTL", "a"));
        assertEquals(i(0), h.send("PERSIST", "a"));
        assertEquals(i(0), h.send("PERSIST", "b"));
        assertEquals(i(0), h.send("PERSIST", "nokey"));
        assertEquals(i(0), h.send("PERSIST", "gone"));
        assertNull(h.store.getIncludingExpired(bytes("gone")));
        assertEquals(0, h.store.keysWithExpiry());
    }

    // ---- RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL ----------------------------------------------------------------

    @Test
    void randomKey() {
        assertEquals(NIL, h.send("RANDOMKEY"));
        set("gone", h.now);
        assertEquals(NIL, h.send("RANDOMKEY"));
        set("only");
        for (int k = 0; k < 10; k++) {
            assertEquals(bulk("only"), h.send("RANDOMKEY"));
        }
        set("other");
        Set<String> drawn = new HashSet<>();
        for (int k = 0; k < 200; k++) {
            drawn.add(h.send("RANDOMKEY"));
        }
        assertEquals(Set.of(bulk("only"), bulk("other")), drawn);
    }

    @Test
    void dbsizeCountsKeysNotYetReclaimed() {
        assertEquals(i(0), h.send("DBSIZE"));
        set("a");
        set("gone", h.now);
        assertEquals(i(2), h.send("DBSIZE"));
    }

    @Test
    void flush() {
        for (String cmd : List.of("FLUSHDB", "FLUSHALL")) {
            for (String opt : new String[] {null, "ASYNC", "sync"}) {
                set("a");
                set("b", h.now + 10);
                String r = opt == null ? h.send(cmd) : h.send(cmd, opt);
                assertEquals(OK, r, cmd + " " + opt);
                assertEquals(0, h.store.size());
                assertEquals(0, h.store.keysWithExpiry());
            }
            set("a");
            assertEquals(SYNTAX, h.send(cmd, "foo"));
            assertEquals(SYNTAX, h.send(cmd, "ASYNC", "SYNC"));
            assertEquals(SYNTAX, h.send(cmd, "SYNC", "SYNC"));
            assertEquals(1, h.store.size(), "a rejected flush changes nothing");
        }
    }
}
