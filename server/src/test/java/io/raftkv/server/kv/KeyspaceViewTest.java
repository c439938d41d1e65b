package io.raftkv.server.kv;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A point-in-time view read by another thread while writes go on must equal the model at the moment it opened,
 * whatever the writes do meanwhile: overwrite and delete keys, replace large values, split and merge shards, roll
 * commands back, FLUSHALL. Many seeds; a failure names its seed (replay with {@code -Dkeyspace.seed=N}).
 */
class KeyspaceViewTest {

    private static final int SEEDS = 12;
    private static final long NOW = 1_000;

    @Test
    void aViewReadWhileWritesGoOnEqualsTheKeySpaceWhenItOpened() throws Exception {
        Seeds.each(SEEDS, KeyspaceViewTest::run);
    }

    private static void run(long seed) throws Exception {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<ByteBuffer, StoredValue> model = new HashMap<>();
        try (ChronicleKeyspace store = new ChronicleKeyspace(new KvConfig(16 + rnd.nextInt(200), 8, 16))) {
            int keySpace = 100 + rnd.nextInt(4_000);
            for (int round = 0; round < 6; round++) {
                for (int i = 0, n = rnd.nextInt(3_000); i < n; i++) {
                    write(store, model, rnd, keySpace);
                }
                Map<ByteBuffer, StoredValue> atOpen = new HashMap<>(model);
                KeyspaceView view = store.openView();
                assertEquals(atOpen.size(), view.size(), "seed " + seed + ": size of the view");
                Map<ByteBuffer, StoredValue> seen = new HashMap<>();
                // Half the time the view is read concurrently with the writes, otherwise after them (from frozen maps).
                boolean concurrent = rnd.nextBoolean();
                CompletableFuture<Void> reader = concurrent ? CompletableFuture.runAsync(() -> read(view, seen)) : null;
                for (int i = 0, n = rnd.nextInt(4_000); i < n; i++) {
                    write(store, model, rnd, keySpace);
                    if (rnd.nextInt(3_000) == 0) {
                        store.clear();
                        model.clear();
                    }
                }
                if (concurrent) {
                    reader.get(60, TimeUnit.SECONDS);
                } else {
                    read(view, seen);
                }
                view.close();
                try {
                    assertEquals(List.of(), difference(atOpen, seen), "keys of the view missing");
                    assertEquals(List.of(), difference(seen, atOpen), "keys in the view that it should not have");
                    for (Map.Entry<ByteBuffer, StoredValue> e : atOpen.entrySet()) {
                        String k = new String(e.getKey().array(), StandardCharsets.UTF_8);
                        Values.assertSameValue(e.getValue(), seen.get(e.getKey()), "in the view, " + k);
                    }
                    // The key space itself went on correctly, and what the view kept is released.
                    assertEquals(model.size(), store.size(), "size after the view");
                    for (Map.Entry<ByteBuffer, StoredValue> e : model.entrySet()) {
                        Values.assertSameValue(e.getValue(), store.getIncludingExpired(e.getKey().array()),
                                "after the view");
                    }
                } catch (AssertionError e) {
                    fail("seed " + seed + " round " + round + " (concurrent " + concurrent + "; replay: -Dkeyspace.seed="
                            + seed + "): " + e.getMessage(), e);
                }
            }
            assertTrue(store.splits() > 0, "seed " + seed + ": no split happened, the test proves little");
        }
    }

    /** Up to 10 keys of {@code a} that {@code b} lacks, as text. */
    private static List<String> difference(Map<ByteBuffer, StoredValue> a, Map<ByteBuffer, StoredValue> b) {
        List<String> out = new ArrayList<>();
        for (ByteBuffer k : a.keySet()) {
            if (!b.containsKey(k) && out.size() < 10) {
                out.add(new String(k.array(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static void read(KeyspaceView view, Map<ByteBuffer, StoredValue> seen) {
        view.forEach((key, value) -> {
            if (seen.put(ByteBuffer.wrap(key), value) != null) {
                throw new AssertionError("the view visited a key twice: " + new String(key, StandardCharsets.UTF_8));
            }
        });
    }

    private static void write(ChronicleKeyspace store, Map<ByteBuffer, StoredValue> model, SplittableRandom rnd,
                              int keySpace) {
        int op = rnd.nextInt(100);
        if (op < 8) {
            Map<ByteBuffer, StoredValue> after = new HashMap<>(model);
            store.beginCommand();
            for (int i = 0, n = 1 + rnd.nextInt(20); i < n; i++) {
                byte[] k = key(rnd, keySpace);
                StoredValue v = value(rnd);
                store.put(k, v);
                after.put(ByteBuffer.wrap(k), v);
            }
            if (rnd.nextBoolean()) {
                store.endCommand();
                model.clear();
                model.putAll(after);
            } else {
                store.rollbackCommand();
            }
        } else if (op < 60) {
            byte[] k = key(rnd, keySpace);
            StoredValue v = value(rnd);
            store.put(k, v);
            model.put(ByteBuffer.wrap(k), v);
        } else {
            byte[] k = key(rnd, keySpace);
            store.delete(k, NOW);
            model.remove(ByteBuffer.wrap(k));
        }
    }

    private static byte[] key(SplittableRandom rnd, int keySpace) {
        return ("k" + rnd.nextInt(keySpace)).getBytes(StandardCharsets.UTF_8);
    }

    private static StoredValue value(SplittableRandom rnd) {
        if (rnd.nextInt(10) == 0) {
            return Values.header(rnd, rnd.nextInt(4) == 0 ? NOW - 500 + rnd.nextInt(1_000) : 0);
        }
        int r = rnd.nextInt(100);
        byte[] payload = new byte[r < 90 ? rnd.nextInt(30) : ChronicleKeyspace.INLINE_MAX + rnd.nextInt(20_000)];
        rnd.nextBytes(payload);
        return new StringValue(payload, rnd.nextInt(4) == 0 ? NOW - 500 + rnd.nextInt(1_000) : 0);
    }

    @Test
    void aSecondViewWaitsForTheFirstToClose() {
        try (ChronicleKeyspace store = new ChronicleKeyspace(KvConfig.DEFAULT)) {
            store.put("a".getBytes(), new StringValue("1".getBytes(), 0));
            KeyspaceView first = store.openView();
            assertThrows(IllegalStateException.class, store::openView);
            first.close();
            try (KeyspaceView second = store.openView()) {
                Map<String, String> seen = new HashMap<>();
                second.forEach((k, v) -> seen.put(new String(k), new String(((StringValue) v).bytes())));
                assertEquals(Map.of("a", "1"), seen);
            }
            KeyspaceView closed = store.openView();
            closed.close();
            assertThrows(IllegalStateException.class, () -> closed.forEach((k, v) -> { }));
        }
    }
}
