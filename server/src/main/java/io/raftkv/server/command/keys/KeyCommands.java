package io.raftkv.server.command.keys;

import io.raftkv.server.command.Args;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.CommandTable;
import io.raftkv.server.command.ReadContext;
import io.raftkv.server.command.WriteContext;
import io.raftkv.server.kv.Glob;
import io.raftkv.server.kv.KeyspaceData;
import io.raftkv.server.kv.StoredValue;
import io.raftkv.server.reply.Reply;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static io.raftkv.server.command.CommandFlag.FAST;
import static io.raftkv.server.command.CommandFlag.READONLY;
import static io.raftkv.server.command.CommandFlag.WRITE;

/**
 * The keyspace ("generic") command group. Write commands run from the log with a {@link WriteContext} and decide only
 * from argv, the record's time ({@code ctx.now()}) and the store; a key found expired by a write is removed on the way,
 * as Redis does lazily.
 * Reads never change the store.
 */
public final class KeyCommands {

    private static final byte[] STAR = {'*'};

    private KeyCommands() {
    }

    public static void register(CommandTable.Builder table) {
        table.add(spec("del", -2, "Delete a key", "1.0.0").flags(WRITE).keys(1, -1, 1).write(KeyCommands::del));
        table.add(spec("unlink", -2, "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", "4.0.0")
                .flags(WRITE, FAST).keys(1, -1, 1).write(KeyCommands::del));
        table.add(spec("exists", -2, "Determine if a key exists", "1.0.0").flags(READONLY, FAST).keys(1, -1, 1).read(KeyCommands::exists));
        table.add(spec("touch", -2, "Alters the last access time of a key(s). Returns the number of existing keys specified.", "3.2.1")
                .flags(READONLY, FAST).keys(1, -1, 1).read(KeyCommands::exists));
        table.add(spec("keys", 2, "Find all keys matching the given pattern", "1.0.0").flags(READONLY).read(KeyCommands::keys));
        table.add(spec("scan", -2, "Incrementally iterate the keys space", "2.8.0").flags(READONLY).read(KeyCommands::scan));
        table.add(spec("type", 2, "Determine the type stored at key", "1.0.0").flags(READONLY, FAST).keys(1, 1, 1).read(KeyCommands::type));
        table.add(spec("rename", 3, "Rename a key", "1.0.0").flags(WRITE).keys(1, 2, 1)
                .write((ctx, argv) -> rename(ctx, argv, false)));
        table.add(spec("renamenx", 3, "Rename a key, only if the new key does not exist", "1.0.0").flags(WRITE, FAST).keys(1, 2, 1)
                .write((ctx, argv) -> rename(ctx, argv, true)));
        table.add(spec("expire", -3, "Set a key's time to live in seconds", "1.0.0").flags(WRITE, FAST).keys(1, 1, 1)
                .write((ctx, argv) -> expire(ctx, argv, ctx.now(), 1000, "expire")));
        table.add(spec("pexpire", -3, "Set a key's time to live in milliseconds", "2.6.0").flags(WRITE, FAST).keys(1, 1, 1)
                .write((ctx, argv) -> expire(ctx, argv, ctx.now(), 1, "pexpire")));
        table.add(spec("expireat", -3, "Set the expiration for a key as a UNIX timestamp", "1.2.0").flags(WRITE, FAST).keys(1, 1, 1)
                .write((ctx, argv) -> expire(ctx, argv, 0, 1000, "expireat")));
        table.add(spec("pexpireat", -3, "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0")
                .flags(WRITE, FAST).keys(1, 1, 1).write((ctx, argv) -> expire(ctx, argv, 0, 1, "pexpireat")));
        table.add(spec("ttl", 2, "Get the time to live for a key in seconds", "1.0.0").flags(READONLY, FAST).keys(1, 1, 1)
                .read((ctx, argv) -> ttl(ctx, argv, false)));
        table.add(spec("pttl", 2, "Get the time to live for a key in milliseconds", "2.6.0").flags(READONLY, FAST).keys(1, 1, 1)
                .read((ctx, argv) -> ttl(ctx, argv, true)));
        table.add(spec("expiretime", 2, "Get the expiration Unix timestamp for a key", "7.0.0").flags(READONLY, FAST).keys(1, 1, 1)
                .read((ctx, argv) -> expireTime(ctx, argv, false)));
        table.add(spec("pexpiretime", 2, "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0")
                .flags(READONLY, FAST).keys(1, 1, 1).read((ctx, argv) -> expireTime(ctx, argv, true)));
        table.add(spec("persist", 2, "Remove the expiration from a key", "2.2.0").flags(WRITE, FAST).keys(1, 1, 1).write(KeyCommands::persist));
        table.add(spec("randomkey", 1, "Return a random key from the keyspace", "1.0.0").flags(READONLY).read(KeyCommands::randomKey));
        table.add(spec("dbsize", 1, "Return the number of keys in the selected database", "1.0.0").flags(READONLY, FAST)
                .read((ctx, argv) -> Reply.integer(ctx.store().size())));
        table.add(spec("flushdb", -1, "Remove all keys from the current database", "1.0.0").flags(WRITE).write(KeyCommands::flush));
        table.add(spec("flushall", -1, "Remove all keys from all databases", "1.0.0").flags(WRITE).write(KeyCommands::flush));
    }

