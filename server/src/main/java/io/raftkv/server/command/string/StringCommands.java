package io.raftkv.server.command.string;

import io.raftkv.server.command.Args;
import io.raftkv.server.command.ReadContext;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.CommandTable;
import io.raftkv.server.command.WriteContext;
import io.raftkv.server.kv.KeyspaceData;
import io.raftkv.server.kv.StoredValue;
import io.raftkv.server.kv.StringValue;
import io.raftkv.server.reply.Reply;

import java.nio.charset.StandardCharsets;

import static io.raftkv.server.command.CommandFlag.DENYOOM;
import static io.raftkv.server.command.CommandFlag.FAST;
import static io.raftkv.server.command.CommandFlag.READONLY;
import static io.raftkv.server.command.CommandFlag.WRITE;

/**
 * The string command group, with Redis 7.0's semantics and replies.
 *
 * <p>Write commands run when their log record is applied, with a {@link WriteContext}: {@code ctx.now()} is the
 * record's time, so relative TTLs become {@code now + ttl} identically on every node and replay. A key past its
 * deadline is missing to every command here. GET-family lookups, reads and writes alike, count keyspace hits and
 * misses as Redis's lookupKeyRead does; lookups Redis makes "for write" (APPEND, INCR, SETNX...) count nothing.
 */
public final class StringCommands {

    /** Redis's default proto-max-bulk-len. Fixed, not read from config: a write's outcome must not differ by node. */
    static final long MAX_STRING_LENGTH = 512L * 1024 * 1024;

    private static final Reply STRING_TOO_LONG =
            Reply.error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    private static final Reply OFFSET_OUT_OF_RANGE = Reply.error("ERR offset is out of range");
    private static final Reply INCR_OVERFLOW = Reply.error("ERR increment or decrement would overflow");
    private static final Reply DECR_OVERFLOW = Reply.error("ERR decrement would overflow");
    private static final Reply FLOAT_OVERFLOW = Reply.error("ERR increment would produce NaN or Infinity");
    private static final Reply MSET_ARITY = Reply.wrongArity("mset");
    private static final Reply MSETNX_ARITY = Reply.wrongArity("msetnx");

    private static final Args.ArgumentError SET_BAD_EXPIRE = invalidExpire("set");
    private static final Args.ArgumentError SETEX_BAD_EXPIRE = invalidExpire("setex");
    private static final Args.ArgumentError PSETEX_BAD_EXPIRE = invalidExpire("psetex");
    private static final Args.ArgumentError GETEX_BAD_EXPIRE = invalidExpire("getex");

    // Option flags of SET and GETEX, as Redis's parseExtendedStringArguments knows them.
    private static final int NX = 1;
    private static final int XX = 1 << 1;
    private static final int GET = 1 << 2;
    private static final int KEEPTTL = 1 << 3;
    private static final int PERSIST = 1 << 4;
    private static final int EX = 1 << 5;
    private static final int PX = 1 << 6;
    private static final int EXAT = 1 << 7;
    private static final int PXAT = 1 << 8;
    private static final int ANY_EXPIRE = EX | PX | EXAT | PXAT;
    private static final int OPTION_BITS = 16;

    private StringCommands() {
    }

