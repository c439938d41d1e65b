package io.raftkv.server.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Every setting the server has, with redis.conf's names: how to read it as text (CONFIG GET), how to set it from
 * text (config file, {@code --name value}, CONFIG SET) and whether it may change while running. This is the one
 * place settings are defined; README's configuration table lists the same rows.
 */
public final class ConfigParams {

    /** One setting. {@code set} returns a new config or throws {@link IllegalArgumentException} with Redis's reason. */
    public record Param(String name, boolean mutable, String doc,
                        Function<ServerConfig, String> get,
                        BiFunction<ServerConfig, String, ServerConfig> set) {
    }

    private static final Map<String, Param> PARAMS = new LinkedHashMap<>();

    static {
        add("port", false, "TCP port for clients (0-65535).", c -> Integer.toString(c.port()),
                (c, v) -> with(c, "port", intIn(v, 0, 65535)));
        add("bind", false, "Address to listen on; loopback by default.", ServerConfig::bind,
                (c, v) -> with(c, "bind", nonEmpty(v)));
        add("dir", false, "Folder for the write-ahead log.", ServerConfig::dir, (c, v) -> with(c, "dir", nonEmpty(v)));
        add("requirepass", true, "Password clients must AUTH with; empty for none.", ServerConfig::requirepass,
                (c, v) -> with(c, "requirepass", v));
        add("appendfsync", false, "When the log is synced before replying: always (default), everysec or no.",
                ServerConfig::appendfsync, (c, v) -> with(c, "appendfsync", oneOf(v, "always", "everysec", "no")));
        add("appendonly", false, "Always yes: every write goes to the log.", c -> "yes",
                (c, v) -> {
                    oneOf(v, "yes");
                    return c;
                });
        add("save", false, "RDB snapshots are not used: always empty.", c -> "", (c, v) -> {
            if (!v.isEmpty()) {
                throw new IllegalArgumentException("RaftKV keeps no RDB snapshots; save must be empty");
            }
            return c;
        });
        add("maxmemory", true, "Refuse writes that add data (-OOM) once keys plus values use this many bytes; 0 for no cap.",
                c -> Long.toString(c.maxmemory()), (c, v) -> with(c, "maxmemory", memory(v)));
        add("maxmemory-policy", false, "Only noeviction: writes are refused, nothing is evicted.", c -> "noeviction",
                (c, v) -> {
                    oneOf(v, "noeviction");
                    return c;
                });
        add("loglevel", true, "debug, verbose, notice or warning.", ServerConfig::loglevel,
                (c, v) -> with(c, "loglevel", oneOf(v, "debug", "verbose", "notice", "warning")));
        add("logfile", false, "Log file; empty for standard output.", ServerConfig::logfile, (c, v) -> with(c, "logfile", v));
        add("proto-max-bulk-len", true, "Largest bulk string a client may send (at least 1mb).",
                c -> Long.toString(c.protoMaxBulkLen()), (c, v) -> with(c, "protoMaxBulkLen", memoryAtLeast(v, 1024 * 1024)));
        add("client-query-buffer-limit", true, "Most bytes buffered for one client command.",
                c -> Long.toString(c.clientQueryBufferLimit()),
                (c, v) -> with(c, "clientQueryBufferLimit", memoryAtLeast(v, 1024 * 1024)));
        add("maxclients", true, "Most client connections at once.", c -> Integer.toString(c.maxclients()),
                (c, v) -> with(c, "maxclients", intIn(v, 1, Integer.MAX_VALUE)));
        add("io-threads", false, "Event loop threads serving client connections (Redis's range, 1-128).",
                c -> Integer.toString(c.ioThreads()), (c, v) -> with(c, "ioThreads", intIn(v, 1, 128)));
        add("cluster-node-id", false, "This node's id in cluster-members; 0 (default) runs standalone.",
                c -> Long.toString(c.clusterNodeId()), (c, v) -> with(c, "clusterNodeId", longIn(v, 0, Long.MAX_VALUE)));
        add("cluster-members", false, "Every member as id@host:port[:peerport], comma-separated; peer port defaults to port+10000.",
                ServerConfig::clusterMembers, (c, v) -> with(c, "clusterMembers", v.strip()));
        add("cluster-election-timeout", false, "Milliseconds without a leader before a follower campaigns (randomised up to 2x).",
                c -> Long.toString(c.clusterElectionTimeoutMs()),
                (c, v) -> with(c, "clusterElectionTimeoutMs", longIn(v, 10, 600_000)));
        add("cluster-heartbeat-interval", false, "Milliseconds between the leader's heartbeats (the Raft tick).",
                c -> Long.toString(c.clusterHeartbeatMs()), (c, v) -> with(c, "clusterHeartbeatMs", longIn(v, 1, 60_000)));
        add("cluster-redirect-wait", true, "Milliseconds a command waits for an election before -CLUSTERDOWN.",
                c -> Long.toString(c.clusterRedirectWaitMs()),
                (c, v) -> with(c, "clusterRedirectWaitMs", longIn(v, 0, 600_000)));
        add("cluster-lease-reads", false, "yes: the leader serves reads on its lease (no heartbeat round); no (default): ReadIndex.",
                c -> c.clusterLeaseReads() ? "yes" : "no", (c, v) -> with(c, "clusterLeaseReads", oneOf(v, "yes", "no").equals("yes")));
        add("databases", false, "Only database 0 exists.", c -> Integer.toString(c.databases()), (c, v) -> {
            intIn(v, 1, 1);
            return c;
        });
    }

