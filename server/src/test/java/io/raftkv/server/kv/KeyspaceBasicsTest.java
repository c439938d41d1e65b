package io.raftkv.server.kv;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The store against a plain map, with keys and values of every size around the buffer Chronicle Map is handed them
 * in ({@link ByteArrayBufferDataAccess} starts at 256 bytes and grows): a buffer reused from a longer array must never
 * leak its tail into a shorter one, and a grown one must hold the whole array.
 */
class KeyspaceBasicsTest {

    private static final int[] SIZES = {0, 1, 7, 24, 255, 256, 257, 300, 511, 512, 513, 4096, 20_000};

    @Test
    void putGetAndDeleteAgreeWithAPlainMapForKeysAndValuesOfEverySize() {
        Random random = new Random(42);
        Map<String, byte[]> model = new HashMap<>();
        try (Keyspace store = new ChronicleKeyspace(new KvConfig(10_000, 32, 256))) {
            for (int round = 0; round < 3_000; round++) {
                byte[] key = bytes(random, 1 + SIZES[random.nextInt(SIZES.length)] % 600, random.nextInt(40));
                String k = new String(key, StandardCharsets.ISO_8859_1);
                if (random.nextInt(5) == 0) {
                    boolean had = model.remove(k) != null;
                    assertEquals(had, store.delete(key, 0), "delete " + round);
                } else {
                    byte[] value = bytes(random, SIZES[random.nextInt(SIZES.length)], random.nextInt(256));
                    store.put(key, new StringValue(value, 0));
                    model.put(k, value);
                }
                byte[] probe = bytes(random, 1 + SIZES[random.nextInt(SIZES.length)] % 600, random.nextInt(40));
                StoredValue got = store.get(probe, 0);
                byte[] want = model.get(new String(probe, StandardCharsets.ISO_8859_1));
                if (want == null) {
                    assertNull(got, "get " + round);
                    assertEquals(0, store.payloadLength(probe), "payloadLength " + round);
                } else {
                    assertArrayEquals(want, ((StringValue) got).bytes(), "get " + round);
                    assertEquals(want.length, store.payloadLength(probe), "payloadLength " + round);
                }
            }
            assertEquals(model.size(), store.size());
            for (Map.Entry<String, byte[]> e : model.entrySet()) {
                StoredValue got = store.get(e.getKey().getBytes(StandardCharsets.ISO_8859_1), 0);
                assertArrayEquals(e.getValue(), ((StringValue) got).bytes());
            }
        }
    }

    /**
     * FLUSHALL replaces the map rather than emptying it entry by entry: the store must come out empty in every
     * respect (keys, counters, iteration) and take writes again, and a journaled command after it must still roll
     * back against the new map.
     */
    @Test
    void clearLeavesAnEmptyStoreThatWorksAsANewOne() {
        try (Keyspace store = new ChronicleKeyspace(new KvConfig(10_000, 32, 256))) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 2_000; i++) {
                    store.put(key("k" + i), new StringValue(key("v" + i), i % 2 == 0 ? 0 : 5_000));
                }
                assertEquals(2_000, store.size());
                assertEquals(1_000, store.keysWithExpiry());
                store.clear();
                assertEquals(0, store.size(), "round " + round);
                assertEquals(0, store.dataBytes());
                assertEquals(0, store.keysWithExpiry());
                assertNull(store.get(key("k1"), 0));
                assertNull(store.randomKey(0, new Random(round)));
                List<byte[]> seen = new ArrayList<>();
                store.forEachKey(0, (k, type) -> seen.add(k));
                assertEquals(0, seen.size());
                assertEquals(0, store.scan(0, 100, 0, (k, type) -> seen.add(k)));
                assertEquals(0, seen.size());
            }
            store.put(key("a"), new StringValue(key("1"), 0));
            store.beginCommand();
            store.put(key("a"), new StringValue(key("2"), 0));
            store.put(key("b"), new StringValue(key("3"), 7_000));
            store.rollbackCommand();
            assertArrayEquals(key("1"), ((StringValue) store.get(key("a"), 0)).bytes());
            assertNull(store.get(key("b"), 0));
            assertEquals(1, store.size());
            assertEquals(0, store.keysWithExpiry());
            assertEquals(key("a").length + ChronicleKeyspace.HEADER + 1, store.dataBytes());
        }
    }

    private static byte[] key(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code size} bytes from a small alphabet chosen by {@code seed}, so that different sizes often share prefixes. */
    private static byte[] bytes(Random random, int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + (seed + (i % 3 == 0 ? random.nextInt(2) : 0)) % 4);
        }
        return b;
    }

    @Test
    void largeValuesAreCountedThroughOverwritesDeletesRollbacksAndClear() {
        byte[] large = new byte[(int) Keyspace.LARGE_VALUE_BYTES];
        byte[] justBelow = new byte[(int) Keyspace.LARGE_VALUE_BYTES - 1];
        try (Keyspace store = new ChronicleKeyspace(new KvConfig(10_000, 32, 256))) {
            store.put(bytes("a"), new StringValue(large, 0));
            store.put(bytes("b"), new StringValue(justBelow, 0));
            assertEquals(1, store.largeValues());
            assertEquals(large.length, store.payloadLength(bytes("a")));
            store.put(bytes("a"), new StringValue(bytes("small"), 0));
            assertEquals(0, store.largeValues());
            store.put(bytes("b"), new StringValue(large, 0));
            assertEquals(1, store.largeValues());
            store.beginCommand();
            store.put(bytes("c"), new StringValue(large, 0));
            store.delete(bytes("b"), 0);
            assertEquals(1, store.largeValues());
            store.rollbackCommand();
            assertEquals(1, store.largeValues());
            assertEquals(large.length, store.payloadLength(bytes("b")));
            assertEquals(0, store.payloadLength(bytes("c")));
            store.delete(bytes("b"), 0);
            assertEquals(0, store.largeValues());
            store.put(bytes("d"), new StringValue(large, 0));
            store.clear();
            assertEquals(0, store.largeValues());
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
