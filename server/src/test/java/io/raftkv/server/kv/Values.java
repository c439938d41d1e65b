package io.raftkv.server.kv;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Values of every kind for the seeded key-space tests, and their comparison. */
final class Values {

    private Values() {
    }

    /** A collection header of a random type, id and size. */
    static CollectionHeader header(SplittableRandom rnd, long expireAt) {
        ValueType[] collections = {ValueType.HASH, ValueType.LIST, ValueType.SET, ValueType.ZSET};
        return new CollectionHeader(collections[rnd.nextInt(collections.length)], rnd.nextLong(), rnd.nextInt(1 << 20),
                expireAt);
    }

    /** Key plus entry bytes the store should count for {@code v} (what {@code dataBytes} sums). */
    static long entryBytes(String key, StoredValue v) {
        return key.length() + ChronicleKeyspace.HEADER + ValueCodec.payloadOf(v).length;
    }

    static void assertSameValue(StoredValue want, StoredValue got, String what) {
        assertNotNull(got, what + ": missing");
        assertEquals(want.type(), got.type(), what + ": type");
        assertEquals(want.expireAt(), got.expireAt(), what + ": deadline");
        if (want instanceof StringValue s) {
            assertArrayEquals(s.bytes(), ((StringValue) got).bytes(), what + ": bytes");
        } else {
            assertEquals(want, got, what);
        }
    }
}
