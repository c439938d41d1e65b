package io.raftkv.server.command.server;

import io.raftkv.server.command.Args;
import io.raftkv.server.command.LocalContext;
import io.raftkv.server.command.ReadContext;
import io.raftkv.server.command.CommandFlag;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.CommandTable;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.command.connection.ConnectionCommands;
import io.raftkv.server.config.ConfigParams;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.kv.Glob;
import io.raftkv.server.reply.Reply;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static io.raftkv.server.command.CommandFlag.ADMIN;
import static io.raftkv.server.command.CommandFlag.LOADING;
import static io.raftkv.server.command.CommandFlag.NOSCRIPT;
import static io.raftkv.server.command.CommandFlag.STALE;
import static io.raftkv.server.command.CommandFlag.FAST;

/** The server group: COMMAND, CONFIG, INFO, TIME. */
public final class ServerCommands {

    private static final List<String> DEFAULT_SECTIONS =
            List.of("server", "clients", "memory", "persistence", "stats", "replication", "cluster", "keyspace");

    private ServerCommands() {
    }

    public static void register(CommandTable.Builder table) {
        table.add(CommandSpec.builder("command", -1).flags(LOADING, STALE).group("server").since("2.8.13")
                .summary("Returns detailed information about all commands.")
                .local((ctx, argv) -> argv.length == 1 ? allInfo(ctx.server()) : subcommand(ctx, argv)));
        table.add(CommandSpec.builder("config", -2).group("server").since("2.0.0")
                .summary("A container for server configuration commands.")
                .sub(CommandSpec.builder("get", -3).flags(ADMIN, NOSCRIPT, LOADING, STALE).since("2.0.0")
                        .summary("Returns the effective values of configuration parameters.").local(ServerCommands::configGet))
                .sub(CommandSpec.builder("set", -4).flags(ADMIN, NOSCRIPT, LOADING, STALE).since("2.0.0")
                        .summary("Sets configuration parameters in-flight.").local(ServerCommands::configSet))
                .sub(CommandSpec.builder("resetstat", 2).flags(ADMIN, NOSCRIPT, LOADING, STALE).since("2.0.0")
                        .summary("Resets the server's statistics.").local(ServerCommands::configResetstat)));
        table.add(CommandSpec.builder("info", -1).flags(LOADING, STALE).localRead().group("server")
                .since("1.0.0").summary("Returns information and statistics about the server.")
                .read(ServerCommands::info));
        table.add(CommandSpec.builder("shutdown", -1).flags(ADMIN, NOSCRIPT, LOADING, STALE).group("server")
                .since("1.0.0").summary("Synchronously syncs the log to disk, then shuts down the server.")
                .local(ServerCommands::shutdown));
        table.add(CommandSpec.builder("time", 1).flags(LOADING, STALE, FAST).group("server").since("2.6.0")
                .summary("Returns the server time.").local(ServerCommands::time));
    }

    // COMMAND COUNT | INFO [name ...] | DOCS [name ...] | LIST
    // (COMMAND itself has no subcommand rows so that plain COMMAND works; its subcommands are dispatched here.)
    private static Reply subcommand(LocalContext ctx, byte[][] argv) {
        ServerState server = ctx.server();
        if (Args.is(argv[1], "count") && argv.length == 2) {
            return Reply.integer(server.table().size());
        }
        if (Args.is(argv[1], "list") && argv.length == 2) {
            List<Reply> names = new ArrayList<>();
            for (CommandSpec s : server.table().all()) {
                names.add(Reply.bulk(s.name()));
                for (CommandSpec sub : s.subcommands().values()) {
                    names.add(Reply.bulk(sub.name()));
                }
            }
            return Reply.array(names);
        }
        if (Args.is(argv[1], "info")) {
            if (argv.length == 2) {
                return allInfo(server);
            }
            List<Reply> out = new ArrayList<>();
            for (int i = 2; i < argv.length; i++) {
                CommandSpec s = find(server, Args.str(argv[i]));
                out.add(s == null ? Reply.NIL_ARRAY : info(s));
            }
            return Reply.array(out);
        }
        if (Args.is(argv[1], "docs")) {
            List<Reply> out = new ArrayList<>();
            if (argv.length == 2) {
                for (CommandSpec s : server.table().all()) {
                    out.add(Reply.bulk(s.name()));
                    out.add(docs(s));
                }
            } else {
                for (int i = 2; i < argv.length; i++) {
                    CommandSpec s = find(server, Args.str(argv[i]));
                    if (s != null) {
                        out.add(Reply.bulk(s.name()));
                        out.add(docs(s));
                    }
                }
            }
            return Reply.array(out);
        }
        if (Args.is(argv[1], "count") || Args.is(argv[1], "list")) {
            return Reply.wrongArity("command|" + Args.str(argv[1]).toLowerCase(Locale.ROOT));
        }
        return Reply.error("ERR unknown subcommand '" + Args.str(argv[1]) + "'. Try COMMAND HELP.");
    }

