package io.raftkv.server.cluster;

import java.util.List;

/**
 * The Raft group's topology as the client face needs it: who the members are, who leads, in which term. The node
 * driver implements it over the Raft state; tests use a fixed one.
 *
 * <p>Threads: any method may be called from any Netty event loop or the apply thread at any time, so
 * implementations must be thread-safe and non-blocking. Each call answers for the moment it is made; two calls may
 * see different moments (a leader change in between), so a caller that needs one picture reads {@link #leaderId()}
 * once and works from that value.
 */
public interface ClusterView {

    /** This node. */
    ClusterMember self();

    /** All voters, this node included, in ascending id order. The list is immutable. */
    List<ClusterMember> members();

    /** The id of the leader this node knows of in the current term, or 0 when it knows none (an election is on). */
    long leaderId();

    /** The current Raft term; shown as Redis's current epoch and config epoch. */
    long currentEpoch();

    /** Whether this node's peer link to {@code memberId} is up; always true for {@link #self()}. CLUSTER NODES' link-state. */
    boolean connected(long memberId);

    /**
     * Asks the leader to hand leadership to this node (CLUSTER FAILOVER on a replica). Asynchronous: returns at once,
     * the transfer happens (or not, if the request is lost or the leader changes) within about an election timeout.
     *
     * @throws UnsupportedOperationException where the view cannot act (a fixed view in tests)
     */
    default void requestLeadership() {
        throw new UnsupportedOperationException("this cluster view cannot fail over");
    }

    /** The leader as a member, or null when no leader is known (or the known one is not among {@link #members()}). */
    default ClusterMember leader() {
        long id = leaderId();
        return id == 0 ? null : member(id);
    }

    /** The member with this id, or null. */
    default ClusterMember member(long id) {
        for (ClusterMember m : members()) {
            if (m.id() == id) {
                return m;
            }
        }
        return null;
    }
}