    private static CommandSpec.Builder spec(String name, int arity, String summary, String since) {
        return CommandSpec.builder(name, arity).group("generic").summary(summary).since(since);
    }

    // DEL key [key ...] / UNLINK key [key ...]
    private static Reply del(WriteContext ctx, byte[][] argv) {
        long deleted = 0;
        for (int i = 1; i < argv.length; i++) {
            if (ctx.store().delete(argv[i], ctx.now())) {
                deleted++;
            }
        }
        return Reply.integer(deleted);
    }

    // EXISTS key [key ...] / TOUCH key [key ...]: a key named twice counts twice.
    private static Reply exists(ReadContext ctx, byte[][] argv) {
        long found = 0;
        for (int i = 1; i < argv.length; i++) {
            if (ctx.store().get(argv[i], ctx.now()) != null) {
                found++;
            }
        }
        return Reply.integer(found);
    }

    // KEYS pattern
    private static Reply keys(ReadContext ctx, byte[][] argv) {
        byte[] pattern = argv[1];
        boolean all = Arrays.equals(pattern, STAR);
        List<Reply> out = new ArrayList<>();
        ctx.store().forEachKey(ctx.now(), (key, type) -> {
            if (all || Glob.matches(pattern, key)) {
                out.add(Reply.bulk(key));
            }
        });
        return Reply.array(out);
    }

    // SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
    private static Reply scan(ReadContext ctx, byte[][] argv) {
        Long cursor = parseCursor(argv[1]);
        if (cursor == null) {
            return Reply.error("ERR invalid cursor");
        }
        byte[] pattern = null;
        String typeName = null;
        long count = 10;
        for (int i = 2; i < argv.length; i += 2) {
            String opt = CommandTable.lowerAscii(argv[i]);
            boolean hasValue = i + 1 < argv.length;
            if (opt.equals("count") && hasValue) {
                long n = Args.parseLong(argv[i + 1]);
                if (n < 1) {
                    return Reply.SYNTAX_ERROR;
                }
                count = n;
            } else if (opt.equals("match") && hasValue) {
                pattern = Arrays.equals(argv[i + 1], STAR) ? null : argv[i + 1];
            } else if (opt.equals("type") && hasValue) {
                typeName = new String(argv[i + 1], StandardCharsets.ISO_8859_1);
            } else {
                return Reply.SYNTAX_ERROR;
            }
        }
        byte[] match = pattern;
        String wantType = typeName;
        List<Reply> out = new ArrayList<>();
        long next = ctx.store().scan(cursor, (int) Math.min(count, Integer.MAX_VALUE), ctx.now(), (key, type) -> {
            if (match != null && !Glob.matches(match, key)) {
                return;
            }
            if (wantType != null && !wantType.equalsIgnoreCase(type.redisName())) {
                return;
            }
            out.add(Reply.bulk(key));
        });
        return Reply.array(Reply.bulk(Long.toUnsignedString(next)), Reply.array(out));
    }

    // TYPE key
    private static Reply type(ReadContext ctx, byte[][] argv) {
        StoredValue v = ctx.store().get(argv[1], ctx.now());
        return Reply.simple(v == null ? "none" : v.type().redisName());
    }

    // RENAME key newkey / RENAMENX key newkey: the value keeps its deadline.
    private static Reply rename(WriteContext ctx, byte[][] argv, boolean nx) {
        KeyspaceData store = ctx.store();
        long now = ctx.now();
        StoredValue v = store.lookupWrite(argv[1], now);
        if (v == null) {
            return Reply.NO_SUCH_KEY;
        }
        if (Arrays.equals(argv[1], argv[2])) {
            return nx ? Reply.ZERO : Reply.OK;
        }
        if (store.lookupWrite(argv[2], now) != null && nx) {
            return Reply.ZERO;
        }
        store.put(argv[2], v);
        store.delete(argv[1], now);
        return nx ? Reply.ONE : Reply.OK;
    }

