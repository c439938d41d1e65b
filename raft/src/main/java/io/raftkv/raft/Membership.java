package io.raftkv.raft;

import java.util.Set;
import java.util.TreeSet;

/**
 * Who is in the cluster: voters decide elections and commitment, learners only receive the log. A value kept in
 * the Raft state (and in snapshots) so that it can change while the node runs.
 *
 * <p>Seam for membership changes: today the membership comes only from {@link LogStorage#initialState()} or an
 * installed {@link Snapshot}. A configuration-change entry type (one server at a time, dissertation §4.1, or joint
 * consensus) will produce a new value that {@link RaftNode} swaps in when the entry is appended.
 *
 * @param voters  voting member ids, sorted; never empty; disjoint from learners
 * @param learners non-voting member ids, sorted
 */
public record Membership(Set<Long> voters, Set<Long> learners) {
    public Membership {
        voters = sortedCopy(voters);
        learners = sortedCopy(learners);
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("a membership needs at least one voter");
        }
        for (long id : voters) {
            if (id <= 0) {
                throw new IllegalArgumentException("member ids must be positive: " + id);
            }
            if (learners.contains(id)) {
                throw new IllegalArgumentException("node " + id + " is both voter and learner");
            }
        }
        for (long id : learners) {
            if (id <= 0) {
                throw new IllegalArgumentException("member ids must be positive: " + id);
            }
        }
    }

    public static Membership ofVoters(long... ids) {
        Set<Long> voters = new TreeSet<>();
        for (long id : ids) {
            voters.add(id);
        }
        return new Membership(voters, Set.of());
    }

    /** The number of voters that makes a majority. */
    public int quorum() {
        return voters.size() / 2 + 1;
    }

    public boolean isVoter(long id) {
        return voters.contains(id);
    }

    public boolean isMember(long id) {
        return voters.contains(id) || learners.contains(id);
    }

    private static Set<Long> sortedCopy(Set<Long> ids) {
        if (ids == null) {
            throw new IllegalArgumentException("member set must not be null");
        }
        return java.util.Collections.unmodifiableSortedSet(new TreeSet<>(ids));
    }
}
