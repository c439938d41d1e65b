package io.raftkv.wal;

import io.raftkv.raft.Entry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static io.raftkv.wal.WalTest.assertLog;
import static io.raftkv.wal.WalTest.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A crash can leave the last record half-written or a bit rotten. Each case damages a copy of one cleanly
 * written WAL and checks that recovery keeps exactly the intact prefix and that the log is appendable after.
 * A failure names the damage (cut length or flipped bit) so it can be replayed by hand.
 */
class WalCrashTest {
    private static final int N = 8;

    @TempDir
    Path tmp;

    private Path original;
    private final List<Entry> written = new ArrayList<>();
    private Path lastFile;
    /** File offset of the last record's 4-byte Chronicle header; our record follows it. */
    private long headerOffset;
    private int recordLength;

    private WalConfig config(Path dir) {
        return new WalConfig(dir).withBlockSize(WalConfig.MIN_BLOCK_SIZE);
    }

    @BeforeEach
    void writeLog() throws IOException {
        original = tmp.resolve("original");
        try (Wal wal = Wal.open(config(original))) {
            for (int i = 1; i <= N; i++) {
                Entry e = entry(i, 1 + i / 4, "value-" + i);
                written.add(e);
                wal.append(e);
            }
        }
        try (Stream<Path> files = Files.list(original.resolve(Wal.QUEUE))) {
            lastFile = files.filter(p -> p.toString().endsWith(".cq4")).max(Comparator.naturalOrder()).orElseThrow();
        }
        Entry last = written.get(N - 1);
        byte[] record = new Record().toBytes(Record.ENTRY, last.index(), last.term(), last.data());
        recordLength = record.length;
        byte[] file = Files.readAllBytes(lastFile);
        long at = lastIndexOf(file, record);
        assertTrue(at > 4, "last record not found in " + lastFile);
        headerOffset = at - 4;
    }

    @Test
    void cutAtEveryByteOfTheLastRecordKeepsThePrefix() throws IOException {
        for (int keep = 0; keep < 4 + recordLength; keep++) {
            String damage = "file cut " + keep + " bytes into the last excerpt (header at " + headerOffset + ")";
            Path copy = copyOriginal("cut-" + keep);
            try (FileChannel ch = FileChannel.open(copyOfLastFile(copy), StandardOpenOption.WRITE)) {
                ch.truncate(headerOffset + keep);
            }
            assertPrefixRecoveredAndAppendable(copy, damage);
        }
    }

    @Test
    void flippedBitInTheLastRecordKeepsThePrefix() throws IOException {
        // Every byte of our record, a different bit each time, then all 32 bits of Chronicle's header word.
        List<long[]> flips = new ArrayList<>();
        for (int i = 0; i < recordLength; i++) {
            flips.add(new long[]{headerOffset + 4 + i, (i * 3) % 8});
        }
        for (int bit = 0; bit < 32; bit++) {
            flips.add(new long[]{headerOffset + bit / 8, bit % 8});
        }
        for (long[] flip : flips) {
            String damage = "bit " + flip[1] + " flipped at byte " + flip[0] + " (last excerpt header at " + headerOffset + ")";
            Path copy = copyOriginal("flip-" + flip[0] + "-" + flip[1]);
            flipBit(copyOfLastFile(copy), flip[0], (int) flip[1]);
            assertPrefixRecoveredAndAppendable(copy, damage);
        }
    }

    @Test
    void corruptionInsideTheLogDropsEverythingAfterIt() throws IOException {
        Entry third = written.get(2);
        byte[] record = new Record().toBytes(Record.ENTRY, third.index(), third.term(), third.data());
        Path copy = copyOriginal("middle");
        Path file = copyOfLastFile(copy);
        long at = lastIndexOf(Files.readAllBytes(file), record);
        flipBit(file, at + Record.HEADER, 0);
        try (Wal wal = Wal.open(config(copy))) {
            assertEquals(2, wal.lastIndex());
            assertEquals(N - 2, wal.recovery().droppedRecords(), wal.recovery().toString());
            assertTrue(wal.recovery().repaired());
            assertLog(wal, written.subList(0, 2));
            wal.append(entry(3, 7, "new third"));
        }
        try (Wal wal = Wal.open(config(copy))) {
            assertTrue(wal.recovery().clean());
            assertLog(wal, List.of(written.get(0), written.get(1), entry(3, 7, "new third")));
        }
    }

