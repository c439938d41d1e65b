package io.raftkv.compat;

import io.raftkv.server.config.ConfigFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sends the same command scripts (src/test/resources/differential/*.txt, one command per line in redis-cli's
 * quoting) to Debian's real redis-server and to RaftKV, and requires byte-identical replies, line by line.
 * FLUSHALL runs first on both so each script starts from an empty key space.
 */
class DifferentialTest {

    private static Path dir;
    private static RedisServerProcess redis;
    private static ServerProcess ours;

    @BeforeAll
    static void start() throws Exception {
        dir = ServerProcess.tempDir("raftkv-diff");
        redis = new RedisServerProcess(dir);
        ours = new ServerProcess(dir.resolve("raftkv")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (redis != null) {
            redis.close();
        }
        if (ours != null) {
            ours.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"connection.txt", "strings.txt", "keys.txt", "errors.txt"})
    void sameBytesAsRedis(String script) throws IOException {
        List<String> lines = Files.readAllLines(resource(script), StandardCharsets.UTF_8);
        List<String> diffs = new ArrayList<>();
        int commands = 0;
        try (RespWire theirs = new RespWire(redis.port()); RespWire mine = new RespWire(ours.port())) {
            theirs.call(List.of("FLUSHALL"));
            mine.call(List.of("FLUSHALL"));
            for (int n = 0; n < lines.size(); n++) {
                String line = lines.get(n).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                List<String> argv = Objects.requireNonNull(ConfigFile.splitArgs(line), "bad quoting at " + script + ":" + (n + 1));
                String expected = theirs.call(argv);
                String actual = mine.call(argv);
                commands++;
                if (!expected.equals(actual)) {
                    diffs.add(script + ":" + (n + 1) + " " + line + "\n    redis:  " + show(expected) + "\n    raftkv: " + show(actual));
                }
            }
        }
        assertTrue(commands > 10, "script " + script + " ran only " + commands + " commands");
        assertEquals("", String.join("\n", diffs), diffs.size() + " of " + commands + " replies differ from redis-server");
    }

    private static String show(String resp) {
        return resp.replace("\r\n", "\\r\\n");
    }

    private static Path resource(String name) {
        return ServerProcess.projectRoot().resolve("compat-tests/src/test/resources/differential").resolve(name);
    }
}
