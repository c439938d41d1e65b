package io.raftkv.raft;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.raftkv.raft.ReplicationTest.concat;
import static io.raftkv.raft.ReplicationTest.entries;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node's log view (persisted + unstable) and the storage under it. */
class RaftLogTest {

    private static MemoryStorage storage(List<Entry> persisted) {
        MemoryStorage s = new MemoryStorage(Membership.ofVoters(1, 2, 3));
        s.append(persisted);
        return s;
    }

    @Test
    void termsSpanStorageAndUnstable() {
        RaftLog log = new RaftLog(storage(entries(1, 3, 1)));
        log.append(entries(4, 5, 2));
        assertEquals(0, log.term(0));
        assertEquals(1, log.term(3));
        assertEquals(2, log.term(5));
        assertEquals(RaftLog.UNAVAILABLE, log.term(6));
        assertEquals(5, log.lastIndex());
        assertEquals(3, log.stableLastIndex());
        assertEquals(List.of(4L, 5L), log.unstableEntries().stream().map(Entry::index).toList());
    }

    @Test
    void appendReplacesAnUncommittedSuffixButNeverTheCommittedPrefix() {
        RaftLog log = new RaftLog(storage(entries(1, 5, 1)));
        log.commitTo(2);
        log.append(entries(4, 4, 2));
        assertEquals(4, log.lastIndex());
        assertEquals(2, log.term(4));
        assertThrows(IllegalStateException.class, () -> log.append(entries(2, 2, 3)));
        assertThrows(IllegalStateException.class, () -> log.append(entries(9, 9, 3)), "a gap");
    }

    @Test
    void maybeAppendChecksPrevAndCommitsOnlyWhatMatches() {
        // §5.3: the follower keeps matching entries, drops the conflicting suffix, commits min(leaderCommit, lastNew)
        RaftLog log = new RaftLog(storage(concat(entries(1, 3, 1), entries(4, 6, 2))));
        assertEquals(-1, log.maybeAppend(3, 2, 3, entries(4, 4, 3)), "prev term mismatch");
        assertEquals(4, log.maybeAppend(3, 1, 10, entries(4, 4, 3)));
        assertEquals(4, log.lastIndex(), "old-term suffix 5..6 is gone");
        assertEquals(4, log.committed(), "commit clamped to the last new entry");
        assertEquals(3, log.maybeAppend(2, 1, 4, entries(3, 3, 1)), "a late duplicate matches up to its own end...");
        assertEquals(4, log.lastIndex(), "...and truncates nothing");
    }

    @Test
    void conflictWithCommittedEntryIsAnImpossibleState() {
        RaftLog log = new RaftLog(storage(entries(1, 3, 1)));
        log.commitTo(3);
        assertThrows(IllegalStateException.class, () -> log.maybeAppend(1, 1, 3, entries(2, 2, 2)));
    }

    @Test
    void findConflictByTermSkipsWholeTerms() {
        RaftLog log = new RaftLog(storage(concat(entries(1, 2, 1), concat(entries(3, 6, 3), entries(7, 9, 5)))));
        assertArrayEquals(new long[] {6, 3}, log.findConflictByTerm(9, 4));
        assertArrayEquals(new long[] {2, 1}, log.findConflictByTerm(9, 2));
        assertArrayEquals(new long[] {9, 5}, log.findConflictByTerm(9, 5));
        assertArrayEquals(new long[] {0, 0}, log.findConflictByTerm(9, 0));
    }

    @Test
    void upToDateComparesLastTermThenLength() {
        // §5.4.1
        RaftLog log = new RaftLog(storage(concat(entries(1, 2, 1), entries(3, 4, 2))));
        assertTrue(log.isUpToDate(1, 3), "higher last term wins even if shorter");
        assertTrue(log.isUpToDate(4, 2), "same term, same length");
        assertFalse(log.isUpToDate(3, 2), "same term, shorter");
        assertFalse(log.isUpToDate(10, 1), "lower last term loses even if longer");
    }

