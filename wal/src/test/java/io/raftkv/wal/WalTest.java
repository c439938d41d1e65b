package io.raftkv.wal;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WalTest {
    @TempDir
    Path dir;

    private WalConfig config() {
        return new WalConfig(dir).withBlockSize(WalConfig.MIN_BLOCK_SIZE);
    }

    static Entry entry(long index, long term, String data) {
        return new Entry(index, term, data.getBytes(StandardCharsets.UTF_8));
    }

    static void assertSameEntry(Entry expected, Entry actual) {
        assertEquals(expected.index(), actual.index(), "index");
        assertEquals(expected.term(), actual.term(), "term of " + expected.index());
        assertArrayEquals(expected.data(), actual.data(), "data of " + expected.index());
    }

    static void assertLog(Wal wal, List<Entry> expected) {
        if (expected.isEmpty()) {
            return;
        }
        assertEquals(expected.get(0).index(), wal.firstIndex(), "firstIndex");
        assertEquals(expected.get(expected.size() - 1).index(), wal.lastIndex(), "lastIndex");
        for (Entry e : expected) {
            assertSameEntry(e, wal.entry(e.index()));
            assertEquals(e.term(), wal.term(e.index()));
        }
        List<Entry> all = wal.entries(wal.firstIndex(), wal.lastIndex() + 1, Long.MAX_VALUE);
        assertEquals(expected.size(), all.size());
        for (int i = 0; i < all.size(); i++) {
            assertSameEntry(expected.get(i), all.get(i));
        }
    }

    @Test
    void newWalIsEmpty() {
        try (Wal wal = Wal.open(config())) {
            assertEquals(0, wal.firstIndex());
            assertEquals(0, wal.lastIndex());
            assertEquals(0, wal.term(0));
            assertEquals(HardState.EMPTY, wal.hardState());
            assertNull(wal.snapshotMark());
            assertTrue(wal.recovery().clean());
            assertThrows(IndexOutOfBoundsException.class, () -> wal.entry(1));
        }
        try (Wal wal = Wal.open(config())) {
            assertEquals(0, wal.lastIndex());
            assertEquals(0, wal.recovery().recordsRead());
        }
    }

    @Test
    void recordsOfEverySizeSurviveReopen() {
        Random random = new Random(42);
        List<Entry> expected = new ArrayList<>();
        int[] sizes = {0, 1, 7, 100, 4096, 1 << 20, 0, 33};
        WalConfig config = config().withBlockSize(8L << 20);
        try (Wal wal = Wal.open(config)) {
            for (int i = 0; i < sizes.length; i++) {
                byte[] data = new byte[sizes[i]];
                random.nextBytes(data);
                Entry e = new Entry(i + 1, 1 + i / 3, data);
                expected.add(e);
                wal.append(e);
            }
            wal.saveHardState(new HardState(3, 2, 5));
            wal.saveSnapshotMark(4, 2);
            wal.sync();
            assertLog(wal, expected);
        }
        try (Wal wal = Wal.open(config)) {
            assertTrue(wal.recovery().clean(), wal.recovery().toString());
            assertFalse(wal.recovery().repaired());
            assertEquals(sizes.length + 2, wal.recovery().recordsRead());
            assertLog(wal, expected);
            assertEquals(new HardState(3, 2, 5), wal.hardState());
            assertEquals(new SnapshotMark(4, 2), wal.snapshotMark());
            assertEquals(2, wal.term(4));
        }
    }

    /**
     * Written pages are handed back with madvise(MADV_DONTNEED) as appends go on (Wal's "Resident memory"): the
     * mapped queue file's resident size stays small, and every entry still reads back, during the run (reads fault
     * released pages in again) and after reopening.
     */
    @Test
    void writtenPagesLeaveTheResidentSetAndStillReadBack() throws IOException {
        Random random = new Random(7);
        List<Entry> expected = new ArrayList<>();
        WalConfig config = config().withBlockSize(16L << 20);
        try (Wal wal = Wal.open(config)) {
            for (int i = 1; i <= 3000; i++) {
                byte[] data = new byte[2000 + random.nextInt(2000)];
                random.nextBytes(data);
                Entry e = new Entry(i, 1, data);
                expected.add(e);
                wal.append(e);
                if (i % 100 == 0) {
                    wal.sync();
                    long back = 1 + random.nextInt(i);
                    assertSameEntry(expected.get((int) back - 1), wal.entry(back));
                }
            }
            wal.sync();
            long resident = residentKiB(".cq4");
            if (resident >= 0) { // Linux: 9 MiB written into one 16 MiB chunk; at most a release step stays
                assertTrue(resident < 4096, "queue file pages resident: " + resident + " KiB");
            }
            assertLog(wal, expected);
        }
        try (Wal wal = Wal.open(config)) {
            assertTrue(wal.recovery().clean(), wal.recovery().toString());
            assertLog(wal, expected);
        }
    }

    /**
     * The mapping appends go to has fault read-ahead turned off (Wal's "Page faults"): smaps shows the VM_RAND_READ
     * flag ("rr") on it. With the kernel's read-ahead, each fault on the file's unwritten tail zeroed up to
     * read_ahead_kb of page cache beyond it.
     */
    @Test
    void theMappingAppendsGoToHasReadAheadTurnedOff() throws IOException {
        if (!Files.isReadable(SMAPS)) {
            return; // not Linux: madvise is a Linux hint here
        }
        try (Wal wal = Wal.open(config())) {
            for (int i = 1; i <= 10; i++) {
                wal.append(new Entry(i, 1, new byte[100]));
            }
            wal.sync();
            List<String[]> flags = smaps(path -> path.startsWith(dir.toString()) && path.endsWith(".cq4"), "VmFlags:");
            assertFalse(flags.isEmpty(), "no mapping of a queue file under " + dir);
            for (String[] vmFlags : flags) {
                assertTrue(List.of(vmFlags).contains("rr"), String.join(" ", vmFlags));
            }
        }
    }

    private static final Path SMAPS = Path.of("/proc/self/smaps");

    /** Rss summed over this process's mappings of files whose name ends with {@code suffix}; -1 without /proc. */
    private static long residentKiB(String suffix) throws IOException {
        if (!Files.isReadable(SMAPS)) {
            return -1;
        }
        long total = 0;
        for (String[] rss : smaps(path -> path.endsWith(suffix), "Rss:")) {
            total += Long.parseLong(rss[1]);
        }
        return total;
    }

    /** The {@code field} lines (split on blanks) of this process's mappings whose path {@code mapping} accepts. */
    private static List<String[]> smaps(Predicate<String> mapping, String field) throws IOException {
        List<String[]> out = new ArrayList<>();
        boolean in = false;
        for (String line : Files.readAllLines(SMAPS)) {
            String[] f = line.trim().split("\\s+");
            if (f[0].matches("[0-9a-f]+-[0-9a-f]+")) { // a mapping's header line: address range ... path
                in = mapping.test(f[f.length - 1]);
            } else if (in && f[0].equals(field)) {
                out.add(f);
            }
        }
        return out;
    }

    @Test
    void latestHardStateWins() {
        try (Wal wal = Wal.open(config())) {
            wal.saveHardState(new HardState(1, 1, 0));
            wal.saveHardState(new HardState(2, 0, 0));
            wal.saveHardState(new HardState(2, 3, 0));
        }
        try (Wal wal = Wal.open(config())) {
            assertEquals(new HardState(2, 3, 0), wal.hardState());
            assertThrows(IllegalArgumentException.class, () -> wal.saveHardState(new HardState(1, 0, 0)));
        }
    }

    @Test
    void truncateSuffixThenAppendIsExactAfterReopen() {
        List<Entry> expected = new ArrayList<>();
        try (Wal wal = Wal.open(config())) {
            for (int i = 1; i <= 10; i++) {
                wal.append(entry(i, 1, "t1-" + i));
            }
            wal.truncateSuffix(6);
            assertEquals(6, wal.lastIndex());
            assertThrows(IndexOutOfBoundsException.class, () -> wal.entry(7));
            for (int i = 7; i <= 9; i++) {
                wal.append(entry(i, 2, "t2-" + i));
            }
            wal.truncateSuffix(8);
            wal.append(entry(9, 3, "t3-9"));
            for (int i = 1; i <= 6; i++) {
                expected.add(entry(i, 1, "t1-" + i));
            }
            expected.add(entry(7, 2, "t2-7"));
            expected.add(entry(8, 2, "t2-8"));
            expected.add(entry(9, 3, "t3-9"));
            assertLog(wal, expected);
        }
        try (Wal wal = Wal.open(config())) {
            assertLog(wal, expected);
            wal.append(entry(10, 3, "t3-10"));
            expected.add(entry(10, 3, "t3-10"));
        }
        try (Wal wal = Wal.open(config())) {
            assertLog(wal, expected);
        }
    }

    @Test
    void truncateSuffixRefusesToCutCommittedEntries() {
        try (Wal wal = Wal.open(config())) {
            for (int i = 1; i <= 5; i++) {
                wal.append(entry(i, 1, "x"));
            }
            wal.saveHardState(new HardState(1, 1, 3));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wal.truncateSuffix(2));
            assertTrue(e.getMessage().contains("committed"), e.getMessage());
            assertEquals(5, wal.lastIndex());
            wal.truncateSuffix(3);
            assertEquals(3, wal.lastIndex());
        }
    }

    @Test
    void snapshotMarkWithoutMatchingEntryDiscardsTheLog() {
        try (Wal wal = Wal.open(config())) {
            for (int i = 1; i <= 5; i++) {
                wal.append(entry(i, 1, "old"));
            }
            wal.saveSnapshotMark(10, 3);
            assertEquals(10, wal.lastIndex());
            assertEquals(11, wal.firstIndex());
            assertEquals(3, wal.term(10));
            assertThrows(IllegalArgumentException.class, () -> wal.append(entry(6, 1, "late")));
            wal.append(entry(11, 3, "new"));
        }
        try (Wal wal = Wal.open(config())) {
            assertEquals(11, wal.firstIndex());
            assertEquals(11, wal.lastIndex());
            assertEquals(3, wal.term(10));
            assertSameEntry(entry(11, 3, "new"), wal.entry(11));
        }
    }

    @Test
    void snapshotMarkMatchingAnEntryKeepsTheEntriesAfterIt() {
        List<Entry> expected = new ArrayList<>();
        try (Wal wal = Wal.open(config())) {
            for (int i = 1; i <= 5; i++) {
                Entry e = entry(i, i < 3 ? 1 : 2, "e" + i);
                expected.add(e);
                wal.append(e);
            }
            wal.saveSnapshotMark(3, 2);
            assertLog(wal, expected);
        }
        try (Wal wal = Wal.open(config())) {
            assertLog(wal, expected);
            assertEquals(new SnapshotMark(3, 2), wal.snapshotMark());
        }
    }

    @Test
    void truncatePrefixDeletesWholeFilesAndKeepsTheRest() throws IOException {
        WalConfig config = config().withRollBytes(4096);
        List<Entry> all = new ArrayList<>();
        int filesBefore;
        try (Wal wal = Wal.open(config)) {
            for (int i = 1; i <= 200; i++) {
                Entry e = entry(i, 1 + i / 50, "entry-" + i + "-" + "x".repeat(100));
                all.add(e);
                wal.append(e);
            }
            wal.saveHardState(new HardState(4, 2, 150));
            wal.sync();
            filesBefore = queueFiles(dir);
            assertTrue(filesBefore >= 5, "expected several queue files, got " + filesBefore);
            assertThrows(IllegalArgumentException.class, () -> wal.truncatePrefix(100), "no snapshot yet");
            wal.saveSnapshotMark(120, wal.term(120));
            wal.truncatePrefix(121);
            assertTrue(queueFiles(dir) < filesBefore, "files deleted");
            assertTrue(wal.firstIndex() > 1 && wal.firstIndex() <= 121, "firstIndex " + wal.firstIndex());
            assertLog(wal, all.subList((int) wal.firstIndex() - 1, 200));
            wal.append(entry(201, 5, "after compaction"));
            all.add(entry(201, 5, "after compaction"));
        }
        try (Wal wal = Wal.open(config)) {
            assertTrue(wal.recovery().clean(), wal.recovery().toString());
            assertTrue(wal.firstIndex() > 1 && wal.firstIndex() <= 121, "firstIndex " + wal.firstIndex());
            assertLog(wal, all.subList((int) wal.firstIndex() - 1, 201));
            assertEquals(new HardState(4, 2, 150), wal.hardState());
            assertEquals(new SnapshotMark(120, all.get(119).term()), wal.snapshotMark());
            assertThrows(IndexOutOfBoundsException.class, () -> wal.entry(1));
        }
    }

    @Test
    void truncatePrefixAfterASuffixTruncationSpanningFiles() {
        WalConfig config = config().withRollBytes(4096);
        List<Entry> expected = new ArrayList<>();
        try (Wal wal = Wal.open(config)) {
            for (int i = 1; i <= 100; i++) {
                wal.append(entry(i, 1, "a".repeat(120)));
            }
            wal.truncateSuffix(40);
            for (int i = 41; i <= 120; i++) {
                wal.append(entry(i, 2, "b".repeat(120)));
            }
            for (int i = 1; i <= 120; i++) {
                expected.add(i <= 40 ? entry(i, 1, "a".repeat(120)) : entry(i, 2, "b".repeat(120)));
            }
            wal.saveSnapshotMark(90, 2);
            wal.truncatePrefix(91);
            assertLog(wal, expected.subList((int) wal.firstIndex() - 1, 120));
        }
        try (Wal wal = Wal.open(config)) {
            assertLog(wal, expected.subList((int) wal.firstIndex() - 1, 120));
            assertEquals(120, wal.lastIndex());
        }
    }

    @Test
    void wrongIndexIsRefusedAndChangesNothing() {
        try (Wal wal = Wal.open(config())) {
            wal.append(entry(1, 1, "one"));
            IllegalArgumentException gap = assertThrows(IllegalArgumentException.class, () -> wal.append(entry(3, 1, "three")));
            assertTrue(gap.getMessage().contains("next index is 2"), gap.getMessage());
            assertThrows(IllegalArgumentException.class, () -> wal.append(entry(1, 1, "again")));
            assertThrows(IllegalArgumentException.class,
                    () -> wal.append(List.of(entry(2, 1, "two"), entry(4, 1, "four"))));
            assertEquals(1, wal.lastIndex());
            wal.append(entry(2, 1, "two"));
        }
        try (Wal wal = Wal.open(config())) {
            assertTrue(wal.recovery().clean());
            assertLog(wal, List.of(entry(1, 1, "one"), entry(2, 1, "two")));
        }
    }

    @Test
    void oversizedEntryIsRefused() {
        try (Wal wal = Wal.open(config())) {
            byte[] big = new byte[(int) config().maxEntryBytes() + 1];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wal.append(new Entry(1, 1, big)));
            assertTrue(e.getMessage().contains("blockSize"), e.getMessage());
            assertEquals(0, wal.lastIndex());
        }
    }

    @Test
    void entriesHonourMaxBytesButReturnAtLeastOne() {
        try (Wal wal = Wal.open(config())) {
            for (int i = 1; i <= 10; i++) {
                wal.append(new Entry(i, 1, new byte[100]));
            }
            assertEquals(1, wal.entries(1, 11, 10).size());
            assertEquals(3, wal.entries(1, 11, 350).size());
            assertEquals(10, wal.entries(1, 11, Long.MAX_VALUE).size());
            assertEquals(0, wal.entries(5, 5, 1000).size());
            assertThrows(IndexOutOfBoundsException.class, () -> wal.entries(5, 12, 1000));
            assertThrows(IndexOutOfBoundsException.class, () -> wal.term(11));
        }
    }

    @Test
    void failedSyncLeavesTheWalFailedUntilReopened() throws IOException {
        Wal wal = Wal.open(config());
        wal.append(entry(1, 1, "synced"));
        wal.sync();
        wal.append(entry(2, 1, "never acknowledged"));
        wal.breakSyncForTest(); // the next force fails as an I/O error would
        WalException e = assertThrows(WalException.class, wal::sync);
        assertTrue(e.getMessage().contains("sync failed"), e.getMessage());
        WalException again = assertThrows(WalException.class, () -> wal.append(entry(3, 1, "x")));
        assertTrue(again.getMessage().contains("must be reopened"), again.getMessage());
        assertThrows(WalException.class, wal::sync);
        wal.close();
        try (Wal reopened = Wal.open(config())) {
            assertSameEntry(entry(1, 1, "synced"), reopened.entry(1));
        }
    }

    @Test
    void closedWalRefusesCalls() {
        Wal wal = Wal.open(config());
        wal.close();
        wal.close();
        assertThrows(IllegalStateException.class, () -> wal.append(entry(1, 1, "x")));
    }

    static int queueFiles(Path walDir) throws IOException {
        try (Stream<Path> files = Files.list(walDir.resolve(Wal.QUEUE))) {
            return (int) files.filter(p -> p.toString().endsWith(".cq4")).count();
        }
    }
}