    // EXPIRE key seconds [NX | XX | GT | LT], and PEXPIRE, EXPIREAT, PEXPIREAT: deadline = base + time * unit.
    private static Reply expire(WriteContext ctx, byte[][] argv, long base, long unit, String name) {
        boolean nx = false;
        boolean xx = false;
        boolean gt = false;
        boolean lt = false;
        for (int i = 3; i < argv.length; i++) {
            String opt = CommandTable.lowerAscii(argv[i]);
            switch (opt) {
                case "nx" -> nx = true;
                case "xx" -> xx = true;
                case "gt" -> gt = true;
                case "lt" -> lt = true;
                default -> {
                    return Reply.error("ERR Unsupported option " + new String(argv[i], StandardCharsets.ISO_8859_1));
                }
            }
        }
        if (nx && (xx || gt || lt)) {
            return Reply.error("ERR NX and XX, GT or LT options at the same time are not compatible");
        }
        if (gt && lt) {
            return Reply.error("ERR GT and LT options at the same time are not compatible");
        }
        long when = Args.parseLong(argv[2]);
        Reply invalid = Reply.error("ERR invalid expire time in '" + name + "' command");
        if (unit != 1) {
            if (when > Long.MAX_VALUE / unit || when < Long.MIN_VALUE / unit) {
                return invalid;
            }
            when *= unit;
        }
        if (when > Long.MAX_VALUE - base) {
            return invalid;
        }
        when += base;

        KeyspaceData store = ctx.store();
        long now = ctx.now();
        StoredValue v = store.lookupWrite(argv[1], now);
        if (v == null) {
            return Reply.ZERO;
        }
        // A key without a deadline has an infinite TTL: GT never holds against it, LT always does.
        boolean hasTtl = v.hasExpiry();
        if ((nx && hasTtl) || (xx && !hasTtl) || (gt && (!hasTtl || when <= v.expireAt()))
                || (lt && hasTtl && when >= v.expireAt())) {
            return Reply.ZERO;
        }
        if (when <= now) {
            store.delete(argv[1], now);
        } else {
            store.put(argv[1], v.withExpireAt(when));
        }
        return Reply.ONE;
    }

    // TTL key / PTTL key: -2 missing, -1 no deadline; seconds are rounded to nearest.
    private static Reply ttl(ReadContext ctx, byte[][] argv, boolean millis) {
        StoredValue v = ctx.store().get(argv[1], ctx.now());
        if (v == null) {
            return Reply.integer(-2);
        }
        if (!v.hasExpiry()) {
            return Reply.integer(-1);
        }
        long ttl = Math.max(v.expireAt() - ctx.now(), 0);
        return Reply.integer(millis ? ttl : (ttl + 500) / 1000);
    }

    // EXPIRETIME key / PEXPIRETIME key: the absolute deadline, -2 missing, -1 none.
    private static Reply expireTime(ReadContext ctx, byte[][] argv, boolean millis) {
        StoredValue v = ctx.store().get(argv[1], ctx.now());
        if (v == null) {
            return Reply.integer(-2);
        }
        if (!v.hasExpiry()) {
            return Reply.integer(-1);
        }
        return Reply.integer(millis ? v.expireAt() : v.expireAt() / 1000);
    }

    // PERSIST key
    private static Reply persist(WriteContext ctx, byte[][] argv) {
        StoredValue v = ctx.store().lookupWrite(argv[1], ctx.now());
        if (v == null || !v.hasExpiry()) {
            return Reply.ZERO;
        }
        ctx.store().put(argv[1], v.withExpireAt(0));
        return Reply.ONE;
    }

    // RANDOMKEY: a read, so it may use randomness.
    private static Reply randomKey(ReadContext ctx, byte[][] argv) {
        return Reply.bulk(ctx.store().randomKey(ctx.now(), ThreadLocalRandom.current()));
    }

    // FLUSHDB [ASYNC | SYNC] / FLUSHALL [ASYNC | SYNC]: both are synchronous here (one keyspace, cleared at apply).
    private static Reply flush(WriteContext ctx, byte[][] argv) {
        if (argv.length > 2) {
            return Reply.SYNTAX_ERROR;
        }
        if (argv.length == 2) {
            String opt = CommandTable.lowerAscii(argv[1]);
            if (!opt.equals("async") && !opt.equals("sync")) {
                return Reply.SYNTAX_ERROR;
            }
        }
        ctx.store().clear();
        return Reply.OK;
    }

    /**
     * A SCAN cursor as Redis 7.0 reads it (strtoul): an unsigned 64-bit decimal with an optional sign ('-' wraps
     * around), no leading space; the empty string is 0. Null if invalid or out of range.
     */
    static Long parseCursor(byte[] b) {
        int i = 0;
        boolean negative = false;
        if (b.length > 0 && (b[0] == '-' || b[0] == '+')) {
            negative = b[0] == '-';
            i++;
            if (i == b.length) {
                return null;
            }
        }
        long v = 0;
        for (; i < b.length; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return null;
            }
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, 10)) > 0) {
                return null;
            }
            v = v * 10 + d;
        }
        return negative ? -v : v;
    }
}
