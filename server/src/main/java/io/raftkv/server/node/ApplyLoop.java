package io.raftkv.server.node;

import io.raftkv.raft.Entry;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.kv.KvStateMachine;
import io.raftkv.server.resp.Reply;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

import java.util.ArrayDeque;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The apply thread: the only owner of the state machine (and so of the store). It applies committed entries in log
 * order and completes their reply sinks, runs reads once the applied index has reached the index they must observe,
 * and, when told it may, looks for expired keys to have deleted through the log.
 *
 * <p>Threads: {@link #applyBatch} and {@link #read} are called by the driver and by event loops (any thread, never
 * blocking); everything else happens on the apply thread.
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
    private final ManyToOneConcurrentLinkedQueue<Object> queue = new ManyToOneConcurrentLinkedQueue<>();
    /** Reads waiting for the applied index to reach theirs, in index then arrival order. Apply thread only. */
    private final PriorityQueue<Read> waiting = new PriorityQueue<>((a, b) -> a.atIndex != b.atIndex
            ? Long.compare(a.atIndex, b.atIndex) : Long.compare(a.seq, b.seq));
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean expireInFlight;
    private long readSeq;
    private long nextExpireCycle;

    public ApplyLoop(KvStateMachine machine, LongSupplier clock, ExpiryProposer expiry) {
        this.machine = machine;
        this.clock = clock;
        this.expiry = expiry;
        this.thread = new Thread(this::run, "raftkv-apply");
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /**
     * Queues committed entries for applying; {@code sinks.get(i)} (null for entries no local client waits for) gets
     * the reply of {@code entries.get(i)}, or for a BATCH entry is a {@link BatchSink} whose parts get the replies
     * of its commands. Batches must arrive in log order without gaps.
     */
    public void applyBatch(List<Entry> entries, List<ReplySink> sinks) {
        queue.offer(new Batch(entries, sinks));
        LockSupport.unpark(thread);
    }

    /** Runs a read once everything up to {@code atIndex} is applied (at once if it already is). */
    public void read(long atIndex, CommandSpec spec, byte[][] argv, ClientSession client, ReplySink sink) {
        queue.offer(new Read(atIndex, 0, spec, argv, client, sink));
        LockSupport.unpark(thread);
    }

    public long appliedIndex() {
        return machine.appliedIndex();
    }

    private void run() {
        try {
            applyAll();
        } catch (RuntimeException | Error e) {
            // The store can no longer follow the log (a corrupt record, a bug): applying later entries would make
            // this replica diverge, so it stops and answers everything with the failure instead.
            String failure = "apply failed at index " + (machine.appliedIndex() + 1) + ": " + e;
            org.slf4j.LoggerFactory.getLogger(ApplyLoop.class).error("apply thread stopped", e);
            Reply error = Reply.error("ERR this node cannot apply its log: " + failure.replace('\n', ' '));
            while (running) {
                Object task = queue.poll();
                if (task == null) {
                    LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                } else if (task instanceof Batch b) {
                    for (ReplySink sink : b.sinks()) {
                        if (sink != null) {
                            sink.reply(error);
                        }
                    }
                } else {
                    ((Read) task).sink.reply(error);
                }
            }
        }
    }

    private void applyAll() {
        nextExpireCycle = System.nanoTime() + EXPIRE_CYCLE_NANOS;
        ArrayDeque<Read> ready = new ArrayDeque<>();
        while (running || !queue.isEmpty()) {
            Object task = queue.poll();
            if (task == null) {
                expireCycle();
                LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                continue;
            }
            if (task instanceof Batch b) {
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
                while (!waiting.isEmpty() && waiting.peek().atIndex <= machine.appliedIndex()) {
                    ready.add(waiting.poll());
                }
            } else {
                Read r = (Read) task;
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
            if (System.nanoTime() - nextExpireCycle >= 0) {
                expireCycle();
            }
        }
        Read r;
        while ((r = waiting.poll()) != null) {
            r.sink.reply(Reply.error("ERR server is shutting down"));
        }
    }

    /**
     * Active expiry: an expired key is invisible already but holds memory until deleted. Deletes must go through the
     * log (replicas and replays must agree), so this proposes one EXPIRE record at a time, and apply deletes only
     * the keys still expired at that record's time.
     */
    private void expireCycle() {
        long nowNanos = System.nanoTime();
        if (nowNanos - nextExpireCycle < 0 || expireInFlight || !running) {
            return;
        }
        nextExpireCycle = nowNanos + EXPIRE_CYCLE_NANOS;
        if (!expiry.mayPropose()) {
            return;
        }
        List<byte[]> expired = machine.sampleExpired(clock.getAsLong(), EXPIRE_BATCH);
        if (expired.isEmpty()) {
            return;
        }
        expireInFlight = true;
        expiry.proposeExpire(expired.toArray(new byte[0][]), reply -> expireInFlight = false);
    }

    /** Stops after everything queued so far has been applied or answered. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