    private ConfigParams() {
    }

    private static void add(String name, boolean mutable, String doc, Function<ServerConfig, String> get,
                            BiFunction<ServerConfig, String, ServerConfig> set) {
        PARAMS.put(name, new Param(name, mutable, doc, get, set));
    }

    public static Map<String, Param> all() {
        return PARAMS;
    }

    public static Param get(String name) {
        return PARAMS.get(name.toLowerCase(Locale.ROOT));
    }

    /** Returns {@code base} with one setting changed, or throws IllegalArgumentException (unknown name or bad value). */
    public static ServerConfig apply(ServerConfig base, String name, String value) {
        Param p = get(name);
        if (p == null) {
            throw new IllegalArgumentException("Bad directive or wrong number of arguments");
        }
        return p.set().apply(base, value);
    }

    // Value parsers, with Redis's wording where it has one.

    static int intIn(String v, int min, int max) {
        long l = longIn(v, min, max);
        return (int) l;
    }

    static long longIn(String v, long min, long max) {
        long l;
        try {
            l = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("argument couldn't be parsed into an integer");
        }
        if (l < min || l > max) {
            throw new IllegalArgumentException("argument must be between " + min + " and " + max + " inclusive");
        }
        return l;
    }

    static String oneOf(String v, String... allowed) {
        String lower = v.toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(lower)) {
                return a;
            }
        }
        throw new IllegalArgumentException("argument(s) must be one of the following: " + String.join(", ", allowed));
    }

    static String nonEmpty(String v) {
        if (v.isEmpty()) {
            throw new IllegalArgumentException("argument must not be empty");
        }
        return v;
    }

    static long memoryAtLeast(String v, long min) {
        long m = memory(v);
        if (m < min) {
            throw new IllegalArgumentException("argument must be at least " + min);
        }
        return m;
    }

    /** Redis's memory values: a number with an optional unit b, k, kb, m, mb, g, gb (k = 1000, kb = 1024), any case. */
    public static long memory(String v) {
        String s = v.toLowerCase(Locale.ROOT);
        long mul = 1;
        String[][] units = {{"gb", "1073741824"}, {"mb", "1048576"}, {"kb", "1024"}, {"g", "1000000000"},
                {"m", "1000000"}, {"k", "1000"}, {"b", "1"}};
        for (String[] u : units) {
            if (s.endsWith(u[0])) {
                mul = Long.parseLong(u[1]);
                s = s.substring(0, s.length() - u[0].length());
                break;
            }
        }
        try {
            long n = Long.parseLong(s);
            if (n < 0) {
                throw new IllegalArgumentException("argument must be a memory value");
            }
            return Math.multiplyExact(n, mul);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("argument must be a memory value");
        }
    }

    /** Builds a copy of {@code c} with one record component replaced (the components are few and fixed). */
    private static ServerConfig with(ServerConfig c, String field, Object v) {
        return new ServerConfig(
                field.equals("port") ? (Integer) v : c.port(),
                field.equals("bind") ? (String) v : c.bind(),
                field.equals("dir") ? (String) v : c.dir(),
                field.equals("requirepass") ? (String) v : c.requirepass(),
                field.equals("appendfsync") ? (String) v : c.appendfsync(),
                field.equals("maxmemory") ? (Long) v : c.maxmemory(),
                field.equals("loglevel") ? (String) v : c.loglevel(),
                field.equals("logfile") ? (String) v : c.logfile(),
                field.equals("protoMaxBulkLen") ? (Long) v : c.protoMaxBulkLen(),
                field.equals("clientQueryBufferLimit") ? (Long) v : c.clientQueryBufferLimit(),
                field.equals("maxclients") ? (Integer) v : c.maxclients(),
                c.databases(),
                field.equals("clusterNodeId") ? (Long) v : c.clusterNodeId(),
                field.equals("clusterMembers") ? (String) v : c.clusterMembers(),
                field.equals("clusterElectionTimeoutMs") ? (Long) v : c.clusterElectionTimeoutMs(),
                field.equals("clusterHeartbeatMs") ? (Long) v : c.clusterHeartbeatMs(),
                field.equals("clusterRedirectWaitMs") ? (Long) v : c.clusterRedirectWaitMs(),
                field.equals("clusterLeaseReads") ? (Boolean) v : c.clusterLeaseReads(),
                field.equals("ioThreads") ? (Integer) v : c.ioThreads());
    }
}