    @Test
    void tornFirstRecordOfANewFileKeepsThePreviousFile() throws IOException {
        Path source = tmp.resolve("rolled");
        WalConfig config = config(source).withRollBytes(4096);
        List<Entry> entries = new ArrayList<>();
        try (Wal wal = Wal.open(config)) {
            for (int i = 1; i <= 5; i++) {
                entries.add(entry(i, 1, "small-" + i));
            }
            entries.add(new Entry(6, 1, new byte[4000]));
            wal.append(entries);
        }
        Path newest;
        try (Stream<Path> files = Files.list(source.resolve(Wal.QUEUE))) {
            List<Path> cq4 = files.filter(p -> p.toString().endsWith(".cq4")).sorted().toList();
            assertEquals(2, cq4.size(), "the big entry should have started a second file: " + cq4);
            newest = cq4.get(1);
        }
        byte[] record = new Record().toBytes(Record.ENTRY, 6, 1, new byte[4000]);
        long header = lastIndexOf(Files.readAllBytes(newest), record) - 4;
        for (long keep : new long[]{0, 1, 3, 4, 5, 30, 2000, 4 + record.length - 1}) {
            Path copy = tmp.resolve("rolled-cut-" + keep);
            copyTree(source, copy);
            try (FileChannel ch = FileChannel.open(copy.resolve(source.relativize(newest).toString()), StandardOpenOption.WRITE)) {
                ch.truncate(header + keep);
            }
            String damage = "first record of the second file cut " + keep + " bytes in";
            try (Wal wal = Wal.open(config.withDir(copy))) {
                assertEquals(5, wal.lastIndex(), damage + "; " + wal.recovery());
                assertLog(wal, entries.subList(0, 5));
                wal.append(entry(6, 2, "replacement"));
            }
            try (Wal wal = Wal.open(config.withDir(copy))) {
                assertTrue(wal.recovery().clean(), damage);
                assertEquals(6, wal.lastIndex(), damage);
                assertEquals(2, wal.term(6), damage);
            }
        }
    }

    @Test
    void intactCopyRecoversEverythingWithoutRepair() throws IOException {
        Path copy = copyOriginal("intact");
        try (Wal wal = Wal.open(config(copy))) {
            assertTrue(wal.recovery().clean(), wal.recovery().toString());
            assertFalse(wal.recovery().repaired());
            assertLog(wal, written);
        }
    }

    @Test
    void interruptedRepairSwapIsFinishedOnOpen() throws IOException {
        // Crash after "queue" was renamed to "queue.damaged" but before "queue.repair" became "queue".
        Path copy = copyOriginal("swap");
        Files.move(copy.resolve(Wal.QUEUE), copy.resolve(Wal.REPAIR));
        Files.createDirectories(copy.resolve(Wal.DAMAGED).resolve("junk"));
        try (Wal wal = Wal.open(config(copy))) {
            assertLog(wal, written);
        }
        assertFalse(Files.exists(copy.resolve(Wal.DAMAGED)));
        assertFalse(Files.exists(copy.resolve(Wal.REPAIR)));
    }

    @Test
    void unfinishedRepairCopyIsDiscardedOnOpen() throws IOException {
        Path copy = copyOriginal("stale-repair");
        Files.createDirectories(copy.resolve(Wal.REPAIR));
        Files.writeString(copy.resolve(Wal.REPAIR).resolve("partial.cq4"), "half a copy");
        try (Wal wal = Wal.open(config(copy))) {
            assertLog(wal, written);
        }
        assertFalse(Files.exists(copy.resolve(Wal.REPAIR)));
    }

    private void assertPrefixRecoveredAndAppendable(Path dir, String damage) {
        List<Entry> expected = new ArrayList<>(written.subList(0, N - 1));
        try (Wal wal = Wal.open(config(dir))) {
            assertEquals(N - 1, wal.lastIndex(), damage + ": lastIndex; " + wal.recovery());
            assertLog(wal, expected);
            Entry replacement = entry(N, 9, "rewritten after: " + damage);
            wal.append(replacement);
            expected.add(replacement);
            wal.append(entry(N + 1, 9, "one more"));
            expected.add(entry(N + 1, 9, "one more"));
        } catch (RuntimeException | AssertionError e) {
            fail(damage + ": " + e, e);
        }
        try (Wal wal = Wal.open(config(dir))) {
            assertTrue(wal.recovery().clean(), damage + ": second open should be clean: " + wal.recovery());
            assertLog(wal, expected);
        }
    }

    private Path copyOriginal(String name) throws IOException {
        return copyTree(original, tmp.resolve(name));
    }

    private static Path copyTree(Path source, Path target) throws IOException {
        try (Stream<Path> walk = Files.walk(source)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path to = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        return target;
    }

    private Path copyOfLastFile(Path copy) {
        return copy.resolve(original.relativize(lastFile).toString());
    }

    private static void flipBit(Path file, long offset, int bit) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ (1 << bit)));
            b.rewind();
            ch.write(b, offset);
        }
    }

    private static long lastIndexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = haystack.length - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
