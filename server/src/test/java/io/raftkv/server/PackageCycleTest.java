package io.raftkv.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packages of the server module form no cycle: each can be read, tested and changed knowing only the packages
 * below it, and a package meant to stay protocol-neutral ({@code reply}) stays so. The graph comes from the main
 * sources: an edge A -> B for every import of, or fully qualified reference to, a type of package B in a file of
 * package A. Comments and string literals are skipped, so a {@code {@link}} to another package is not a dependency.
 */
class PackageCycleTest {

    private static final String ROOT = "io.raftkv.server";
    private static final Path SOURCES = Path.of("src", "main", "java", "io", "raftkv", "server");
    /** A reference to a type (capitalised segment) or a wildcard import; group 1 is the package below ROOT. */
    private static final Pattern REFERENCE =
            Pattern.compile("\\bio\\.raftkv\\.server((?:\\.[a-z_][a-z0-9_]*)*)\\.(?:[A-Z]|\\*)");

    @Test
    void serverPackagesFormNoCycle() throws IOException {
        Map<String, Map<String, Set<String>>> graph = graph();
        assertTrue(graph.size() >= 10, "found too few packages, is the working directory the module? " + graph.keySet());
        List<String> cycles = new ArrayList<>();
        for (Set<String> component : stronglyConnected(graph)) {
            if (component.size() > 1) {
                cycles.add(describe(cycle(graph, component), graph) + "\n    (all of " + component.stream()
                        .map(PackageCycleTest::shortName).toList() + " reach each other)");
            }
        }
        assertTrue(cycles.isEmpty(), "package cycles in the server module:\n" + String.join("\n", cycles));
    }

    @Test
    void repliesDependOnNoOtherServerPackage() throws IOException {
        assertEquals(Map.of(), graph().getOrDefault(ROOT + ".reply", Map.of()));
    }

    /** package -> package it depends on -> the files of the first package that make the edge. */
    private static Map<String, Map<String, Set<String>>> graph() throws IOException {
        Map<String, Map<String, Set<String>>> graph = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        for (Path file : files) {
            String from = packageOf(SOURCES.relativize(file.getParent()));
            Map<String, Set<String>> edges = graph.computeIfAbsent(from, k -> new TreeMap<>());
            Matcher m = REFERENCE.matcher(code(Files.readString(file, StandardCharsets.UTF_8)));
            while (m.find()) {
                String to = ROOT + m.group(1);
                if (!to.equals(from)) {
                    edges.computeIfAbsent(to, k -> new TreeSet<>()).add(file.getFileName().toString());
                }
            }
        }
        return graph;
    }

    private static String packageOf(Path relative) {
        String sub = relative.toString().replace(relative.getFileSystem().getSeparator(), ".");
        return sub.isEmpty() ? ROOT : ROOT + "." + sub;
    }

    /** The source with comments, string, text-block and char literals blanked out. */
    static String code(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (s.startsWith("//", i)) {
                int end = s.indexOf('\n', i);
                i = end < 0 ? n : end;
            } else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                out.append(' ');
            } else if (s.startsWith("\"\"\"", i)) {
                int end = s.indexOf("\"\"\"", i + 3);
                i = end < 0 ? n : end + 3;
                out.append("\"\"");
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && s.charAt(j) != c) {
                    j += s.charAt(j) == '\\' ? 2 : 1;
                }
                i = j + 1;
                out.append(c).append(c);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** Tarjan's algorithm; recursive, which a graph of a few dozen packages allows. */
    private static List<Set<String>> stronglyConnected(Map<String, Map<String, Set<String>>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> components = new ArrayList<>();
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, graph, index, low, stack, onStack, components);
            }
        }
        return components;
    }

    private static void connect(String v, Map<String, Map<String, Set<String>>> graph, Map<String, Integer> index,
            Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<Set<String>> components) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Map.of()).keySet()) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, onStack, components);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            components.add(component);
        }
    }

    /** A shortest cycle through the component's first package, staying inside the component (breadth first). */
    private static List<String> cycle(Map<String, Map<String, Set<String>>> graph, Set<String> component) {
        String start = component.iterator().next();
        Map<String, String> parent = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(start));
        while (!queue.isEmpty()) {
            String v = queue.poll();
            for (String w : graph.getOrDefault(v, Map.of()).keySet()) {
                if (w.equals(start)) {
                    List<String> path = new ArrayList<>(List.of(start));
                    for (String p = v; !p.equals(start); p = parent.get(p)) {
                        path.add(1, p);
                    }
                    path.add(start);
                    return path;
                }
                if (component.contains(w) && !parent.containsKey(w)) {
                    parent.put(w, v);
                    queue.add(w);
                }
            }
        }
        throw new IllegalStateException("no cycle through " + start + " in " + component);
    }

    private static String describe(List<String> cycle, Map<String, Map<String, Set<String>>> graph) {
        StringBuilder sb = new StringBuilder("  cycle:");
        for (int i = 0; i + 1 < cycle.size(); i++) {
            String from = cycle.get(i);
            String to = cycle.get(i + 1);
            sb.append("\n    ").append(shortName(from)).append(" -> ").append(shortName(to))
                    .append("  (").append(String.join(", ", graph.get(from).get(to))).append(')');
        }
        return sb.toString();
    }

    private static String shortName(String pkg) {
        return pkg.equals(ROOT) ? "(root)" : pkg.substring(ROOT.length() + 1);
    }
}
