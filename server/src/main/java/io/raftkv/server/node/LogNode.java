package io.raftkv.server.node;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.kv.LogRecord;
import io.raftkv.server.reply.Reply;
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
 * A standalone node whose log is the WAL: every write is appended, synced (per {@code appendfsync}) and only then
 * applied and answered. In cluster mode the Raft driver takes this class's place; the apply side is the same.
 *
 * <p>Threads: Netty event loops call {@link #write} and {@link #read}. The <b>driver</b> thread owns the WAL: it
 * drains proposals in batches, appends them as entries, syncs once per batch (group commit) and hands the batch to
 * the {@link ApplyLoop}, whose thread applies it and answers. A read is queued behind every batch handed over
 * before it, so it sees every write already answered.
 */
public final class LogNode implements KvNode, ApplyLoop.ExpiryProposer {

    private static final Logger log = LoggerFactory.getLogger(LogNode.class);
    private static final int MAX_BATCH = 1024;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Wal wal;
    private final long maxEntryBytes;
    private final KvStateMachine machine;
    private final ServerState server;
    private final LongSupplier clock;
    private final ApplyLoop applier;
    private final ManyToOneConcurrentLinkedQueue<Proposal> proposals = new ManyToOneConcurrentLinkedQueue<>();
    private final Thread driver;
    private long term;
    private volatile boolean running = true;
    /** Counted down when the driver thread has recovered the state (or failed to: {@link #startFailure}). */
    private final java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
    private volatile RuntimeException startFailure;
    /** Set when the WAL failed to take a write: later writes are refused, reads go on. Driver writes, others read. */
    private volatile String walFailure;
    private long lastIndex;
    private long lastTimestamp;
    /** WAL figures published by the driver for INFO, which runs on another thread. */
    private volatile long walFirstIndex;
    private volatile long walLastIndex;

    private record Proposal(byte kind, byte[][] argv, ReplySink sink) {
    }

    /**
     * Opens on a recovered WAL and returns once every entry has been replayed into {@code machine}. The WAL is used
     * only by the driver thread from then on (Chronicle's appender belongs to one thread), closing included.
     */
    public LogNode(Wal wal, long maxEntryBytes, KvStateMachine machine, ServerState server, LongSupplier clock) {
        this.wal = wal;
        this.maxEntryBytes = maxEntryBytes;
        this.machine = machine;
        this.server = server;
        this.clock = clock;
        applier = new ApplyLoop(machine, clock, this);
        driver = new Thread(this::driveLoop, "raftkv-driver");
        driver.setDaemon(true);
        driver.start();
        try {
            started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while recovering", e);
        }
        if (startFailure != null) {
            throw startFailure;
        }
        server.nodeInfo(this::info);
        applier.start();
    }

    /** Driver thread: the term, then the replay. */
    private void recover() {
        HardState hs = wal.hardState();
        term = Math.max(hs.term(), 1);
        if (hs.term() == 0) {
            wal.saveHardState(new HardState(term, 0, 0));
            wal.sync();
        }
        replay();
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
                lastTimestamp = Math.max(lastTimestamp, LogRecord.timestampOf(e.data()));
            }
            i += chunk.size();
        }
        lastIndex = last;
        walFirstIndex = first;
        walLastIndex = last;
        log.info("replayed {} log entries ({}..{}) in {} ms", last == 0 ? 0 : last - first + 1, first, last,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    @Override
    public void write(CommandSpec spec, byte[][] argv, ReplySink sink) {
        propose(LogRecord.COMMAND, argv, sink);
    }

    @Override
    public boolean mayPropose() {
        return walFailure == null && running;
    }

    @Override
    public void proposeExpire(byte[][] keys, ReplySink done) {
        propose(LogRecord.EXPIRE, keys, done);
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
        applier.read(0, spec, argv, client, sink);
    }

    private void driveLoop() {
        try {
            recover();
        } catch (RuntimeException e) {
            startFailure = e;
            running = false;
            wal.close();
            return;
        } finally {
            started.countDown();
        }
        try {
            serve();
        } finally {
            try {
                wal.close(); // syncs what is not yet synced, unless the WAL failed earlier
            } catch (WalException e) {
                log.error("final sync failed", e);
            }
        }
    }

    private void serve() {
        List<Entry> entries = new ArrayList<>(MAX_BATCH);
        List<ReplySink> sinks = new ArrayList<>(MAX_BATCH);
        while (running) {
            Proposal p;
            while (entries.size() < MAX_BATCH && (p = proposals.poll()) != null) {
                long ts = Math.max(lastTimestamp, clock.getAsLong());
                byte[] data = LogRecord.encode(p.kind(), ts, p.argv());
                if (data.length > maxEntryBytes) {
                    p.sink().reply(LogRecord.tooLarge(data.length, maxEntryBytes));
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
                applier.applyBatch(List.copyOf(entries), List.copyOf(sinks));
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

    /** Redis's answer to writes while its append-only file cannot be written. */
    public static Reply misconf(String why) {
        return Reply.error("MISCONF Errors writing to the AOF file: " + why.replace('\r', ' ').replace('\n', ' '));
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
        try {
            driver.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        applier.close();
    }
}
