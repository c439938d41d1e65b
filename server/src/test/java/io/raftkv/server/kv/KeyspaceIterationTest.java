package io.raftkv.server.kv;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SCAN, KEYS iteration, RANDOMKEY and expiry sampling on the real off-heap store. */
class KeyspaceIterationTest {

    private static final long NOW = 1_700_000_000_000L;
    /** Small shards, so that iteration crosses many and the churn tests split and merge them as they go. */
    private ChronicleKeyspace store = new ChronicleKeyspace(new KvConfig(64, 16, 32));

    @AfterEach
    void close() {
        store.close();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private void put(String key, long expireAt) {
        store.put(b(key), new StringValue(b("v-" + key), expireAt));
    }

    /** Runs a whole SCAN, calling {@code between} after each step; returns how often each key was visited. */
    private Map<String, Integer> fullScan(int count, Runnable between) {
        Map<String, Integer> seen = new HashMap<>();
        long cursor = 0;
        int steps = 0;
        do {
            cursor = store.scan(cursor, count, NOW, (key, type) -> seen.merge(s(key), 1, Integer::sum));
            between.run();
            assertTrue(++steps < 1_000_000, "scan does not terminate");
        } while (cursor != 0);
        return seen;
    }

    @Test
    void theKeySpaceSplitsIntoShardsAsItGrowsAndMergesThemAsItShrinks() {
        // The cursor tests below mean something only if iteration crosses shards.
        for (int i = 0; i < 2_000; i++) {
            put("key:" + i, 0);
        }
        assertTrue(store.shardCount() > 16, "shards: " + store.shardCount());
        for (int i = 0; i < 2_000; i++) {
            store.delete(b("key:" + i), NOW);
        }
        assertEquals(0, store.size());
        assertTrue(store.shardCount() < 4, "shards after deleting every key: " + store.shardCount());
        assertTrue(store.merges() > 0);
    }

    @Test
    void scanOfAnEmptyStoreEndsAtOnce() {
        assertEquals(0, store.scan(0, 10, NOW, (k, t) -> {
            throw new AssertionError("visited " + s(k));
        }));
    }

    @Test
    void scanVisitsEveryKeyExactlyOnceWhateverTheCount() {
        for (int i = 0; i < 2_000; i++) {
            put("key:" + i, 0);
        }
        for (int count : new int[] {1, 3, 10, 97, 1_000, Integer.MAX_VALUE}) {
            Map<String, Integer> seen = fullScan(count, () -> { });
            assertEquals(2_000, seen.size(), "count " + count);
            seen.forEach((k, n) -> assertEquals(1, n, "count " + count + ": " + k + " visited " + n + " times"));
        }
    }

    @Test
    void aStepTakesAboutCountKeys() {
        for (int i = 0; i < 500; i++) {
            put("k" + i, 0);
        }
        List<Integer> sizes = new ArrayList<>();
        long cursor = 0;
        do {
            int[] n = {0};
            cursor = store.scan(cursor, 7, NOW, (k, t) -> n[0]++);
            sizes.add(n[0]);
        } while (cursor != 0);
        // Every step but the last takes at least COUNT keys (more only on a 40-bit hash tie).
        for (int i = 0; i < sizes.size() - 1; i++) {
            assertTrue(sizes.get(i) >= 7 && sizes.get(i) <= 8, "step " + i + " took " + sizes.get(i));
        }
    }

    @Test
    void scanSkipsExpiredKeys() {
        put("live", 0);
        put("later", NOW + 1);
        put("gone", NOW);
        put("long-gone", NOW - 1000);
        assertEquals(Set.of("live", "later"), fullScan(10, () -> { }).keySet());
        assertEquals(4, store.size(), "scan must not remove anything");
    }

    @Test
    void aCursorPastTheHashSpaceEndsTheScan() {
        put("a", 0);
        long beyond = ChronicleKeyspace.SPACE;
        assertEquals(0, store.scan(beyond, 10, NOW, (k, t) -> {
            throw new AssertionError("visited " + s(k));
        }));
        assertEquals(0, store.scan(-1L, 10, NOW, (k, t) -> { }));
    }

    /**
     * Redis's SCAN guarantee under churn: keys present for the whole scan are visited (here: exactly once); keys
     * added or removed during it may or may not be; nothing that was never there is visited.
     */
    @Test
    void scanUnderChurnVisitsEveryStableKey() {
        long seed = new Random().nextLong();
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int round = 0; round < 20; round++) {
            store.clear();
            Set<String> stable = new HashSet<>();
            Set<String> everPresent = new HashSet<>();
            List<String> volatileKeys = new ArrayList<>();
            int stableCount = rnd.nextInt(1, 600);
            for (int i = 0; i < stableCount; i++) {
                stable.add("s" + round + ":" + i);
            }
            for (String k : stable) {
                put(k, 0);
            }
            everPresent.addAll(stable);
            int[] next = {0};
            int count = rnd.nextInt(1, 40);
            Runnable churn = () -> {
                for (int j = rnd.nextInt(0, 8); j > 0; j--) {
                    if (!volatileKeys.isEmpty() && rnd.nextBoolean()) {
                        String gone = volatileKeys.remove(rnd.nextInt(volatileKeys.size()));
                        store.delete(b(gone), NOW);
                    } else {
                        String k = "v:" + next[0]++;
                        volatileKeys.add(k);
                        everPresent.add(k);
                        put(k, 0);
                    }
                }
            };
            Map<String, Integer> seen = fullScan(count, churn);
            String ctx = "seed " + seed + " round " + round + " count " + count;
            for (String k : stable) {
                assertEquals(1, seen.getOrDefault(k, 0), ctx + ": stable key " + k);
            }
            for (String k : seen.keySet()) {
                assertTrue(everPresent.contains(k), ctx + ": visited a key never stored: " + k);
                assertEquals(1, seen.get(k), ctx + ": visited twice: " + k);
            }
        }
    }

