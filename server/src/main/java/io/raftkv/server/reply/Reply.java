package io.raftkv.server.reply;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A reply to a client, in RESP2 terms. Replies are immutable values: they may be built on the apply
 * thread and encoded on a Netty event loop. Shared instances ({@link #OK}, {@link #PONG}, small
 * integers...) exist so the hot paths allocate nothing for the common answers.
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

    /** {@code $-1}: RESP2's null bulk string. */
    record NullBulk() implements Reply {
    }

    /** {@code *-1}: RESP2's null array. */
    record NullArray() implements Reply {
    }

    Reply OK = new Simple("OK");
    Reply PONG = new Simple("PONG");
    Reply NIL = new NullBulk();
    Reply NIL_ARRAY = new NullArray();
    Reply EMPTY_ARRAY = new Multi(List.of());
    Reply EMPTY_BULK = new Bulk(new byte[0]);
    Reply ZERO = SmallInts.CACHE[0];
    Reply ONE = SmallInts.CACHE[1];

    Reply SYNTAX_ERROR = new Error("ERR syntax error");
    Reply NOT_INTEGER = new Error("ERR value is not an integer or out of range");
    Reply NOT_FLOAT = new Error("ERR value is not a valid float");
    Reply WRONGTYPE = new Error("WRONGTYPE Operation against a key holding the wrong kind of value");
    Reply NO_SUCH_KEY = new Error("ERR no such key");
    Reply OOM = new Error("OOM command not allowed when used memory > 'maxmemory'.");

    static Reply integer(long value) {
        return value >= 0 && value < SmallInts.CACHE.length ? SmallInts.CACHE[(int) value] : new Int(value);
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
