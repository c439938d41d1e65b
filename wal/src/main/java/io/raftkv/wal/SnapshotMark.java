package io.raftkv.wal;

/**
 * Everything up to and including {@code index} (whose entry had {@code term}) is covered by a snapshot held
 * outside the WAL. Raft needs the pair to answer {@code term(index)} for the entry just before its first
 * stored one (Raft paper, section 7: the snapshot keeps the last included index and term).
 */
public record SnapshotMark(long index, long term) {
    public SnapshotMark {
        if (index <= 0) {
            throw new IllegalArgumentException("snapshot index must be positive: " + index);
        }
        if (term < 0) {
            throw new IllegalArgumentException("snapshot term must not be negative: " + term);
        }
    }
}
