package io.raftkv.server.cluster;

/**
 * Redis Cluster's key to hash slot mapping: CRC16 (XMODEM: polynomial 0x1021, initial value 0, no reflection) of
 * the key modulo 16384. If the key holds a non-empty hash tag (the bytes between its first '{' and the first '}'
 * after it), only the tag is hashed, so "{user1000}.following" and "{user1000}.followers" share a slot.
 * Allocation-free; called once per keyed command on the event loop.
 */
public final class KeySlot {

    public static final int SLOTS = 16384;

    private static final char[] TABLE = new char[256];

    static {
        for (int b = 0; b < 256; b++) {
            int crc = b << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            TABLE[b] = (char) crc;
        }
    }

    private KeySlot() {
    }

    /** The slot of {@code key}, 0..16383. */
    public static int of(byte[] key) {
        int open = -1;
        for (int i = 0; i < key.length; i++) {
            if (key[i] == '{') {
                open = i;
                break;
            }
        }
        if (open >= 0) {
            for (int i = open + 1; i < key.length; i++) {
                if (key[i] == '}') {
                    if (i > open + 1) {
                        return crc16(key, open + 1, i) & (SLOTS - 1);
                    }
                    break;
                }
            }
        }
        return crc16(key, 0, key.length) & (SLOTS - 1);
    }

    /** CRC16/XMODEM of {@code b[from..to)}. */
    static int crc16(byte[] b, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ b[i]) & 0xff]) & 0xffff;
        }
        return crc;
    }
}
