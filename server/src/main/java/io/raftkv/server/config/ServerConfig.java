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
        String loglevel,
        String logfile,
        long protoMaxBulkLen,
        long clientQueryBufferLimit,
        int maxclients,
        int databases,
        long clusterNodeId,
        String clusterMembers,
        long clusterElectionTimeoutMs,
        long clusterHeartbeatMs,
        long clusterRedirectWaitMs,
        boolean clusterLeaseReads,
        int ioThreads) {

    public static final ServerConfig DEFAULTS = new ServerConfig(6379, "127.0.0.1", ".", "", "always", 0,
            "notice", "", 512L * 1024 * 1024, 1024L * 1024 * 1024, 10000, 1, 0, "", 1000, 100, 3000, false, 1);

    /**
     * Checks what involves several settings (each setting alone is checked as it is set, in any order).
     *
     * @throws IllegalArgumentException naming the settings at fault
     */
    public ServerConfig validated() {
        if (clusterNodeId != 0 && clusterMembers.isBlank()) {
            throw new IllegalArgumentException("cluster-node-id needs cluster-members");
        }
        if (clusterElectionTimeoutMs <= clusterHeartbeatMs) {
            throw new IllegalArgumentException("cluster-election-timeout must be above cluster-heartbeat-interval");
        }
        return this;
    }

    /** Cluster mode: this node is one member of a Raft group (else it runs alone, as a standalone Redis). */
    public boolean clusterEnabled() {
        return clusterNodeId != 0;
    }
}
