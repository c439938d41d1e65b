package io.raftkv.server.command;

import java.util.Locale;

/** Redis's command flags, as COMMAND reports them (lower case). */
public enum CommandFlag {
    WRITE, READONLY, DENYOOM, ADMIN, PUBSUB, NOSCRIPT, BLOCKING, LOADING, STALE, SKIP_MONITOR, SKIP_SLOWLOG,
    ASKING, FAST, NO_AUTH, MAY_REPLICATE, NO_MANDATORY_KEYS, NO_MULTI, MOVABLEKEYS, ALLOW_BUSY;

    private final String redisName = name().toLowerCase(Locale.ROOT);

    public String redisName() {
        return redisName;
    }
}
