package io.raftkv.server.command;

import io.raftkv.server.config.ConfigParams;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The README's command and configuration tables, generated from the command table and the config parameters so they
 * cannot drift: {@code CommandReferenceTest} fails when README.md differs from what this prints.
 * Run {@code java -cp ... io.raftkv.server.command.CommandReference} to print both.
 */
public final class CommandReference {

    private CommandReference() {
    }

    /** One Markdown table row per command (subcommands listed with their container), grouped like Redis's groups. */
    public static String commands(CommandTable table) {
        Map<String, List<CommandSpec>> byGroup = new TreeMap<>();
        for (CommandSpec s : table.all()) {
            byGroup.computeIfAbsent(s.group(), g -> new ArrayList<>()).add(s);
        }
        StringBuilder sb = new StringBuilder("| group | command | arity | runs as | summary |\n|---|---|---|---|---|\n");
        for (Map.Entry<String, List<CommandSpec>> g : byGroup.entrySet()) {
            List<CommandSpec> specs = new ArrayList<>(g.getValue());
            specs.sort((a, b) -> a.name().compareTo(b.name()));
            for (CommandSpec s : specs) {
                if (s.isContainer()) {
                    for (CommandSpec sub : s.subcommands().values()) {
                        row(sb, g.getKey(), sub);
                    }
                } else {
                    row(sb, g.getKey(), s);
                }
            }
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String group, CommandSpec s) {
        sb.append("| ").append(group).append(" | `").append(s.name().toUpperCase(java.util.Locale.ROOT).replace('|', ' '))
                .append("` | ").append(s.arity()).append(" | ").append(s.exec().name().toLowerCase(java.util.Locale.ROOT))
                .append(" | ").append(s.summary().replace("|", "\\|")).append(" |\n");
    }

    /** One Markdown table row per setting. */
    public static String config() {
        StringBuilder sb = new StringBuilder("| setting | default | CONFIG SET | meaning |\n|---|---|---|---|\n");
        for (ConfigParams.Param p : ConfigParams.all().values()) {
            String def = p.get().apply(io.raftkv.server.config.ServerConfig.DEFAULTS);
            sb.append("| `").append(p.name()).append("` | ").append(def.isEmpty() ? "(empty)" : "`" + def + "`")
                    .append(" | ").append(p.mutable() ? "yes" : "no").append(" | ").append(p.doc()).append(" |\n");
        }
        return sb.toString();
    }

    public static void main(String[] args) {
        System.out.println(commands(CommandTable.standard()));
        System.out.println(config());
    }
}
