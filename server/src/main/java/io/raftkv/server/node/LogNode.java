package io.raftkv.server.node;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.server.ServerState;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.kv.KvStateMachine;
import io.raftkv.server.kv.LogRecord;
import io.raftkv.server.resp.Reply;
import io.raftkv.wal.Wal;
import io.raftkv.wal.WalException;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * A single node whose log is the WAL: every write is appended, synced (per {@code appendfsync}) and only then
 * applied and answered. Raft replication will take the driver's place between proposal and apply; the threads and
 * queues stay as they are.
 *
 * <p>Threads: Netty event loops call {@link #write} and {@link #read}. One <b>driver</b> thread owns the WAL: it
 * drains proposals in batches, appends them as entries, syncs once per batch (group commit) and hands the batch to
 * the apply queue. One <b>apply</b> thread owns the store: it applies batches and runs reads in the order they
 * were queued, and completes each reply sink. So a read queued after a write was answered sees that write.
 */
public final class LogNode implements KvNode {

    private static final Logger log = LoggerFactory.getLogger(LogNode.class);
    private static final int MAX_BATCH = 1024;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** How often the apply thread looks for expired keys, and how many it proposes to delete at once. */
    private static final long EXPIRE_CYCLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int EXPIRE_BATCH = 64;

    private final Wal wal;
    private final long maxEntryBytes;
    private final KvStateMachine machine;
    private final ServerState server;
    private final LongSupplier clock;
    private final ManyToOneConcurrentLinkedQueue<Proposal> proposals = new ManyToOneConcurrentLinkedQueue<>();
    private final ManyToOneConcurrentLinkedQueue<Object> applyQueue = new ManyToOneConcurrentLinkedQueue<>();
    private final Thread driver;
    private final Thread applier;
    private final long term;
    private volatile boolean running = true;
    /** Set when the WAL failed to take a write: later writes are refused, reads go on. Driver writes, others read. */
    private volatile String walFailure;
    private long lastIndex;
    private long lastTimestamp;
    /** WAL figures published by the driver for INFO, which runs on another thread. */
    private volatile long walFirstIndex;
    private volatile long walLastIndex;
    /** Apply thread only: an EXPIRE record is on its way, so the next cycle waits for it. */
    private volatile boolean expireInFlight;
    private long nextExpireCycle;

    private record Proposal(byte kind, byte[][] argv, ReplySink sink) {
    }

    private record ApplyBatch(List<Entry> entries, List<ReplySink> sinks) {
    }

    private record ReadTask(CommandSpec spec, byte[][] argv, ClientSession client, ReplySink sink) {
    }

    /** Opens on a recovered WAL: replays every entry into {@code machine} before serving. */
    public LogNode(Wal wal, long maxEntryBytes, KvStateMachine machine, ServerState server, LongSupplier clock) {
        this.wal = wal;
        this.maxEntryBytes = maxEntryBytes;
        this.machine = machine;
        this.server = server;
        this.clock = clock;
        HardState hs = wal.hardState();
        this.term = Math.max(hs.term(), 1);
        if (hs.term() == 0) {
            wal.saveHardState(new HardState(term, 0, 0));
            wal.sync();
        }
        replay();
        server.nodeInfo(this::info);
        driver = new Thread(this::driveLoop, "raftkv-driver");
        applier = new Thread(this::applyLoop, "raftkv-apply");
        driver.setDaemon(true);
        applier.setDaemon(true);
        driver.start();
        applier.start();
    }

    private void replay() {
        long first = wal.firstIndex();
        long last = wal.lastIndex();
        long started = System.nanoTime();
        machine.resetAppliedIndex(first == 0 ? 0 : first - 1);
        for (long i = first; i > 0 && i <= last; ) {
            List<Entry> chunk = wal.entries(i, last + 1, 4L << 20);
            for (Entry e : chunk) {
                machine.apply(e.index(), e.data());
                lastTimestamp = Math.max(lastTimestamp, timestampOf(e.data()));
            }
            i += chunk.size();
        }
        lastIndex = last;
        walFirstIndex = first;
        walLastIndex = last;
        log.info("replayed {} log entries ({}..{}) in {} ms", last == 0 ? 0 : last - first + 1, first, last,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    private static long timestampOf(byte[] data) {
        return data.length >= 9 ? java.nio.ByteBuffer.wrap(data, 1, 8).getLong() : 0;
    }

    @Override
    public void write(byte[][] argv, ReplySink sink) {
        propose(LogRecord.COMMAND, argv, sink);
    }

    /** Proposes keys the apply thread found expired; applied as deletes only if still expired at the record's time. */
    void proposeExpire(byte[][] keys, ReplySink sink) {
        propose(LogRecord.EXPIRE, keys, sink);
    }

    private void propose(byte kind, byte[][] argv, ReplySink sink) {
        String failure = walFailure;
        if (failure != null) {
            sink.reply(misconf(failure));
            return;
        }
        if (!running) {
            sink.reply(Reply.error("ERR server is shutting down"));
            return;
        }
        proposals.offer(new Proposal(kind, argv, sink));
        LockSupport.unpark(driver);
    }

    @Override
    public void read(CommandSpec spec, byte[][] argv, ClientSession client, ReplySink sink) {
        applyQueue.offer(new ReadTask(spec, argv, client, sink));
        LockSupport.unpark(applier);
    }

    private void driveLoop() {
        List<Entry> entries = new ArrayList<>(MAX_BATCH);
        List<ReplySink> sinks = new ArrayList<>(MAX_BATCH);
        while (running) {
            Proposal p;
            while (entries.size() < MAX_BATCH && (p = proposals.poll()) != null) {
                long ts = Math.max(lastTimestamp, clock.getAsLong());
                byte[] data = LogRecord.encode(p.kind(), ts, p.argv());
                if (data.length > maxEntryBytes) {
                    p.sink().reply(Reply.error("ERR command too large for the log (" + data.length
                            + " bytes; a log entry holds at most " + maxEntryBytes + ")"));
                    continue;
                }
                lastTimestamp = ts;
                entries.add(new Entry(lastIndex + 1 + entries.size(), term, data));
                sinks.add(p.sink());
            }
            if (entries.isEmpty()) {
                syncQuietly();
                LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                continue;
            }
            if (appendAndSync(entries, sinks)) {
                lastIndex += entries.size();
                walLastIndex = lastIndex;
                walFirstIndex = wal.firstIndex();
                applyQueue.offer(new ApplyBatch(List.copyOf(entries), List.copyOf(sinks)));
                LockSupport.unpark(applier);
            }
            entries.clear();
            sinks.clear();
        }
        Proposal p;
        while ((p = proposals.poll()) != null) {
            p.sink().reply(Reply.error("ERR server is shutting down"));
        }
    }

    /** Appends and syncs a batch; on failure answers every sink with the error and stops taking writes. */
    private boolean appendAndSync(List<Entry> entries, List<ReplySink> sinks) {
        if (walFailure != null) {
            for (ReplySink s : sinks) {
                s.reply(misconf(walFailure));
            }
            return false;
        }
        try {
            wal.append(entries);
            if (wal.syncPerPolicy()) {
                server.lastSyncMillis.set(clock.getAsLong());
            }
            return true;
        } catch (WalException | IllegalArgumentException | IllegalStateException e) {
            // The log may now hold part of this batch; the map must not run ahead of or diverge from it, so this
            // node takes no more writes until restarted (recovery then decides from what is on disk).
            walFailure = String.valueOf(e.getMessage());
            log.error("write-ahead log failed; refusing writes until restart", e);
            for (ReplySink s : sinks) {
                s.reply(misconf(walFailure));
            }
            return false;
        }
    }

    /** Idle-time sync for appendfsync everysec. */
    private void syncQuietly() {
        if (walFailure != null) {
            return;
        }
        try {
            if (wal.syncPerPolicy()) {
                server.lastSyncMillis.set(clock.getAsLong());
            }
        } catch (WalException e) {
            walFailure = String.valueOf(e.getMessage());
            log.error("write-ahead log sync failed; refusing writes until restart", e);
        }
    }

    private static Reply misconf(String why) {
        return Reply.error("MISCONF Errors writing to the AOF file: " + why.replace('\r', ' ').replace('\n', ' '));
    }

    private void applyLoop() {
        nextExpireCycle = System.nanoTime() + EXPIRE_CYCLE_NANOS;
        while (running || !applyQueue.isEmpty()) {
            Object task = applyQueue.poll();
            if (task == null) {
                expireCycle();
                LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                continue;
            }
            if (task instanceof ApplyBatch b) {
                for (int i = 0; i < b.entries().size(); i++) {
                    Entry e = b.entries().get(i);
                    b.sinks().get(i).reply(machine.apply(e.index(), e.data()));
                }
            } else {
                ReadTask r = (ReadTask) task;
                r.sink().reply(machine.read(r.spec(), r.argv(), r.client(), clock.getAsLong()));
            }
            if (System.nanoTime() - nextExpireCycle >= 0) {
                expireCycle();
            }
        }
    }

    /**
     * Active expiry: keys whose deadline passed are invisible already, but they hold memory until deleted. Deletes
     * must go through the log (replicas and replays must agree), so the apply thread samples expired keys and proposes
     * one EXPIRE record at a time; apply deletes only those still expired at the record's time.
     */
    private void expireCycle() {
        long nowNanos = System.nanoTime();
        if (nowNanos - nextExpireCycle < 0 || expireInFlight || walFailure != null || !running) {
            return;
        }
        nextExpireCycle = nowNanos + EXPIRE_CYCLE_NANOS;
        List<byte[]> expired = machine.sampleExpired(clock.getAsLong(), EXPIRE_BATCH);
        if (expired.isEmpty()) {
            return;
        }
        expireInFlight = true;
        proposeExpire(expired.toArray(new byte[0][]), reply -> expireInFlight = false);
    }

    private List<String> info(String section) {
        return switch (section) {
            case "persistence" -> List.of(
                    "aof_last_write_status:" + (walFailure == null ? "ok" : "err"),
                    "wal_first_index:" + walFirstIndex,
                    "wal_last_index:" + walLastIndex,
                    "wal_last_sync_time:" + server.lastSyncMillis.get() / 1000,
                    "applied_index:" + server.appliedIndex.get());
            default -> List.of();
        };
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(driver);
        LockSupport.unpark(applier);
        try {
            driver.join(10_000);
            applier.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            wal.sync();
        } finally {
            wal.close();
        }
    }
}
