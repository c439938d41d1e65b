package io.raftkv.raft.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides whether a history of single-key operations is linearizable against a string register per key (PUT sets
 * it, APPEND concatenates and returns the new value, SWAP sets it and returns the old value, GET returns it; a
 * missing key reads as null). Operations on
 * different keys commute, so each key is checked alone (linearizability is local: Herlihy and Wing, §3.5).
 *
 * <p>The search is Wing and Gong's: repeatedly pick, among the operations not yet placed, one that may go next
 * (it was invoked before every other unplaced operation completed), apply it to the model, and backtrack when the
 * model disagrees with the recorded result. Lowe's memoization (also in Knossos and Porcupine) cuts it down: a
 * (set of placed operations, model value) pair already explored is never explored again.
 *
 * <p>Indeterminate operations never complete, so they may be placed anywhere after their invocation, including
 * after everything else, which is the same as never taking effect. An indeterminate write whose unique value or
 * token no completed operation ever observed is dropped before the search: placing it last is always possible,
 * so it cannot decide the answer, and it would only multiply the states.
 */
public final class LinearizabilityChecker {

    /** Bounds the memo table per key; a search that needs more is reported, not silently passed. */
    private static final int MAX_STATES = 2_000_000;

    private LinearizabilityChecker() {
    }

    /** The verdict: {@code ok}, or the first key whose history admits no linearization, with that history. */
    public record Result(boolean ok, String key, String explanation) {
        static final Result OK = new Result(true, null, "linearizable");
    }

    public static Result check(List<Op> history) {
        Map<String, List<Op>> byKey = new TreeMap<>();
        for (Op op : history) {
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        for (Map.Entry<String, List<Op>> e : byKey.entrySet()) {
            Result r = new KeySearch(e.getKey(), relevant(e.getValue())).run();
            if (!r.ok()) {
                return r;
            }
        }
        return Result.OK;
    }

    /** Drops unobserved indeterminate writes (see the class comment) and sorts by invocation. */
    private static List<Op> relevant(List<Op> ops) {
        List<String> observed = new ArrayList<>();
        for (Op op : ops) {
            if (!op.indeterminate() && op.result() != null) {
                observed.add(op.result());
            }
        }
        List<Op> out = new ArrayList<>();
        for (Op op : ops) {
            if (op.indeterminate() && op.kind() == Op.Kind.GET) {
                continue;
            }
            if (op.indeterminate() && observed.stream().noneMatch(v -> v.contains(op.arg()))) {
                continue;
            }
            out.add(op);
        }
        out.sort(Comparator.comparingLong(Op::invoke));
        return out;
    }

    private static final class KeySearch {
        private final String key;
        private final Op[] ops;
        private final BitSet placed = new BitSet();
        private final Set<State> seen = new HashSet<>();
        /** The longest prefix of placements reached, for the failure report. */
        private List<Op> bestPath = List.of();
        private final List<Op> path = new ArrayList<>();
        private boolean exhausted;

        KeySearch(String key, List<Op> ops) {
            this.key = key;
            this.ops = ops.toArray(new Op[0]);
        }

        Result run() {
            if (search()) {
                return Result.OK;
            }
            StringBuilder why = new StringBuilder();
            if (exhausted) {
                why.append("search gave up after ").append(MAX_STATES).append(" states on key ").append(key)
                        .append(" (treat as a failure: shrink the history or raise the bound)\n");
            } else {
                why.append("no linearization of key ").append(key).append(" (").append(ops.length).append(" ops)\n");
            }
            why.append("longest linearizable prefix found (").append(bestPath.size()).append(" ops), ending:\n");
            for (int i = Math.max(0, bestPath.size() - 8); i < bestPath.size(); i++) {
                why.append("    ").append(bestPath.get(i)).append('\n');
            }
            why.append("  none of the operations that could come next fits; the unplaced ones, by invocation:\n");
            Set<Op> done = new HashSet<>(bestPath);
            int shown = 0;
            for (Op op : ops) {
                if (!done.contains(op) && shown++ < 12) {
                    why.append("    ").append(op).append('\n');
                }
            }
            return new Result(false, key, why.toString());
        }

        /** One level of the depth-first search: the register after the placed ops, and where to try next. */
        private static final class Frame {
            final String value;
            /** The op placed to get here (-1 at the root). */
            final int placedOp;
            long firstCompletion = -1;
            int cursor;

            Frame(String value, int placedOp) {
                this.value = value;
                this.placedOp = placedOp;
            }
        }

        /** Iterative, so that histories of thousands of ops on one key do not overflow the stack. */
        private boolean search() {
            ArrayDeque<Frame> stack = new ArrayDeque<>();
            stack.push(new Frame(null, -1));
            int count = 0;
            while (!stack.isEmpty()) {
                if (count == ops.length) {
                    return true;
                }
                Frame f = stack.peek();
                if (f.firstCompletion < 0) {
                    if (!seen.add(new State((BitSet) placed.clone(), f.value))) {
                        count -= pop(stack);
                        continue;
                    }
                    if (seen.size() > MAX_STATES) {
                        exhausted = true;
                        return false;
                    }
                    long first = Op.NEVER;
                    for (int i = placed.nextClearBit(0); i < ops.length; i = placed.nextClearBit(i + 1)) {
                        first = Math.min(first, ops[i].complete());
                    }
                    f.firstCompletion = first;
                    f.cursor = placed.nextClearBit(0);
                }
                int chosen = -1;
                String next = null;
                for (int i = f.cursor; i < ops.length && ops[i].invoke() < f.firstCompletion;
                     i = placed.nextClearBit(i + 1)) {
                    String after = apply(f.value, ops[i]);
                    if (after != REFUSED) {
                        chosen = i;
                        next = after;
                        break;
                    }
                }
                if (chosen < 0) {
                    count -= pop(stack);
                    continue;
                }
                f.cursor = placed.nextClearBit(chosen + 1);
                placed.set(chosen);
                count++;
                path.add(ops[chosen]);
                if (path.size() > bestPath.size()) {
                    bestPath = List.copyOf(path);
                }
                stack.push(new Frame(next, chosen));
            }
            return false;
        }

        /** Pops the top frame, undoing the op it placed; returns how many ops that unplaced (0 or 1). */
        private int pop(ArrayDeque<Frame> stack) {
            Frame f = stack.pop();
            if (f.placedOp < 0) {
                return 0;
            }
            placed.clear(f.placedOp);
            path.remove(path.size() - 1);
            return 1;
        }

        private static final String REFUSED = new String("refused");

        /** The register after {@code op}, or {@link #REFUSED} if {@code op}'s recorded result contradicts it. */
        private static String apply(String value, Op op) {
            switch (op.kind()) {
                case PUT:
                    return op.arg();
                case APPEND: {
                    String after = (value == null ? "" : value) + op.arg();
                    if (!op.indeterminate() && !after.equals(op.result())) {
                        return REFUSED;
                    }
                    return after;
                }
                case SWAP:
                    return op.indeterminate() || Objects.equals(value, op.result()) ? op.arg() : REFUSED;
                case GET:
                    return Objects.equals(value, op.result()) ? value : REFUSED;
                default:
                    throw new IllegalStateException("unknown op kind " + op.kind());
            }
        }
    }

    private record State(BitSet placed, String value) {
    }
}
