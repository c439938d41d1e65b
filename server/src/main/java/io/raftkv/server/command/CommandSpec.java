package io.raftkv.server.command;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One row of the command table, with Redis's conventions: {@code arity} counts the command name, a negative
 * arity means "at least -arity"; keys are at {@code firstKey..lastKey} by {@code keyStep} (lastKey -1 means the
 * last argument, 0 firstKey means no keys). A container command (CLIENT, CONFIG, COMMAND) has subcommands whose
 * names are {@code "container|sub"} in error messages, as Redis 7 reports them.
 *
 * <p>The kind of {@code impl} and {@code exec} agree (checked here, so a table that breaks the rule fails as it is
 * built): {@link Exec#WRITE} runs a {@link WriteCommand}, {@link Exec#READ} and {@link Exec#LOCAL_READ} a
 * {@link ReadCommand}, {@link Exec#LOCAL} a {@link LocalCommand}; and only a WRITE command carries the write flag, so
 * that whatever changes the store goes through the log and sees only a {@link WriteContext}.
 */
public record CommandSpec(
        String name,
        int arity,
        Set<CommandFlag> flags,
        Exec exec,
        int firstKey,
        int lastKey,
        int keyStep,
        String group,
        String summary,
        String since,
        Command impl,
        Map<String, CommandSpec> subcommands) {

    public CommandSpec {
        name = name.toLowerCase(Locale.ROOT);
        flags = Collections.unmodifiableSet(flags.isEmpty() ? EnumSet.noneOf(CommandFlag.class) : EnumSet.copyOf(flags));
        subcommands = Collections.unmodifiableMap(new LinkedHashMap<>(subcommands));
        if (arity == 0) {
            throw new IllegalArgumentException(name + ": arity must not be 0");
        }
        if ((exec == Exec.WRITE) != flags.contains(CommandFlag.WRITE)) {
            throw new IllegalArgumentException(name + ": the write flag and Exec.WRITE go together");
        }
        if (impl == null && subcommands.isEmpty()) {
            throw new IllegalArgumentException(name + ": needs an implementation or subcommands");
        }
        if (impl != null && !runs(exec, impl)) {
            throw new IllegalArgumentException(name + ": Exec." + exec + " cannot run a " + kind(impl));
        }
    }

    private static boolean runs(Exec exec, Command impl) {
        return switch (exec) {
            case WRITE -> impl instanceof WriteCommand;
            case READ, LOCAL_READ -> impl instanceof ReadCommand;
            case LOCAL -> impl instanceof LocalCommand;
        };
    }

    private static String kind(Command impl) {
        return impl instanceof WriteCommand ? "WriteCommand" : impl instanceof ReadCommand ? "ReadCommand" : "LocalCommand";
    }

    public boolean arityOk(int argc) {
        return arity > 0 ? argc == arity : argc >= -arity;
    }

    public boolean isContainer() {
        return !subcommands.isEmpty();
    }

    /** The key a cluster routes this argv by, as Redis Cluster does: its first key; null for a keyless command. */
    public byte[] routingKey(byte[][] argv) {
        int[] keys = keyIndexes(argv.length);
        return keys.length > 0 ? argv[keys[0]] : null;
    }

    /** Key argument indexes of this argv, in order, per the table's key positions. */
    public int[] keyIndexes(int argc) {
        if (firstKey <= 0) {
            return new int[0];
        }
        int last = lastKey < 0 ? argc + lastKey : lastKey;
        if (last < firstKey) {
            return new int[0];
        }
        int[] out = new int[(last - firstKey) / keyStep + 1];
        for (int i = 0, k = firstKey; k <= last; k += keyStep) {
            out[i++] = k;
        }
        return out;
    }

    public static Builder builder(String name, int arity) {
        return new Builder(name, arity);
    }

    /**
     * Builds a row: {@code CommandSpec.builder("get", 2).flags(READONLY, FAST).keys(1, 1, 1).group("string").read(...)}.
     * The method that sets the implementation sets how it runs: {@link #write} {@link Exec#WRITE}, {@link #read}
     * {@link Exec#READ} (or {@link Exec#LOCAL_READ} after {@link #localRead}), {@link #local} {@link Exec#LOCAL}.
     */
    public static final class Builder {
        private final String name;
        private final int arity;
        private final EnumSet<CommandFlag> flags = EnumSet.noneOf(CommandFlag.class);
        private Exec exec = Exec.LOCAL;
        private int firstKey;
        private int lastKey;
        private int keyStep = 1;
        private String group = "generic";
        private String summary = "";
        private String since = "1.0.0";
        private Command impl;
        private final Map<String, CommandSpec> subcommands = new LinkedHashMap<>();

        private Builder(String name, int arity) {
            this.name = name;
            this.arity = arity;
        }

        public Builder flags(CommandFlag... fs) {
            flags.addAll(Arrays.asList(fs));
            return this;
        }

        /** Makes a {@link #read} command {@link Exec#LOCAL_READ}: it answers from this node's store as it is. */
        public Builder localRead() {
            exec = Exec.LOCAL_READ;
            return this;
        }

        public Builder keys(int first, int last, int step) {
            firstKey = first;
            lastKey = last;
            keyStep = step;
            return this;
        }

        public Builder group(String g) {
            group = g;
            return this;
        }

        public Builder summary(String s) {
            summary = s;
            return this;
        }

        public Builder since(String s) {
            since = s;
            return this;
        }

        public Builder write(WriteCommand c) {
            impl = c;
            exec = Exec.WRITE;
            return this;
        }

        public Builder read(ReadCommand c) {
            impl = c;
            if (exec != Exec.LOCAL_READ) {
                exec = Exec.READ;
            }
            return this;
        }

        public Builder local(LocalCommand c) {
            impl = c;
            exec = Exec.LOCAL;
            return this;
        }

        /** Adds a subcommand; its name is given plain ("setname") and stored as "container|setname". */
        public Builder sub(CommandSpec.Builder sub) {
            CommandSpec spec = sub.build();
            String plain = spec.name();
            subcommands.put(plain, new CommandSpec(name.toLowerCase(Locale.ROOT) + "|" + plain, spec.arity(), spec.flags(),
                    spec.exec(), spec.firstKey(), spec.lastKey(), spec.keyStep(), group, spec.summary(), spec.since(),
                    spec.impl(), Map.of()));
            return this;
        }

        public CommandSpec build() {
            return new CommandSpec(name, arity, flags, exec, firstKey, lastKey, keyStep, group, summary, since, impl, subcommands);
        }
    }
}
