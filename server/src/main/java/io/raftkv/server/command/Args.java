package io.raftkv.server.command;

import java.nio.charset.StandardCharsets;

/** Parsing of command arguments with Redis's rules, shared by every command group. */
public final class Args {

    private Args() {
    }

    /**
     * Redis's string2ll: an optional '-', then digits with no leading zero (except "0" itself), no spaces or '+',
     * fitting in a signed 64-bit integer. Returns false (leaving {@code out} alone) if {@code b} is not such a number.
     */
    public static boolean parseLong(byte[] b, long[] out) {
        int n = b.length;
        if (n == 0 || n > 20) {
            return false;
        }
        if (n == 1 && b[0] == '0') {
            out[0] = 0;
            return true;
        }
        int i = 0;
        boolean negative = false;
        if (b[0] == '-') {
            negative = true;
            i = 1;
            if (n == 1) {
                return false;
            }
        }
        if (b[i] < '1' || b[i] > '9') {
            return false;
        }
        long v = 0;
        for (; i < n; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return false;
            }
            // accumulate negatively so that Long.MIN_VALUE parses
            if (v < (Long.MIN_VALUE + d) / 10) {
                return false;
            }
            v = v * 10 - d;
        }
        if (!negative) {
            if (v == Long.MIN_VALUE) {
                return false;
            }
            v = -v;
        }
        out[0] = v;
        return true;
    }

    /** {@link #parseLong(byte[], long[])} for callers that want an exception; the message is not for clients. */
    public static long longOrThrow(byte[] b) {
        long[] out = new long[1];
        if (!parseLong(b, out)) {
            throw new NumberFormatException(str(b));
        }
        return out[0];
    }

    public static boolean isLong(byte[] b) {
        return parseLong(b, new long[1]);
    }

    /** ASCII case-insensitive comparison of an argument with a lower-case keyword. */
    public static boolean is(byte[] arg, String lowerKeyword) {
        int n = lowerKeyword.length();
        if (arg.length != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            int c = arg[i];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != lowerKeyword.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The argument as text (UTF-8), for messages and names. */
    public static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