    public static void register(CommandTable.Builder table) {
        table.add(row("get", 2, "Get the value of a key", "1.0.0")
                .read(StringCommands::get).flags(READONLY, FAST));
        table.add(row("set", -3, "Set the string value of a key", "1.0.0")
                .write(StringCommands::set).flags(WRITE, DENYOOM));
        table.add(row("setnx", 3, "Set the value of a key, only if the key does not exist", "1.0.0")
                .write(StringCommands::setnx).flags(WRITE, DENYOOM, FAST));
        table.add(row("setex", 4, "Set the value and expiration of a key", "2.0.0")
                .write(StringCommands::setex).flags(WRITE, DENYOOM));
        table.add(row("psetex", 4, "Set the value and expiration in milliseconds of a key", "2.6.0")
                .write(StringCommands::psetex).flags(WRITE, DENYOOM));
        table.add(row("getset", 3, "Set the string value of a key and return its old value", "1.0.0")
                .write(StringCommands::getset).flags(WRITE, DENYOOM, FAST));
        table.add(row("getdel", 2, "Get the value of a key and delete the key", "6.2.0")
                .write(StringCommands::getdel).flags(WRITE, FAST));
        table.add(row("getex", -2, "Get the value of a key and optionally set its expiration", "6.2.0")
                .write(StringCommands::getex).flags(WRITE, FAST));
        table.add(row("mget", -2, "Get the values of all the given keys", "1.0.0")
                .read(StringCommands::mget).flags(READONLY, FAST).keys(1, -1, 1));
        table.add(row("mset", -3, "Set multiple keys to multiple values", "1.0.1")
                .write(StringCommands::mset).flags(WRITE, DENYOOM).keys(1, -1, 2));
        table.add(row("msetnx", -3, "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1")
                .write(StringCommands::msetnx).flags(WRITE, DENYOOM).keys(1, -1, 2));
        table.add(row("append", 3, "Append a value to a key", "2.0.0")
                .write(StringCommands::append).flags(WRITE, DENYOOM, FAST));
        table.add(row("strlen", 2, "Get the length of the value stored in a key", "2.2.0")
                .read(StringCommands::strlen).flags(READONLY, FAST));
        table.add(row("incr", 2, "Increment the integer value of a key by one", "1.0.0")
                .write(StringCommands::incr).flags(WRITE, DENYOOM, FAST));
        table.add(row("decr", 2, "Decrement the integer value of a key by one", "1.0.0")
                .write(StringCommands::decr).flags(WRITE, DENYOOM, FAST));
        table.add(row("incrby", 3, "Increment the integer value of a key by the given amount", "1.0.0")
                .write(StringCommands::incrby).flags(WRITE, DENYOOM, FAST));
        table.add(row("decrby", 3, "Decrement the integer value of a key by the given number", "1.0.0")
                .write(StringCommands::decrby).flags(WRITE, DENYOOM, FAST));
        table.add(row("incrbyfloat", 3, "Increment the float value of a key by the given amount", "2.6.0")
                .write(StringCommands::incrbyfloat).flags(WRITE, DENYOOM, FAST));
        table.add(row("getrange", 4, "Get a substring of the string stored at a key", "2.4.0")
                .read(StringCommands::getrange).flags(READONLY));
        table.add(row("setrange", 4, "Overwrite part of a string at key starting at the specified offset", "2.2.0")
                .write(StringCommands::setrange).flags(WRITE, DENYOOM));
    }

    /** A row of this group with the key at argv[1] (MGET, MSET and MSETNX override the key positions). */
    private static CommandSpec.Builder row(String name, int arity, String summary, String since) {
        return CommandSpec.builder(name, arity).keys(1, 1, 1).group("string").summary(summary).since(since);
    }

    // GET key
    static Reply get(ReadContext ctx, byte[][] argv) {
        StoredValue v = lookupRead(ctx, argv[1]);
        if (v == null) {
            return Reply.NIL;
        }
        return v instanceof StringValue s ? Reply.bulk(s.bytes()) : Reply.WRONGTYPE;
    }

    // SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
    static Reply set(WriteContext ctx, byte[][] argv) {
        int parsed = parseOptions(argv, true);
        int flags = parsed & ((1 << OPTION_BITS) - 1);
        int expireArg = parsed >>> OPTION_BITS;
        long deadline = expireArg == 0 ? 0 : deadline(argv[expireArg], flags, ctx.now(), SET_BAD_EXPIRE);
        if ((flags & (NX | XX | GET | KEEPTTL)) == 0) {
            ctx.store().put(argv[1], new StringValue(argv[2], deadline));
            return Reply.OK;
        }
        StoredValue old;
        if ((flags & GET) != 0) {
            old = lookupRead(ctx, argv[1]);
            if (old != null && !(old instanceof StringValue)) {
                return Reply.WRONGTYPE;
            }
        } else {
            old = ctx.store().get(argv[1], ctx.now());
        }
        boolean found = old != null;
        if (((flags & NX) != 0 && found) || ((flags & XX) != 0 && !found)) {
            return (flags & GET) != 0 ? bulkOrNil(old) : Reply.NIL;
        }
        long expireAt = (flags & KEEPTTL) != 0 && found ? old.expireAt() : deadline;
        ctx.store().put(argv[1], new StringValue(argv[2], expireAt));
        return (flags & GET) != 0 ? bulkOrNil(old) : Reply.OK;
    }

    // SETNX key value
    static Reply setnx(WriteContext ctx, byte[][] argv) {
        if (ctx.store().get(argv[1], ctx.now()) != null) {
            return Reply.ZERO;
        }
        ctx.store().put(argv[1], new StringValue(argv[2], 0));
        return Reply.ONE;
    }

    // SETEX key seconds value
    static Reply setex(WriteContext ctx, byte[][] argv) {
        return setWithTtl(ctx, argv, EX, SETEX_BAD_EXPIRE);
    }

    // PSETEX key milliseconds value
    static Reply psetex(WriteContext ctx, byte[][] argv) {
        return setWithTtl(ctx, argv, PX, PSETEX_BAD_EXPIRE);
    }

    private static Reply setWithTtl(WriteContext ctx, byte[][] argv, int unit, Args.ArgumentError invalid) {
        long deadline = deadline(argv[2], unit, ctx.now(), invalid);
        ctx.store().put(argv[1], new StringValue(argv[3], deadline));
        return Reply.OK;
    }

    // GETSET key value
    static Reply getset(WriteContext ctx, byte[][] argv) {
        StoredValue old = lookupRead(ctx, argv[1]);
        if (old != null && !(old instanceof StringValue)) {
            return Reply.WRONGTYPE;
        }
        ctx.store().put(argv[1], new StringValue(argv[2], 0));
        return bulkOrNil(old);
    }

    // GETDEL key
    static Reply getdel(WriteContext ctx, byte[][] argv) {
        StoredValue v = lookupRead(ctx, argv[1]);
        if (v == null) {
            return Reply.NIL;
        }
        if (!(v instanceof StringValue s)) {
            return Reply.WRONGTYPE;
        }
        ctx.store().delete(argv[1], ctx.now());
        return Reply.bulk(s.bytes());
    }

    // GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]
    static Reply getex(WriteContext ctx, byte[][] argv) {
        int parsed = parseOptions(argv, false);
        int flags = parsed & ((1 << OPTION_BITS) - 1);
        int expireArg = parsed >>> OPTION_BITS;
        // Redis looks the key up before it validates the expire time: a missing key answers nil whatever it says.
        StoredValue v = lookupRead(ctx, argv[1]);
        if (v == null) {
            return Reply.NIL;
        }
        if (!(v instanceof StringValue s)) {
            return Reply.WRONGTYPE;
        }
        KeyspaceData store = ctx.store();
        if (expireArg != 0) {
            long deadline = deadline(argv[expireArg], flags, ctx.now(), GETEX_BAD_EXPIRE);
            if ((flags & (EXAT | PXAT)) != 0 && deadline <= ctx.now()) {
                store.delete(argv[1], ctx.now());
            } else {
                store.put(argv[1], v.withExpireAt(deadline));
            }
        } else if ((flags & PERSIST) != 0 && v.hasExpiry()) {
            store.put(argv[1], v.withExpireAt(0));
        }
        return Reply.bulk(s.bytes());
    }

