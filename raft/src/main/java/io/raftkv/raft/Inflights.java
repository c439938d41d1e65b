package io.raftkv.raft;

/**
 * The AppendEntries messages a leader sent to one follower and not yet saw acknowledged, as the last index each
 * carried, in send order. A bounded window: when it is full the leader stops sending entries to that follower
 * (flow control). Package-private: owned by one {@link Progress}.
 */
final class Inflights {

    private final long[] lastIndexes;
    private int start;
    private int count;

    Inflights(int capacity) {
        this.lastIndexes = new long[capacity];
    }

    boolean full() {
        return count == lastIndexes.length;
    }

    int count() {
        return count;
    }

    void add(long lastIndex) {
        if (full()) {
            throw new IllegalStateException("inflights window is full (" + count + ")");
        }
        if (count > 0 && lastIndex <= lastIndexes[(start + count - 1) % lastIndexes.length]) {
            throw new IllegalStateException("inflight indexes must increase: " + lastIndex);
        }
        lastIndexes[(start + count) % lastIndexes.length] = lastIndex;
        count++;
    }

    /** Frees every message whose last index is at most {@code index}: the follower acknowledged them. */
    void freeLE(long index) {
        while (count > 0 && lastIndexes[start] <= index) {
            start = (start + 1) % lastIndexes.length;
            count--;
        }
    }

    /** Frees the oldest message: it was probably lost, and a heartbeat answer shows the follower is alive. */
    void freeFirstOne() {
        if (count > 0) {
            start = (start + 1) % lastIndexes.length;
            count--;
        }
    }

    void reset() {
        start = 0;
        count = 0;
    }
}