    /** Finds "get" or "config|get" style names. */
    private static CommandSpec find(ServerState server, String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        int bar = lower.indexOf('|');
        if (bar < 0) {
            return server.table().get(lower);
        }
        CommandSpec container = server.table().get(lower.substring(0, bar));
        return container == null ? null : container.subcommands().get(lower.substring(bar + 1));
    }

    private static Reply allInfo(ServerState server) {
        List<Reply> out = new ArrayList<>();
        for (CommandSpec s : server.table().all()) {
            out.add(info(s));
        }
        return Reply.array(out);
    }

    /** COMMAND INFO's ten fields, Redis 7 layout: name, arity, flags, first, last, step, ACL categories, tips, key specs, subcommands. */
    private static Reply info(CommandSpec s) {
        List<Reply> flags = new ArrayList<>();
        for (CommandFlag f : s.flags()) {
            flags.add(Reply.simple(f.redisName()));
        }
        List<Reply> subs = new ArrayList<>();
        for (CommandSpec sub : s.subcommands().values()) {
            subs.add(info(sub));
        }
        return Reply.array(List.of(
                Reply.bulk(s.name()),
                Reply.integer(s.arity()),
                Reply.array(flags),
                Reply.integer(s.firstKey()),
                Reply.integer(s.lastKey()),
                Reply.integer(s.firstKey() == 0 ? 0 : s.keyStep()),
                Reply.array(aclCategories(s)),
                Reply.EMPTY_ARRAY,
                Reply.EMPTY_ARRAY,
                Reply.array(subs)));
    }

    private static List<Reply> aclCategories(CommandSpec s) {
        List<Reply> cats = new ArrayList<>();
        Set<CommandFlag> f = s.flags();
        if (f.contains(CommandFlag.WRITE)) {
            cats.add(Reply.simple("@write"));
        }
        if (f.contains(CommandFlag.READONLY)) {
            cats.add(Reply.simple("@read"));
        }
        if (f.contains(CommandFlag.ADMIN)) {
            cats.add(Reply.simple("@admin"));
            cats.add(Reply.simple("@dangerous"));
        }
        String group = s.group().equals("generic") ? "keyspace" : s.group();
        if (!group.equals("server")) {
            cats.add(Reply.simple("@" + group));
        }
        cats.add(Reply.simple(f.contains(CommandFlag.FAST) ? "@fast" : "@slow"));
        return cats;
    }

    /** COMMAND DOCS's map for one command (RESP2: a flat array of names and values). */
    private static Reply docs(CommandSpec s) {
        List<Reply> m = new ArrayList<>(List.of(
                Reply.bulk("summary"), Reply.bulk(s.summary()),
                Reply.bulk("since"), Reply.bulk(s.since()),
                Reply.bulk("group"), Reply.bulk(s.group())));
        if (s.isContainer()) {
            List<Reply> subs = new ArrayList<>();
            for (CommandSpec sub : s.subcommands().values()) {
                subs.add(Reply.bulk(sub.name()));
                subs.add(docs(sub));
            }
            m.add(Reply.bulk("subcommands"));
            m.add(Reply.array(subs));
        }
        return Reply.array(m);
    }

