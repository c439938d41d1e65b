package io.raftkv.server.kv;

import io.raftkv.server.CommandHarness;
import io.raftkv.server.config.ServerConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the off-heap map cannot take more, writes get Redis's -OOM and nothing already stored is harmed. */
class StoreCapacityTest {

    private static final String OOM = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";

    @Test
    void aFullMapAnswersOomAndKeepsWhatItHas() {
        try (CommandHarness h = new CommandHarness(ServerConfig.DEFAULTS, new KvConfig(64, 8, 8))) {
            String value = "v".repeat(64);
            int stored = 0;
            String reply = "";
            for (int i = 0; i < 100_000; i++) {
                reply = h.send("SET", "key:" + i, value);
                if (!reply.equals("+OK\r\n")) {
                    break;
                }
                stored++;
            }
            assertEquals(OOM, reply, "after " + stored + " keys");
            assertTrue(stored > 10, "the map took almost nothing: " + stored);
            for (int i = 0; i < stored; i++) {
                assertEquals("$64\r\n" + value + "\r\n", h.send("GET", "key:" + i));
            }
            assertEquals(":" + stored + "\r\n", h.send("DBSIZE"));
            // a multi-key write that does not fit is undone whole
            List<String> mset = new ArrayList<>(List.of("MSET", "key:0", "changed"));
            for (int i = 0; i < 50; i++) {
                mset.add("new:" + i);
                mset.add(value);
            }
            assertEquals(OOM, h.send(mset.toArray(String[]::new)));
            assertEquals("$64\r\n" + value + "\r\n", h.send("GET", "key:0"), "MSET was rolled back");
            assertEquals(":0\r\n", h.send("EXISTS", "new:0"));
            assertEquals(":" + stored + "\r\n", h.send("DBSIZE"));
            // deleting makes room again
            assertEquals(":1\r\n", h.send("DEL", "key:1"));
            assertEquals("+OK\r\n", h.send("SET", "after", "x"));
        }
    }

    @Test
    void aValueLargerThanAnEntryOfTheMapGetsAnErrorSayingSoAndChangesNothing() {
        try (CommandHarness h = new CommandHarness(ServerConfig.DEFAULTS, new KvConfig(10_000, 16, 32))) {
            assertEquals("+OK\r\n", h.send("SET", "k", "small"));
            String reply = h.send("SET", "k", "x".repeat(4 << 20));
            assertTrue(reply.startsWith("-ERR value too large for the key space"), reply);
            assertEquals("$5\r\nsmall\r\n", h.send("GET", "k"));
            reply = h.send("APPEND", "k", "y".repeat(4 << 20));
            assertTrue(reply.startsWith("-ERR value too large for the key space"), reply);
            assertEquals("$5\r\nsmall\r\n", h.send("GET", "k"));
            reply = h.send("SET", "new", "z".repeat(4 << 20)); // a new key, not a replaced value
            assertTrue(reply.startsWith("-ERR value too large for the key space"), reply);
            assertEquals(":0\r\n", h.send("EXISTS", "new"));
        }
    }
}
