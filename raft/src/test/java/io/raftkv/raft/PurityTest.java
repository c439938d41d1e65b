package io.raftkv.raft;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The consensus core is a pure machine, so that simulation tests can drive it deterministically: no threads, executors, sockets, files, wall clock, global
 * randomness, Netty or Chronicle in the main sources of this module. Checked in the sources and, to catch fully
 * qualified or indirect uses, in the compiled classes' constant pools.
 */
class PurityTest {

    /** Regular expressions matched against each code line (comments stripped). */
    private static final List<Pattern> FORBIDDEN_IN_SOURCES = Stream.of(
            "\\bThread\\b", "\\bExecutor", "java\\.util\\.concurrent", "\\bsynchronized\\b", "\\bvolatile\\b",
            "java\\.io\\.File\\b", "java\\.nio\\.file", "java\\.nio\\.channels", "java\\.net\\.", "\\bSocket",
            "System\\.currentTimeMillis", "System\\.nanoTime", "\\bInstant\\.now", "\\bClock\\b", "java\\.time\\.",
            "\\bnew Date\\(", "Math\\.random", "\\bnew Random\\(", "ThreadLocalRandom", "SecureRandom", "UUID\\.randomUUID",
            "io\\.netty", "net\\.openhft", "System\\.(out|err|getenv|getProperty)\\b")
            .map(Pattern::compile).toList();

    private static final List<String> FORBIDDEN_IN_CLASSES = List.of(
            "java/lang/Thread", "java/util/concurrent", "java/io/File", "java/nio/file", "java/nio/channels",
            "java/net/", "currentTimeMillis", "nanoTime", "java/time/", "java/util/Random", "ThreadLocalRandom",
            "io/netty", "net/openhft");

    @Test
    void mainSourcesUseNoThreadsIoClockOrGlobalRandomness() throws IOException {
        List<String> violations = new ArrayList<>();
        List<Path> sources = files(Path.of("src/main/java"), ".java");
        assertTrue(sources.size() > 10, "found the main sources: " + sources);
        for (Path file : sources) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String code = stripComment(lines.get(i));
                for (Pattern bad : FORBIDDEN_IN_SOURCES) {
                    if (bad.matcher(code).find()) {
                        violations.add(file.getFileName() + ":" + (i + 1) + " matches " + bad + ": " + lines.get(i).trim());
                    }
                }
            }
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void compiledClassesReferenceNoThreadsIoClockOrGlobalRandomness() throws IOException {
        List<String> violations = new ArrayList<>();
        List<Path> classes = files(Path.of("target/classes"), ".class");
        assertTrue(classes.size() > 10, "found the compiled classes: " + classes);
        for (Path file : classes) {
            String constants = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            for (String bad : FORBIDDEN_IN_CLASSES) {
                if (constants.contains(bad)) {
                    violations.add(file.getFileName() + " references " + bad);
                }
            }
        }
        assertEquals(List.of(), violations);
    }

    private static List<Path> files(Path root, String suffix) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    /** Drops // comments and lines inside javadoc/block comments (good enough for our style of comments). */
    private static String stripComment(String line) {
        String t = line.trim();
        if (t.startsWith("*") || t.startsWith("/*") || t.startsWith("//")) {
            return "";
        }
        int slash = line.indexOf("//");
        return slash >= 0 ? line.substring(0, slash) : line;
    }
}