    /** With 2-bit hashes almost every step meets a tie; a step must take the whole tie, never split it. */
    @Test
    void scanNeverCutsBetweenEqualHashes() {
        store.close();
        // One shard: with 2-bit hashes splitting cannot separate the keys.
        store = new ChronicleKeyspace(new KvConfig(10_000, 16, 32));
        store.useCoarseHashForTests(2);
        for (int i = 0; i < 400; i++) {
            put("t" + i, 0);
        }
        for (int count : new int[] {1, 2, 5, 50}) {
            Map<String, Integer> seen = fullScan(count, () -> { });
            assertEquals(400, seen.size(), "count " + count);
            seen.forEach((k, n) -> assertEquals(1, n, "count " + count + ": " + k));
        }
        long seed = new Random().nextLong();
        SplittableRandom rnd = new SplittableRandom(seed);
        Set<String> stable = new HashSet<>();
        for (int i = 0; i < 400; i++) {
            stable.add("t" + i);
        }
        int[] next = {0};
        Map<String, Integer> seen = fullScan(3, () -> {
            put("n" + next[0]++, 0);
            if (rnd.nextBoolean()) {
                store.delete(b("n" + rnd.nextInt(next[0])), NOW);
            }
        });
        for (String k : stable) {
            assertEquals(1, seen.getOrDefault(k, 0), "seed " + seed + ": " + k);
        }
    }

    @Test
    void forEachKeyVisitsLiveKeysWithTheirType() {
        put("a", 0);
        put("b", NOW + 5);
        put("c", NOW - 5);
        store.put(b("d"), new CollectionHeader(ValueType.ZSET, 7, 2, 0));
        Map<String, ValueType> seen = new HashMap<>();
        store.forEachKey(NOW, (k, t) -> seen.put(s(k), t));
        assertEquals(Map.of("a", ValueType.STRING, "b", ValueType.STRING, "d", ValueType.ZSET), seen);
    }

    @Test
    void visitorsMayWriteTheStore() {
        for (int i = 0; i < 100; i++) {
            put("k" + i, 0);
        }
        store.forEachKey(NOW, (k, t) -> store.delete(k, NOW));
        assertEquals(0, store.size());
    }

    @Test
    void randomKeyIsNullWhenNothingIsLive() {
        SplittableRandom rnd = new SplittableRandom(1);
        assertNull(store.randomKey(NOW, rnd));
        put("x", NOW - 1);
        put("y", NOW);
        assertNull(store.randomKey(NOW, rnd));
        assertEquals(2, store.size());
    }

    @Test
    void randomKeyFindsTheOnlyLiveKeyAmongExpiredOnes() {
        for (int i = 0; i < 500; i++) {
            put("dead" + i, NOW - 1);
        }
        put("alive", 0);
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 20; i++) {
            assertEquals("alive", s(store.randomKey(NOW, rnd)));
        }
    }

    @Test
    void randomKeyReachesEveryKey() {
        for (int i = 0; i < 50; i++) {
            put("k" + i, 0);
        }
        SplittableRandom rnd = new SplittableRandom(42);
        Set<String> drawn = new HashSet<>();
        for (int i = 0; i < 2_000; i++) {
            drawn.add(s(store.randomKey(NOW, rnd)));
        }
        assertEquals(50, drawn.size());
    }

    @Test
    void sampleExpiredCoversTheWholeMapOverRepeatedCalls() {
        Set<String> expired = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            put("e" + i, NOW - i);
            expired.add("e" + i);
            put("l" + i, NOW + 1 + i);
            put("p" + i, 0);
        }
        Set<String> found = new HashSet<>();
        for (int call = 0; call < 200 && found.size() < expired.size(); call++) {
            List<byte[]> batch = store.sampleExpired(NOW, 20);
            assertTrue(batch.size() <= 20);
            for (byte[] k : batch) {
                found.add(s(k));
            }
            // As the leader's cycle would: the sampled keys get deleted (by an EXPIRE log record).
            for (byte[] k : batch) {
                store.delete(k, NOW);
            }
        }
        assertEquals(expired, found);
        assertTrue(store.sampleExpired(NOW, 20).isEmpty());
        assertEquals(600, store.size());
    }

    @Test
    void sampleExpiredRevisitsKeysThatWereNotDeleted() {
        put("e", NOW - 1);
        put("l", 0);
        Set<String> found = new HashSet<>();
        for (int call = 0; call < store.shardCount() + 1; call++) {
            store.sampleExpired(NOW, 5).forEach(k -> found.add(s(k)));
        }
        assertEquals(Set.of("e"), found);
    }

    @Test
    void lookupWriteRemovesAnExpiredKey() {
        put("old", NOW);
        put("new", NOW + 1);
        assertNull(store.lookupWrite(b("old"), NOW));
        assertNull(store.getIncludingExpired(b("old")));
        assertNotEquals(null, store.lookupWrite(b("new"), NOW));
        assertEquals(1, store.size());
        assertEquals(1, store.keysWithExpiry());
        assertFalse(store.delete(b("missing"), NOW));
    }
}
