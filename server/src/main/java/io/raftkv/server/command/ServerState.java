package io.raftkv.server.command;

import io.raftkv.server.cluster.ClusterView;
import io.raftkv.server.config.ServerConfig;

import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * What reads and local commands may know about the server: the current configuration (replaced whole by CONFIG SET),
 * the command table, the connected clients and the counters INFO reports. Per node, so out of a write's reach (a
 * {@link WriteContext} does not offer it; writes count keyspace hits through {@link #keyspaceStats()}). Thread-safe.
 */
public final class ServerState {

    private volatile ServerConfig config;
    private final CommandTable table;
    private final long startMillis = System.currentTimeMillis();
    private final String runId;
    private final Map<Long, ClientSession> clients = new ConcurrentHashMap<>();

    public final LongAdder totalCommands = new LongAdder();
    public final LongAdder totalConnections = new LongAdder();
    public final LongAdder rejectedConnections = new LongAdder();
    public final LongAdder keyspaceHits = new LongAdder();
    public final LongAdder keyspaceMisses = new LongAdder();
    private final KeyspaceStats keyspaceStats = new KeyspaceStats(keyspaceHits, keyspaceMisses);
    public final LongAdder expiredKeys = new LongAdder();
    public final LongAdder errorReplies = new LongAdder();
    public final AtomicLong lastSyncMillis = new AtomicLong();
    public final AtomicLong appliedIndex = new AtomicLong();
    /** Key plus value bytes in the store, published by the apply thread after each command; what maxmemory limits. */
    public final AtomicLong datasetBytes = new AtomicLong();

    /** Extra INFO lines from the node (persistence and replication figures), "name:value" each; set once at start. */
    private volatile Function<String, List<String>> nodeInfo = section -> List.of();
    private volatile String configFile = "";
    private volatile Runnable shutdown = () -> {
        throw new IllegalStateException("this server cannot be shut down by command");
    };
    /** The Raft group's topology for the cluster face; null when the server runs standalone. */
    private volatile ClusterView cluster;

    public ServerState(ServerConfig config, CommandTable table) {
        this.config = config;
        this.table = table;
        this.runId = randomHex(40);
    }

    public ServerConfig config() {
        return config;
    }

    public void config(ServerConfig c) {
        config = c;
    }

    /** {@link #keyspaceHits} and {@link #keyspaceMisses} as a sink that can only count, for write commands. */
    public KeyspaceStats keyspaceStats() {
        return keyspaceStats;
    }

    public CommandTable table() {
        return table;
    }

    public long startMillis() {
        return startMillis;
    }

    public String runId() {
        return runId;
    }

    /** INFO lines the node adds to {@code section} (lower case: "persistence", "replication", ...). */
    public List<String> nodeInfo(String section) {
        return nodeInfo.apply(section);
    }

    public void nodeInfo(Function<String, List<String>> source) {
        nodeInfo = source;
    }

    /** Asks the process to stop (SHUTDOWN): it syncs the log, closes and exits. */
    public void requestShutdown() {
        shutdown.run();
    }

    public void onShutdownRequest(Runnable r) {
        shutdown = r;
    }

    public String configFile() {
        return configFile;
    }

    public void configFile(String path) {
        configFile = path;
    }

    /** The cluster topology, or null in standalone mode (CLUSTER, READONLY and READWRITE then answer as a non-cluster Redis). */
    public ClusterView cluster() {
        return cluster;
    }

    public void cluster(ClusterView view) {
        cluster = view;
    }

    public Map<Long, ClientSession> clients() {
        return clients;
    }

    private static String randomHex(int n) {
        SecureRandom r = new SecureRandom();
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(Character.forDigit(r.nextInt(16), 16));
        }
        return sb.toString();
    }
}