    // MGET key [key ...]
    static Reply mget(ReadContext ctx, byte[][] argv) {
        Reply[] values = new Reply[argv.length - 1];
        for (int i = 1; i < argv.length; i++) {
            StoredValue v = lookupRead(ctx, argv[i]);
            values[i - 1] = v instanceof StringValue s ? Reply.bulk(s.bytes()) : Reply.NIL;
        }
        return Reply.array(values);
    }

    // MSET key value [key value ...]
    static Reply mset(WriteContext ctx, byte[][] argv) {
        if (argv.length % 2 == 0) {
            return MSET_ARITY;
        }
        putAll(ctx.store(), argv);
        return Reply.OK;
    }

    // MSETNX key value [key value ...]
    static Reply msetnx(WriteContext ctx, byte[][] argv) {
        if (argv.length % 2 == 0) {
            return MSETNX_ARITY;
        }
        KeyspaceData store = ctx.store();
        for (int i = 1; i < argv.length; i += 2) {
            if (store.get(argv[i], ctx.now()) != null) {
                return Reply.ZERO;
            }
        }
        putAll(store, argv);
        return Reply.ONE;
    }

    private static void putAll(KeyspaceData store, byte[][] argv) {
        for (int i = 1; i < argv.length; i += 2) {
            store.put(argv[i], new StringValue(argv[i + 1], 0));
        }
    }

    // APPEND key value
    static Reply append(WriteContext ctx, byte[][] argv) {
        byte[] tail = argv[2];
        StoredValue v = ctx.store().get(argv[1], ctx.now());
        if (v == null) {
            ctx.store().put(argv[1], new StringValue(tail, 0));
            return Reply.integer(tail.length);
        }
        if (!(v instanceof StringValue s)) {
            return Reply.WRONGTYPE;
        }
        byte[] head = s.bytes();
        if (tooLong(head.length, tail.length)) {
            return STRING_TOO_LONG;
        }
        byte[] joined = new byte[head.length + tail.length];
        System.arraycopy(head, 0, joined, 0, head.length);
        System.arraycopy(tail, 0, joined, head.length, tail.length);
        ctx.store().put(argv[1], s.withBytes(joined));
        return Reply.integer(joined.length);
    }

    // STRLEN key
    static Reply strlen(ReadContext ctx, byte[][] argv) {
        StoredValue v = lookupRead(ctx, argv[1]);
        if (v == null) {
            return Reply.ZERO;
        }
        return v instanceof StringValue s ? Reply.integer(s.bytes().length) : Reply.WRONGTYPE;
    }

    // INCR key
    static Reply incr(WriteContext ctx, byte[][] argv) {
        return incrBy(ctx, argv[1], 1);
    }

    // DECR key
    static Reply decr(WriteContext ctx, byte[][] argv) {
        return incrBy(ctx, argv[1], -1);
    }

    // INCRBY key increment
    static Reply incrby(WriteContext ctx, byte[][] argv) {
        return incrBy(ctx, argv[1], Args.parseLong(argv[2]));
    }

    // DECRBY key decrement
    static Reply decrby(WriteContext ctx, byte[][] argv) {
        long decrement = Args.parseLong(argv[2]);
        if (decrement == Long.MIN_VALUE) {
            return DECR_OVERFLOW;
        }
        return incrBy(ctx, argv[1], -decrement);
    }

    /** The one implementation of INCR, DECR, INCRBY and DECRBY. The key keeps its TTL, as in Redis. */
    private static Reply incrBy(WriteContext ctx, byte[] key, long increment) {
        StoredValue found = ctx.store().get(key, ctx.now());
        if (found != null && !(found instanceof StringValue)) {
            return Reply.WRONGTYPE;
        }
        StringValue v = (StringValue) found;
        long value = v == null ? 0 : Args.parseLong(v.bytes());
        if ((increment < 0 && value < 0 && increment < Long.MIN_VALUE - value)
                || (increment > 0 && value > 0 && increment > Long.MAX_VALUE - value)) {
            return INCR_OVERFLOW;
        }
        value += increment;
        byte[] text = Long.toString(value).getBytes(StandardCharsets.US_ASCII);
        ctx.store().put(key, v == null ? new StringValue(text, 0) : v.withBytes(text));
        return Reply.integer(value);
    }

