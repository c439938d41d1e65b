package io.raftkv.server.kv;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The engine against a plain in-memory model, many seeds of random operations: puts of small, inline-sized and
 * out-of-line values, deletes, expiry, whole commands kept or rolled back, growth far past one shard and shrinking
 * back, with gets, counters and full iterations (KEYS and SCAN, each key exactly once) checked against the model as
 * it goes. Shards are tiny so that splits and merges happen all the time. A failure names its seed; replay one with
 * {@code -Dkeyspace.seed=N}.
 */
class KeyspaceModelTest {

    private static final int SEEDS = 24;
    private static final long NOW = 1_000_000;

    @Test
    void theEngineAgreesWithAPlainMapUnderRandomOperations() throws Exception {
        Seeds.each(SEEDS, KeyspaceModelTest::run);
    }

    /** The model: what every key holds, as the engine should report it. */
    private record Model(Map<String, StoredValue> live) {
        long dataBytes() {
            long n = 0;
            for (Map.Entry<String, StoredValue> e : live.entrySet()) {
                n += Values.entryBytes(e.getKey(), e.getValue());
            }
            return n;
        }

        long withExpiry() {
            return live.values().stream().filter(StoredValue::hasExpiry).count();
        }
    }

    private static void run(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, StoredValue> model = new HashMap<>();
        int shardEntries = 16 + rnd.nextInt(100);
        try (ChronicleKeyspace store = new ChronicleKeyspace(new KvConfig(shardEntries, 8, 16))) {
            int keySpace = 50 + rnd.nextInt(3_000);
            int steps = 6_000;
            for (int step = 0; step < steps; step++) {
                String ctx = "seed " + seed + " step " + step + " (shards " + store.shardCount() + ")";
                // Grow for the first half, then shrink: deletes outnumber puts.
                boolean shrinking = step > steps / 2;
                int op = rnd.nextInt(100);
                if (op < (shrinking ? 25 : 60)) {
                    String k = key(rnd, keySpace);
                    StoredValue v = value(rnd);
                    store.put(bytes(k), v);
                    model.put(k, v);
                } else if (op < 90) {
                    String k = key(rnd, keySpace);
                    StoredValue had = model.remove(k);
                    boolean live = had != null && !had.expiredAt(NOW);
                    assertEquals(live, store.delete(bytes(k), NOW), ctx + ": delete " + k);
                } else if (op < 97) {
                    command(rnd, store, model, keySpace, rnd.nextBoolean());
                } else {
                    checkIteration(store, model, ctx, rnd);
                }
                String probe = key(rnd, keySpace);
                StoredValue want = model.get(probe);
                StoredValue got = store.getIncludingExpired(bytes(probe));
                if (want == null) {
                    assertNull(got, ctx + ": get " + probe);
                } else {
                    Values.assertSameValue(want, got, ctx + ": " + probe);
                }
                assertEquals(model.size(), store.size(), ctx + ": size");
            }
            Model m = new Model(model);
            assertEquals(m.dataBytes(), store.dataBytes(), "seed " + seed + ": data bytes");
            assertEquals(m.withExpiry(), store.keysWithExpiry(), "seed " + seed + ": keys with expiry");
            checkIteration(store, model, "seed " + seed + " at the end", rnd);
            for (Map.Entry<String, StoredValue> e : model.entrySet()) {
                Values.assertSameValue(e.getValue(), store.getIncludingExpired(bytes(e.getKey())),
                        "seed " + seed + ": " + e.getKey());
            }
            assertTrue(store.splits() > 0, "seed " + seed + ": no split happened, the test proves little");
        } catch (AssertionError | RuntimeException e) {
            fail("seed " + seed + " failed (replay: -Dkeyspace.seed=" + seed + "): " + e.getMessage(), e);
        }
    }

    /** A few puts and deletes as one command, then ended or rolled back; the model follows only if kept. */
    private static void command(SplittableRandom rnd, ChronicleKeyspace store, Map<String, StoredValue> model,
                                int keySpace, boolean keep) {
        Map<String, StoredValue> after = new HashMap<>(model);
        store.beginCommand();
        for (int i = 0, n = 1 + rnd.nextInt(40); i < n; i++) {
            String k = key(rnd, keySpace);
            if (rnd.nextInt(3) == 0) {
                store.delete(bytes(k), NOW);
                after.remove(k);
            } else {
                StoredValue v = value(rnd);
                store.put(bytes(k), v);
                after.put(k, v);
            }
        }
        if (keep) {
            store.endCommand();
            model.clear();
            model.putAll(after);
        } else {
            store.rollbackCommand();
        }
    }

    /** KEYS and a whole SCAN (with a random count) visit exactly the live keys, each once. */
    private static void checkIteration(ChronicleKeyspace store, Map<String, StoredValue> model, String ctx,
                                       SplittableRandom rnd) {
        Set<String> live = new HashSet<>();
        model.forEach((k, v) -> {
            if (!v.expiredAt(NOW)) {
                live.add(k);
            }
        });
        List<String> keys = new ArrayList<>();
        store.forEachKey(NOW, (k, type) -> keys.add(string(k)));
        assertEquals(live, new HashSet<>(keys), ctx + ": KEYS");
        assertEquals(live.size(), keys.size(), ctx + ": KEYS visited a key twice");
        List<String> scanned = new ArrayList<>();
        int count = 1 + rnd.nextInt(50);
        long cursor = 0;
        int calls = 0;
        do {
            cursor = store.scan(cursor, count, NOW, (k, type) -> scanned.add(string(k)));
            assertTrue(++calls < 100_000, ctx + ": SCAN does not end");
        } while (cursor != 0);
        assertEquals(live, new HashSet<>(scanned), ctx + ": SCAN with count " + count);
        assertEquals(live.size(), scanned.size(), ctx + ": SCAN visited a key twice");
        byte[] random = store.randomKey(NOW, new java.util.Random(rnd.nextLong()));
        if (live.isEmpty()) {
            assertNull(random, ctx + ": RANDOMKEY of an empty space");
        } else {
            assertTrue(live.contains(string(random)), ctx + ": RANDOMKEY gave " + string(random));
        }
    }

    private static String key(SplittableRandom rnd, int keySpace) {
        return "k" + rnd.nextInt(keySpace);
    }

    /**
     * Mostly small strings; some around the inline limit; a few out of line; one in ten a collection header; a quarter
     * with a deadline.
     */
    private static StoredValue value(SplittableRandom rnd) {
        if (rnd.nextInt(10) == 0) {
            return Values.header(rnd, rnd.nextInt(4) == 0 ? NOW - 500 + rnd.nextInt(1_000) : 0);
        }
        int r = rnd.nextInt(100);
        int size = r < 80 ? rnd.nextInt(40)
                : r < 95 ? ChronicleKeyspace.INLINE_MAX - 2 + rnd.nextInt(4)
                : ChronicleKeyspace.INLINE_MAX + rnd.nextInt(60_000);
        byte[] payload = new byte[size];
        rnd.nextBytes(payload);
        long expireAt = rnd.nextInt(4) == 0 ? NOW - 500 + rnd.nextInt(1_000) : 0;
        return new StringValue(payload, expireAt);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
