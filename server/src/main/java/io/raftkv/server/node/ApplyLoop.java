package io.raftkv.server.node;

import io.raftkv.raft.Entry;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.kv.LogRecord;
import io.raftkv.server.reply.Reply;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The apply side of a node: the only owner of the state machine (and so of the store). It applies committed entries
 * in log order and completes their reply sinks, runs reads once the applied index has reached the index they must
 * observe, and, when told it may, looks for expired keys to have deleted through the log.
 *
 * <p>It runs on a single-thread executor its owner chooses: the Raft driver's own thread (applying then costs no
 * thread hand-off), a thread of its own (applying then overlaps the driver's next WAL sync), or, in the simulation,
 * the caller's thread (an executor that runs each task at once). Its owner also runs {@link #expiryCycle} there every
 * {@link #EXPIRE_CYCLE_MILLIS}. A batch holding parts
 * of a large write (PART entries, see {@link io.raftkv.server.kv.LogRecord}) is heavy: rebuilding and storing a
 * value of hundreds of megabytes touches that much fresh memory, which took seconds here, and on the driver's
 * thread that would silence its heartbeats for as long. Such a batch runs on a side thread of the loop's own
 * instead, and everything that touches the state machine after it (batches, reads, the expiry scan) follows it
 * there until the side thread has caught up: one thread at a time owns the state machine, always in call order.
 * A read of a value of a megabyte or more is heavy too, for the same reason (it copies the value out).
 *
 * <p>Threads: {@link #applyBatch} and {@link #read} may be called from any thread, never blocking; what is called on
 * the executor runs at once, what is called elsewhere runs there later, in call order. {@link #start} and
 * {@link #close} may be called from any thread but the executor's. Everything else happens on the executor.
 */
public final class ApplyLoop implements AutoCloseable {

    /** How often the owner should run {@link #expiryCycle}. */
    public static final long EXPIRE_CYCLE_MILLIS = 100;
    /** How many expired keys to propose deleting at once. */
    private static final int EXPIRE_BATCH = 64;

    /** Proposes the deletion of keys found expired; the sink is answered once that record is applied or refused. */
    public interface ExpiryProposer {
        /** Whether this node may propose deletions now (the leader, alone or not). Any thread. */
        boolean mayPropose();

        /** Proposes an EXPIRE record of {@code keys}; never blocks. Any thread (the apply loop's executor calls it). */
        void proposeExpire(byte[][] keys, ReplySink done);
    }

    /** For entries no client of this node waits for (another node's proposals, replay). */
    private static final KvStateMachine.Replies NO_CLIENT = (command, reply) -> { };

    private record Read(long atIndex, long seq, CommandSpec spec, byte[][] argv, ClientSession client, ReplySink sink) {
    }

    private final KvStateMachine machine;
    private final LongSupplier clock;
    private final ExpiryProposer expiry;
    private final Executor executor;
    /** Reads waiting for the applied index to reach theirs, in index then arrival order. Executor only. */
    private final PriorityQueue<Read> waiting = new PriorityQueue<>((a, b) -> a.atIndex != b.atIndex
            ? Long.compare(a.atIndex, b.atIndex) : Long.compare(a.seq, b.seq));
    private final ArrayDeque<Read> ready = new ArrayDeque<>();
    private volatile boolean running = true;
    private volatile boolean expireInFlight;
    private long readSeq;
    /** Set once applying failed: every later task gets this error. Executor only. */
    private Reply failed;
    /** The executor's thread, once known: a read from it runs at once instead of as a task. */
    private volatile Thread executorThread;
    /**
     * Where heavy batches run, and what follows them while they do: a thread of the loop's own, made at the first
     * one, unless the owner gave one (the simulation runs them at once). Executor only.
     */
    private Executor side;
    /** The thread {@link #side} runs on is this loop's own, to shut down on close. */
    private ExecutorService ownSide;
    /** Tasks handed to {@link #side} and not finished: while any is, the executor hands it every later task. */
    private final AtomicInteger detoured = new AtomicInteger();
    /** Batches handed to the executor as tasks and not yet begun: while any is, later batches queue too. */
    private final AtomicInteger queuedBatches = new AtomicInteger();

    /** An apply loop that runs on {@code executor}, a single thread that its caller owns and shuts down. */
    public ApplyLoop(KvStateMachine machine, LongSupplier clock, ExpiryProposer expiry, Executor executor) {
        this(machine, clock, expiry, executor, null);
    }

    /**
     * An apply loop that runs on {@code executor} and its heavy batches on {@code side} (single-threaded too, and
     * its caller's; null: a thread of the loop's own).
     */
    public ApplyLoop(KvStateMachine machine, LongSupplier clock, ExpiryProposer expiry, Executor executor,
                     Executor side) {
        this.machine = machine;
        this.clock = clock;
        this.expiry = expiry;
        this.executor = Objects.requireNonNull(executor, "executor");
        this.side = side;
    }

    /** Learns the executor's thread, so that calls made on it run at once. Any thread but the executor's. */
    public void start() {
        executor.execute(() -> executorThread = Thread.currentThread());
    }

    /**
     * Applies committed entries (at once on the executor, else as its next task); {@code sinks.get(i)} (null for
     * entries no local client waits for) gets the reply of {@code entries.get(i)}, or for a BATCH entry is a
     * {@link BatchSink} whose parts get the replies of its commands. Batches must be handed over in log order
     * without gaps, from one thread. Any thread.
     */
    public void applyBatch(List<Entry> entries, List<ReplySink> sinks) {
        boolean heavy = heavy(entries);
        if (Thread.currentThread() == executorThread && queuedBatches.get() == 0) {
            runBatch(entries, sinks, heavy); // the driver's own thread: no hand-off
        } else {
            // Before the executor's thread is known, batches queue; later ones queue behind them, in order.
            queuedBatches.incrementAndGet();
            executor.execute(() -> {
                queuedBatches.decrementAndGet();
                runBatch(entries, sinks, heavy);
            });
        }
    }

    /** Runs a read once everything up to {@code atIndex} is applied (at once if it already is). Any thread. */
    public void read(long atIndex, CommandSpec spec, byte[][] argv, ClientSession client, ReplySink sink) {
        Read r = new Read(atIndex, 0, spec, argv, client, sink);
        if (Thread.currentThread() == executorThread) {
            runRead(r); // the driver releasing confirmed reads
        } else {
            executor.execute(() -> runRead(r));
        }
    }

    /** Whether applying {@code entries} may take long enough to matter to the driver's heartbeats. */
    private static boolean heavy(List<Entry> entries) {
        for (Entry e : entries) {
            if (e.data().length > 0 && e.data()[0] == LogRecord.PART) {
                return true;
            }
        }
        return false;
    }

    /*
     * Where a task that uses the state machine runs, on the executor: at once, or on the side thread if it is heavy
     * or the side thread still has work (then after that work). Whether a read is heavy looks at the state machine,
     * so it is asked only while the executor owns it.
     */

    private void runBatch(List<Entry> entries, List<ReplySink> sinks, boolean heavy) {
        if (detoured.get() == 0 && !heavy) {
            process(entries, sinks, null);
        } else {
            detour(() -> process(entries, sinks, null));
        }
    }

    private void runRead(Read r) {
        if (detoured.get() == 0 && !machine.heavyRead(r.spec, r.argv)) {
            process(null, null, r);
        } else {
            detour(() -> process(null, null, r));
        }
    }

    /** Runs {@code task} on the side thread, after what it holds. On the executor. */
    private void detour(Runnable task) {
        if (side == null) {
            side = ownSide = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "raftkv-apply-large");
                t.setDaemon(true);
                return t;
            });
        }
        detoured.incrementAndGet();
        side.execute(() -> {
            try {
                task.run();
            } finally {
                detoured.decrementAndGet();
            }
        });
    }

    /** Applies a batch ({@code entries} non-null) or runs (or parks) a read; on the executor. */
    private void process(List<Entry> entries, List<ReplySink> sinks, Read read) {
        if (failed != null) {
            answer(sinks, read, failed);
            return;
        }
        try {
            if (entries != null) {
                apply(entries, sinks);
                while (!waiting.isEmpty() && waiting.peek().atIndex <= machine.appliedIndex()) {
                    ready.add(waiting.poll());
                }
            } else {
                if (!running) {
                    read.sink.reply(Reply.error("ERR server is shutting down"));
                    return;
                }
                if (read.atIndex <= machine.appliedIndex()) {
                    ready.add(read);
                } else {
                    waiting.add(new Read(read.atIndex, ++readSeq, read.spec, read.argv, read.client, read.sink));
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

    private void apply(List<Entry> entries, List<ReplySink> sinks) {
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            ReplySink sink = sinks.get(i);
            if (sink instanceof BatchSink batch) {
                machine.apply(e.index(), e.data(), batch);
            } else if (sink != null) {
                machine.apply(e.index(), e.data(), (command, reply) -> sink.reply(reply));
            } else {
                machine.apply(e.index(), e.data(), NO_CLIENT);
            }
        }
    }

    private static void answer(List<ReplySink> sinks, Read read, Reply reply) {
        if (read != null) {
            read.sink.reply(reply);
            return;
        }
        for (ReplySink sink : sinks) {
            if (sink != null) {
                sink.reply(reply);
            }
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
     * the keys still expired at that record's time. On the executor.
     */
    public void expiryCycle() {
        if (expireInFlight || !running || detoured.get() > 0 || failed != null || !expiry.mayPropose()) {
            return; // (while the side thread owns the state machine, the next cycle looks)
        }
        List<byte[]> expired = machine.sampleExpired(clock.getAsLong(), EXPIRE_BATCH);
        if (expired.isEmpty()) {
            return;
        }
        expireInFlight = true;
        expiry.proposeExpire(expired.toArray(new byte[0][]), reply -> expireInFlight = false);
    }

    /**
     * Stops active expiry (the owner stops calling {@link #expiryCycle} first); reads still waiting for their index
     * are answered with a shutdown error. The executor must still be running. Any thread but the executor's.
     */
    @Override
    public void close() {
        running = false;
        try {
            CompletableFuture.runAsync(() -> {
                Runnable answer = () -> answerWaiting(Reply.error("ERR server is shutting down"));
                if (detoured.get() == 0) {
                    answer.run();
                } else {
                    detour(answer);
                }
                if (ownSide != null) {
                    ownSide.shutdown(); // after what it holds
                }
            }, executor).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
                 | java.util.concurrent.RejectedExecutionException e) {
            org.slf4j.LoggerFactory.getLogger(ApplyLoop.class).warn("apply loop did not stop cleanly", e);
        }
    }
}
