package io.raftkv.compat;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The quick start's first command, {@code bin/raftkv-cluster start|status|stop}, on a PATH without Redis's tools:
 * it must find the leader and report on the nodes with nothing but bash and Java.
 */
class ClusterScriptTest {

    @Test
    void startStatusStopWorkWithoutRedisCli() throws Exception {
        Path work = ServerProcess.tempDir("raftkv-script");
        Path bin = pathWithoutRedisTools(work.resolve("bin"));
        assertNotEquals(0, run(work, bin, "sh", "-c", "command -v redis-cli").exitCode,
                "the test's PATH must not have redis-cli");
        int base = freePortBase();
        Map<String, String> env = Map.of("PATH", bin.toString(), "PORT_BASE", Integer.toString(base),
                "CLUSTER_DIR", work.resolve("cluster-data").toString());
        try {
            Result start = run(work, bin, env, script(), "start");
            assertEquals(0, start.exitCode, start.output);
            assertTrue(start.output.contains("redis-cli is not installed here"), start.output);
            int leader = leaderNumber(start.output);
            int leaderPort = base + leader;
            try (Jedis j = new Jedis("127.0.0.1", leaderPort)) {
                assertTrue(j.info("raft").contains("raft_role:leader"),
                        "start named node " + leader + " as the leader:\n" + start.output);
                assertEquals("OK", j.set("greeting", "hello"));
            }

            Result status = run(work, bin, env, script(), "status");
            assertEquals(0, status.exitCode, status.output);
            for (int i = 1; i <= 3; i++) {
                String role = i == leader ? "master" : "slave";
                assertTrue(status.output.contains("node " + i + ": running, pid ") && status.output.contains(
                        "port " + (base + i) + ", role " + role), "node " + i + " as " + role + ":\n" + status.output);
            }
        } finally {
            Result stop = run(work, bin, env, script(), "stop");
            assertEquals(0, stop.exitCode, stop.output);
            for (int i = 1; i <= 3; i++) {
                assertTrue(stop.output.contains("node " + i + " stopped"), stop.output);
            }
        }
        Result after = run(work, bin, env, script(), "status");
        for (int i = 1; i <= 3; i++) {
            assertTrue(after.output.contains("node " + i + ": stopped"), after.output);
        }
    }

    private static int leaderNumber(String startOutput) {
        for (String line : startOutput.split("\n")) {
            if (line.startsWith("leader: node ")) {
                return Integer.parseInt(line.substring("leader: node ".length()).split(" ")[0]);
            }
        }
        throw new AssertionError("start did not name the leader:\n" + startOutput);
    }

    private static String script() {
        return ServerProcess.projectRoot().resolve("bin/raftkv-cluster").toString();
    }

    /**
     * A folder of links to every command on this PATH except Redis's (redis-cli, redis-server, redis-benchmark...),
     * first one of a name winning, as on a PATH.
     */
    private static Path pathWithoutRedisTools(Path bin) throws IOException {
        Files.createDirectories(bin);
        Set<String> seen = new LinkedHashSet<>();
        for (String dir : System.getenv("PATH").split(":")) {
            Path d = Path.of(dir.isEmpty() ? "." : dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> files = Files.list(d)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String name = f.getFileName().toString();
                    if (name.startsWith("redis-") || !Files.isExecutable(f) || Files.isDirectory(f) || !seen.add(name)) {
                        continue;
                    }
                    Files.createSymbolicLink(bin.resolve(name), f.toAbsolutePath());
                }
            }
        }
        return bin;
    }

    /** A base port such that base+1..base+3 and their peer ports (+10000) are free now. */
    private static int freePortBase() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 45_000);
            if (free(base + 1) && free(base + 2) && free(base + 3)
                    && free(base + 10_001) && free(base + 10_002) && free(base + 10_003)) {
                return base;
            }
        }
        throw new IllegalStateException("no free port range found");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(Path dir, Path bin, String... cmd) throws IOException, InterruptedException {
        return run(dir, bin, Map.of("PATH", bin.toString()), cmd);
    }

    private static Result run(Path dir, Path bin, Map<String, String> env, String... cmd)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(cmd))).directory(dir.toFile())
                .redirectErrorStream(true);
        pb.environment().remove("RAFTKV_JAVA_OPTS");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        // The started nodes inherit no pipe of ours (the script sends their output to log files), so EOF comes
        // when the script ends.
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish within 5 minutes");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
