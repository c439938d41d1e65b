package io.raftkv.server.node;

import io.raftkv.raft.Entry;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.reply.Reply;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

import java.util.ArrayDeque;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The apply side of a node: the only owner of the state machine (and so of the store). It applies committed entries
 * in log order and completes their reply sinks, runs reads once the applied index has reached the index they must
 * observe, and, when told it may, looks for expired keys to have deleted through the log.
 *
 * <p>It runs either on a thread of its own ({@link #ApplyLoop(KvStateMachine, LongSupplier, ExpiryProposer)}, the
 * standalone node, whose driver thread blocks in WAL syncs) or on its owner's executor
 * ({@link #onExecutor}, the Raft driver): then applying costs no thread hand-off, which on a 2-core machine running
 * three nodes is worth more than applying in parallel with the driver.
 *
 * <p>Threads: {@link #read} may be called from any thread, never blocking. {@link #applyBatch} may be called from
 * any thread with an own thread, and only on the executor otherwise. Everything else happens on the apply thread
 * (or the executor).
 */
public final class ApplyLoop implements AutoCloseable {

    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** How often to look for expired keys, and how many to propose deleting at once. */
    private static final long EXPIRE_CYCLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int EXPIRE_BATCH = 64;

    /** Proposes the deletion of keys found expired; the sink is answered once that record is applied or refused. */
    public interface ExpiryProposer {
        /** Whether this node may propose deletions now (the leader, or a single node). Any thread. */
        boolean mayPropose();

        void proposeExpire(byte[][] keys, ReplySink done);
    }

    /** For entries no client of this node waits for (another node's proposals, replay). */
    private static final KvStateMachine.Replies NO_CLIENT = (command, reply) -> { };

    private record Batch(List<Entry> entries, List<ReplySink> sinks) {
    }

    private record Read(long atIndex, long seq, CommandSpec spec, byte[][] argv, ClientSession client, ReplySink sink) {
    }

    private final KvStateMachine machine;
    private final LongSupplier clock;
    private final ExpiryProposer expiry;
    /** Null when running on an executor. */
    private final Thread thread;
    private final ScheduledExecutorService executor;
    private final ManyToOneConcurrentLinkedQueue<Object> queue = new ManyToOneConcurrentLinkedQueue<>();
    /** Reads waiting for the applied index to reach theirs, in index then arrival order. Apply thread only. */
    private final PriorityQueue<Read> waiting = new PriorityQueue<>((a, b) -> a.atIndex != b.atIndex
            ? Long.compare(a.atIndex, b.atIndex) : Long.compare(a.seq, b.seq));
    private final ArrayDeque<Read> ready = new ArrayDeque<>();
    private volatile boolean running = true;
    private volatile boolean expireInFlight;
    private long readSeq;
    private long nextExpireCycle;
    /** Set once applying failed: every later task gets this error. Apply thread only. */
    private Reply failed;
    private ScheduledFuture<?> expiryTask;
    /** The executor's thread, once known: a read from it runs at once instead of as a task. */
    private volatile Thread executorThread;

    /** An apply loop with a thread of its own ({@code raftkv-apply}), started by {@link #start}. */
    public ApplyLoop(KvStateMachine machine, LongSupplier clock, ExpiryProposer expiry) {
        this(machine, clock, expiry, null);
    }

    private ApplyLoop(KvStateMachine machine, LongSupplier clock, ExpiryProposer expiry,
                      ScheduledExecutorService executor) {
        this.machine = machine;
        this.clock = clock;
        this.expiry = expiry;
        this.executor = executor;
        if (executor == null) {
            this.thread = new Thread(this::run, "raftkv-apply");
            thread.setDaemon(true);
        } else {
            this.thread = null;
        }
    }

    /**
     * An apply loop that runs on {@code executor}, a single thread that its caller owns (the Raft driver's):
     * {@link #applyBatch} must then be called on that thread, and applies at once.
     */
    public static ApplyLoop onExecutor(KvStateMachine machine, LongSupplier clock, ExpiryProposer expiry,
                                       ScheduledExecutorService executor) {
        return new ApplyLoop(machine, clock, expiry, java.util.Objects.requireNonNull(executor, "executor"));
    }

    public void start() {
        nextExpireCycle = System.nanoTime() + EXPIRE_CYCLE_NANOS;
        if (thread != null) {
            thread.start();
        } else {
            executor.execute(() -> executorThread = Thread.currentThread());
            expiryTask = executor.scheduleWithFixedDelay(this::proposeExpired, EXPIRE_CYCLE_NANOS, EXPIRE_CYCLE_NANOS,
                    TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Applies committed entries, or queues them when this loop has its own thread; {@code sinks.get(i)} (null for
     * entries no local client waits for) gets the reply of {@code entries.get(i)}, or for a BATCH entry is a
     * {@link BatchSink} whose parts get the replies of its commands. Batches must arrive in log order without gaps.
     */
    public void applyBatch(List<Entry> entries, List<ReplySink> sinks) {
        Batch b = new Batch(entries, sinks);
        if (thread == null) {
            process(b);
        } else {
            queue.offer(b);
            LockSupport.unpark(thread);
        }
    }

    /** Runs a read once everything up to {@code atIndex} is applied (at once if it already is). Any thread. */
    public void read(long atIndex, CommandSpec spec, byte[][] argv, ClientSession client, ReplySink sink) {
        Read r = new Read(atIndex, 0, spec, argv, client, sink);
        if (thread == null) {
            if (Thread.currentThread() == executorThread) {
                process(r); // the driver releasing confirmed reads
            } else {
                executor.execute(() -> process(r));
            }
        } else {
            queue.offer(r);
            LockSupport.unpark(thread);
        }
    }

    public long appliedIndex() {
        return machine.appliedIndex();
    }

    private void run() {
        while (running || !queue.isEmpty()) {
            Object task = queue.poll();
            if (task == null) {
                expireCycle();
                LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                continue;
            }
            process(task);
            expireCycle();
        }
        answerWaiting(Reply.error("ERR server is shutting down"));
    }

    /** Applies a batch or runs (or parks) a read; on the apply thread or the executor. */
    private void process(Object task) {
        if (failed != null) {
            answer(task, failed);
            return;
        }
        try {
            if (task instanceof Batch b) {
                apply(b);
                while (!waiting.isEmpty() && waiting.peek().atIndex <= machine.appliedIndex()) {
                    ready.add(waiting.poll());
                }
            } else {
                Read r = (Read) task;
                if (!running && thread == null) {
                    r.sink.reply(Reply.error("ERR server is shutting down"));
                    return;
                }
                if (r.atIndex <= machine.appliedIndex()) {
                    ready.add(r);
                } else {
                    waiting.add(new Read(r.atIndex, ++readSeq, r.spec, r.argv, r.client, r.sink));
                }
            }
            Read r;
            while ((r = ready.poll()) != null) {
                r.sink.reply(machine.read(r.spec, r.argv, r.client, clock.getAsLong()));
            }
        } catch (RuntimeException | Error e) {
            // The store can no longer follow the log (a corrupt record, a bug): applying later entries would make
            // this replica diverge, so it stops and answers everything with the failure instead.
            String failure = "apply failed at index " + (machine.appliedIndex() + 1) + ": " + e;
            org.slf4j.LoggerFactory.getLogger(ApplyLoop.class).error("applying stopped", e);
            failed = Reply.error("ERR this node cannot apply its log: " + failure.replace('\n', ' '));
            answerWaiting(failed);
        }
    }

    private void apply(Batch b) {
        for (int i = 0; i < b.entries().size(); i++) {
            Entry e = b.entries().get(i);
            ReplySink sink = b.sinks().get(i);
            if (sink instanceof BatchSink batch) {
                machine.apply(e.index(), e.data(), batch);
            } else if (sink != null) {
                machine.apply(e.index(), e.data(), (command, reply) -> sink.reply(reply));
            } else {
                machine.apply(e.index(), e.data(), NO_CLIENT);
            }
        }
    }

    private static void answer(Object task, Reply reply) {
        if (task instanceof Batch b) {
            for (ReplySink sink : b.sinks()) {
                if (sink != null) {
                    sink.reply(reply);
                }
            }
        } else {
            ((Read) task).sink.reply(reply);
        }
    }

    private void answerWaiting(Reply reply) {
        Read r;
        while ((r = ready.poll()) != null) {
            r.sink.reply(reply);
        }
        while ((r = waiting.poll()) != null) {
            r.sink.reply(reply);
        }
    }

    /**
     * Active expiry: an expired key is invisible already but holds memory until deleted. Deletes must go through the
     * log (replicas and replays must agree), so this proposes one EXPIRE record at a time, and apply deletes only
     * the keys still expired at that record's time.
     */
    private void expireCycle() {
        long nowNanos = System.nanoTime();
        if (nowNanos - nextExpireCycle < 0) {
            return;
        }
        nextExpireCycle = nowNanos + EXPIRE_CYCLE_NANOS;
        proposeExpired();
    }

    private void proposeExpired() {
        if (expireInFlight || !running || failed != null || !expiry.mayPropose()) {
            return;
        }
        List<byte[]> expired = machine.sampleExpired(clock.getAsLong(), EXPIRE_BATCH);
        if (expired.isEmpty()) {
            return;
        }
        expireInFlight = true;
        expiry.proposeExpire(expired.toArray(new byte[0][]), reply -> expireInFlight = false);
    }

    /**
     * Stops after everything queued so far has been applied or answered; reads still waiting for their index are
     * answered with a shutdown error. With an executor, the executor must still be running.
     */
    @Override
    public void close() {
        running = false;
        if (thread != null) {
            LockSupport.unpark(thread);
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            executor.submit(() -> {
                if (expiryTask != null) {
                    expiryTask.cancel(false);
                }
                answerWaiting(Reply.error("ERR server is shutting down"));
            }).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
                 | java.util.concurrent.RejectedExecutionException e) {
            org.slf4j.LoggerFactory.getLogger(ApplyLoop.class).warn("apply loop did not stop cleanly", e);
        }
    }
}
