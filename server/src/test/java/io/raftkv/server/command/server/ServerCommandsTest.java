package io.raftkv.server.command.server;

import io.raftkv.server.CommandHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Replies checked against redis-server 7.0.15. */
class ServerCommandsTest {

    private final CommandHarness h = new CommandHarness();

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void configGetWhatClientsAskForAtConnect() {
        // redis-benchmark asks for these two and warns if they fail.
        assertEquals("*2\r\n$4\r\nsave\r\n$0\r\n\r\n", h.send("CONFIG", "GET", "save"));
        assertEquals("*2\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n", h.send("CONFIG", "GET", "appendonly"));
        assertEquals("*0\r\n", h.send("CONFIG", "GET", "no-such-thing"));
        String many = h.send("CONFIG", "GET", "max*");
        assertTrue(many.startsWith("*6\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n$16\r\nmaxmemory-policy\r\n"), many);
        assertEquals("-ERR wrong number of arguments for 'config|get' command\r\n", h.send("CONFIG", "GET"));
    }

    @Test
    void configSetChangesSettingsWithRedisErrors() {
        assertEquals("+OK\r\n", h.send("CONFIG", "SET", "maxmemory", "100mb"));
        assertEquals("*2\r\n$9\r\nmaxmemory\r\n$9\r\n104857600\r\n", h.send("CONFIG", "GET", "maxmemory"));
        assertEquals("-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n",
                h.send("CONFIG", "SET", "maxmemory", "abc"));
        assertEquals("-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer\r\n",
                h.send("CONFIG", "SET", "maxclients", "x"));
        assertEquals("-ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning\r\n",
                h.send("CONFIG", "SET", "loglevel", "foo"));
        assertEquals("-ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config\r\n",
                h.send("CONFIG", "SET", "port", "1"));
        assertEquals("-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n",
                h.send("CONFIG", "SET", "foo", "bar"));
        assertEquals("-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter\r\n",
                h.send("CONFIG", "SET", "maxmemory", "1", "maxmemory", "2"));
        assertEquals("-ERR syntax error\r\n", h.send("CONFIG", "SET", "maxmemory", "1", "maxmemory"));
        assertEquals("-ERR wrong number of arguments for 'config|set' command\r\n", h.send("CONFIG", "SET", "maxmemory"));
    }

    @Test
    void commandIntrospection() {
        int count = h.server.table().size();
        assertEquals(":" + count + "\r\n", h.send("COMMAND", "COUNT"));
        assertEquals("-ERR wrong number of arguments for 'command|count' command\r\n", h.send("COMMAND", "COUNT", "x"));
        assertEquals("-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n", h.send("COMMAND", "FOO"));
        assertEquals("*1\r\n*-1\r\n", h.send("COMMAND", "INFO", "nosuchcommand"));
        String ping = h.send("COMMAND", "INFO", "ping");
        assertTrue(ping.startsWith("*1\r\n*10\r\n$4\r\nping\r\n:-1\r\n*1\r\n+fast\r\n:0\r\n:0\r\n:0\r\n"), ping);
        String docs = h.send("COMMAND", "DOCS", "echo");
        assertTrue(docs.startsWith("*2\r\n$4\r\necho\r\n*6\r\n$7\r\nsummary\r\n"), docs);
        assertTrue(h.send("COMMAND").startsWith("*" + count + "\r\n"));
        assertTrue(h.send("COMMAND", "LIST").contains("$10\r\nconfig|get\r\n"));
    }

    @Test
    void timeAndInfo() {
        String time = h.send("TIME");
        assertTrue(time.matches("\\*2\r\n\\$10\r\n\\d{10}\r\n\\$\\d\r\n\\d{1,6}\r\n"), time);
        assertEquals("-ERR wrong number of arguments for 'time' command\r\n", h.send("TIME", "x"));
        String info = h.send("INFO");
        for (String section : new String[] {"# Server\r\n", "# Clients\r\n", "# Memory\r\n", "# Persistence\r\n",
                "# Stats\r\n", "# Replication\r\n", "# Keyspace\r\n"}) {
            assertTrue(info.contains(section), section + " missing from " + info);
        }
        assertTrue(info.contains("redis_version:7.0.15\r\n"));
        String server = h.send("INFO", "server");
        assertTrue(server.contains("# Server\r\n") && !server.contains("# Clients"), server);
        assertEquals("$0\r\n\r\n", h.send("INFO", "nosuchsection"));
    }
}