    // CONFIG GET parameter [parameter ...]
    private static Reply configGet(LocalContext ctx, byte[][] argv) {
        ServerConfig c = ctx.server().config();
        Map<String, String> found = new LinkedHashMap<>();
        for (int i = 2; i < argv.length; i++) {
            byte[] pattern = Args.bytes(Args.str(argv[i]).toLowerCase(Locale.ROOT));
            for (ConfigParams.Param p : ConfigParams.all().values()) {
                if (Glob.matches(pattern, Args.bytes(p.name()))) {
                    found.putIfAbsent(p.name(), p.get().apply(c));
                }
            }
        }
        List<Reply> out = new ArrayList<>();
        found.forEach((k, v) -> {
            out.add(Reply.bulk(k));
            out.add(Reply.bulk(v));
        });
        return Reply.array(out);
    }

    // CONFIG SET parameter value [parameter value ...]
    private static Reply configSet(LocalContext ctx, byte[][] argv) {
        if (argv.length % 2 != 0) {
            return Reply.SYNTAX_ERROR;
        }
        ServerConfig c = ctx.server().config();
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 2; i < argv.length; i += 2) {
            String name = Args.str(argv[i]);
            ConfigParams.Param p = ConfigParams.get(name);
            if (p == null) {
                return Reply.error("ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'");
            }
            if (!seen.add(p.name())) {
                return Reply.error("ERR CONFIG SET failed (possibly related to argument '" + name
                        + "') - duplicate parameter");
            }
            if (!p.mutable()) {
                return Reply.error("ERR CONFIG SET failed (possibly related to argument '" + name
                        + "') - can't set immutable config");
            }
            try {
                c = p.set().apply(c, Args.str(argv[i + 1]));
            } catch (IllegalArgumentException e) {
                return Reply.error("ERR CONFIG SET failed (possibly related to argument '" + name + "') - "
                        + e.getMessage());
            }
        }
        ctx.server().config(c);
        return Reply.OK;
    }

    // CONFIG RESETSTAT
    private static Reply configResetstat(LocalContext ctx, byte[][] argv) {
        ServerState s = ctx.server();
        s.totalCommands.reset();
        s.totalConnections.reset();
        s.rejectedConnections.reset();
        s.keyspaceHits.reset();
        s.keyspaceMisses.reset();
        s.expiredKeys.reset();
        s.errorReplies.reset();
        return Reply.OK;
    }

    // SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
    // Every acknowledged write is already in the log, so SAVE and NOSAVE mean the same here.
    private static Reply shutdown(LocalContext ctx, byte[][] argv) {
        boolean abort = false;
        for (int i = 1; i < argv.length; i++) {
            if (Args.is(argv[i], "abort")) {
                abort = true;
            } else if (!Args.is(argv[i], "nosave") && !Args.is(argv[i], "save") && !Args.is(argv[i], "now")
                    && !Args.is(argv[i], "force")) {
                return Reply.SYNTAX_ERROR;
            }
        }
        if (abort) {
            return argv.length == 2 ? Reply.error("ERR No shutdown in progress.") : Reply.SYNTAX_ERROR;
        }
        ctx.client().closeAfterReply(true);
        ctx.server().requestShutdown();
        return Reply.OK;
    }

    // TIME
    private static Reply time(LocalContext ctx, byte[][] argv) {
        long micros = java.time.temporal.ChronoUnit.MICROS.between(java.time.Instant.EPOCH, java.time.Instant.now());
        return Reply.array(Reply.bulk(Long.toString(micros / 1_000_000)), Reply.bulk(Long.toString(micros % 1_000_000)));
    }

    // INFO [section [section ...]]
    private static Reply info(ReadContext ctx, byte[][] argv) {
        Set<String> sections = new LinkedHashSet<>();
        if (argv.length == 1) {
            sections.addAll(DEFAULT_SECTIONS);
        }
        for (int i = 1; i < argv.length; i++) {
            String s = Args.str(argv[i]).toLowerCase(Locale.ROOT);
            if (s.equals("all") || s.equals("everything") || s.equals("default")) {
                sections.addAll(DEFAULT_SECTIONS);
            } else {
                sections.add(s);
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String section : sections) {
            List<String> lines = section(ctx, section);
            if (lines == null) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append("\r\n");
            }
            sb.append("# ").append(Character.toUpperCase(section.charAt(0))).append(section.substring(1)).append("\r\n");
            for (String line : lines) {
                sb.append(line).append("\r\n");
            }
        }
        return Reply.bulk(sb.toString());
    }

    /** The lines of one INFO section, or null if there is no such section. */
    private static List<String> section(ReadContext ctx, String name) {
        ServerState s = ctx.server();
        ServerConfig c = s.config();
        long now = ctx.now();
        List<String> l = new ArrayList<>();
        switch (name) {
            case "server" -> {
                long uptime = (now - s.startMillis()) / 1000;
                l.add("redis_version:" + ConnectionCommands.REDIS_VERSION);
                l.add("raftkv_version:" + version());
                l.add("redis_mode:" + (s.cluster() == null ? "standalone" : "cluster"));
                l.add("os:" + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"));
                l.add("arch_bits:64");
                l.add("process_id:" + ProcessHandle.current().pid());
                l.add("run_id:" + s.runId());
                l.add("tcp_port:" + c.port());
                l.add("server_time_usec:" + now * 1000);
                l.add("uptime_in_seconds:" + uptime);
                l.add("uptime_in_days:" + uptime / 86400);
                l.add("executable:" + ProcessHandle.current().info().command().orElse(""));
                l.add("config_file:" + s.configFile());
                l.add("java_version:" + System.getProperty("java.version"));
            }
            case "clients" -> {
                l.add("connected_clients:" + s.clients().size());
                l.add("maxclients:" + c.maxclients());
                l.add("blocked_clients:0");
            }
            case "memory" -> {
                long heap = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
                long offHeap = ctx.store().offHeapBytes();
                long used = heap + offHeap;
                long rss = rssBytes();
                l.add("used_memory:" + used);
                l.add("used_memory_human:" + human(used));
                l.add("used_memory_rss:" + rss);
                l.add("used_memory_rss_human:" + human(rss));
                l.add("used_memory_dataset:" + ctx.store().dataBytes());
                l.add("used_memory_heap:" + heap);
                l.add("used_memory_offheap:" + offHeap);
                l.add("maxmemory:" + c.maxmemory());
                l.add("maxmemory_human:" + human(c.maxmemory()));
                l.add("maxmemory_policy:noeviction");
            }
            case "persistence" -> {
                l.add("loading:0");
                l.add("aof_enabled:1");
                l.add("aof_rewrite_in_progress:0");
                l.add("rdb_bgsave_in_progress:0");
                l.add("appendfsync:" + c.appendfsync());
                l.addAll(s.nodeInfo("persistence"));
            }
            case "stats" -> {
                l.add("total_connections_received:" + s.totalConnections.sum());
                l.add("total_commands_processed:" + s.totalCommands.sum());
                l.add("rejected_connections:" + s.rejectedConnections.sum());
                l.add("expired_keys:" + s.expiredKeys.sum());
                l.add("evicted_keys:0");
                l.add("keyspace_hits:" + s.keyspaceHits.sum());
                l.add("keyspace_misses:" + s.keyspaceMisses.sum());
                l.add("total_error_replies:" + s.errorReplies.sum());
            }
            case "replication" -> {
                List<String> node = s.nodeInfo("replication");
                if (node.isEmpty()) {
                    l.add("role:master");
                    l.add("connected_slaves:0");
                } else {
                    l.addAll(node);
                }
            }
            case "cluster" -> l.add("cluster_enabled:" + (s.cluster() == null ? 0 : 1));
            case "keyspace" -> {
                long keys = ctx.store().size();
                if (keys > 0) {
                    l.add("db0:keys=" + keys + ",expires=" + ctx.store().keysWithExpiry() + ",avg_ttl=0");
                }
            }
            default -> {
                List<String> node = s.nodeInfo(name);
                return node.isEmpty() ? null : node;
            }
        }
        return l;
    }

    private static String version() {
        String v = ServerCommands.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    /** Resident set size from /proc (Linux), 0 where that is not available. */
    static long rssBytes() {
        try {
            String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split(" ");
            return Long.parseLong(statm[1]) * 4096;
        } catch (Exception e) {
            return 0;
        }
    }

    /** Redis's bytesToHuman: B, K, M, G with two decimals. */
    static String human(long n) {
        if (n < 1024) {
            return n + "B";
        }
        String[] units = {"K", "M", "G", "T", "P"};
        double d = n;
        int u = -1;
        while (d >= 1024 && u < units.length - 1) {
            d /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.2f%s", d, units[u]);
    }
}
