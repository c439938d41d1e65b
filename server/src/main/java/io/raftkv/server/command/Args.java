package io.raftkv.server.command;

import io.raftkv.server.reply.Reply;


/**
 * Argument parsing with Redis's rules. A bad argument throws a preallocated {@link ArgumentError} carrying the
 * exact error reply; the dispatcher (and the state machine) turn it into that reply, so handlers read top to bottom
 * without a status check after every parse and allocate nothing on the error path. Handlers must throw it only
 * before they change anything.
 */
public final class Args {

    public static final ArgumentError NOT_INTEGER = new ArgumentError(Reply.NOT_INTEGER);
    public static final ArgumentError NOT_FLOAT = new ArgumentError(Reply.NOT_FLOAT);
    public static final ArgumentError SYNTAX = new ArgumentError(Reply.SYNTAX_ERROR);

    /** Longest text of an int64 ("-9223372036854775808"); Redis's string2ll refuses anything longer at once. */
    private static final int MAX_LONG_CHARS = 20;

    private Args() {
    }

    /**
     * Parses a signed 64-bit integer as Redis's {@code string2ll} does: an optional '-', then "0" alone or a
     * non-zero digit followed by digits; no '+', no spaces, no leading zeros, no "-0", must fit in int64.
     *
     * @throws ArgumentError {@link #NOT_INTEGER} otherwise
     */
    public static long parseLong(byte[] s) {
        int len = s.length;
        if (len == 0 || len > MAX_LONG_CHARS) {
            throw NOT_INTEGER;
        }
        if (len == 1 && s[0] == '0') {
            return 0;
        }
        int i = 0;
        boolean negative = s[0] == '-';
        if (negative && ++i == len) {
            throw NOT_INTEGER;
        }
        if (s[i] < '1' || s[i] > '9') {
            throw NOT_INTEGER;
        }
        // Accumulate as a negative number: its range includes Long.MIN_VALUE.
        long v = 0;
        for (; i < len; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9 || v < Long.MIN_VALUE / 10) {
                throw NOT_INTEGER;
            }
            v *= 10;
            if (v < Long.MIN_VALUE + d) {
                throw NOT_INTEGER;
            }
            v -= d;
        }
        if (negative) {
            return v;
        }
        if (v == Long.MIN_VALUE) {
            throw NOT_INTEGER;
        }
        return -v;
    }

    /** True if {@code arg} is {@code lowerName} ignoring ASCII case (option names such as "ex", "keepttl"). */
    public static boolean is(byte[] arg, String lowerName) {
        if (arg.length != lowerName.length()) {
            return false;
        }
        for (int i = 0; i < arg.length; i++) {
            int b = arg[i];
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lowerName.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A bad argument, carrying the reply the client gets. Instances are shared and carry no stack trace: they are
     * answers, not bugs.
     */
    public static final class ArgumentError extends RuntimeException {
        private final transient Reply reply;

        public ArgumentError(Reply reply) {
            super(((Reply.Error) reply).text(), null, false, false);
            this.reply = reply;
        }

        public Reply reply() {
            return reply;
        }
    }

    /** The argument as text (UTF-8), for messages and names. */
    public static String str(byte[] b) {
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    public static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
