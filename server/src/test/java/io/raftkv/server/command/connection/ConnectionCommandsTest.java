package io.raftkv.server.command.connection;

import io.raftkv.server.CommandHarness;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.config.ConfigParams;
import io.raftkv.server.kv.KvConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Replies checked against redis-server 7.0.15 (CLIENT SETINFO against 7.2's behaviour). */
class ConnectionCommandsTest {

    private final CommandHarness h = new CommandHarness();

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void pingAndEcho() {
        assertEquals("+PONG\r\n", h.send("PING"));
        assertEquals("$1\r\na\r\n", h.send("ping", "a"));
        assertEquals("-ERR wrong number of arguments for 'ping' command\r\n", h.send("PING", "a", "b"));
        assertEquals("$5\r\nhello\r\n", h.send("ECHO", "hello"));
        assertEquals("-ERR wrong number of arguments for 'echo' command\r\n", h.send("ECHO"));
    }

    @Test
    void unknownCommandQuotesItsFirstArguments() {
        assertEquals("-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n", h.send("FOO", "a", "b"));
        assertEquals("-ERR unknown command 'foo', with args beginning with: \r\n", h.send("foo"));
    }

    @Test
    void selectOnlyDatabaseZero() {
        assertEquals("+OK\r\n", h.send("SELECT", "0"));
        assertEquals("-ERR DB index is out of range\r\n", h.send("SELECT", "1"));
        assertEquals("-ERR value is not an integer or out of range\r\n", h.send("SELECT", "x"));
    }

    @Test
    void quitAnswersOkAndAsksToClose() {
        assertEquals("+OK\r\n", h.send("QUIT"));
        assertTrue(h.client.closeAfterReply());
    }

    @Test
    void authWithoutPasswordConfigured() {
        assertEquals("-ERR AUTH <password> called without any password configured for the default user. "
                + "Are you sure your configuration is correct?\r\n", h.send("AUTH", "x"));
        assertEquals("-WRONGPASS invalid username-password pair or user is disabled.\r\n", h.send("AUTH", "a", "b"));
        assertEquals("-ERR syntax error\r\n", h.send("AUTH", "a", "b", "c"));
    }

    @Test
    void authWithRequirepass() {
        ServerConfig c = ConfigParams.apply(ServerConfig.DEFAULTS, "requirepass", "s3cret");
        try (CommandHarness p = new CommandHarness(c, new KvConfig(100, 16, 16))) {
            p.client.authenticated(false);
            assertEquals("-WRONGPASS invalid username-password pair or user is disabled.\r\n", p.send("AUTH", "nope"));
            assertFalse(p.client.authenticated());
            assertEquals("+OK\r\n", p.send("AUTH", "s3cret"));
            assertTrue(p.client.authenticated());
            p.client.authenticated(false);
            assertEquals("+OK\r\n", p.send("AUTH", "default", "s3cret"));
            assertTrue(p.client.authenticated());
        }
    }

    @Test
    void helloSpeaksResp2Only() {
        String hello = h.send("HELLO", "2");
        assertTrue(hello.startsWith("*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
                + "$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:"), hello);
        assertTrue(hello.endsWith("$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
                + "$7\r\nmodules\r\n*0\r\n"), hello);
        assertEquals("-NOPROTO unsupported protocol version\r\n", h.send("HELLO", "3"));
        assertEquals("-NOPROTO unsupported protocol version\r\n", h.send("HELLO", "4"));
        assertEquals("-ERR Protocol version is not an integer or out of range\r\n", h.send("HELLO", "x"));
        assertEquals("-ERR Syntax error in HELLO option 'foo'\r\n", h.send("HELLO", "2", "foo"));
        h.send("HELLO", "2", "SETNAME", "conn1");
        assertEquals("$5\r\nconn1\r\n", h.send("CLIENT", "GETNAME"));
    }

    @Test
    void clientNames() {
        assertEquals("$-1\r\n", h.send("CLIENT", "GETNAME"));
        assertEquals("+OK\r\n", h.send("CLIENT", "SETNAME", "worker-1"));
        assertEquals("$8\r\nworker-1\r\n", h.send("client", "getname"));
        assertEquals("-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
                h.send("CLIENT", "SETNAME", "a b"));
        assertEquals("-ERR wrong number of arguments for 'client|setname' command\r\n", h.send("CLIENT", "SETNAME"));
        assertEquals("-ERR wrong number of arguments for 'client' command\r\n", h.send("CLIENT"));
        assertEquals("-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n", h.send("CLIENT", "foo"));
        assertEquals(":" + h.client.id() + "\r\n", h.send("CLIENT", "ID"));
    }

    @Test
    void clientSetinfoAsJedisSendsIt() {
        assertEquals("+OK\r\n", h.send("CLIENT", "SETINFO", "LIB-NAME", "jedis"));
        assertEquals("+OK\r\n", h.send("CLIENT", "SETINFO", "lib-ver", "8.0.2"));
        assertEquals("-ERR Unrecognized option 'foo'\r\n", h.send("CLIENT", "SETINFO", "foo", "x"));
        String info = h.send("CLIENT", "INFO");
        assertTrue(info.contains(" lib-name=jedis lib-ver=8.0.2\n"), info);
    }

    @Test
    void clientInfoNamesTheConnectionsRespVersion() {
        assertTrue(h.send("CLIENT", "INFO").contains(" resp=2 "));
        h.client.protocol(3);
        assertTrue(h.send("CLIENT", "INFO").contains(" resp=3 "));
    }

    @Test
    void clientList() {
        h.server.clients().put(h.client.id(), h.client);
        String list = h.send("CLIENT", "LIST");
        assertTrue(list.contains("id=" + h.client.id() + " addr=127.0.0.1:50000 laddr=127.0.0.1:6379 "), list);
        assertEquals("-ERR Unknown client type 'foo'\r\n", h.send("CLIENT", "LIST", "TYPE", "foo"));
        assertEquals("-ERR Invalid client ID\r\n", h.send("CLIENT", "LIST", "ID", "x"));
        assertEquals("$0\r\n\r\n", h.send("CLIENT", "LIST", "ID", "999999"));
    }
}
