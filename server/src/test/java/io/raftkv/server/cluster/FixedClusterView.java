package io.raftkv.server.cluster;

import java.util.List;
import java.util.Set;

/** A topology frozen for a test: members on one host, a leader (0 for none), a term and the members whose link is down. */
public record FixedClusterView(ClusterMember self, List<ClusterMember> members, long leaderId, long currentEpoch,
                               Set<Long> down) implements ClusterView {

    public FixedClusterView {
        members = List.copyOf(members);
        down = Set.copyOf(down);
    }

    /** Members 1..n at host:basePort+i (bus port +10000), seen from member {@code selfId}. */
    public static FixedClusterView of(String host, int basePort, int n, long selfId, long leaderId, long term) {
        List<ClusterMember> ms = new java.util.ArrayList<>();
        for (int i = 1; i <= n; i++) {
            ms.add(new ClusterMember(i, host, basePort + i, basePort + i + 10000));
        }
        return new FixedClusterView(ms.get((int) selfId - 1), ms, leaderId, term, Set.of());
    }

    public FixedClusterView withDown(Long... ids) {
        return new FixedClusterView(self, members, leaderId, currentEpoch, Set.of(ids));
    }

    @Override
    public boolean connected(long memberId) {
        return memberId == self.id() || !down.contains(memberId);
    }
}
