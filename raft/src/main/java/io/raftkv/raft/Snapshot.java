package io.raftkv.raft;

/**
 * A state machine image that replaces the log up to and including {@code index}. {@code data} is owned by the
 * snapshot once constructed; nobody mutates it afterwards. An index of 0 means "no snapshot".
 *
 * @param index      the last log index the image includes
 * @param term       the term of that entry
 * @param membership the membership as of {@code index}
 * @param data       the serialized state machine (opaque to Raft)
 */
public record Snapshot(long index, long term, Membership membership, byte[] data) {
    public Snapshot {
        if (index < 0 || term < 0) {
            throw new IllegalArgumentException("snapshot index/term must not be negative: " + index + "/" + term);
        }
        if (index > 0 && term == 0) {
            throw new IllegalArgumentException("snapshot at index " + index + " needs a term");
        }
        if (membership == null || data == null) {
            throw new IllegalArgumentException("snapshot membership and data must not be null");
        }
    }
}
