package io.raftkv.server.node;

import io.raftkv.raft.Entry;
import io.raftkv.server.StandardCommands;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.kv.ChronicleKeyspace;
import io.raftkv.server.kv.KvConfig;
import io.raftkv.server.kv.LogRecord;
import io.raftkv.server.kv.RecordStream;
import io.raftkv.server.reply.Reply;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApplyLoopOrderTest {

    /**
     * At a node's start the driver may hand batches to the apply loop from the executor's own thread before the
     * loop knows that thread: those batches queue as tasks. A later batch handed over once the thread is known
     * must not run before them (it did: "apply out of order: applied 16, got 33" at a restart replaying a long log).
     */
    @Test
    void aBatchNeverOvertakesBatchesQueuedBeforeTheExecutorThreadWasKnown() throws Exception {
        ServerState server = new ServerState(ServerConfig.DEFAULTS, StandardCommands.table());
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
        try (ChronicleKeyspace store = new ChronicleKeyspace(new KvConfig(1_000, 16, 16))) {
            KvStateMachine machine = new KvStateMachine(server.table(), store, server);
            ApplyLoop loop = new ApplyLoop(machine, () -> 1_000L, new ApplyLoop.ExpiryProposer() {
                @Override
                public boolean mayPropose() {
                    return false;
                }

                @Override
                public void proposeExpire(byte[][] keys, ReplySink done) {
                }
            }, executor);
            CountDownLatch hold = new CountDownLatch(1);
            executor.execute(() -> await(hold));
            List<Reply> replies = new ArrayList<>();
            // Queued behind the hold: the first batch is handed over before the loop knows its thread...
            executor.execute(() -> loop.applyBatch(entries(1, 2), sinks(replies, 2)));
            loop.start();
            // ...and the second after it does, while the first still waits as a task.
            executor.execute(() -> loop.applyBatch(entries(3, 4), sinks(replies, 2)));
            hold.countDown();
            CountDownLatch done = new CountDownLatch(1);
            executor.execute(() -> executor.execute(done::countDown));
            assertTrue(done.await(30, TimeUnit.SECONDS));
            assertEquals(4, machine.appliedIndex());
            assertEquals(List.of(Reply.OK, Reply.OK, Reply.OK, Reply.OK), replies);
            loop.close();
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * A batch with parts of a large write runs off the executor's thread (the driver's, which must keep sending
     * heartbeats), and what comes after it, batches and reads, follows it in order.
     */
    @Test
    void aHeavyBatchLeavesTheExecutorThreadAndWhatFollowsItKeepsItsOrder() throws Exception {
        ServerState server = new ServerState(ServerConfig.DEFAULTS, StandardCommands.table());
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "driver"));
        try (ChronicleKeyspace store = new ChronicleKeyspace(new KvConfig(1_000, 16, 16))) {
            KvStateMachine machine = new KvStateMachine(server.table(), store, server);
            ApplyLoop loop = new ApplyLoop(machine, () -> 1_000L, NO_EXPIRY, executor);
            loop.start();
            byte[][] big = {bytes("SET"), bytes("big"), new byte[1 << 20]};
            RecordStream.Writer w = new RecordStream.Writer(LogRecord.COMMAND, 1_000, big);
            List<Entry> parts = List.of(new Entry(1, 1, LogRecord.encodePart(0, w, 600_000)),
                    new Entry(2, 1, LogRecord.encodePart(1, w, w.remaining())));
            List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
            CountDownLatch done = new CountDownLatch(1);
            executor.execute(() -> {
                loop.applyBatch(parts, List.of(reply -> { }, reply -> events.add("big " + reply + " on "
                        + Thread.currentThread().getName())));
                loop.applyBatch(entries(3, 3), List.of(reply -> events.add("k3 " + reply)));
                loop.read(3, server.table().get("strlen"), new byte[][]{bytes("STRLEN"), bytes("big")}, null,
                        reply -> events.add("strlen " + reply));
                loop.read(3, server.table().get("get"), new byte[][]{bytes("GET"), bytes("k3")}, null, reply -> {
                    events.add("get " + new String(((Reply.Bulk) reply).bytes(), StandardCharsets.UTF_8));
                    done.countDown();
                });
            });
            assertTrue(done.await(30, TimeUnit.SECONDS));
            assertEquals(List.of("big " + Reply.OK + " on raftkv-apply-large", "k3 " + Reply.OK,
                    "strlen " + Reply.integer(1 << 20), "get v3"), events);
            // Later, with the side thread idle: a read of a value of a megabyte goes there, a small one does not.
            events.clear();
            CountDownLatch reads = new CountDownLatch(2);
            executor.execute(() -> {
                loop.read(3, server.table().get("get"), new byte[][]{bytes("GET"), bytes("big")}, null, reply -> {
                    events.add("big on " + Thread.currentThread().getName());
                    reads.countDown();
                });
                loop.read(3, server.table().get("get"), new byte[][]{bytes("GET"), bytes("k3")}, null, reply -> {
                    events.add("k3 after big");
                    reads.countDown();
                });
            });
            assertTrue(reads.await(30, TimeUnit.SECONDS));
            assertEquals(List.of("big on raftkv-apply-large", "k3 after big"), events);
            // Once the side thread has finished (its count drops just after the last reply), small reads stay here.
            String thread = null;
            for (int attempt = 0; attempt < 3_000 && !"driver".equals(thread); attempt++) {
                java.util.concurrent.ArrayBlockingQueue<String> on = new java.util.concurrent.ArrayBlockingQueue<>(1);
                executor.execute(() -> loop.read(3, server.table().get("get"), new byte[][]{bytes("GET"), bytes("k3")},
                        null, reply -> on.add(Thread.currentThread().getName())));
                thread = on.poll(30, TimeUnit.SECONDS);
                if (!"driver".equals(thread)) {
                    Thread.sleep(10);
                }
            }
            assertEquals("driver", thread);
            loop.close();
        } finally {
            executor.shutdownNow();
        }
    }

    private static final ApplyLoop.ExpiryProposer NO_EXPIRY = new ApplyLoop.ExpiryProposer() {
        @Override
        public boolean mayPropose() {
            return false;
        }

        @Override
        public void proposeExpire(byte[][] keys, ReplySink done) {
        }
    };

    private static List<Entry> entries(long from, long to) {
        List<Entry> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            byte[][] argv = {bytes("SET"), bytes("k" + i), bytes("v" + i)};
            out.add(new Entry(i, 1, LogRecord.encode(LogRecord.COMMAND, 1_000, argv)));
        }
        return out;
    }

    private static List<ReplySink> sinks(List<Reply> replies, int n) {
        List<ReplySink> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(replies::add);
        }
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
