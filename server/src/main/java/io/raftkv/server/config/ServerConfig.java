package io.raftkv.server.config;

/**
 * The server's settings, one immutable value. Names and meanings follow redis.conf; see ConfigParams for
 * each setting's name, default, validation and whether CONFIG SET may change it at run time.
 */
public record ServerConfig(
        int port,
        String bind,
        String dir,
        String requirepass,
        String appendfsync,
        long maxmemory,
        long maxEntries,
        String loglevel,
        String logfile,
        long protoMaxBulkLen,
        long clientQueryBufferLimit,
        int maxclients,
        int databases) {

    public static final ServerConfig DEFAULTS = new ServerConfig(6379, "127.0.0.1", ".", "", "always", 0, 1_000_000,
            "notice", "", 512L * 1024 * 1024, 1024L * 1024 * 1024, 10000, 1);
}
