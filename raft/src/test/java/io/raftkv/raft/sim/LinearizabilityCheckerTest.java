package io.raftkv.raft.sim;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.raftkv.raft.sim.Op.NEVER;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checker must accept what a correct register can produce and reject what it cannot; a checker that accepts
 * everything would make the simulation worthless. Times are history-clock positions: [invoke, complete].
 */
class LinearizabilityCheckerTest {

    private static void linearizable(Op... history) {
        LinearizabilityChecker.Result r = LinearizabilityChecker.check(List.of(history));
        assertTrue(r.ok(), r.explanation());
    }

    private static void notLinearizable(Op... history) {
        LinearizabilityChecker.Result r = LinearizabilityChecker.check(List.of(history));
        assertFalse(r.ok(), "accepted a history no register can produce: " + List.of(history));
    }

    @Test
    void sequentialHistoryMatchingTheRegisterIsAccepted() {
        linearizable(
                Op.get(1, "k", 1, 2, null),
                Op.put(2, "k", "<a>", 3, 4),
                Op.get(3, "k", 5, 6, "<a>"),
                Op.append(4, "k", "[b]", 7, 8, "<a>[b]"),
                Op.get(5, "k", 9, 10, "<a>[b]"));
    }

    @Test
    void staleReadAfterACompletedWriteIsRejected() {
        // The put finished before the get began, yet the get saw the old value: the classic stale read of a
        // deposed leader answering from its own state.
        notLinearizable(
                Op.put(1, "k", "<a>", 1, 2),
                Op.put(2, "k", "<b>", 3, 4),
                Op.get(3, "k", 5, 6, "<a>"));
    }

    /** SWAP (GETSET) returns the value it replaced: two swaps cannot both have replaced the same value. */
    @Test
    void swapsMustEachReplaceTheValueBefore() {
        linearizable(
                Op.put(1, "k", "<a>", 1, 2),
                swap(2, "<b>", 3, 6, "<a>"),
                swap(3, "<c>", 4, 7, "<b>"),
                Op.get(4, "k", 8, 9, "<c>"));
        notLinearizable(
                Op.put(1, "k", "<a>", 1, 2),
                swap(2, "<b>", 3, 6, "<a>"),
                swap(3, "<c>", 4, 7, "<a>"));
        // an indeterminate swap may have taken effect: a later read may see its value
        linearizable(
                Op.put(1, "k", "<a>", 1, 2),
                swap(2, "<b>", 3, NEVER, null),
                Op.get(3, "k", 4, 5, "<b>"));
    }

    private static Op swap(long id, String value, long invoke, long complete, String old) {
        return new Op(id, 0, Op.Kind.SWAP, "k", value, invoke, complete, old, 0);
    }

    @Test
    void readOfAValueNeverWrittenIsRejected() {
        notLinearizable(Op.put(1, "k", "<a>", 1, 2), Op.get(2, "k", 3, 4, "<zzz>"));
    }

    @Test
    void concurrentReadMaySeeEitherSide() {
        linearizable(
                Op.put(1, "k", "<a>", 1, 2),
                Op.put(2, "k", "<b>", 3, 8),
                Op.get(3, "k", 4, 5, "<b>"),
                Op.get(4, "k", 6, 7, "<b>"));
        linearizable(
                Op.put(1, "k", "<a>", 1, 2),
                Op.put(2, "k", "<b>", 3, 8),
                Op.get(3, "k", 4, 5, "<a>"),
                Op.get(4, "k", 6, 7, "<b>"));
    }

    @Test
    void readsMustNotGoBackInTime() {
        // Both reads overlap the put, but once one read saw the new value a later read cannot see the old one.
        notLinearizable(
                Op.put(1, "k", "<a>", 1, 2),
                Op.put(2, "k", "<b>", 3, 10),
                Op.get(3, "k", 4, 5, "<b>"),
                Op.get(4, "k", 6, 7, "<a>"));
    }

    @Test
    void indeterminateWriteMayTakeEffectLateOrNever() {
        linearizable(
                Op.put(1, "k", "<a>", 1, NEVER),
                Op.get(2, "k", 2, 3, null),
                Op.get(3, "k", 20, 21, "<a>"));
        linearizable(Op.put(1, "k", "<a>", 1, NEVER), Op.get(2, "k", 2, 3, null), Op.get(3, "k", 4, 5, null));
    }

    @Test
    void indeterminateWriteCannotTakeEffectBeforeItsInvocation() {
        notLinearizable(Op.get(1, "k", 1, 2, "<a>"), Op.put(2, "k", "<a>", 3, NEVER));
    }

    @Test
    void indeterminateWriteTakesEffectAtMostOnce() {
        notLinearizable(
                Op.put(1, "k", "<a>", 1, NEVER),
                Op.get(2, "k", 2, 3, "<a>"),
                Op.put(3, "k", "<b>", 4, 5),
                Op.get(4, "k", 6, 7, "<a>"));
    }

