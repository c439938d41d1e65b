package io.raftkv.bench;

import io.raftkv.server.kv.LogRecord;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Keys and values shaped like redis-benchmark's: {@code key:%012d} (16 bytes) and values of a fixed size. */
final class BenchData {

    private BenchData() {
    }

    static String keyString(long n) {
        return String.format("key:%012d", n);
    }

    static byte[] key(long n) {
        return keyString(n).getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] value(int size) {
        byte[] v = new byte[size];
        Arrays.fill(v, (byte) 'x');
        return v;
    }

    static byte[][] setArgv(long n, int valueSize) {
        return new byte[][] {"SET".getBytes(StandardCharsets.US_ASCII), key(n), value(valueSize)};
    }

    /** {@code count} encoded SET log records over a key space of {@code keys} keys, stamped {@code timestamp}. */
    static byte[][] setRecords(int count, long keys, int valueSize, long timestamp) {
        byte[][] records = new byte[count][];
        long k = 12345;
        for (int i = 0; i < count; i++) {
            k = (k * 6364136223846793005L + 1442695040888963407L);
            records[i] = LogRecord.encode(LogRecord.COMMAND, timestamp, setArgv(Math.floorMod(k >>> 16, keys), valueSize));
        }
        return records;
    }
}
