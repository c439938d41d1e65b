package io.raftkv.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Settings as redis-server reads them: a redis.conf-style file, then --name value overrides. */
class ConfigFileTest {

    @Test
    void fileThenCommandLineOverrides(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("raftkv.conf");
        Files.writeString(conf, """
                # a comment
                port 7000
                bind 127.0.0.1
                requirepass "s3cret with space"
                maxmemory 100mb
                appendfsync everysec

                dir '/var/lib/raftkv'
                """);
        ServerConfig c = ConfigFile.load(ServerConfig.DEFAULTS, new String[] {conf.toString(), "--port", "7001",
                "--loglevel", "warning"});
        assertEquals(7001, c.port(), "the command line wins");
        assertEquals("s3cret with space", c.requirepass());
        assertEquals(100L * 1024 * 1024, c.maxmemory());
        assertEquals("everysec", c.appendfsync());
        assertEquals("/var/lib/raftkv", c.dir());
        assertEquals("warning", c.loglevel());
    }

    @Test
    void commandLineAlone() throws Exception {
        ServerConfig c = ConfigFile.load(ServerConfig.DEFAULTS, new String[] {"--port", "6390", "--save", "",
                "--cluster-node-id", "2", "--cluster-members", "1@127.0.0.1:7001,2@127.0.0.1:7002"});
        assertEquals(6390, c.port());
        assertEquals(2, c.clusterNodeId());
        assertTrue(c.clusterEnabled());
        assertEquals(c, c.validated());
    }

    @Test
    void badInputIsAFatalErrorNamingTheLine() {
        ConfigFile.ConfigException e = assertThrows(ConfigFile.ConfigException.class,
                () -> ConfigFile.parse(ServerConfig.DEFAULTS, "port 7000\nnosuchdirective 1\n", "test.conf"));
        assertTrue(e.getMessage().contains("at line 2") && e.getMessage().contains("Bad directive"), e.getMessage());
        e = assertThrows(ConfigFile.ConfigException.class,
                () -> ConfigFile.parse(ServerConfig.DEFAULTS, "port 99999\n", "test.conf"));
        assertTrue(e.getMessage().contains("argument must be between 0 and 65535 inclusive"), e.getMessage());
        e = assertThrows(ConfigFile.ConfigException.class,
                () -> ConfigFile.parse(ServerConfig.DEFAULTS, "requirepass \"unterminated\n", "test.conf"));
        assertTrue(e.getMessage().contains("Unbalanced quotes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConfigParams.apply(ServerConfig.DEFAULTS,
                "cluster-node-id", "1").validated(), "a node id without members");
    }

    @Test
    void ioThreadsDefaultsToRedisOneAndTakesRedisRange() throws Exception {
        assertEquals(1, ServerConfig.DEFAULTS.ioThreads(), "as redis.conf: client I/O on one thread");
        assertEquals(2, ConfigFile.load(ServerConfig.DEFAULTS, new String[] {"--io-threads", "2"}).ioThreads());
        ConfigFile.ConfigException e = assertThrows(ConfigFile.ConfigException.class,
                () -> ConfigFile.parse(ServerConfig.DEFAULTS, "io-threads 0\n", "test.conf"));
        assertTrue(e.getMessage().contains("argument must be between 1 and 128 inclusive"), e.getMessage());
    }

    @Test
    void splitArgsFollowsRedisQuoting() {
        assertEquals(List.of("set", "a b", "c\n", "d'e"), ConfigFile.splitArgs("set \"a b\" \"c\\n\" 'd\\'e'"));
        assertEquals(List.of("x", "\u0001"), ConfigFile.splitArgs("x \"\\x01\""));
        assertNull(ConfigFile.splitArgs("\"open"));
        assertNull(ConfigFile.splitArgs("\"closed\"glued"));
    }

    @Test
    void memoryUnitsAreRedis() {
        assertEquals(1000, ConfigParams.memory("1k"));
        assertEquals(1024, ConfigParams.memory("1kb"));
        assertEquals(1024L * 1024 * 1024, ConfigParams.memory("1GB"));
        assertThrows(IllegalArgumentException.class, () -> ConfigParams.memory("-1"));
        assertThrows(IllegalArgumentException.class, () -> ConfigParams.memory("12x"));
    }
}