    @Test
    void appendResultsMustChainInOneOrder() {
        linearizable(
                Op.append(1, "k", "[x]", 1, 4, "[y][x]"),
                Op.append(2, "k", "[y]", 2, 3, "[y]"));
        notLinearizable(
                Op.append(1, "k", "[x]", 1, 2, "[x]"),
                Op.append(2, "k", "[y]", 3, 4, "[y]"));
        // A lost append (applied twice) is caught through the value.
        notLinearizable(
                Op.append(1, "k", "[x]", 1, 2, "[x]"),
                Op.get(2, "k", 3, 4, "[x][x]"));
    }

    /** Long runs put thousands of ops on one key; the search must not recurse once per op. */
    @Test
    void longHistoriesDoNotOverflowTheStack() {
        List<Op> history = new ArrayList<>();
        String value = null;
        for (int i = 0; i < 10_000; i++) {
            long t = 10L * i;
            if (i % 2 == 0) {
                value = (value == null ? "" : value.substring(Math.max(0, value.length() - 20))) + "[" + i + "]";
                history.add(Op.put(i, "k", value, t, t + 15));
            } else {
                history.add(Op.get(i, "k", t, t + 5, value));
            }
        }
        LinearizabilityChecker.Result r = LinearizabilityChecker.check(history);
        assertTrue(r.ok(), r.explanation());
        history.add(Op.get(99_999, "k", 10L * 10_000, 10L * 10_000 + 1, "<stale>"));
        assertFalse(LinearizabilityChecker.check(history).ok());
    }

    @Test
    void keysAreIndependent() {
        linearizable(
                Op.put(1, "a", "<1>", 1, 2),
                Op.put(2, "b", "<2>", 3, 4),
                Op.get(3, "a", 5, 6, "<1>"),
                Op.get(4, "b", 7, 8, "<2>"));
        notLinearizable(
                Op.put(1, "a", "<1>", 1, 2),
                Op.get(2, "b", 3, 4, "<1>"));
    }

    /**
     * Random sequential histories of a real register, then stretched so operations overlap: always linearizable.
     * The same history with one read's result replaced by an older value that was overwritten before the read
     * began: never linearizable.
     */
    @Test
    void randomRegisterHistoriesAreAcceptedAndCorruptedOnesRejected() {
        for (long seed = 1; seed <= 200; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            List<Op> history = new ArrayList<>();
            String value = null;
            for (int i = 0; i < 30; i++) {
                // Each op takes effect at 10*i + 5; its span covers that point and overlaps the neighbours.
                long lin = 10L * i + 5;
                long invoke = lin - 1 - random.nextInt(12);
                long complete = lin + 1 + random.nextInt(12);
                int kind = random.nextInt(3);
                if (kind == 0) {
                    value = "<" + i + ">";
                    history.add(Op.put(i, "k", value, invoke, random.nextInt(8) == 0 ? NEVER : complete));
                } else if (kind == 1) {
                    value = (value == null ? "" : value) + "[" + i + "]";
                    history.add(Op.append(i, "k", "[" + i + "]", invoke, complete, value));
                } else {
                    history.add(Op.get(i, "k", invoke, complete, value));
                }
            }
            LinearizabilityChecker.Result ok = LinearizabilityChecker.check(history);
            assertTrue(ok.ok(), "seed " + seed + ": " + ok.explanation());
            long after = 10L * history.size() + 100;
            List<Op> unknownValue = new ArrayList<>(history);
            unknownValue.add(Op.get(999, "k", after, after + 1, "<never-written>"));
            assertFalse(LinearizabilityChecker.check(unknownValue).ok(),
                    "seed " + seed + " accepted a value never written");
            // After everything: put p, then put q, then a read that still returns p.
            List<Op> staleRead = new ArrayList<>(history);
            staleRead.add(Op.put(1000, "k", "<p>", after, after + 1));
            staleRead.add(Op.put(1001, "k", "<q>", after + 2, after + 3));
            staleRead.add(Op.get(1002, "k", after + 4, after + 5, "<p>"));
            assertFalse(LinearizabilityChecker.check(staleRead).ok(), "seed " + seed + " accepted a stale read");
            // Same tail, read concurrent with the second put: fine.
            List<Op> concurrentRead = new ArrayList<>(history);
            concurrentRead.add(Op.put(1000, "k", "<p>", after, after + 1));
            concurrentRead.add(Op.put(1001, "k", "<q>", after + 2, after + 5));
            concurrentRead.add(Op.get(1002, "k", after + 3, after + 4, "<p>"));
            LinearizabilityChecker.Result c = LinearizabilityChecker.check(concurrentRead);
            assertTrue(c.ok(), "seed " + seed + ": " + c.explanation());
        }
    }
}
