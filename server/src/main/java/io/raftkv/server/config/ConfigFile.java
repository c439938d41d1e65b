package io.raftkv.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads settings the way redis-server does: an optional config file in redis.conf syntax (one directive per line,
 * {@code name value}, {@code #} comments, double or single quotes), then {@code --name value} overrides from the
 * command line, later ones winning.
 */
public final class ConfigFile {

    private ConfigFile() {
    }

    /** Thrown for a bad file or argument, with the line and reason; the server prints it and exits. */
    public static final class ConfigException extends Exception {
        public ConfigException(String message) {
            super(message);
        }
    }

    /** Parses {@code [config-file] [--name value ...]} into a config starting from {@code base}. */
    public static ServerConfig load(ServerConfig base, String[] args) throws ConfigException {
        ServerConfig c = base;
        int i = 0;
        if (args.length > 0 && !args[0].startsWith("--")) {
            Path file = Path.of(args[0]);
            try {
                c = parse(c, Files.readString(file, StandardCharsets.UTF_8), file.toString());
            } catch (IOException e) {
                throw new ConfigException("Fatal error, can't open config file '" + file + "': " + e.getMessage());
            }
            i = 1;
        }
        StringBuilder overrides = new StringBuilder();
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--")) {
                if (overrides.length() > 0) {
                    overrides.append('\n');
                }
                overrides.append(a.substring(2));
            } else {
                overrides.append(' ').append(quote(a));
            }
        }
        return parse(c, overrides.toString(), "command line");
    }

    /** Applies each directive of {@code text} in order. */
    public static ServerConfig parse(ServerConfig base, String text, String source) throws ConfigException {
        ServerConfig c = base;
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            List<String> argv = splitArgs(line);
            if (argv == null) {
                throw fatal(source, n + 1, line, "Unbalanced quotes in configuration line");
            }
            if (argv.size() != 2) {
                if (argv.size() == 1 && ConfigParams.get(argv.get(0)) != null) {
                    argv.add("");
                } else {
                    throw fatal(source, n + 1, line, "Bad directive or wrong number of arguments");
                }
            }
            try {
                c = ConfigParams.apply(c, argv.get(0), argv.get(1));
            } catch (IllegalArgumentException e) {
                throw fatal(source, n + 1, line, e.getMessage());
            }
        }
        return c;
    }

    private static ConfigException fatal(String source, int line, String text, String why) {
        return new ConfigException("\n*** FATAL CONFIG FILE ERROR (RaftKV) ***\nReading " + source + ", at line " + line
                + "\n>>> '" + text + "'\n" + why);
    }

    private static String quote(String a) {
        return "\"" + a.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /**
     * Splits a line into arguments with redis.conf's quoting, which is Redis's inline-command quoting: "..." with
     * backslash escapes (\n \r \t \b \a \\ \" \xHH), '...' with only \' escaped. Returns null for unbalanced quotes.
     */
    public static List<String> splitArgs(String line) {
        if (line.indexOf('\0') >= 0) {
            return null;
        }
        List<byte[]> raw = new ArrayList<>();
        if (!QuotedArgs.split(line.getBytes(StandardCharsets.UTF_8), raw)) {
            return null;
        }
        List<String> out = new ArrayList<>(raw.size());
        for (byte[] a : raw) {
            out.add(new String(a, StandardCharsets.UTF_8));
        }
        return out;
    }
}
