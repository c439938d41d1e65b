package io.raftkv.server.reply;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A reply to a client, whatever protocol version the connection speaks: commands build replies and never learn
 * whether they go out as RESP2 or RESP3; the encoder of the connection decides. Replies are immutable values, so
 * every method here may be called on any thread: they are built on the apply thread or an event loop and encoded on
 * the connection's event loop. Shared instances ({@link #OK}, {@link #PONG}, {@link #NIL}, small integers...)
 * exist so the hot paths allocate nothing for the common answers.
 *
 * <p>How each variant is written (Redis's rules: RESP3 has a type of its own for each, RESP2 falls back to the
 * nearest RESP2 type, as redis-server does for a connection that did not send {@code HELLO 3}):
 * <pre>
 * variant    RESP2                                RESP3
 * Simple     +text                                +text
 * Error      -text                                -text
 * Int        :n                                   :n
 * Bulk       $len bytes                           $len bytes
 * Multi      *n elements                          *n elements
 * NullBulk   $-1                                  _
 * NullArray  *-1                                  _
 * Map        *2n k1 v1 k2 v2 ... (flat array)     %n k1 v1 k2 v2 ...
 * Set        *n elements                          ~n elements
 * Double     $len text (a bulk string)            ,text
 * Bool       :1 or :0                             #t or #f
 * Null       $-1 (the null bulk string)           _
 * Push       *n elements                          &gt;n elements
 * </pre>
 * Every line ends in CRLF; elements are written by the same rules, so a Map inside a Multi is a flat array in
 * RESP2 and a {@code %} map in RESP3. A Double's text is {@link Double#text()} in both versions.
 */
public sealed interface Reply {

    /** {@code +text}: {@code text} must not contain CR or LF. */
    record Simple(String text) implements Reply {
    }

    /**
     * {@code -text}: the whole error line without the dash, starting with Redis's error code,
     * e.g. {@code "ERR syntax error"} or {@code "WRONGTYPE Operation against a key holding the wrong kind of value"}.
     */
    record Error(String text) implements Reply {
    }

    /** {@code :n}. */
    record Int(long value) implements Reply {
    }

    /** {@code $len\r\nbytes}: the array is owned by the reply and must not be changed after. */
    record Bulk(byte[] bytes) implements Reply {
    }

    /** {@code *n} followed by the elements. */
    record Multi(List<Reply> elements) implements Reply {
    }

    /** A missing string: {@code $-1} in RESP2 (its null bulk string), {@code _} in RESP3. */
    record NullBulk() implements Reply {
    }

    /** A missing array: {@code *-1} in RESP2 (its null array), {@code _} in RESP3. */
    record NullArray() implements Reply {
    }

    /**
     * Key/value pairs in the order given, flattened: key, value, key, value... (so the list's size is even). RESP2
     * has no map and gets the flat array itself, as HGETALL and CONFIG GET answer there.
     */
    record Map(List<Reply> keysAndValues) implements Reply {
        public Map {
            if (keysAndValues.size() % 2 != 0) {
                throw new IllegalArgumentException("a map needs a value for every key: " + keysAndValues.size());
            }
        }

        public int pairs() {
            return keysAndValues.size() / 2;
        }
    }

    /** Unordered distinct elements (SMEMBERS): an array in RESP2. */
    record Set(List<Reply> elements) implements Reply {
    }

    /** A floating-point number (ZSCORE): a bulk string of {@link #text()} in RESP2. */
    record Double(double value) implements Reply {

        private static final MathContext SEVENTEEN_DIGITS = new MathContext(17, RoundingMode.HALF_EVEN);

