package io.raftkv.wal;

import java.util.Arrays;

/**
 * Raft index -> (Chronicle queue index, term) for the stored entries {@code prevIndex+1 .. prevIndex+size}, so
 * lookups neither box nor touch the queue. Owner thread only.
 *
 * <p>It lives on the heap for the whole log (the server never compacts it), so it is kept at 4 bytes an entry:
 * a queue index is (cycle, sequence number within the cycle's file); the sequence is stored per entry as an
 * unsigned int, while cycles and terms, which change rarely and only upwards along the log, are kept as runs
 * (first Raft index of the run, value). Lookups of recent indexes, the usual ones, hit the last run at once.
 */
final class IndexTable {
    private long prevIndex;
    private int size;
    private int[] sequence = new int[1024];
    private final Runs cycles = new Runs();
    private final Runs terms = new Runs();

    long prevIndex() {
        return prevIndex;
    }

    int size() {
        return size;
    }

    long lastIndex() {
        return prevIndex + size;
    }

    boolean contains(long index) {
        return index > prevIndex && index <= prevIndex + size;
    }

    void add(long index, long term, long qIndex) {
        if (size == 0) {
            prevIndex = index - 1;
        } else if (index != prevIndex + size + 1) {
            throw new IllegalStateException("index table expected " + (prevIndex + size + 1) + " but got " + index);
        }
        long seq = Wal.ROLL_CYCLE.toSequenceNumber(qIndex);
        if (seq < 0 || seq > 0xFFFF_FFFFL) {
            throw new IllegalStateException("queue sequence number " + seq + " of index " + index + " does not fit 32 bits");
        }
        if (size == sequence.length) {
            sequence = Arrays.copyOf(sequence, size * 2);
        }
        sequence[size] = (int) seq;
        cycles.add(index, Wal.ROLL_CYCLE.toCycle(qIndex));
        terms.add(index, term);
        size++;
    }

    long queueIndex(long index) {
        int seq = sequence[(int) (index - prevIndex - 1)];
        return Wal.ROLL_CYCLE.toIndex((int) cycles.valueAt(index), Integer.toUnsignedLong(seq));
    }

    long term(long index) {
        return terms.valueAt(index);
    }

    /** Drops entries above {@code lastKept}; {@code lastKept} at or below prevIndex empties the table. */
    void truncateAfter(long lastKept) {
        if (lastKept >= prevIndex + size) {
            return;
        }
        if (lastKept <= prevIndex) {
            reset(lastKept);
        } else {
            size = (int) (lastKept - prevIndex);
            cycles.truncateAfter(lastKept);
            terms.truncateAfter(lastKept);
        }
    }

    /** Forgets entries below {@code first} (their files were deleted by compaction). */
    void dropBefore(long first) {
        if (first <= prevIndex + 1) {
            return;
        }
        if (first > prevIndex + size) {
            reset(prevIndex + size);
            return;
        }
        int drop = (int) (first - prevIndex - 1);
        System.arraycopy(sequence, drop, sequence, 0, size - drop);
        cycles.dropBefore(first);
        terms.dropBefore(first);
        size -= drop;
        prevIndex = first - 1;
    }

    /** Empties the table; the next entry must be {@code newPrevIndex + 1}. */
    void reset(long newPrevIndex) {
        prevIndex = newPrevIndex;
        size = 0;
        cycles.clear();
        terms.clear();
    }

    /**
     * A value that is constant over runs of consecutive Raft indexes: run i covers {@code start[i]} up to
     * {@code start[i+1] - 1} (the last run: up to the table's last index). Starts strictly increase.
     */
    private static final class Runs {
        private long[] start = new long[8];
        private long[] value = new long[8];
        private int n;

        /** Records {@code v} for {@code index}, the next index after every one recorded so far. */
        void add(long index, long v) {
            if (n > 0 && value[n - 1] == v) {
                return;
            }
            if (n == start.length) {
                start = Arrays.copyOf(start, n * 2);
                value = Arrays.copyOf(value, n * 2);
            }
            start[n] = index;
            value[n] = v;
            n++;
        }

        /** The value at {@code index}, which the caller has checked lies in the table. */
        long valueAt(long index) {
            if (index >= start[n - 1]) {
                return value[n - 1];
            }
            int i = Arrays.binarySearch(start, 0, n, index);
            return value[i >= 0 ? i : -i - 2];
        }

        /** Drops the runs that start above {@code lastKept} (at least one index of the table stays). */
        void truncateAfter(long lastKept) {
            while (n > 1 && start[n - 1] > lastKept) {
                n--;
            }
        }

        /** Drops the runs wholly below {@code first}; the run holding {@code first} then starts there. */
        void dropBefore(long first) {
            int keepFrom = 0;
            while (keepFrom + 1 < n && start[keepFrom + 1] <= first) {
                keepFrom++;
            }
            System.arraycopy(start, keepFrom, start, 0, n - keepFrom);
            System.arraycopy(value, keepFrom, value, 0, n - keepFrom);
            n -= keepFrom;
            start[0] = first;
        }

        void clear() {
            n = 0;
        }
    }
}
