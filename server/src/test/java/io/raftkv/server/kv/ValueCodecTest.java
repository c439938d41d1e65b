package io.raftkv.server.kv;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Each kind of value goes into an entry and comes back the same, inline and out of line, by its own codec. */
class ValueCodecTest {

    private final ChronicleKeyspace store = new ChronicleKeyspace(new KvConfig(1_000, 16, 16));

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void tagsAreTheStoredFormatAndNeverMove() {
        assertEquals(0, ValueType.STRING.tag());
        assertEquals(1, ValueType.HASH.tag());
        assertEquals(2, ValueType.LIST.tag());
        assertEquals(3, ValueType.SET.tag());
        assertEquals(4, ValueType.ZSET.tag());
        for (ValueType t : ValueType.values()) {
            assertEquals(t, ValueType.ofTag(t.tag()));
        }
        assertEquals("zset", ValueType.ZSET.redisName());
        assertThrows(IllegalStateException.class, () -> ValueType.ofTag(5));
        assertThrows(IllegalStateException.class, () -> ValueType.ofTag(0x7f));
    }

    @Test
    void stringsComeBackInlineAndOutOfLine() {
        for (int size : new int[] {0, 1, ChronicleKeyspace.INLINE_MAX, ChronicleKeyspace.INLINE_MAX + 1, 300_000}) {
            byte[] bytes = new byte[size];
            Arrays.fill(bytes, (byte) size);
            StringValue v = new StringValue(bytes, size == 1 ? 0 : 9_000 + size);
            roundTrip("s" + size, v);
        }
    }

    @Test
    void collectionHeadersComeBackWithTheirTypeIdAndSize() {
        roundTrip("h", new CollectionHeader(ValueType.HASH, 1, 0, 0));
        roundTrip("l", new CollectionHeader(ValueType.LIST, Long.MAX_VALUE, Long.MAX_VALUE, 5_000));
        roundTrip("s", new CollectionHeader(ValueType.SET, -1, 3, 0));
        roundTrip("z", new CollectionHeader(ValueType.ZSET, Long.MIN_VALUE, 1, Long.MAX_VALUE));
    }

    @Test
    void aKeyMayChangeKind() {
        byte[] key = b("k");
        store.put(key, new StringValue(b("v"), 0));
        store.put(key, new CollectionHeader(ValueType.SET, 7, 2, 0));
        Values.assertSameValue(new CollectionHeader(ValueType.SET, 7, 2, 0), store.get(key, 0), "set over string");
        store.put(key, new StringValue(new byte[ChronicleKeyspace.INLINE_MAX * 2], 0));
        assertEquals(ValueType.STRING, store.get(key, 0).type());
        assertEquals(1, store.size());
    }

    @Test
    void impossibleValuesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new CollectionHeader(ValueType.STRING, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new CollectionHeader(ValueType.HASH, 1, -1, 0));
        assertThrows(IllegalStateException.class, () -> ValueCodec.valueOf(ValueType.HASH, new byte[15], 0));
    }

    private void roundTrip(String key, StoredValue v) {
        store.put(b(key), v);
        Values.assertSameValue(v, store.getIncludingExpired(b(key)), key);
        assertEquals(v.type(), typeSeenByIteration(key), key + ": type as iteration reads it from the entry");
    }

    /** The type key iteration reports, which it reads from the entry's tag without decoding the value. */
    private ValueType typeSeenByIteration(String key) {
        ValueType[] seen = {null};
        store.forEachKey(0, (k, type) -> {
            if (Arrays.equals(k, b(key))) {
                seen[0] = type;
            }
        });
        return seen[0];
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
