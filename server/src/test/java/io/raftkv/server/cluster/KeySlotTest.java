package io.raftkv.server.cluster;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Slots checked against CLUSTER KEYSLOT of redis-server 7.0.15 (all vectors also in redis-7.0.15-one-shard.txt). */
class KeySlotTest {

    private static int slot(String key) {
        return KeySlot.of(key.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void crc16IsXmodem() {
        // The CRC-16/XMODEM check value: CRC of the ASCII digits 1..9.
        byte[] digits = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0x31C3, KeySlot.crc16(digits, 0, digits.length));
        assertEquals(0x31C3 & 16383, slot("123456789"));
    }

    @Test
    void plainKeys() {
        assertEquals(12182, slot("foo"));
        assertEquals(5061, slot("bar"));
        assertEquals(0, slot(""));
        assertEquals(15332, slot("hello world"));
        assertEquals(10180, slot("é"));
    }

    @Test
    void hashTags() {
        assertEquals(3443, slot("{user1000}.following"));
        assertEquals(3443, slot("{user1000}.followers"));
        assertEquals(8338, slot("{tag}x"));
        assertEquals(slot("tag"), slot("{tag}x"));
        assertEquals(5061, slot("foo{bar}{zap}"), "only the first tag counts");
        assertEquals(4015, slot("foo{{bar}}zap"), "the tag is '{bar' up to the first '}'");
        assertEquals(10180, slot("{é}x"));
    }

    @Test
    void emptyOrUnclosedTagsHashTheWholeKey() {
        assertEquals(8363, slot("foo{}{bar}"), "an empty first tag means no tag, even if another follows");
        assertEquals(15257, slot("{}"));
        assertEquals(4092, slot("{"));
        assertEquals(12090, slot("}"));
        assertEquals(10276, slot("{a"));
        assertEquals(3300, slot("a}{b}"), "'}' before the first '{' does not close it");
    }

    /** The table-driven CRC against the bitwise definition on random keys; a failure prints the seed. */
    @Test
    void tableMatchesBitwiseDefinition() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        for (int n = 0; n < 2000; n++) {
            byte[] key = new byte[r.nextInt(40)];
            r.nextBytes(key);
            assertEquals(bitwise(key), KeySlot.crc16(key, 0, key.length), "seed " + seed + ", key #" + n);
        }
    }

    private static int bitwise(byte[] b) {
        int crc = 0;
        for (byte x : b) {
            crc ^= (x & 0xff) << 8;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
            }
        }
        return crc;
    }
}
