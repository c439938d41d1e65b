package io.raftkv.raft;

/**
 * A leader's view of one peer, for INFO-style output and tests: a copy, detached from the node.
 *
 * @param matchIndex highest index known to be replicated on the peer (Raft paper figure 2)
 * @param nextIndex  index of the next entry to send
 * @param inflight   AppendEntries messages sent and not yet acknowledged (REPLICATE state)
 * @param recentActive heard from the peer since the last check-quorum round
 */
public record PeerProgress(long id, long matchIndex, long nextIndex, State state, int inflight,
                           boolean recentActive, boolean learner) {

    public enum State {
        PROBE,
        REPLICATE,
        SNAPSHOT
    }
}
