package io.raftkv.server.kv;

import io.raftkv.server.CommandHarness;
import io.raftkv.server.config.ServerConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Through the command pipeline: the key space has no preset cap (it splits its shards as it grows and merges them as
 * it shrinks), values far larger than a map entry are stored whole, and what cannot be stored (a key larger than any
 * map entry) gets an error and leaves the store as it was, a multi-key write included.
 */
class KeyspaceGrowthTest {

    @Test
    void theKeySpaceGrowsFarPastOneShardAndShrinksBack() {
        try (CommandHarness h = new CommandHarness(ServerConfig.DEFAULTS, new KvConfig(256, 8, 8))) {
            ChronicleKeyspace store = (ChronicleKeyspace) h.store;
            String value = "v".repeat(64);
            int keys = 20_000;
            for (int i = 0; i < keys; i++) {
                assertEquals("+OK\r\n", h.send("SET", "key:" + i, value + i), "key " + i);
            }
            assertEquals(":" + keys + "\r\n", h.send("DBSIZE"));
            assertTrue(store.shardCount() >= keys / 256, "shards: " + store.shardCount());
            for (int i = 0; i < keys; i++) {
                String v = value + i;
                assertEquals("$" + v.length() + "\r\n" + v + "\r\n", h.send("GET", "key:" + i));
            }
            long offHeapFull = store.offHeapBytes();
            int shardsFull = store.shardCount();
            for (int i = 0; i < keys; i++) {
                if (i % 10 != 0) {
                    assertEquals(":1\r\n", h.send("DEL", "key:" + i));
                }
            }
            assertEquals(":" + keys / 10 + "\r\n", h.send("DBSIZE"));
            for (int i = 0; i < keys; i += 10) {
                assertEquals(":1\r\n", h.send("EXISTS", "key:" + i));
            }
            assertTrue(store.shardCount() < shardsFull / 2, "shards " + shardsFull + " -> " + store.shardCount());
            assertTrue(store.offHeapBytes() < offHeapFull / 2,
                    "off-heap bytes " + offHeapFull + " -> " + store.offHeapBytes());
        }
    }

    @Test
    void splitsTakeSpareMapsMadeAheadAndClosingStopsTheirMaker() throws Exception {
        ChronicleKeyspace store = new ChronicleKeyspace(new KvConfig(256, 8, 8, 2));
        try (store) {
            for (int i = 0; i < 5_000; i++) {
                store.put(("key:" + i).getBytes(), new StringValue(("v" + i).getBytes(), 0));
            }
            assertTrue(store.splits() > 10, "splits: " + store.splits());
            for (int i = 0; i < 5_000; i++) {
                assertEquals("v" + i, new String(((StringValue) store.get(("key:" + i).getBytes(), 0)).bytes()));
            }
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("raftkv-keyspace-spares")) {
                t.join(10_000);
                assertTrue(!t.isAlive(), "the spare maker outlived its key space");
            }
        }
    }

    @Test
    void valuesLargerThanAMapEntryAreStoredWholeAndFreedWhenReplaced() {
        try (CommandHarness h = new CommandHarness()) {
            ChronicleKeyspace store = (ChronicleKeyspace) h.store;
            long empty = store.offHeapBytes();
            String big = "x".repeat(4 << 20);
            assertEquals("+OK\r\n", h.send("SET", "k", big));
            assertEquals("$" + big.length() + "\r\n" + big + "\r\n", h.send("GET", "k"));
            assertEquals(":" + (8 << 20) + "\r\n", h.send("APPEND", "k", "y".repeat(4 << 20)));
            assertEquals("$3\r\nxyy\r\n", h.send("GETRANGE", "k", Integer.toString((4 << 20) - 1), "" + ((4 << 20) + 1)));
            assertEquals(":" + (8 << 20) + "\r\n", h.send("STRLEN", "k"));
            assertTrue(store.offHeapBytes() >= empty + (8 << 20), "off-heap: " + store.offHeapBytes());
            assertEquals("+OK\r\n", h.send("SET", "k", "small"));
            assertTrue(store.offHeapBytes() < empty + (1 << 20), "the large value was not freed: " + store.offHeapBytes());
            assertEquals("$5\r\nsmall\r\n", h.send("GET", "k"));
            assertEquals("+OK\r\n", h.send("SET", "gone", big));
            assertEquals(":1\r\n", h.send("DEL", "gone"));
            assertTrue(store.offHeapBytes() < empty + (1 << 20), "a deleted large value was not freed");
        }
    }

    @Test
    void aKeyTooLargeForAnyMapEntryIsRefusedAndAMultiKeyWriteIsUndoneWhole() {
        try (CommandHarness h = new CommandHarness()) {
            ChronicleKeyspace store = (ChronicleKeyspace) h.store;
            String big = "x".repeat(1 << 20);
            assertEquals("+OK\r\n", h.send("SET", "k", "small"));
            assertEquals("+OK\r\n", h.send("SET", "large", big));
            long offHeap = store.offHeapBytes();
            String hugeKey = "K".repeat(4 << 20);
            String reply = h.send("SET", hugeKey, "v");
            assertTrue(reply.startsWith("-ERR key too large for the key space: a key of 4194304 bytes"), reply);
            List<String> mset = new ArrayList<>(List.of("MSET", "k", "changed", "large", "small now", "new", big));
            mset.addAll(List.of(hugeKey, "v"));
            reply = h.send(mset.toArray(String[]::new));
            assertTrue(reply.startsWith("-ERR key too large for the key space"), reply);
            assertEquals("$5\r\nsmall\r\n", h.send("GET", "k"), "MSET was rolled back");
            assertEquals("$" + big.length() + "\r\n" + big + "\r\n", h.send("GET", "large"));
            assertEquals(":0\r\n", h.send("EXISTS", "new"));
            assertEquals(":2\r\n", h.send("DBSIZE"));
            assertEquals(1, store.shardCount(), "a refused key must not split shards");
            assertEquals(offHeap, store.offHeapBytes(), "the rolled-back MSET's large value was not freed");
        }
    }

    @Test
    void aRolledBackCommandKeepsTheLargeValuesItReplaced() {
        try (ChronicleKeyspace store = new ChronicleKeyspace(new KvConfig(64, 8, 8))) {
            byte[] a = new byte[100_000];
            Arrays.fill(a, (byte) 'a');
            byte[] b = new byte[200_000];
            Arrays.fill(b, (byte) 'b');
            store.put("k".getBytes(), new StringValue(a, 0));
            for (int i = 0; i < 500; i++) { // enough to split shards while the command runs
                store.put(("filler" + i).getBytes(), new StringValue(new byte[8], 0));
            }
            store.beginCommand();
            store.put("k".getBytes(), new StringValue(b, 0));
            store.delete("k".getBytes(), 0);
            store.put("k".getBytes(), new StringValue(b, 0));
            for (int i = 0; i < 500; i++) {
                store.delete(("filler" + i).getBytes(), 0);
            }
            store.rollbackCommand();
            assertTrue(Arrays.equals(a, ((StringValue) store.get("k".getBytes(), 0)).bytes()));
            assertEquals(501, store.size());
            store.beginCommand();
            store.put("k".getBytes(), new StringValue(b, 0));
            store.endCommand();
            assertTrue(Arrays.equals(b, ((StringValue) store.get("k".getBytes(), 0)).bytes()));
        }
    }
}