    // INCRBYFLOAT key increment
    static Reply incrbyfloat(WriteContext ctx, byte[][] argv) {
        StoredValue found = ctx.store().get(argv[1], ctx.now());
        if (found != null && !(found instanceof StringValue)) {
            return Reply.WRONGTYPE;
        }
        StringValue v = (StringValue) found;
        LongDouble value = v == null ? LongDouble.ZERO : LongDouble.parse(v.bytes());
        if (value == null) {
            return Reply.NOT_FLOAT;
        }
        LongDouble increment = LongDouble.parse(argv[2]);
        if (increment == null) {
            return Reply.NOT_FLOAT;
        }
        LongDouble sum = value.add(increment);
        if (sum == null) {
            return FLOAT_OVERFLOW;
        }
        byte[] text = sum.toHumanString().getBytes(StandardCharsets.US_ASCII);
        ctx.store().put(argv[1], v == null ? new StringValue(text, 0) : v.withBytes(text));
        return Reply.bulk(text);
    }

    // GETRANGE key start end
    static Reply getrange(ReadContext ctx, byte[][] argv) {
        long start = Args.parseLong(argv[2]);
        long end = Args.parseLong(argv[3]);
        StoredValue v = lookupRead(ctx, argv[1]);
        if (v == null) {
            return Reply.EMPTY_BULK;
        }
        if (!(v instanceof StringValue string)) {
            return Reply.WRONGTYPE;
        }
        byte[] s = string.bytes();
        long len = s.length;
        // Redis's clamping, quirks included: both ends negative and crossed is empty, but "-100 -100" on a short
        // string clamps both to 0 and returns the first byte.
        if (start < 0 && end < 0 && start > end) {
            return Reply.EMPTY_BULK;
        }
        if (start < 0) {
            start = Math.max(len + start, 0);
        }
        if (end < 0) {
            end = Math.max(len + end, 0);
        }
        if (end >= len) {
            end = len - 1;
        }
        if (start > end || len == 0) {
            return Reply.EMPTY_BULK;
        }
        byte[] out = new byte[(int) (end - start + 1)];
        System.arraycopy(s, (int) start, out, 0, out.length);
        return Reply.bulk(out);
    }

    // SETRANGE key offset value
    static Reply setrange(WriteContext ctx, byte[][] argv) {
        long offset = Args.parseLong(argv[2]);
        if (offset < 0) {
            return OFFSET_OUT_OF_RANGE;
        }
        byte[] patch = argv[3];
        StoredValue found = ctx.store().get(argv[1], ctx.now());
        if (found != null && !(found instanceof StringValue)) {
            return Reply.WRONGTYPE;
        }
        StringValue v = (StringValue) found;
        byte[] old = v == null ? null : v.bytes();
        if (patch.length == 0) {
            // Nothing to write: answer the current length and create no key.
            return Reply.integer(old == null ? 0 : old.length);
        }
        if (tooLong(offset, patch.length)) {
            return STRING_TOO_LONG;
        }
        int patchEnd = (int) offset + patch.length;
        byte[] out = new byte[Math.max(old == null ? 0 : old.length, patchEnd)];
        if (old != null) {
            System.arraycopy(old, 0, out, 0, old.length);
        }
        System.arraycopy(patch, 0, out, (int) offset, patch.length);
        ctx.store().put(argv[1], v == null ? new StringValue(out, 0) : v.withBytes(out));
        return Reply.integer(out.length);
    }

