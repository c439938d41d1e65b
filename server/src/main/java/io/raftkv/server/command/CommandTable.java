package io.raftkv.server.command;

import io.raftkv.server.reply.Reply;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Every command the server knows, declared once. The dispatcher resolves argv here (name, subcommand, arity)
 * and gets either the row to run or Redis's exact error; COMMAND, COMMAND DOCS and the README's list are
 * generated from the same rows. Immutable after construction: safe to share between threads. The command families
 * (subpackages) add their rows through a {@link Builder}; this package does not know them, so they may depend on it
 * ({@code io.raftkv.server.StandardCommands} assembles the table of them all).
 */
public final class CommandTable {

    private final Map<String, CommandSpec> commands;

    private CommandTable(Map<String, CommandSpec> commands) {
        this.commands = Collections.unmodifiableMap(commands);
    }

    public CommandSpec get(String lowerCaseName) {
        return commands.get(lowerCaseName);
    }

    public Collection<CommandSpec> all() {
        return commands.values();
    }

    public int size() {
        return commands.size();
    }

    /**
     * Finds the row argv asks for. Returns a {@link Resolved.Found} with the leaf row (the subcommand's row for
     * container commands) or a {@link Resolved.Rejected} with Redis's error: unknown command, unknown
     * subcommand, or wrong number of arguments.
     */
    public Resolved resolve(byte[][] argv) {
        CommandSpec spec = commands.get(lowerAscii(argv[0]));
        if (spec == null) {
            return new Resolved.Rejected(unknownCommand(argv));
        }
        if (spec.isContainer()) {
            if (argv.length < 2) {
                return new Resolved.Rejected(Reply.wrongArity(spec.name()));
            }
            CommandSpec sub = spec.subcommands().get(lowerAscii(argv[1]));
            if (sub == null) {
                return new Resolved.Rejected(Reply.error("ERR unknown subcommand '" + clip(argv[1], 128)
                        + "'. Try " + spec.name().toUpperCase(Locale.ROOT) + " HELP."));
            }
            spec = sub;
        }
        if (!spec.arityOk(argv.length)) {
            return new Resolved.Rejected(Reply.wrongArity(spec.name()));
        }
        return new Resolved.Found(spec);
    }

    /** The outcome of {@link #resolve}. */
    public sealed interface Resolved {
        record Found(CommandSpec spec) implements Resolved {
        }

        record Rejected(Reply error) implements Resolved {
        }
    }

    /** Redis's wording: {@code ERR unknown command 'foo', with args beginning with: 'a' 'b' }. */
    static Reply unknownCommand(byte[][] argv) {
        StringBuilder args = new StringBuilder();
        for (int i = 1; i < argv.length && args.length() < 128; i++) {
            args.append('\'').append(clip(argv[i], 128 - args.length())).append("' ");
        }
        String msg = "ERR unknown command '" + clip(argv[0], 128) + "', with args beginning with: " + args;
        return Reply.error(sanitize(msg));
    }

    /** Redis replaces CR and LF in error text with spaces so the reply stays one line. */
    static String sanitize(String s) {
        return s.replace('\r', ' ').replace('\n', ' ');
    }

    private static String clip(byte[] b, int max) {
        return new String(b, 0, Math.min(b.length, Math.max(max, 0)), StandardCharsets.ISO_8859_1);
    }

    /** Lower-cases ASCII letters only (command names are ASCII); other bytes pass through as Latin-1. */
    public static String lowerAscii(byte[] b) {
        char[] c = new char[b.length];
        for (int i = 0; i < b.length; i++) {
            int x = b[i] & 0xff;
            c[i] = (char) (x >= 'A' && x <= 'Z' ? x + 32 : x);
        }
        return new String(c);
    }

    /** Collects rows from each command group. */
    public static final class Builder {
        private final Map<String, CommandSpec> commands = new LinkedHashMap<>();

        public Builder add(CommandSpec.Builder spec) {
            CommandSpec s = spec.build();
            if (commands.putIfAbsent(s.name(), s) != null) {
                throw new IllegalStateException("command declared twice: " + s.name());
            }
            return this;
        }

        public CommandTable build() {
            return new CommandTable(new LinkedHashMap<>(commands));
        }
    }
}
