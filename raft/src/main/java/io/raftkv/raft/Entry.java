package io.raftkv.raft;

/**
 * One Raft log entry. {@code data} is owned by the entry once constructed: callers must not mutate the
 * array afterwards (entries are shared between the log, the WAL and the apply thread without copying).
 */
public record Entry(long index, long term, byte[] data) {
    public Entry {
        if (index <= 0) {
            throw new IllegalArgumentException("entry index must be positive: " + index);
        }
        if (term < 0) {
            throw new IllegalArgumentException("entry term must not be negative: " + term);
        }
        if (data == null) {
            throw new IllegalArgumentException("entry data must not be null");
        }
    }
}
