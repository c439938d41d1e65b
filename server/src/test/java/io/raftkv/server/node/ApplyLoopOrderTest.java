package io.raftkv.server.node;

import io.raftkv.raft.Entry;
import io.raftkv.server.StandardCommands;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.kv.ChronicleKeyspace;
import io.raftkv.server.kv.KvConfig;
import io.raftkv.server.kv.LogRecord;
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
