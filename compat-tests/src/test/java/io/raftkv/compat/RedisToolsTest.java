package io.raftkv.compat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Debian's redis-cli and redis-benchmark against a real server process. */
class RedisToolsTest {

    private static ServerProcess server;

    @BeforeAll
    static void start() throws Exception {
        server = new ServerProcess(ServerProcess.tempDir("raftkv-tools")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
    }

    /** Runs a command (bounded), feeding {@code stdin}, and returns exit code and output. */
    private static String[] run(String stdin, long timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s");
        }
        return new String[] {Integer.toString(p.exitValue()), new String(out, StandardCharsets.UTF_8)};
    }

    private static String cli(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(server.port())));
        cmd.addAll(List.of(args));
        String[] r = run(null, 60, cmd.toArray(String[]::new));
        assertEquals("0", r[0], r[1]);
        return r[1];
    }

    @Test
    void redisCliWithArguments() throws Exception {
        assertEquals("OK\n", cli("SET", "cli:a", "hello world"));
        assertEquals("hello world\n", cli("GET", "cli:a"));
        assertEquals("\"hello world\"\n", cli("--no-raw", "GET", "cli:a"));
        assertEquals("(integer) 1\n", cli("--no-raw", "INCR", "cli:n"));
        assertEquals("(nil)\n", cli("--no-raw", "GET", "cli:none"));
        assertEquals("(error) ERR value is not an integer or out of range\n", cli("--no-raw", "INCR", "cli:a"));
    }

    @Test
    void redisCliReadingCommandsFromStdin() throws Exception {
        String[] r = run("SET cli:stdin 42\nINCRBY cli:stdin 8\nGET cli:stdin\nEXISTS cli:stdin cli:nope\n", 60,
                "redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(server.port()));
        assertEquals("0", r[0], r[1]);
        assertEquals("OK\n50\n50\n1\n", r[1]);
    }

    @Test
    void redisBenchmarkCompletesWithoutErrors() throws Exception {
        String[] r = run(null, 300, "redis-benchmark", "-h", "127.0.0.1", "-p", Integer.toString(server.port()),
                "-t", "ping,set,get,incr,mset", "-n", "10000", "-q");
        String out = r[1];
        assertEquals("0", r[0], out);
        for (String test : new String[] {"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"}) {
            assertTrue(out.contains(test + ": "), "no " + test + " result in:\n" + out);
        }
        assertFalse(out.toLowerCase().contains("error"), out);
        assertTrue(out.contains("requests per second"), out);
    }
}
