package io.raftkv.wal;

import java.util.Arrays;

/**
 * Raft index -> (Chronicle queue index, term) for the stored entries {@code prevIndex+1 .. prevIndex+size},
 * in two parallel growable long arrays so lookups neither box nor touch the queue. Owner thread only.
 */
final class IndexTable {
    private long prevIndex;
    private int size;
    private long[] queueIndex = new long[1024];
    private long[] terms = new long[1024];

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
        if (size == queueIndex.length) {
            queueIndex = Arrays.copyOf(queueIndex, size * 2);
            terms = Arrays.copyOf(terms, size * 2);
        }
        queueIndex[size] = qIndex;
        terms[size] = term;
        size++;
    }

    long queueIndex(long index) {
        return queueIndex[(int) (index - prevIndex - 1)];
    }

    long term(long index) {
        return terms[(int) (index - prevIndex - 1)];
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
        System.arraycopy(queueIndex, drop, queueIndex, 0, size - drop);
        System.arraycopy(terms, drop, terms, 0, size - drop);
        size -= drop;
        prevIndex = first - 1;
    }

    /** Empties the table; the next entry must be {@code newPrevIndex + 1}. */
    void reset(long newPrevIndex) {
        prevIndex = newPrevIndex;
        size = 0;
    }
}