    @Test
    void onlyCurrentTermEntriesCommitByCount() {
        // §5.4.2
        RaftLog log = new RaftLog(storage(concat(entries(1, 2, 1), entries(3, 3, 2))));
        assertFalse(log.maybeCommit(2, 2));
        assertEquals(0, log.committed());
        assertTrue(log.maybeCommit(3, 2));
        assertEquals(3, log.committed());
    }

    @Test
    void entriesAreLimitedByCountAndBytesAndNullWhenCompacted() {
        MemoryStorage s = storage(entries(1, 10, 1));
        s.compact(3, new byte[0]);
        RaftLog log = new RaftLog(s);
        log.append(entries(11, 12, 2));
        assertNull(log.entries(3, 1000, 100));
        assertEquals(List.of(4L, 5L, 6L), log.entries(4, 1000, 3).stream().map(Entry::index).toList());
        assertEquals(9, log.entries(4, 1000, 100).size(), "across storage and unstable");
        assertEquals(1, log.entries(4, 1, 100).size(), "at least one entry even over the byte limit");
        assertEquals(List.of(), log.entries(13, 1000, 100));
    }

    @Test
    void stableToIgnoresEntriesReplacedMeanwhile() {
        MemoryStorage s = storage(List.of());
        RaftLog log = new RaftLog(s);
        List<Entry> first = entries(1, 3, 1);
        log.append(first);
        List<Entry> replacement = entries(2, 2, 2);
        log.append(replacement); // arrives while the driver persists the first batch
        s.append(first);
        log.stableTo(3, 1);
        assertEquals(2, log.lastIndex());
        assertEquals(0, log.stableLastIndex(), "nothing marked stable: the persisted entries were replaced");
        s.append(replacement);
        log.stableTo(2, 2);
        assertEquals(2, log.stableLastIndex());
        assertEquals(2, log.term(2));
    }

    @Test
    void memoryStorageTruncatesOnAppendAndCompacts() {
        MemoryStorage s = storage(entries(1, 5, 1));
        s.append(entries(3, 4, 2));
        assertEquals(4, s.lastIndex());
        assertEquals(2, s.term(4));
        assertThrows(IllegalArgumentException.class, () -> s.append(entries(9, 9, 2)));
        Snapshot snap = s.compact(3, "img".getBytes());
        assertEquals(2, snap.term());
        assertEquals(4, s.firstIndex());
        assertEquals(2, s.term(3), "the snapshot answers its own term");
        assertThrows(IndexOutOfBoundsException.class, () -> s.term(2));
        assertThrows(IndexOutOfBoundsException.class, () -> s.entries(3, 5, 100));
    }

    @Test
    void inflightsWindow() {
        Inflights in = new Inflights(3);
        in.add(5);
        in.add(7);
        in.add(9);
        assertTrue(in.full());
        assertThrows(IllegalStateException.class, () -> in.add(10));
        in.freeLE(7);
        assertEquals(1, in.count());
        in.add(12);
        in.add(15);
        assertThrows(IllegalStateException.class, () -> in.add(15 + 0), "full again");
        in.freeFirstOne();
        assertEquals(2, in.count());
        in.freeLE(100);
        assertEquals(0, in.count());
    }

    @Test
    void configIsValidatedAtConstruction() {
        RaftConfig ok = RaftConfig.of(1);
        assertEquals(10, ok.electionTicks());
        assertEquals(1, ok.heartbeatTicks());
        assertTrue(ok.preVote() && ok.checkQuorum() && !ok.leaseReads());
        assertThrows(IllegalArgumentException.class, () -> ok.withTicks(5, 5));
        assertThrows(IllegalArgumentException.class, () -> RaftConfig.of(0));
        assertThrows(IllegalArgumentException.class, () -> ok.withCheckQuorum(false).withLeaseReads(true));
        assertThrows(IllegalArgumentException.class, () -> ok.withFlowControl(0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Membership.ofVoters());
        assertThrows(IllegalArgumentException.class,
                () -> new Membership(java.util.Set.of(1L), java.util.Set.of(1L)), "voter and learner at once");
    }
}
