package io.raftkv.raft;

/**
 * The state Raft must have on stable storage before it answers any RPC (Raft paper, figure 2):
 * the current term and the vote cast in it, plus the commit index (which may lag, and only speeds
 * recovery). {@code vote} is 0 when no vote was cast in {@code term}.
 */
public record HardState(long term, long vote, long commit) {
    public static final HardState EMPTY = new HardState(0, 0, 0);

    public HardState {
        if (term < 0 || vote < 0 || commit < 0) {
            throw new IllegalArgumentException("hard state fields must not be negative: " + term + "/" + vote + "/" + commit);
        }
    }
}