        /**
         * The value as Redis 7.0's {@code addReplyDouble} prints it: {@code inf} and {@code -inf} for the infinities,
         * {@code nan} for NaN, otherwise C's {@code printf("%.17g")}: the exact binary value rounded to 17
         * significant digits, trailing zeros dropped, exponent form when the decimal exponent is below -4 or above
         * 16 ({@code 0.1} gives {@code 0.10000000000000001}, {@code 1e17} gives {@code 1e+17}, {@code 3.0} gives
         * {@code 3}). Java's own {@code %.17g} differs (it pads the shortest digits with zeros), hence BigDecimal.
         */
        public String text() {
            if (java.lang.Double.isNaN(value)) {
                return "nan";
            }
            if (java.lang.Double.isInfinite(value)) {
                return value > 0 ? "inf" : "-inf";
            }
            if (value == 0) {
                return java.lang.Double.doubleToRawLongBits(value) < 0 ? "-0" : "0";
            }
            BigDecimal rounded = new BigDecimal(value).round(SEVENTEEN_DIGITS).stripTrailingZeros();
            String digits = rounded.unscaledValue().abs().toString();
            int exponent = digits.length() - 1 - rounded.scale();
            if (exponent >= -4 && exponent < 17) {
                return rounded.toPlainString();
            }
            StringBuilder sb = new StringBuilder(24);
            if (value < 0) {
                sb.append('-');
            }
            sb.append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits, 1, digits.length());
            }
            sb.append('e').append(exponent < 0 ? '-' : '+');
            int magnitude = Math.abs(exponent);
            if (magnitude < 10) {
                sb.append('0');
            }
            return sb.append(magnitude).toString();
        }
    }

    /** A truth value: the integer 1 or 0 in RESP2, as Redis's commands answered before RESP3. */
    record Bool(boolean value) implements Reply {
    }

    /** RESP3's one null, whatever was asked for: {@code _}; RESP2's null bulk string {@code $-1}. */
    record Null() implements Reply {
    }

    /**
     * Out-of-band data the client did not ask for with this request (pub/sub messages, invalidations): the first
     * element names the kind, e.g. {@code "message"}. An array in RESP2, where only a connection in subscribe mode
     * may receive one.
     */
    record Push(List<Reply> elements) implements Reply {
    }

    Reply OK = new Simple("OK");
    Reply PONG = new Simple("PONG");
    Reply NIL = new NullBulk();
    Reply NIL_ARRAY = new NullArray();
    Reply NULL = new Null();
    Reply EMPTY_ARRAY = new Multi(List.of());
    Reply EMPTY_MAP = new Map(List.of());
    Reply EMPTY_SET = new Set(List.of());
    Reply EMPTY_BULK = new Bulk(new byte[0]);
    Reply ZERO = SmallInts.CACHE[0];
    Reply ONE = SmallInts.CACHE[1];
    Reply TRUE = new Bool(true);
    Reply FALSE = new Bool(false);

    Reply SYNTAX_ERROR = new Error("ERR syntax error");
    Reply NOT_INTEGER = new Error("ERR value is not an integer or out of range");
    Reply NOT_FLOAT = new Error("ERR value is not a valid float");
    Reply WRONGTYPE = new Error("WRONGTYPE Operation against a key holding the wrong kind of value");
    Reply NO_SUCH_KEY = new Error("ERR no such key");
    Reply OOM = new Error("OOM command not allowed when used memory > 'maxmemory'.");

    static Reply integer(long value) {
        return value >= 0 && value < SmallInts.CACHE.length ? SmallInts.CACHE[(int) value] : new Int(value);
    }

    static Reply bool(boolean value) {
        return value ? TRUE : FALSE;
    }

    static Reply bulk(byte[] bytes) {
        return bytes == null ? NIL : new Bulk(bytes);
    }

    static Reply bulk(String text) {
        return text == null ? NIL : new Bulk(text.getBytes(StandardCharsets.UTF_8));
    }

    static Reply simple(String text) {
        return new Simple(text);
    }

    static Reply error(String text) {
        return new Error(text);
    }

    static Reply array(List<Reply> elements) {
        return new Multi(List.copyOf(elements));
    }

    static Reply array(Reply... elements) {
        return new Multi(List.of(elements));
    }

    /** {@code keysAndValues}: key, value, key, value...; copied. */
    static Reply map(List<Reply> keysAndValues) {
        return new Map(List.copyOf(keysAndValues));
    }

    static Reply set(List<Reply> elements) {
        return new Set(List.copyOf(elements));
    }

    static Reply push(Reply... elements) {
        return new Push(List.of(elements));
    }

    /** {@code ERR wrong number of arguments for 'name' command}, as Redis words it. */
    static Reply wrongArity(String commandName) {
        return new Error("ERR wrong number of arguments for '" + commandName + "' command");
    }

    final class SmallInts {
        static final Reply[] CACHE = new Reply[1024];

        static {
            for (int i = 0; i < CACHE.length; i++) {
                CACHE[i] = new Int(i);
            }
        }

        private SmallInts() {
        }
    }
}