    /**
     * Parses the options after SET's value ({@code forSet}) or GETEX's key with Redis's rules: an option may repeat
     * (the last expire wins) but not contradict another; NX, XX, GET and KEEPTTL are SET's, PERSIST is GETEX's; an
     * expire option needs a following argument. Returns the flags in the low {@link #OPTION_BITS} bits and the
     * index of the expire argument (0: none) above them.
     *
     * @throws Args.ArgumentError "ERR syntax error" for anything else
     */
    private static int parseOptions(byte[][] argv, boolean forSet) {
        int flags = 0;
        int expireArg = 0;
        for (int j = forSet ? 3 : 2; j < argv.length; j++) {
            byte[] opt = argv[j];
            boolean hasNext = j + 1 < argv.length;
            if (forSet && Args.is(opt, "nx") && (flags & XX) == 0) {
                flags |= NX;
            } else if (forSet && Args.is(opt, "xx") && (flags & NX) == 0) {
                flags |= XX;
            } else if (forSet && Args.is(opt, "get")) {
                flags |= GET;
            } else if (forSet && Args.is(opt, "keepttl") && (flags & (PERSIST | ANY_EXPIRE)) == 0) {
                flags |= KEEPTTL;
            } else if (!forSet && Args.is(opt, "persist") && (flags & (KEEPTTL | ANY_EXPIRE)) == 0) {
                flags |= PERSIST;
            } else if (hasNext && (flags & (KEEPTTL | PERSIST)) == 0 && expireOption(opt) != 0
                    && (flags & ANY_EXPIRE & ~expireOption(opt)) == 0) {
                flags |= expireOption(opt);
                expireArg = ++j;
            } else {
                throw Args.SYNTAX;
            }
        }
        return flags | (expireArg << OPTION_BITS);
    }

    /** The flag of an expire option (EX, PX, EXAT, PXAT), or 0. */
    private static int expireOption(byte[] opt) {
        if (Args.is(opt, "ex")) {
            return EX;
        }
        if (Args.is(opt, "px")) {
            return PX;
        }
        if (Args.is(opt, "exat")) {
            return EXAT;
        }
        if (Args.is(opt, "pxat")) {
            return PXAT;
        }
        return 0;
    }

    /**
     * The absolute deadline (ms since the epoch) an expire argument asks for, as Redis's getExpireMillisecondsOrReply
     * computes it: the number must be positive, not overflow when turned into milliseconds, and (EX, PX) not overflow
     * when {@code now} is added.
     */
    private static long deadline(byte[] arg, int flags, long now, Args.ArgumentError invalid) {
        long v = Args.parseLong(arg);
        boolean seconds = (flags & (EX | EXAT)) != 0;
        if (v <= 0 || (seconds && v > Long.MAX_VALUE / 1000)) {
            throw invalid;
        }
        if (seconds) {
            v *= 1000;
        }
        if ((flags & (EX | PX)) != 0) {
            if (v > Long.MAX_VALUE - now) {
                throw invalid;
            }
            v += now;
        }
        return v;
    }

    /** Redis's checkStringLength: would {@code size + append} bytes exceed the largest string? */
    private static boolean tooLong(long size, long append) {
        return size > MAX_STRING_LENGTH || append > MAX_STRING_LENGTH - size;
    }

    /** A GET-family lookup: the live value or null, counted as a keyspace hit or miss. */
    private static StoredValue lookupRead(WriteContext ctx, byte[] key) {
        StoredValue v = ctx.store().get(key, ctx.now());
        if (v == null) {
            ctx.stats().miss();
        } else {
            ctx.stats().hit();
        }
        return v;
    }

    /** The old value of SET ... GET and GETSET, known to be a string if there is one. */
    private static Reply bulkOrNil(StoredValue v) {
        return v == null ? Reply.NIL : Reply.bulk(((StringValue) v).bytes());
    }

    private static Args.ArgumentError invalidExpire(String command) {
        return new Args.ArgumentError(Reply.error("ERR invalid expire time in '" + command + "' command"));
    }
}
