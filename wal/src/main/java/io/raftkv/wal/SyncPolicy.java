package io.raftkv.wal;

import java.util.Locale;

/**
 * When the WAL forces its records to disk, named after Redis's {@code appendfsync} values.
 *
 * <p>Only {@link #ALWAYS} makes every acknowledged write survive a power loss: with {@link #EVERYSEC} up to
 * about a second of acknowledged writes can be lost, with {@link #NO} whatever the kernel has not written back
 * yet. A process crash (kill -9) loses nothing under any policy, because the records already sit in the page
 * cache through the memory mapping.
 */
public enum SyncPolicy {
    /** {@link Wal#syncPerPolicy()} syncs every time it is called. The default. */
    ALWAYS,
    /** {@link Wal#syncPerPolicy()} syncs when at least a second has passed since the last sync. */
    EVERYSEC,
    /** {@link Wal#syncPerPolicy()} never syncs; {@link Wal#sync()} still does. */
    NO;

    /**
     * Parses the configuration spelling ({@code always}, {@code everysec}, {@code no}; case-insensitive).
     *
     * @throws IllegalArgumentException for any other value, naming the accepted ones
     */
    public static SyncPolicy parse(String value) {
        if (value == null) {
            throw new IllegalArgumentException("sync policy must be one of always, everysec, no; got null");
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "always" -> ALWAYS;
            case "everysec" -> EVERYSEC;
            case "no" -> NO;
            default -> throw new IllegalArgumentException(
                    "sync policy must be one of always, everysec, no; got '" + value + "'");
        };
    }
}
