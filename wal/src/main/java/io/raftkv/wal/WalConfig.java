package io.raftkv.wal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Everything the WAL can be told, validated here so a bad value fails at startup rather than mid-write.
 *
 * @param dir        directory owned by this WAL alone; created if missing. The Chronicle queue lives in
 *                   {@code dir/queue}; a repair in progress uses {@code dir/queue.repair} and
 *                   {@code dir/queue.damaged}.
 * @param syncPolicy what {@link Wal#syncPerPolicy()} does; default {@link SyncPolicy#ALWAYS}
 * @param rollBytes  a new queue file is started once the current one holds this many record bytes. Compaction
 *                   deletes whole files, so this is the granularity of {@link Wal#truncatePrefix}; default 64 MiB
 * @param blockSize  Chronicle's mapping chunk (files grow sparsely by this much). One record must fit in a
 *                   quarter of it, which bounds the entry size ({@link #maxEntryBytes()}); default 16 MiB
 * @param nanoClock  monotonic clock for {@link SyncPolicy#EVERYSEC}; default {@link System#nanoTime()}.
 *                   Injected so tests can move time without sleeping.
 * @param syncHook   runs at the start of every {@link Wal#sync}; an IOException it throws fails that sync exactly as
 *                   a failed fdatasync would (the WAL is failed). Default: nothing. Injected so tests can make the
 *                   disk fail under a running node.
 */
public record WalConfig(Path dir, SyncPolicy syncPolicy, long rollBytes, long blockSize, LongSupplier nanoClock,
                        SyncHook syncHook) {

    /** See {@link WalConfig#syncHook()}. */
    @FunctionalInterface
    public interface SyncHook {
        SyncHook NONE = () -> {
        };

        void beforeSync() throws IOException;
    }

    public static final long DEFAULT_ROLL_BYTES = 64L << 20;
    public static final long DEFAULT_BLOCK_SIZE = 16L << 20;
    /** Chronicle refuses chunks smaller than this for our roll cycle's index layout. */
    public static final long MIN_BLOCK_SIZE = 256L << 10;

    public WalConfig {
        Objects.requireNonNull(dir, "wal dir");
        Objects.requireNonNull(syncPolicy, "wal syncPolicy");
        Objects.requireNonNull(nanoClock, "wal nanoClock");
        Objects.requireNonNull(syncHook, "wal syncHook");
        if (blockSize < MIN_BLOCK_SIZE || blockSize > (1L << 30)) {
            throw new IllegalArgumentException("wal blockSize must be in [" + MIN_BLOCK_SIZE + ", 1 GiB], got " + blockSize);
        }
        if (rollBytes < 4096) {
            throw new IllegalArgumentException("wal rollBytes must be at least 4096, got " + rollBytes);
        }
    }

    /** Defaults for everything but the directory. */
    public WalConfig(Path dir) {
        this(dir, SyncPolicy.ALWAYS);
    }

    public WalConfig(Path dir, SyncPolicy syncPolicy) {
        this(dir, syncPolicy, DEFAULT_ROLL_BYTES, DEFAULT_BLOCK_SIZE, System::nanoTime, SyncHook.NONE);
    }

    public WalConfig withSyncPolicy(SyncPolicy policy) {
        return new WalConfig(dir, policy, rollBytes, blockSize, nanoClock, syncHook);
    }

    public WalConfig withRollBytes(long bytes) {
        return new WalConfig(dir, syncPolicy, bytes, blockSize, nanoClock, syncHook);
    }

    public WalConfig withBlockSize(long bytes) {
        return new WalConfig(dir, syncPolicy, rollBytes, bytes, nanoClock, syncHook);
    }

    public WalConfig withNanoClock(LongSupplier clock) {
        return new WalConfig(dir, syncPolicy, rollBytes, blockSize, clock, syncHook);
    }

    public WalConfig withSyncHook(SyncHook hook) {
        return new WalConfig(dir, syncPolicy, rollBytes, blockSize, nanoClock, hook);
    }

    public WalConfig withDir(Path other) {
        return new WalConfig(other, syncPolicy, rollBytes, blockSize, nanoClock, syncHook);
    }

    /** Largest entry payload {@link Wal#append} accepts: a record must fit in a quarter of a Chronicle block. */
    public long maxEntryBytes() {
        return blockSize / 4 - Record.OVERHEAD;
    }
}
