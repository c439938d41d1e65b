package io.raftkv.server.driver;

import io.raftkv.raft.PeerProgress;
import io.raftkv.raft.RaftNode;
import io.raftkv.raft.Role;
import io.raftkv.server.cluster.ClusterMember;
import io.raftkv.server.cluster.ClusterView;
import io.raftkv.server.peer.PeerStatus;
import io.raftkv.server.peer.PeerTransport;

import java.util.List;

/**
 * The node's Raft state as other threads see it: the cluster face (CLUSTER replies, -MOVED), INFO, active expiry.
 * The driver thread writes these fields at the end of each round (and its parts write their counters as they
 * count); everyone else only reads them, each a moment of its own (see {@link ClusterView}).
 */
final class PublishedView implements ClusterView {

    private final ClusterMember self;
    private final List<ClusterMember> members;
    private final PeerTransport transport;
    private final Runnable leadershipRequest;

    volatile long leaderId;
    volatile long term;
    volatile Role role = Role.FOLLOWER;
    volatile long commitIndex;
    volatile long lastIndex;
    volatile long walFirstIndex;
    /** The peers' replication progress, as the leader last saw it. */
    volatile List<PeerProgress> progress = List.of();
    /** Why this node stopped taking part (its WAL failed, or the driver did); null while it takes part. */
    volatile String failure;
    volatile long readyCount;
    volatile long syncCount;
    volatile long syncMicros;
    volatile long busyMicros;
    volatile long proposedCount;
    volatile long deferredSyncs;

    /** {@code leadershipRequest} hands a failover request to the driver; any thread. */
    PublishedView(ClusterMember self, List<ClusterMember> members, PeerTransport transport, Runnable leadershipRequest) {
        this.self = self;
        this.members = List.copyOf(members);
        this.transport = transport;
        this.leadershipRequest = leadershipRequest;
    }

    /** End of a round on the driver thread, while the node takes part. */
    void publish(RaftNode raft) {
        leaderId = raft.leaderId();
        term = raft.term();
        role = raft.role();
        if (role == Role.LEADER) {
            progress = raft.progress();
        }
    }

    /** End of a round on the driver thread, once the node stopped taking part: it follows nobody, sees {@code leader}. */
    void publishFailed(long leader, long failedTerm) {
        leaderId = leader;
        term = failedTerm;
        role = Role.FOLLOWER;
    }

    @Override
    public ClusterMember self() {
        return self;
    }

    @Override
    public List<ClusterMember> members() {
        return members;
    }

    @Override
    public long leaderId() {
        return leaderId;
    }

    @Override
    public long currentEpoch() {
        return term;
    }

    @Override
    public boolean connected(long memberId) {
        if (memberId == self.id()) {
            return true;
        }
        PeerStatus s = transport.status().get(memberId);
        return s != null && s.connected();
    }

    @Override
    public void requestLeadership() {
        leadershipRequest.run();
    }
}
