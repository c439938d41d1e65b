package io.raftkv.server.driver;

import io.raftkv.raft.PeerProgress;
import io.raftkv.raft.Role;
import io.raftkv.server.cluster.ClusterMember;
import io.raftkv.server.command.ServerState;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The node's INFO sections: persistence (the WAL), replication (Redis's master/slave fields over the Raft roles) and
 * raft. Rendered from the {@link PublishedView} on the calling thread (any: a client's event loop).
 */
final class InfoSections {

    private final PublishedView view;
    private final ServerState server;
    /** A standalone node: a master even with its log failed, as Redis. */
    private final boolean alone;

    InfoSections(PublishedView view, ServerState server, boolean alone) {
        this.view = view;
        this.server = server;
        this.alone = alone;
    }

    /** The lines of {@code section}; empty for a section this node does not render. */
    List<String> render(String section) {
        List<String> l = new ArrayList<>();
        switch (section) {
            case "persistence" -> persistence(l);
            case "replication" -> replication(l);
            case "raft" -> raft(l);
            default -> {
            }
        }
        return l;
    }

    private void persistence(List<String> l) {
        l.add("aof_last_write_status:" + (view.failure == null ? "ok" : "err"));
        l.add("wal_first_index:" + view.walFirstIndex);
        l.add("wal_last_index:" + view.lastIndex);
        l.add("wal_last_sync_time:" + server.lastSyncMillis.get() / 1000);
        l.add("applied_index:" + server.appliedIndex.get());
    }

    private void replication(List<String> l) {
        ClusterMember leader = view.member(view.leaderId);
        if (view.role == Role.LEADER || alone) {
            l.add("role:master");
            int i = 0;
            StringBuilder sb = new StringBuilder();
            for (PeerProgress p : view.progress) {
                if (p.id() == view.self().id()) {
                    continue;
                }
                ClusterMember m = view.member(p.id());
                sb.setLength(0);
                sb.append("slave").append(i++).append(":ip=").append(m.host()).append(",port=")
                        .append(m.clientPort()).append(",state=").append(view.connected(p.id()) ? "online" : "offline")
                        .append(",offset=").append(p.matchIndex()).append(",lag=0");
                l.add(sb.toString());
            }
            l.add(1, "connected_slaves:" + i);
        } else {
            l.add("role:slave");
            l.add("master_host:" + (leader == null ? "" : leader.host()));
            l.add("master_port:" + (leader == null ? 0 : leader.clientPort()));
            l.add("master_link_status:" + (leader != null && view.connected(leader.id()) ? "up" : "down"));
            l.add("slave_repl_offset:" + server.appliedIndex.get());
            l.add("slave_read_only:1");
            l.add("connected_slaves:0");
        }
        l.add("master_repl_offset:" + view.commitIndex);
    }

    private void raft(List<String> l) {
        Role role = view.role;
        l.add("raft_node_id:" + view.self().id());
        l.add("raft_role:" + role.name().toLowerCase(Locale.ROOT));
        // A node whose log failed (or whose driver died) still names the leader it sees, but takes no part
        String failure = view.failure;
        l.add("raft_taking_part:" + (failure == null ? 1 : 0));
        if (failure != null) {
            l.add("raft_failure:" + FailureMode.oneLine(failure));
        }
        l.add("raft_term:" + view.term);
        l.add("raft_leader_id:" + view.leaderId);
        l.add("raft_commit_index:" + view.commitIndex);
        l.add("raft_applied_index:" + server.appliedIndex.get());
        l.add("raft_last_index:" + view.lastIndex);
        l.add("raft_members:" + view.members().size());
        l.add("raft_readies:" + view.readyCount);
        l.add("raft_proposals:" + view.proposedCount);
        l.add("raft_deferred_syncs:" + view.deferredSyncs);
        l.add("wal_syncs:" + view.syncCount);
        l.add("wal_sync_micros:" + view.syncMicros);
        l.add("raft_busy_micros:" + view.busyMicros);
        if (role == Role.LEADER) {
            for (PeerProgress p : view.progress) {
                l.add("raft_peer_" + p.id() + ":match=" + p.matchIndex() + ",next=" + p.nextIndex()
                        + ",state=" + p.state().name().toLowerCase(Locale.ROOT)
                        + ",connected=" + (view.connected(p.id()) ? 1 : 0));
            }
        }
    }
}
