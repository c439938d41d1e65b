package io.raftkv.server.command.connection;

import io.raftkv.server.cluster.ClusterView;
import io.raftkv.server.command.Args;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.LocalContext;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.CommandTable;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.reply.Reply;

import java.util.ArrayList;
import java.util.List;

import static io.raftkv.server.command.CommandFlag.FAST;
import static io.raftkv.server.command.CommandFlag.LOADING;
import static io.raftkv.server.command.CommandFlag.NOSCRIPT;
import static io.raftkv.server.command.CommandFlag.NO_AUTH;
import static io.raftkv.server.command.CommandFlag.STALE;
import static io.raftkv.server.command.CommandFlag.ADMIN;

/** The connection group: PING, ECHO, QUIT, SELECT, AUTH, HELLO, CLIENT. All LOCAL: they run on the event loop. */
public final class ConnectionCommands {

    /** The Redis version we answer as: the one our compatibility tests compare against. */
    public static final String REDIS_VERSION = "7.0.15";

    private static final Reply WRONGPASS = Reply.error("WRONGPASS invalid username-password pair or user is disabled.");
    private static final Reply AUTH_NOT_CONFIGURED = Reply.error("ERR AUTH <password> called without any password "
            + "configured for the default user. Are you sure your configuration is correct?");

    private ConnectionCommands() {
    }

    public static void register(CommandTable.Builder table) {
        table.add(CommandSpec.builder("ping", -1).flags(FAST).group("connection").since("1.0.0")
                .summary("Returns the server's liveliness response.").local(ConnectionCommands::ping));
        table.add(CommandSpec.builder("echo", 2).flags(FAST).group("connection").since("1.0.0")
                .summary("Returns the given string.").local((ctx, argv) -> Reply.bulk(argv[1])));
        table.add(CommandSpec.builder("quit", -1).flags(NOSCRIPT, LOADING, STALE, FAST, NO_AUTH).group("connection")
                .since("1.0.0").summary("Closes the connection.").local(ConnectionCommands::quit));
        table.add(CommandSpec.builder("select", 2).flags(LOADING, STALE, FAST).group("connection").since("1.0.0")
                .summary("Changes the selected database (only 0 exists).").local(ConnectionCommands::select));
        table.add(CommandSpec.builder("auth", -2).flags(NOSCRIPT, LOADING, STALE, FAST, NO_AUTH).group("connection")
                .since("1.0.0").summary("Authenticates the connection.").local(ConnectionCommands::auth));
        table.add(CommandSpec.builder("hello", -1).flags(NOSCRIPT, LOADING, STALE, FAST, NO_AUTH).group("connection")
                .since("6.0.0").summary("Handshakes with the server (RESP2 only).").local(ConnectionCommands::hello));
        table.add(CommandSpec.builder("client", -2).group("connection").since("2.4.0")
                .summary("A container for client connection commands.")
                .sub(CommandSpec.builder("id", 2).flags(NOSCRIPT, LOADING, STALE).since("5.0.0")
                        .summary("Returns the unique client ID of the connection.")
                        .local((ctx, argv) -> Reply.integer(ctx.client().id())))
                .sub(CommandSpec.builder("getname", 2).flags(NOSCRIPT, LOADING, STALE).since("2.6.9")
                        .summary("Returns the name of the connection.").local(ConnectionCommands::getname))
                .sub(CommandSpec.builder("setname", 3).flags(NOSCRIPT, LOADING, STALE).since("2.6.9")
                        .summary("Sets the connection name.").local(ConnectionCommands::setname))
                .sub(CommandSpec.builder("setinfo", 4).flags(NOSCRIPT, LOADING, STALE).since("7.2.0")
                        .summary("Sets information specific to the client or connection.")
                        .local(ConnectionCommands::setinfo))
                .sub(CommandSpec.builder("info", 2).flags(NOSCRIPT, LOADING, STALE).since("6.2.0")
                        .summary("Returns information about the connection.")
                        .local((ctx, argv) -> Reply.bulk(clientLine(ctx.client(), ctx.now()) + "\n")))
                .sub(CommandSpec.builder("list", -2).flags(ADMIN, NOSCRIPT, LOADING, STALE).since("2.4.0")
                        .summary("Lists open connections.").local(ConnectionCommands::list)));
    }

