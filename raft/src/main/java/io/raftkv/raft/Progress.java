package io.raftkv.raft;

/**
 * What a leader knows about one peer's log (Raft paper figure 2: nextIndex and matchIndex) and how it sends to
 * it. Package-private and mutable; the public view is {@link PeerProgress}.
 *
 * <ul>
 *   <li>PROBE: the leader does not know where the logs match; it sends one AppendEntries at a time and waits
 *   for the answer (or the next heartbeat answer) before sending another.</li>
 *   <li>REPLICATE: the logs match up to matchIndex; the leader streams entries optimistically, advancing
 *   nextIndex as it sends, bounded by the {@link Inflights} window.</li>
 *   <li>SNAPSHOT: the entries the peer needs are compacted; a snapshot is on its way and nothing else is sent.</li>
 * </ul>
 */
final class Progress {

    long match;
    long next;
    PeerProgress.State state = PeerProgress.State.PROBE;
    /** PROBE: an AppendEntries is out and unanswered; do not send another. */
    boolean probeSent;
    /** SNAPSHOT: the index of the snapshot being sent. */
    long pendingSnapshot;
    /** SNAPSHOT: the leader's tick count when it sent the snapshot. */
    long snapshotSentTick;
    /** Heard from since the last check-quorum round. */
    boolean recentActive;
    /** The highest commit index sent to this peer that it can act on (not above what it was sent or has). */
    long sentCommit;
    /** The newest heartbeat round (leader tick) this peer acknowledged in the current term. */
    long ackedRound;
    final Inflights inflights;
    final boolean learner;

    Progress(long match, long next, int maxInflight, boolean learner) {
        this.match = match;
        this.next = next;
        this.inflights = new Inflights(maxInflight);
        this.learner = learner;
    }

    void becomeProbe() {
        // What we sent may not have matched the peer's log: only the matched prefix is known committed there.
        sentCommit = Math.min(sentCommit, match);
        if (state == PeerProgress.State.SNAPSHOT) {
            next = Math.max(match + 1, pendingSnapshot + 1);
        } else {
            next = match + 1;
        }
        resetState(PeerProgress.State.PROBE);
    }

    void becomeReplicate() {
        next = match + 1;
        resetState(PeerProgress.State.REPLICATE);
    }

    void becomeSnapshot(long snapshotIndex, long tick) {
        resetState(PeerProgress.State.SNAPSHOT);
        pendingSnapshot = snapshotIndex;
        snapshotSentTick = tick;
    }

    /** The snapshot was lost (or is taking too long): probe from the match index again. */
    void snapshotFailed() {
        if (state != PeerProgress.State.SNAPSHOT) {
            throw new IllegalStateException("no snapshot is pending");
        }
        pendingSnapshot = 0;
        becomeProbe();
    }

    private void resetState(PeerProgress.State newState) {
        state = newState;
        probeSent = false;
        pendingSnapshot = 0;
        inflights.reset();
    }

    /** Whether the leader must hold back AppendEntries with entries to this peer. */
    boolean isPaused() {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.full();
            case SNAPSHOT -> true;
        };
    }

    /** Records that entries up to {@code lastIndex} were sent (or an empty probe, when {@code lastIndex} is 0). */
    void sentEntries(long lastIndex) {
        switch (state) {
            case REPLICATE -> {
                if (lastIndex > 0) {
                    next = lastIndex + 1;
                    inflights.add(lastIndex);
                }
            }
            case PROBE -> probeSent = true;
            case SNAPSHOT -> throw new IllegalStateException("sending entries to a peer in SNAPSHOT state");
        }
    }

    /** An acknowledgement up to {@code index}. Returns whether matchIndex moved (stale answers do not move it). */
    boolean maybeUpdate(long index) {
        boolean updated = false;
        if (match < index) {
            match = index;
            updated = true;
            probeSent = false;
        }
        next = Math.max(next, index + 1);
        return updated;
    }

    /**
     * A rejection of the AppendEntries whose prevLogIndex was {@code rejected}; {@code probeHint} is the highest
     * index that may still match. Returns false when the rejection is stale (answers an older message).
     */
    boolean maybeDecrTo(long rejected, long probeHint) {
        if (state == PeerProgress.State.REPLICATE) {
            if (rejected <= match) {
                return false;
            }
            next = match + 1;
            return true;
        }
        if (next - 1 != rejected) {
            return false;
        }
        next = Math.max(Math.min(rejected, probeHint + 1), match + 1);
        probeSent = false;
        return true;
    }

    PeerProgress view(long id) {
        return new PeerProgress(id, match, next, state, inflights.count(), recentActive, learner);
    }
}
