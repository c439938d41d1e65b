package io.raftkv.wal;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import net.openhft.chronicle.wire.DocumentContext;
import net.openhft.posix.MAdviseFlag;
import net.openhft.posix.PosixAPI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The durable Raft log: entries plus the hard state and snapshot mark, on a Chronicle Queue.
 *
 * <h2>Records</h2>
 * Chronicle Queue only appends, but Raft must cut a follower's conflicting tail (Raft paper, section 5.3). So
 * the queue holds typed records ({@link Record}: ENTRY, TRUNCATE, HARD_STATE, SNAPSHOT, each framed with its
 * own length and CRC32C), and the log is what replaying them in order gives: TRUNCATE(x) drops every entry
 * above x, SNAPSHOT(i, t) discards the whole log unless it holds entry i with term t (section 7). An in-memory
 * table maps each Raft index to its Chronicle index and term, so {@link #term} never touches the disk and
 * {@link #entry} is one {@code moveToIndex} and one read.
 *
 * <h2>Files and compaction</h2>
 * Chronicle rolls files by time. We drive its clock ourselves: the queue's {@link TimeProvider} returns
 * "day N" of {@link RollCycles#FAST_DAILY}, and N moves on once the current file holds
 * {@link WalConfig#rollBytes()} of records. Files therefore roll by size, and {@link #truncatePrefix} deletes
 * whole old files. Before deleting it re-appends the latest hard state and snapshot mark to the current file
 * and syncs, so recovery never loses them; it closes the queue while deleting (no mapping or cached store
 * refers to a deleted file) and reopens it afterwards. Deleting a prefix of files is safe for TRUNCATE
 * markers: a marker only affects entries written before it, which sit in the same or earlier files.
 *
 * <h2>Durability</h2>
 * Chronicle writes through a shared memory mapping and by default leaves msync to the kernel. {@link #sync()}
 * calls {@link FileChannel#force(boolean) FileChannel.force(false)} (fdatasync(2) on Linux) on every queue file
 * written since the last sync: for a shared mapping the dirty pages are the file's page-cache pages, so this
 * flushes the records, Chronicle's index pages and the file length (which grows as Chronicle maps more). When
 * a file was created since the last sync, the queue's metadata file and the directory are synced too. One
 * sync covers every record appended before it (group commit). Checked with
 * {@code strace -f -y -e trace=fdatasync,fsync,msync} on {@code WalSyncTest}: each sync is one
 * {@code fdatasync(<queue>/19700102F.cq4)}, plus {@code fdatasync(metadata.cq4t)} and two directory
 * {@code fsync}s the first time after a file is created.
 *
 * <h2>Resident memory</h2>
 * Chronicle maps each queue file in chunks of {@link WalConfig#blockSize()} (plus a quarter of it as overlap),
 * and every page written stays in the process's resident set while its chunk is mapped: with the server's
 * 64 MiB blocks that was up to 80 MiB of RSS for records that are written once and, after that, only read when
 * a follower lags or on restart. So after each {@link #RELEASE_STEP} of appends, {@link #releaseWrittenPages}
 * hands the pages of the current chunk below the write position back with {@code madvise(MADV_DONTNEED)}. On a
 * shared file mapping that only unmaps them from this process: the data stays in the page cache and in the
 * file (a page not yet written back keeps its dirty state; durability is still {@link #sync()}'s job), and a
 * later read faults the page in again from the page cache. The advice is best effort: if it fails nothing
 * changes but the RSS.
 *
 * <h2>Page faults</h2>
 * Chronicle grows a queue file sparsely, so every page an append first touches is a fault on a hole. The kernel
 * answers a fault on a file mapping with read-ahead around it, and for a hole that means zeroing up to
 * {@code read_ahead_kb} of page cache (8 MiB on our VM) past the write position. Pages nobody touches soon are
 * reclaimed again (the VM's DAMON reclaim did so within seconds) and zeroed afresh at the next fault: kernel memset
 * was 11% of each node's driver thread under SET -P 16. So the appender's chunk gets {@code madvise(MADV_RANDOM)}
 * when it is first written (faults then read only the page they hit); reads of recent entries by replication and
 * apply find their pages in the page cache anyway, and recovery opens its own mapping.
 *
 * <h2>Recovery</h2>
 * {@link #open} replays every excerpt from the start and stops at the first one that fails our length/kind/CRC
 * checks or that Chronicle cannot read; everything from there on is dropped and logged at WARN. That is the
 * right cut for a torn tail; a bad CRC in the middle of the log (bit rot) also cuts there, because nothing after
 * a bad record can be trusted to follow it. A torn tail
 * can also leave Chronicle's own framing damaged (a half-written 4-byte excerpt header, a header whose
 * "not complete" bit is set, Chronicle's write position pointing past the last good excerpt). Appending after
 * such bytes would hide the new records behind garbage, or make Chronicle wait for a writer that no longer
 * exists. So whenever the tail is not clean, recovery copies the good excerpts, byte for byte and into the same
 * cycles, into a fresh queue in {@code dir/queue.repair}, syncs it, and swaps it in by renames ({@code queue}
 * to {@code queue.damaged}, {@code queue.repair} to {@code queue}); a crash during the swap is finished by the
 * next open. Appends always go to an undamaged queue. (A write lock left in the queue metadata by a killed
 * process is released by Chronicle after {@code timeoutMS}, 1 s here, once it sees that PID is dead.)
 *
 * <h2>Threads and errors</h2>
 * Not thread-safe. One owner thread (the server's driver thread) opens, uses and closes the WAL; Chronicle's
 * appender and tailer are created on first use by that thread. Arguments that break a log invariant throw
 * {@link IllegalArgumentException} and change nothing. I/O failures throw {@link WalException} and leave the
 * WAL failed (see there): nothing after a failure can be acknowledged.
 */
public final class Wal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Wal.class);

    static final RollCycle ROLL_CYCLE = RollCycles.FAST_DAILY;
    static final String QUEUE = "queue";
    static final String REPAIR = "queue.repair";
    static final String DAMAGED = "queue.damaged";
    private static final byte[] NO_PAYLOAD = new byte[0];
    /** Bytes after the last good excerpt that must be zero for the tail to count as clean. */
    private static final int TAIL_PROBE = 64;
    private static final long ONE_SECOND = TimeUnit.SECONDS.toNanos(1);
    /** Appended bytes between two {@link #releaseWrittenPages} calls (a multiple of the page size). */
    static final long RELEASE_STEP = 1L << 20;
    private static final long PAGE = 4096;

    private final WalConfig config;
    private final Path queueDir;
    private final Record record = new Record();
    private final IndexTable table = new IndexTable();
    /** cycle -> {min, max} Raft index of the live entries in that cycle's file. */
    private final TreeMap<Integer, long[]> liveRanges = new TreeMap<>();
    /** cycle -> its queue file, for every cycle file that exists. */
    private final TreeMap<Integer, File> cycleFiles = new TreeMap<>();
    private final Set<Integer> unsyncedCycles = new HashSet<>();
    /**
     * Kept open for {@link #sync} (opening a file per sync was a measurable share of a sync's CPU); closed with the
     * queue, so that a file deleted or renamed by compaction or repair is never synced through a stale channel.
     */
    private final Map<Integer, FileChannel> syncChannels = new HashMap<>();
    private boolean unsyncedNewFile;

    /** The cycle our clock shows Chronicle, i.e. the file appends go to. Volatile: Chronicle reads it via TimeProvider. */
    private volatile int cycle;
    private long cycleBytes;
    /** Whether replay has fixed where the log starts (an entry, truncate or snapshot was seen). */
    private boolean anchored;

    private SingleChronicleQueue queue;
    private ExcerptAppender appender;
    private ExcerptTailer reader;

    private HardState hardState = HardState.EMPTY;
    private SnapshotMark snapshotMark;
    private RecoveryReport recovery;

    private long lastSyncNanos;
    private long syncCount;
    private long syncNanos;
    private WalException failure;
    private boolean closed;
    private byte[] scratch = new byte[4096];
    /** The mapped chunk the appender wrote to last, and the file offset up to which its pages were last released. */
    private BytesStore<?, ?> releasedChunk;
    private long releasedUpTo;
    private boolean releaseFailed;

    private Wal(WalConfig config) {
        this.config = config;
        this.queueDir = config.dir().resolve(QUEUE);
    }

    /**
     * Opens (creating if needed) the WAL in {@code config.dir()} and recovers it: replays all records, drops a
     * damaged tail (see the class comment) and leaves the log ready for appends after the last good record.
     * What was found is in {@link #recovery()}.
     *
     * @throws WalException if the directory cannot be read or written, or if intact records contradict each
     *                      other (an entry out of order: a bug, not a torn write, so nothing is dropped)
     */
    public static Wal open(WalConfig config) {
        Wal wal = new Wal(config);
        try {
            Files.createDirectories(config.dir());
            wal.finishInterruptedRepair();
            wal.recover();
            wal.queue = wal.buildQueue(wal.queueDir, () -> wal.cycleMillis(wal.cycle));
            wal.lastSyncNanos = config.nanoClock().getAsLong();
            return wal;
        } catch (IOException e) {
            wal.closeQuietly();
            throw new WalException("cannot open WAL in " + config.dir() + ": " + e, e);
        } catch (RuntimeException | Error e) {
            wal.closeQuietly();
            throw e;
        }
    }

    // ---------------------------------------------------------------- writes

    /**
     * Appends one entry; {@code e.index()} must be {@code lastIndex() + 1} (call {@link #truncateSuffix} first to
     * replace a conflicting tail). Not durable until {@link #sync()}. Owner thread only; the WAL keeps no
     * reference to {@code e.data()}.
     *
     * @throws IllegalArgumentException for a wrong index or an entry larger than
     *                                  {@link WalConfig#maxEntryBytes()}; the log is unchanged
     * @throws WalException             on an I/O failure (the WAL is then failed)
     */
    public void append(Entry e) {
        checkUsable();
        checkAppendable(e, lastIndex() + 1);
        long qIndex = write(Record.ENTRY, e.index(), e.term(), e.data());
        addEntry(e.index(), e.term(), qIndex);
    }

    /**
     * Appends entries in order, each under the rules of {@link #append(Entry)}. The whole batch is checked
     * before anything is written, so a bad batch changes nothing. Owner thread only.
     */
    public void append(List<Entry> entries) {
        checkUsable();
        long next = lastIndex() + 1;
        for (Entry e : entries) {
            checkAppendable(e, next++);
        }
        for (Entry e : entries) {
            long qIndex = write(Record.ENTRY, e.index(), e.term(), e.data());
            addEntry(e.index(), e.term(), qIndex);
        }
    }

    /**
     * Drops every entry with an index above {@code lastKept} by appending a TRUNCATE marker; a no-op when
     * nothing is above it. Owner thread only.
     *
     * @throws IllegalArgumentException if {@code lastKept} is below the saved commit index or the snapshot mark
     *                                  (committed entries are never removed: Raft paper, section 5.4), or below
     *                                  {@code firstIndex() - 1}
     * @throws WalException             on an I/O failure
     */
    public void truncateSuffix(long lastKept) {
        checkUsable();
        if (lastKept >= lastIndex()) {
            return;
        }
        if (lastKept < hardState.commit()) {
            throw new IllegalArgumentException("truncateSuffix(" + lastKept + ") would remove committed entries (commit index "
                    + hardState.commit() + ")");
        }
        if (snapshotMark != null && lastKept < snapshotMark.index()) {
            throw new IllegalArgumentException("truncateSuffix(" + lastKept + ") would cut below the snapshot mark at "
                    + snapshotMark.index());
        }
        if (lastKept < table.prevIndex()) {
            throw new IllegalArgumentException("truncateSuffix(" + lastKept + ") is below firstIndex()-1 = " + table.prevIndex());
        }
        write(Record.TRUNCATE, lastKept, 0, NO_PAYLOAD);
        applyTruncate(lastKept);
    }

    /**
     * Compaction: deletes whole queue files all of whose live entries are below {@code firstKept}, oldest
     * first, never the file being appended to. {@code firstIndex()} may stay below {@code firstKept}. Re-appends
     * and syncs the hard state and snapshot mark first, so they outlive the files that held them. Owner
     * thread only.
     *
     * @throws IllegalArgumentException if no snapshot mark covers {@code firstKept - 1} (entries not in a
     *                                  snapshot must not be deleted)
     * @throws WalException             on an I/O failure
     */
    public void truncatePrefix(long firstKept) {
        checkUsable();
        if (snapshotMark == null || firstKept - 1 > snapshotMark.index()) {
            throw new IllegalArgumentException("truncatePrefix(" + firstKept + ") needs a snapshot mark at index >= "
                    + (firstKept - 1) + ", have " + snapshotMark);
        }
        List<Integer> doomed = new ArrayList<>();
        for (Map.Entry<Integer, File> f : cycleFiles.entrySet()) {
            int c = f.getKey();
            long[] range = liveRanges.get(c);
            if (c >= cycle || (range != null && range[1] >= firstKept)) {
                break;
            }
            doomed.add(c);
        }
        if (doomed.isEmpty()) {
            return;
        }
        if (!hardState.equals(HardState.EMPTY)) {
            write(Record.HARD_STATE, hardState.commit(), hardState.term(), Record.longBytes(hardState.vote()));
        }
        write(Record.SNAPSHOT, snapshotMark.index(), snapshotMark.term(), NO_PAYLOAD);
        sync();
        try {
            closeQueue();
            for (int c : doomed) {
                Files.deleteIfExists(cycleFiles.remove(c).toPath());
                liveRanges.remove(c);
            }
            forceDirectory(queueDir);
            queue = buildQueue(queueDir, () -> cycleMillis(cycle));
        } catch (IOException | RuntimeException e) {
            throw fail("compaction failed while deleting queue files " + doomed, e);
        }
        if (liveRanges.isEmpty()) {
            table.reset(table.lastIndex());
        } else {
            table.dropBefore(liveRanges.firstEntry().getValue()[0]);
        }
        log.info("WAL compaction deleted {} queue file(s) below index {}; firstIndex now {}", doomed.size(), firstKept, firstIndex());
    }

    /**
     * Records the hard state; durable after the next {@link #sync()}. Owner thread only.
     *
     * @throws IllegalArgumentException if the term goes backwards (Raft terms only increase)
     * @throws WalException             on an I/O failure
     */
    public void saveHardState(HardState hs) {
        checkUsable();
        if (hs.term() < hardState.term()) {
            throw new IllegalArgumentException("hard state term went backwards: " + hardState.term() + " -> " + hs.term());
        }
        write(Record.HARD_STATE, hs.commit(), hs.term(), Record.longBytes(hs.vote()));
        hardState = hs;
    }

    /**
     * Records that a snapshot covers everything up to {@code index}. As in Raft's InstallSnapshot (section 7):
     * if the log holds entry {@code index} with {@code term}, the entries after it stay; otherwise the whole
     * log is discarded and the next append must be {@code index + 1}. Durable after the next {@link #sync()}.
     * Owner thread only.
     *
     * @throws IllegalArgumentException for an index below the current mark's
     * @throws WalException             on an I/O failure
     */
    public void saveSnapshotMark(long index, long term) {
        checkUsable();
        SnapshotMark mark = new SnapshotMark(index, term);
        if (snapshotMark != null && index < snapshotMark.index()) {
            throw new IllegalArgumentException("snapshot mark went backwards: " + snapshotMark.index() + " -> " + index);
        }
        write(Record.SNAPSHOT, index, term, NO_PAYLOAD);
        applySnapshot(mark);
    }

    /**
     * Forces every record appended so far to disk (see the class comment for the syscalls). Owner thread only.
     *
     * @throws WalException if the force fails; the WAL is then failed and nothing since the previous sync may
     *                      be acknowledged
     */
    public void sync() {
        checkUsable();
        long started = System.nanoTime();
        try {
            config.syncHook().beforeSync();
            for (int c : unsyncedCycles) {
                File f = cycleFiles.get(c);
                if (f != null) {
                    FileChannel ch = syncChannels.get(c);
                    if (ch == null) {
                        ch = FileChannel.open(f.toPath(), StandardOpenOption.WRITE);
                        syncChannels.put(c, ch);
                    }
                    ch.force(false);
                }
            }
            if (unsyncedNewFile) {
                try (Stream<Path> files = Files.list(queueDir)) {
                    for (Path p : (Iterable<Path>) files.filter(x -> x.toString().endsWith(".cq4t"))::iterator) {
                        forceFile(p);
                    }
                }
                forceDirectory(queueDir);
                forceDirectory(config.dir());
            }
        } catch (IOException | RuntimeException e) {
            throw fail("sync failed", e);
        }
        unsyncedCycles.clear();
        unsyncedNewFile = false;
        syncCount++;
        syncNanos += System.nanoTime() - started;
        lastSyncNanos = config.nanoClock().getAsLong();
    }

    /** What {@link #syncPerPolicy()} does. */
    public SyncPolicy syncPolicy() {
        return config.syncPolicy();
    }

    /**
     * The driver calls this after each batch of writes and periodically when idle. ALWAYS: syncs and returns
     * true; EVERYSEC: syncs only if at least a second has passed since the last sync; NO: never syncs.
     * Owner thread only.
     *
     * @return whether it synced (only then may writes since the previous sync be acknowledged)
     * @throws WalException as {@link #sync()}
     */
    public boolean syncPerPolicy() {
        checkUsable();
        return switch (config.syncPolicy()) {
            case ALWAYS -> {
                sync();
                yield true;
            }
            case EVERYSEC -> {
                if (config.nanoClock().getAsLong() - lastSyncNanos >= ONE_SECOND) {
                    sync();
                    yield true;
                }
                yield false;
            }
            case NO -> false;
        };
    }

    // ---------------------------------------------------------------- reads

    /**
     * Index of the oldest stored entry; when no entry is stored, {@code lastIndex() + 1}, except that a WAL that
     * never held anything reports 0. Owner thread only.
     */
    public long firstIndex() {
        if (table.size() > 0) {
            return table.prevIndex() + 1;
        }
        long last = lastIndex();
        return last == 0 ? 0 : last + 1;
    }

    /** Index of the newest entry, or the snapshot mark's index if no entry is above it; 0 when empty. Owner thread only. */
    public long lastIndex() {
        return table.lastIndex();
    }

    /**
     * Term of the entry at {@code index}; also answers for the snapshot mark's index, and 0 for index 0.
     * Owner thread only.
     *
     * @throws IndexOutOfBoundsException for any other index outside {@code [firstIndex(), lastIndex()]}
     */
    public long term(long index) {
        if (table.contains(index)) {
            return table.term(index);
        }
        if (snapshotMark != null && index == snapshotMark.index()) {
            return snapshotMark.term();
        }
        if (index == 0) {
            return 0;
        }
        throw new IndexOutOfBoundsException("no term for index " + index + ": log holds [" + firstIndex() + ", "
                + lastIndex() + "], snapshot mark " + snapshotMark);
    }

    /**
     * The entry at {@code index}, read from the queue; the caller owns the returned entry. Owner thread only.
     *
     * @throws IndexOutOfBoundsException for an index outside {@code [firstIndex(), lastIndex()]}
     * @throws WalException              if the record cannot be read back intact
     */
    public Entry entry(long index) {
        checkUsable();
        checkStored(index);
        return readEntry(index);
    }

    /**
     * Entries {@code [from, toExclusive)}, stopping early once their data would exceed {@code maxBytes} — but
     * always at least one entry when {@code from < toExclusive}. The caller owns the returned list. Owner
     * thread only.
     *
     * @throws IndexOutOfBoundsException if the range is not within {@code [firstIndex(), lastIndex() + 1)}
     * @throws WalException              if a record cannot be read back intact
     */
    public List<Entry> entries(long from, long toExclusive, long maxBytes) {
        checkUsable();
        List<Entry> out = new ArrayList<>();
        if (from >= toExclusive) {
            return out;
        }
        checkStored(from);
        checkStored(toExclusive - 1);
        long bytes = 0;
        for (long i = from; i < toExclusive; i++) {
            Entry e = readEntry(i);
            bytes += e.data().length;
            if (!out.isEmpty() && bytes > maxBytes) {
                break;
            }
            out.add(e);
        }
        return out;
    }

    /** The last saved hard state, {@link HardState#EMPTY} if none. Owner thread only. */
    public HardState hardState() {
        return hardState;
    }

    /** The last saved snapshot mark, or null. Owner thread only. */
    public SnapshotMark snapshotMark() {
        return snapshotMark;
    }

    /** What {@link #open} found on disk. */
    public RecoveryReport recovery() {
        return recovery;
    }

    /** How many syncs have completed since open; for metrics and tests. */
    public long syncCount() {
        return syncCount;
    }

    /** Wall time spent in completed syncs since open, in nanoseconds (the disk's share of write latency). */
    public long syncNanos() {
        return syncNanos;
    }

    /**
     * Syncs what was appended (unless the WAL failed) and releases the queue. Idempotent. Owner thread only.
     *
     * @throws WalException if the final sync fails
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            if (failure == null && queue != null && (!unsyncedCycles.isEmpty() || unsyncedNewFile)) {
                sync();
            }
        } finally {
            closed = true;
            closeQuietly();
        }
    }

    // ---------------------------------------------------------------- internals: writing

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException("WAL in " + config.dir() + " is closed");
        }
        if (failure != null) {
            throw new WalException("WAL in " + config.dir() + " failed earlier and must be reopened: " + failure.getMessage(), failure);
        }
    }

    private void checkAppendable(Entry e, long expected) {
        if (e.index() != expected) {
            throw new IllegalArgumentException("append of index " + e.index() + " but the next index is " + expected
                    + " (lastIndex " + lastIndex() + "; call truncateSuffix first to replace entries)");
        }
        if (e.data().length > config.maxEntryBytes()) {
            throw new IllegalArgumentException("entry " + e.index() + " has " + e.data().length + " bytes, more than the "
                    + config.maxEntryBytes() + " a record may hold with blockSize " + config.blockSize());
        }
    }

    /** Appends one record and returns its Chronicle index. */
    private long write(byte kind, long index, long term, byte[] payload) {
        long size = Record.OVERHEAD + payload.length;
        if (cycleBytes > 0 && cycleBytes + size > config.rollBytes()) {
            cycle++;
            cycleBytes = 0;
        }
        long qIndex;
        try {
            if (appender == null) {
                appender = queue.createAppender();
            }
            record.encode(kind, index, term, payload);
            try (DocumentContext dc = appender.writingDocument()) {
                try {
                    Bytes<?> b = dc.wire().bytes();
                    b.write(record.header());
                    b.write(payload);
                    b.write(record.trailer());
                } catch (RuntimeException | Error e) {
                    dc.rollbackOnClose();
                    throw e;
                }
            }
            qIndex = appender.lastIndexAppended();
        } catch (RuntimeException | Error e) {
            // An Error here is typically InternalError from a SIGBUS on the mapping: the disk is full.
            throw fail("append of " + kindName(kind) + " record at index " + index + " failed (disk full?)", e);
        }
        int c = ROLL_CYCLE.toCycle(qIndex);
        if (!cycleFiles.containsKey(c)) {
            cycleFiles.put(c, appender.currentFile());
            unsyncedNewFile = true;
        }
        unsyncedCycles.add(c);
        cycleBytes += size;
        releaseWrittenPages();
        return qIndex;
    }

    /**
     * Drops the appender's chunk's pages below the write position from the resident set, once at least
     * {@link #RELEASE_STEP} bytes were written since the last time (see "Resident memory" in the class comment).
     * Only whole pages below the page holding the write position are released. Costs one madvise per step; on
     * pages no longer mapped it is a page-table walk.
     */
    private void releaseWrittenPages() {
        if (releaseFailed) {
            return;
        }
        Bytes<?> b = appender.wire().bytes();
        if (!(b.bytesStore() instanceof MappedBytesStore chunk)) {
            return;
        }
        if (chunk != releasedChunk) {
            releasedChunk = chunk;
            releasedUpTo = chunk.start(); // chunks start at multiples of the block size, so on a page boundary
            adviseRandom(chunk);
        }
        long end = Math.min(b.writePosition(), chunk.start() + chunk.realCapacity()) & -PAGE;
        if (end - releasedUpTo < RELEASE_STEP) {
            return;
        }
        // From the chunk's start each time, not from releasedUpTo: reads of recent entries (the apply loop,
        // replication to followers) fault released pages back in behind the write position.
        String failed;
        try {
            int rc = PosixAPI.posix().madvise(chunk.addressForRead(chunk.start()), end - chunk.start(),
                    MAdviseFlag.MADV_DONTNEED);
            failed = rc == 0 ? null : "returned " + rc;
        } catch (RuntimeException | LinkageError e) {
            failed = "failed: " + e; // a hint only: never fails the append
        }
        if (failed != null) {
            releaseFailed = true;
            log.warn("madvise(MADV_DONTNEED) on the WAL mapping in {} {}; written pages stay resident",
                    config.dir(), failed);
            return;
        }
        releasedUpTo = end;
    }

    /**
     * Turns off fault read-ahead on a chunk the appender has just started writing (see "Page faults" in the class
     * comment). Best effort, like the release: if it fails, only the read-ahead stays.
     */
    private void adviseRandom(MappedBytesStore chunk) {
        try {
            long len = (chunk.realCapacity() + PAGE - 1) & -PAGE;
            int rc = PosixAPI.posix().madvise(chunk.addressForRead(chunk.start()), len, MAdviseFlag.MADV_RANDOM);
            if (rc != 0) {
                log.warn("madvise(MADV_RANDOM) on the WAL mapping in {} returned {}", config.dir(), rc);
            }
        } catch (RuntimeException | LinkageError e) {
            log.warn("madvise(MADV_RANDOM) on the WAL mapping in {} failed: {}", config.dir(), e.toString());
        }
    }

    private WalException fail(String what, Throwable cause) {
        WalException e = new WalException(what + " in " + config.dir() + ": " + cause, cause);
        if (failure == null) {
            failure = e;
        }
        log.error("WAL failed; it must be reopened before anything more is acknowledged", e);
        return e;
    }

    // ---------------------------------------------------------------- internals: applying records

    private void addEntry(long index, long term, long qIndex) {
        table.add(index, term, qIndex);
        anchored = true;
        int c = ROLL_CYCLE.toCycle(qIndex);
        long[] range = liveRanges.get(c);
        if (range == null) {
            liveRanges.put(c, new long[]{index, index});
        } else {
            range[1] = index;
        }
    }

    private void applyTruncate(long lastKept) {
        table.truncateAfter(lastKept);
        anchored = true;
        for (Iterator<long[]> it = liveRanges.values().iterator(); it.hasNext(); ) {
            long[] range = it.next();
            if (range[0] > lastKept) {
                it.remove();
            } else if (range[1] > lastKept) {
                range[1] = lastKept;
            }
        }
    }

    private void applySnapshot(SnapshotMark mark) {
        long i = mark.index();
        boolean keep = (table.contains(i) && table.term(i) == mark.term()) || (anchored && i <= table.prevIndex());
        if (!keep) {
            table.reset(i);
            liveRanges.clear();
        }
        anchored = true;
        snapshotMark = mark;
    }

    // ---------------------------------------------------------------- internals: reading

    private void checkStored(long index) {
        if (!table.contains(index)) {
            throw new IndexOutOfBoundsException("no entry at index " + index + ": log holds [" + firstIndex() + ", "
                    + lastIndex() + "]" + (snapshotMark != null && index <= snapshotMark.index() ? " (compacted into the snapshot at "
                    + snapshotMark.index() + ")" : ""));
        }
    }

    private Entry readEntry(long index) {
        long qIndex = table.queueIndex(index);
        String bad;
        try {
            if (reader == null) {
                reader = queue.createTailer();
            }
            if (reader.index() != qIndex && !reader.moveToIndex(qIndex)) {
                throw new WalException("entry " + index + " at queue index " + Long.toHexString(qIndex) + " is missing from " + queueDir);
            }
            try (DocumentContext dc = reader.readingDocument()) {
                if (!dc.isPresent()) {
                    throw new WalException("entry " + index + " at queue index " + Long.toHexString(qIndex) + " cannot be read from " + queueDir);
                }
                bad = readRecord(dc.wire().bytes());
            }
        } catch (WalException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new WalException("reading entry " + index + " from " + queueDir + " failed: " + e, e);
        }
        if (bad != null || record.kind != Record.ENTRY || record.index != index) {
            throw new WalException("record at queue index " + Long.toHexString(qIndex) + " is not entry " + index + ": "
                    + (bad != null ? bad : kindName(record.kind) + " " + record.index));
        }
        return new Entry(record.index, record.term, record.payload);
    }

    /** Reads the excerpt into {@link #record}; null if intact, else why not. */
    private String readRecord(Bytes<?> b) {
        long n = b.readRemaining();
        if (n > maxRecordBytes()) {
            // Never a record of ours: likely a damaged Chronicle header. Do not allocate what it claims.
            return "excerpt claims " + n + " bytes, more than any record (" + maxRecordBytes() + ")";
        }
        if (scratch.length < n) {
            scratch = new byte[(int) Math.max(n, scratch.length * 2L)];
        }
        int read = b.read(scratch, 0, (int) n);
        if (read != n) {
            return "short excerpt read: " + read + " of " + n + " bytes";
        }
        return record.decode(scratch, (int) n);
    }

    private long maxRecordBytes() {
        return config.maxEntryBytes() + Record.OVERHEAD;
    }

    private static String kindName(byte kind) {
        return switch (kind) {
            case Record.ENTRY -> "ENTRY";
            case Record.TRUNCATE -> "TRUNCATE";
            case Record.HARD_STATE -> "HARD_STATE";
            case Record.SNAPSHOT -> "SNAPSHOT";
            default -> "kind " + kind;
        };
    }

    // ---------------------------------------------------------------- internals: recovery

    private void recover() throws IOException {
        Scan scan = scan();
        Scan replayed = scan;
        if (scan.damage != null) {
            log.warn("WAL {}: {} after index {}; dropping {} excerpt(s) ({} bytes as framed) and rewriting the queue",
                    config.dir(), scan.damage, table.lastIndex(), scan.droppedRecords, scan.droppedBytes);
            repair(scan.goodRecords);
            replayed = scan();
            if (replayed.damage != null) {
                throw new WalException("WAL " + config.dir() + " still damaged after repair: " + replayed.damage);
            }
            recovery = new RecoveryReport(replayed.goodRecords, table.size(), scan.droppedRecords, scan.droppedBytes,
                    table.size() > 0 ? table.lastIndex() : 0, scan.damage, true);
        } else {
            recovery = new RecoveryReport(scan.goodRecords, table.size(), 0, 0,
                    table.size() > 0 ? table.lastIndex() : 0, null, false);
        }
        Integer last = cycleFiles.isEmpty() ? null : cycleFiles.lastKey();
        cycle = last == null ? 1 : last;
        cycleBytes = replayed.lastCycleBytes;
        log.info("WAL {} recovered: {} records, entries [{}, {}], {}, snapshot mark {}", config.dir(), recovery.recordsRead(),
                firstIndex(), lastIndex(), hardState, snapshotMark);
    }

    private static final class Scan {
        long goodRecords;
        long droppedRecords;
        long droppedBytes;
        long lastCycleBytes;
        String damage;
    }

    /** Replays the queue into the in-memory state; reports, but does not fix, a damaged tail. */
    private Scan scan() throws IOException {
        closeSyncChannels();
        table.reset(0);
        liveRanges.clear();
        cycleFiles.clear();
        anchored = false;
        hardState = HardState.EMPTY;
        snapshotMark = null;
        Scan scan = new Scan();
        if (!Files.isDirectory(queueDir)) {
            return scan;
        }
        int[] clock = {0};
        try (SingleChronicleQueue q = buildQueue(queueDir, () -> cycleMillis(clock[0]))) {
            clock[0] = Math.max(q.lastCycle(), 0);
            long endPosition = -1;
            int endCycle = Integer.MIN_VALUE;
            long lastGood = -1;
            long lastGoodHeader = -1;
            try (ExcerptTailer t = q.createTailer()) {
                while (true) {
                    try (DocumentContext dc = t.readingDocument()) {
                        if (!dc.isPresent()) {
                            break;
                        }
                        Bytes<?> b = dc.wire().bytes();
                        long length = b.readRemaining();
                        if (scan.damage != null) {
                            if (length > maxRecordBytes()) {
                                break; // Chronicle's framing is garbage from here on; stop counting
                            }
                            scan.droppedRecords++;
                            scan.droppedBytes += length;
                            continue;
                        }
                        long start = b.readPosition() - 4;
                        long end = b.readLimit();
                        String bad = readRecord(b);
                        if (bad != null) {
                            scan.damage = bad + " in the excerpt at queue index " + Long.toHexString(dc.index());
                            scan.droppedRecords++;
                            scan.droppedBytes += Math.min(length, maxRecordBytes());
                            continue;
                        }
                        long qIndex = dc.index();
                        int c = ROLL_CYCLE.toCycle(qIndex);
                        if (c != endCycle) {
                            cycleFiles.put(c, t.currentFile());
                            scan.lastCycleBytes = 0;
                        }
                        replay(qIndex);
                        scan.goodRecords++;
                        scan.lastCycleBytes += length;
                        endPosition = end;
                        endCycle = c;
                        lastGood = qIndex;
                        lastGoodHeader = start;
                    }
                }
            } catch (WalException e) {
                throw e;
            } catch (RuntimeException | AssertionError | InternalError e) {
                // InternalError: a fault on the mapping (e.g. a file cut shorter than a mapped chunk); AssertionError:
                // Chronicle's own consistency checks when assertions are on. Either way the tail is unreadable.
                if (scan.damage == null) {
                    scan.damage = "unreadable queue data (" + e + ")";
                }
            }
            if (scan.damage == null) {
                scan.damage = checkTail(q, endCycle, endPosition, lastGood, lastGoodHeader);
            }
        }
        return scan;
    }

    private void replay(long qIndex) {
        switch (record.kind) {
            case Record.ENTRY -> {
                if (anchored && record.index != table.lastIndex() + 1) {
                    throw new WalException("WAL " + config.dir() + " is inconsistent: entry " + record.index
                            + " at queue index " + Long.toHexString(qIndex) + " follows index " + table.lastIndex());
                }
                if (record.index <= 0) {
                    throw new WalException("WAL " + config.dir() + " holds an entry with index " + record.index);
                }
                addEntry(record.index, record.term, qIndex);
            }
            case Record.TRUNCATE -> applyTruncate(record.index);
            case Record.HARD_STATE -> hardState = new HardState(record.term, Record.longFrom(record.payload), record.index);
            case Record.SNAPSHOT -> applySnapshot(new SnapshotMark(record.index, record.term));
            default -> throw new IllegalStateException("unknown record kind " + record.kind);
        }
    }

    /**
     * Null if Chronicle's view of the last file ends exactly where our last good record does; otherwise what is
     * wrong. Bytes after the last good excerpt must be zero (a torn or not-complete header is not), the
     * newest file must hold a good record, and Chronicle's own last index must be that record's.
     */
    private String checkTail(SingleChronicleQueue q, int endCycle, long endPosition, long lastGood, long lastGoodHeader)
            throws IOException {
        int lastCycle = q.lastCycle();
        if (lastCycle < 0 || (endCycle == Integer.MIN_VALUE && !hasQueueFiles())) {
            return null;
        }
        if (lastCycle != endCycle) {
            return "newest queue file (cycle " + lastCycle + ") holds no intact record";
        }
        long chronicleLast = q.lastIndex();
        if (chronicleLast != lastGood) {
            // E.g. the last excerpt's header was lost entirely: Chronicle's stored write position still counts it.
            return "Chronicle's last index " + Long.toHexString(chronicleLast) + " is not that of the last intact record "
                    + Long.toHexString(lastGood);
        }
        SingleChronicleQueueStore store = q.storeForCycle(endCycle, q.epoch(), false, null);
        if (store == null) {
            return "Chronicle cannot open the store of cycle " + endCycle;
        }
        long writePosition;
        try {
            writePosition = store.writePosition();
        } finally {
            q.closeStore(store);
        }
        if (writePosition != lastGoodHeader) {
            // Chronicle appends after the excerpt at its stored write position. If that excerpt was lost (its
            // header zeroed by the crash) it would leave a zero header in front of every new record, hiding them.
            return "Chronicle's write position " + writePosition + " is not the last intact excerpt's " + lastGoodHeader;
        }
        File file = cycleFiles.get(endCycle);
        ByteBuffer probe = ByteBuffer.allocate(TAIL_PROBE);
        try (FileChannel ch = FileChannel.open(file.toPath(), StandardOpenOption.READ)) {
            while (probe.hasRemaining() && ch.read(probe, endPosition + probe.position()) > 0) {
                // keep reading until the probe is full or the file ends
            }
        }
        for (int i = 0; i < probe.position(); i++) {
            if (probe.get(i) != 0) {
                return "non-zero bytes after the last intact excerpt (a torn or unfinished excerpt header) at byte "
                        + (endPosition + i) + " of " + file.getName();
            }
        }
        return null;
    }

    private boolean hasQueueFiles() throws IOException {
        try (Stream<Path> files = Files.list(queueDir)) {
            return files.anyMatch(p -> p.toString().endsWith(".cq4"));
        }
    }

    /** Copies the first {@code goodRecords} excerpts into a fresh queue and swaps it in (see the class comment). */
    private void repair(long goodRecords) throws IOException {
        Path repairDir = config.dir().resolve(REPAIR);
        Path damagedDir = config.dir().resolve(DAMAGED);
        deleteRecursively(repairDir);
        int[] clock = {0};
        try (SingleChronicleQueue src = buildQueue(queueDir, () -> cycleMillis(clock[0]));
             ExcerptTailer t = src.createTailer();
             SingleChronicleQueue dst = buildQueue(repairDir, () -> cycleMillis(clock[0]))) {
            ExcerptAppender a = null;
            for (long k = 0; k < goodRecords; k++) {
                int n;
                try (DocumentContext dc = t.readingDocument()) {
                    if (!dc.isPresent()) {
                        throw new WalException("repair of " + queueDir + " found only " + k + " of " + goodRecords + " intact records");
                    }
                    clock[0] = ROLL_CYCLE.toCycle(dc.index());
                    Bytes<?> b = dc.wire().bytes();
                    n = (int) b.readRemaining();
                    if (scratch.length < n) {
                        scratch = new byte[n];
                    }
                    b.read(scratch, 0, n);
                }
                if (a == null) {
                    a = dst.createAppender();
                }
                try (DocumentContext out = a.writingDocument()) {
                    out.wire().bytes().write(scratch, 0, n);
                }
            }
            if (a != null) {
                a.close();
            }
        }
        Files.createDirectories(repairDir);
        try (Stream<Path> files = Files.list(repairDir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                forceFile(p);
            }
        }
        forceDirectory(repairDir);
        Files.move(queueDir, damagedDir, StandardCopyOption.ATOMIC_MOVE);
        Files.move(repairDir, queueDir, StandardCopyOption.ATOMIC_MOVE);
        forceDirectory(config.dir());
        deleteRecursively(damagedDir);
    }

    /** Completes or discards a repair that a crash interrupted (see the class comment for the order of renames). */
    private void finishInterruptedRepair() throws IOException {
        Path repairDir = config.dir().resolve(REPAIR);
        Path damagedDir = config.dir().resolve(DAMAGED);
        if (Files.exists(damagedDir)) {
            if (!Files.exists(queueDir)) {
                // queue was renamed away after the repair copy was complete and synced: finish the swap.
                Files.move(repairDir, queueDir, StandardCopyOption.ATOMIC_MOVE);
                forceDirectory(config.dir());
            }
            deleteRecursively(damagedDir);
        }
        deleteRecursively(repairDir);
    }

    // ---------------------------------------------------------------- internals: files and queue

    private SingleChronicleQueue buildQueue(Path path, TimeProvider clock) {
        return SingleChronicleQueueBuilder.binary(path)
                .rollCycle(ROLL_CYCLE)
                .blockSize(config.blockSize())
                .timeProvider(clock)
                // Bounds how long Chronicle waits on a header another writer seems to hold; we are the only writer.
                .timeoutMS(1_000)
                .build();
    }

    private static long cycleMillis(int cycle) {
        return (long) cycle * ROLL_CYCLE.lengthInMillis();
    }

    private static void forceFile(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.force(false);
        }
    }

    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path x : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(x);
            }
        }
    }

    private void closeQueue() {
        closeSyncChannels();
        if (reader != null) {
            reader.close();
            reader = null;
        }
        if (appender != null) {
            appender.close();
            appender = null;
        }
        releasedChunk = null;
        if (queue != null) {
            queue.close();
            queue = null;
        }
    }

    /** Tests: makes the next {@link #sync} fail as an I/O error would (its cached file channels are closed under it). */
    void breakSyncForTest() throws IOException {
        for (FileChannel ch : syncChannels.values()) {
            ch.close();
        }
    }

    private void closeSyncChannels() {
        for (FileChannel ch : syncChannels.values()) {
            try {
                ch.close();
            } catch (IOException e) {
                log.warn("closing a WAL file channel in {} failed", config.dir(), e);
            }
        }
        syncChannels.clear();
    }

    private void closeQuietly() {
        try {
            closeQueue();
        } catch (RuntimeException e) {
            log.warn("closing WAL queue in {} failed", config.dir(), e);
        }
    }
}