    // PING [message]
    private static Reply ping(LocalContext ctx, byte[][] argv) {
        if (argv.length > 2) {
            return Reply.wrongArity("ping");
        }
        return argv.length == 1 ? Reply.PONG : Reply.bulk(argv[1]);
    }

    // QUIT
    private static Reply quit(LocalContext ctx, byte[][] argv) {
        ctx.client().closeAfterReply(true);
        return Reply.OK;
    }

    // SELECT index
    private static Reply select(LocalContext ctx, byte[][] argv) {
        long db = Args.parseLong(argv[1]);
        if (db != (int) db) {
            return Reply.NOT_INTEGER;
        }
        if (db < 0 || db >= ctx.server().config().databases()) {
            return Reply.error("ERR DB index is out of range");
        }
        ctx.client().db((int) db);
        return Reply.OK;
    }

    // AUTH [username] password
    private static Reply auth(LocalContext ctx, byte[][] argv) {
        if (argv.length > 3) {
            return Reply.SYNTAX_ERROR;
        }
        String pass = ctx.server().config().requirepass();
        if (argv.length == 2 && pass.isEmpty()) {
            return AUTH_NOT_CONFIGURED;
        }
        String user = argv.length == 3 ? Args.str(argv[1]) : "default";
        return authenticate(ctx, user, Args.str(argv[argv.length - 1])) ? Reply.OK : WRONGPASS;
    }

    /** The only user is "default"; with no requirepass it takes any password (as Redis's nopass default user). */
    private static boolean authenticate(LocalContext ctx, String user, String password) {
        String pass = ctx.server().config().requirepass();
        boolean ok = user.equals("default") && (pass.isEmpty() || constantTimeEquals(pass, password));
        if (ok) {
            ctx.client().authenticated(true);
        }
        return ok;
    }

    private static boolean constantTimeEquals(String a, String b) {
        return java.security.MessageDigest.isEqual(Args.bytes(a), Args.bytes(b));
    }

    // HELLO [protover [AUTH username password] [SETNAME clientname]]
    private static Reply hello(LocalContext ctx, byte[][] argv) {
        if (argv.length >= 2) {
            long ver;
            try {
                ver = Args.parseLong(argv[1]);
            } catch (Args.ArgumentError e) {
                return Reply.error("ERR Protocol version is not an integer or out of range");
            }
            if (ver != 2) {
                // RESP3 is not implemented yet: clients (Lettuce, ioredis) fall back to RESP2 on NOPROTO.
                return Reply.error("NOPROTO unsupported protocol version");
            }
        }
        String setname = null;
        for (int i = 2; i < argv.length; i++) {
            boolean more = i + 1 < argv.length;
            if (Args.is(argv[i], "auth") && i + 2 < argv.length) {
                if (!authenticate(ctx, Args.str(argv[i + 1]), Args.str(argv[i + 2]))) {
                    return WRONGPASS;
                }
                i += 2;
            } else if (Args.is(argv[i], "setname") && more) {
                setname = Args.str(argv[i + 1]);
                if (!validName(setname)) {
                    return Reply.error("ERR Client names cannot contain spaces, newlines or special characters.");
                }
                i++;
            } else {
                return Reply.error("ERR Syntax error in HELLO option '" + Args.str(argv[i]) + "'");
            }
        }
        if (!ctx.client().authenticated() && !ctx.server().config().requirepass().isEmpty()) {
            return Reply.error("NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                    + "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the "
                    + "RESP protocol version at the same time");
        }
        if (setname != null) {
            ctx.client().name(setname);
        }
        ClusterView cluster = ctx.server().cluster();
        boolean master = cluster == null || cluster.leaderId() == cluster.self().id();
        return Reply.array(
                Reply.bulk("server"), Reply.bulk("redis"),
                Reply.bulk("version"), Reply.bulk(REDIS_VERSION),
                Reply.bulk("proto"), Reply.integer(2),
                Reply.bulk("id"), Reply.integer(ctx.client().id()),
                Reply.bulk("mode"), Reply.bulk(cluster == null ? "standalone" : "cluster"),
                Reply.bulk("role"), Reply.bulk(master ? "master" : "replica"),
                Reply.bulk("modules"), Reply.EMPTY_ARRAY);
    }

    // CLIENT GETNAME
    private static Reply getname(LocalContext ctx, byte[][] argv) {
        String name = ctx.client().name();
        return name.isEmpty() ? Reply.NIL : Reply.bulk(name);
    }

    // CLIENT SETNAME connection-name
    private static Reply setname(LocalContext ctx, byte[][] argv) {
        String name = Args.str(argv[2]);
        if (!validName(name)) {
            return Reply.error("ERR Client names cannot contain spaces, newlines or special characters.");
        }
        ctx.client().name(name);
        return Reply.OK;
    }

    // CLIENT SETINFO <LIB-NAME libname | LIB-VER libver>
    private static Reply setinfo(LocalContext ctx, byte[][] argv) {
        String value = Args.str(argv[3]);
        boolean isName = Args.is(argv[2], "lib-name");
        if (!isName && !Args.is(argv[2], "lib-ver")) {
            return Reply.error("ERR Unrecognized option '" + Args.str(argv[2]) + "'");
        }
        if (!validName(value)) {
            return Reply.error("ERR " + (isName ? "lib-name" : "lib-ver")
                    + " cannot contain spaces, newlines or special characters.");
        }
        if (isName) {
            ctx.client().libName(value);
        } else {
            ctx.client().libVersion(value);
        }
        return Reply.OK;
    }

    // CLIENT LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id ...]
    private static Reply list(LocalContext ctx, byte[][] argv) {
        List<Long> ids = null;
        if (argv.length > 2) {
            if (Args.is(argv[2], "type") && argv.length == 4) {
                String type = Args.str(argv[3]).toLowerCase(java.util.Locale.ROOT);
                if (!List.of("normal", "master", "replica", "slave", "pubsub").contains(type)) {
                    return Reply.error("ERR Unknown client type '" + Args.str(argv[3]) + "'");
                }
                if (!type.equals("normal")) {
                    return Reply.bulk("");
                }
            } else if (Args.is(argv[2], "id") && argv.length > 3) {
                ids = new ArrayList<>();
                for (int i = 3; i < argv.length; i++) {
                    long id;
                    try {
                        id = Args.parseLong(argv[i]);
                    } catch (Args.ArgumentError e) {
                        id = 0;
                    }
                    if (id <= 0) {
                        return Reply.error("ERR Invalid client ID");
                    }
                    ids.add(id);
                }
            } else {
                return Reply.SYNTAX_ERROR;
            }
        }
        StringBuilder sb = new StringBuilder();
        ServerState server = ctx.server();
        List<ClientSession> sessions = new ArrayList<>(server.clients().values());
        sessions.sort((a, b) -> Long.compare(a.id(), b.id()));
        for (ClientSession s : sessions) {
            if (ids == null || ids.contains(s.id())) {
                sb.append(clientLine(s, ctx.now())).append('\n');
            }
        }
        return Reply.bulk(sb.toString());
    }

    /** One CLIENT LIST line, with Redis 7.2's fields; buffers we do not track are reported as 0. */
    static String clientLine(ClientSession s, long now) {
        return "id=" + s.id() + " addr=" + s.addr() + " laddr=" + s.laddr() + " fd=-1 name=" + s.name()
                + " age=" + (now - s.createdMillis()) / 1000 + " idle=" + (now - s.lastInteractionMillis()) / 1000
                + " flags=" + (s.readonlyMode() ? "r" : "N") + " db=" + s.db()
                + " sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 "
                + "omem=0 tot-mem=0 events=r cmd=" + s.lastCommand() + " user=default redir=-1 resp=" + s.protocol()
                + " lib-name=" + s.libName() + " lib-ver=" + s.libVersion();
    }

    /** Redis refuses names with characters outside '!'..'~' (spaces, newlines, control and non-ASCII bytes). */
    private static boolean validName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '!' || c > '~') {
                return false;
            }
        }
        return true;
    }
}
