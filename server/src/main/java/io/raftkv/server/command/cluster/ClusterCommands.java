package io.raftkv.server.command.cluster;

import io.raftkv.server.cluster.ClusterMember;
import io.raftkv.server.cluster.ClusterView;
import io.raftkv.server.cluster.KeySlot;
import io.raftkv.server.command.LocalContext;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.CommandTable;
import io.raftkv.server.reply.Reply;

import java.util.ArrayList;
import java.util.List;

import static io.raftkv.server.command.CommandFlag.FAST;
import static io.raftkv.server.command.CommandFlag.LOADING;
import static io.raftkv.server.command.CommandFlag.STALE;

/**
 * The cluster group: CLUSTER SLOTS | SHARDS | NODES | INFO | MYID | KEYSLOT, READONLY, READWRITE. All LOCAL.
 *
 * <p>The Raft group shows itself as a Redis Cluster with one shard: the leader is the master of slots 0..16383,
 * every other voter its replica. Formats are Redis 7.0.15's, captured from a real one-shard cluster (see
 * {@code src/test/resources/io/raftkv/server/cluster/redis-7.0.15-one-shard.txt}).
 *
 * <p>With no known leader (an election is on) the group answers as a Redis Cluster whose slots have no master:
 * CLUSTER SLOTS and SHARDS are empty arrays, CLUSTER NODES lists every voter as a master without slots, CLUSTER
 * INFO says {@code cluster_state:fail} with no slot assigned. Clients treat that as "not ready yet" and refresh
 * again (ioredis retries on cluster_state, Lettuce and Jedis refresh on the next -MOVED or failure), instead of
 * caching a guessed master.
 *
 * <p>Not tracked, so reported as constants: cluster bus ping-sent and pong-recv times (0), bus message counters
 * (0); SHARDS' replication-offset is this node's applied index for every node.
 *
 * <p>In standalone mode ({@code ServerState.cluster() == null}) every command answers
 * {@code ERR This instance has cluster support disabled}, after the table's arity check, as Redis does.
 */
public final class ClusterCommands {

    static final Reply DISABLED = Reply.error("ERR This instance has cluster support disabled");
    private static final Reply FIRST_SLOT = Reply.integer(0);
    private static final Reply LAST_SLOT = Reply.integer(KeySlot.SLOTS - 1);
    private static final String SLOT_RANGE = "0-" + (KeySlot.SLOTS - 1);

    private ClusterCommands() {
    }

    public static void register(CommandTable.Builder table) {
        table.add(CommandSpec.builder("cluster", -2).group("cluster").since("3.0.0")
                .summary("A container for Redis Cluster commands.")
                .sub(CommandSpec.builder("slots", 2).flags(STALE).since("3.0.0")
                        .summary("Returns the mapping of cluster slots to nodes.").local(ClusterCommands::slots))
                .sub(CommandSpec.builder("shards", 2).flags(STALE).since("7.0.0")
                        .summary("Returns the mapping of cluster slots to shards.").local(ClusterCommands::shards))
                .sub(CommandSpec.builder("nodes", 2).flags(STALE).since("3.0.0")
                        .summary("Returns the cluster configuration for a node.").local(ClusterCommands::nodes))
                .sub(CommandSpec.builder("info", 2).flags(STALE).since("3.0.0")
                        .summary("Returns information about the state of a node.").local(ClusterCommands::info))
                .sub(CommandSpec.builder("myid", 2).flags(STALE).since("3.0.0")
                        .summary("Returns the ID of a node.").local(ClusterCommands::myid))
                .sub(CommandSpec.builder("keyslot", 3).flags(STALE).since("3.0.0")
                        .summary("Returns the hash slot for a key.").local(ClusterCommands::keyslot))
                .sub(CommandSpec.builder("failover", -2).flags(io.raftkv.server.command.CommandFlag.ADMIN, STALE)
                        .since("3.0.0").summary("Makes this replica the master: Raft leadership transfer to this node.")
                        .local(ClusterCommands::failover)));
        table.add(CommandSpec.builder("readonly", 1).flags(LOADING, STALE, FAST).group("cluster").since("3.0.0")
                .summary("Lets this connection read from a replica (a Raft follower).")
                .local((ctx, argv) -> readMode(ctx, true)));
        table.add(CommandSpec.builder("readwrite", 1).flags(LOADING, STALE, FAST).group("cluster").since("3.0.0")
                .summary("Sends this connection's reads back to the master (the Raft leader).")
                .local((ctx, argv) -> readMode(ctx, false)));
    }

    // CLUSTER FAILOVER [FORCE | TAKEOVER]
    // Sent to a replica (a Raft follower): the leader brings it up to date and hands leadership over
    // (TimeoutNow). FORCE and TAKEOVER are accepted and do the same: Raft never takes over without a quorum.
    private static Reply failover(LocalContext ctx, byte[][] argv) {
        ClusterView view = ctx.server().cluster();
        if (view == null) {
            return DISABLED;
        }
        if (argv.length > 3 || (argv.length == 3 && !io.raftkv.server.command.Args.is(argv[2], "force")
                && !io.raftkv.server.command.Args.is(argv[2], "takeover"))) {
            return Reply.SYNTAX_ERROR;
        }
        if (view.leaderId() == view.self().id()) {
            return Reply.error("ERR You should send CLUSTER FAILOVER to a replica");
        }
        if (view.leaderId() == 0) {
            return Reply.error("ERR No master is known to fail over from; retry after the election");
        }
        view.requestLeadership();
        return Reply.OK;
    }

    // READONLY / READWRITE
    private static Reply readMode(LocalContext ctx, boolean readonly) {
        if (ctx.server().cluster() == null) {
            return DISABLED;
        }
        ctx.client().readonlyMode(readonly);
        return Reply.OK;
    }

    // CLUSTER MYID
    private static Reply myid(LocalContext ctx, byte[][] argv) {
        ClusterView view = ctx.server().cluster();
        return view == null ? DISABLED : Reply.bulk(view.self().nodeId());
    }

    // CLUSTER KEYSLOT key
    private static Reply keyslot(LocalContext ctx, byte[][] argv) {
        return ctx.server().cluster() == null ? DISABLED : Reply.integer(KeySlot.of(argv[2]));
    }

    // CLUSTER SLOTS
    private static Reply slots(LocalContext ctx, byte[][] argv) {
        ClusterView view = ctx.server().cluster();
        if (view == null) {
            return DISABLED;
        }
        ClusterMember leader = view.leader();
        if (leader == null) {
            return Reply.EMPTY_ARRAY;
        }
        List<Reply> range = new ArrayList<>();
        range.add(FIRST_SLOT);
        range.add(LAST_SLOT);
        for (ClusterMember m : leaderFirst(view, leader)) {
            range.add(slotsNode(m));
        }
        return Reply.array(Reply.array(range));
    }

    /** The members with the leader (the shard's master) first, then the others in configuration order. */
    private static List<ClusterMember> leaderFirst(ClusterView view, ClusterMember leader) {
        List<ClusterMember> out = new ArrayList<>(view.members().size());
        out.add(leader);
        for (ClusterMember m : view.members()) {
            if (m.id() != leader.id()) {
                out.add(m);
            }
        }
        return out;
    }

    /** [host, port, id, metadata]: Redis 7.0 adds the metadata array, empty while no hostname is announced. */
    private static Reply slotsNode(ClusterMember m) {
        return Reply.array(Reply.bulk(m.host()), Reply.integer(m.clientPort()), Reply.bulk(m.nodeId()), Reply.EMPTY_ARRAY);
    }

    // CLUSTER SHARDS
    private static Reply shards(LocalContext ctx, byte[][] argv) {
        ClusterView view = ctx.server().cluster();
        if (view == null) {
            return DISABLED;
        }
        ClusterMember leader = view.leader();
        if (leader == null) {
            return Reply.EMPTY_ARRAY;
        }
        long offset = ctx.server().appliedIndex.get();
        List<Reply> nodes = new ArrayList<>();
        for (ClusterMember m : leaderFirst(view, leader)) {
            nodes.add(shardNode(view, m, m == leader ? "master" : "replica", offset));
        }
        return Reply.array(Reply.array(
                Reply.bulk("slots"), Reply.array(FIRST_SLOT, LAST_SLOT),
                Reply.bulk("nodes"), Reply.array(nodes)));
    }

    private static Reply shardNode(ClusterView view, ClusterMember m, String role, long offset) {
        boolean up = m.id() == view.self().id() || view.connected(m.id());
        return Reply.array(
                Reply.bulk("id"), Reply.bulk(m.nodeId()),
                Reply.bulk("port"), Reply.integer(m.clientPort()),
                Reply.bulk("ip"), Reply.bulk(m.host()),
                Reply.bulk("endpoint"), Reply.bulk(m.host()),
                Reply.bulk("role"), Reply.bulk(role),
                Reply.bulk("replication-offset"), Reply.integer(offset),
                Reply.bulk("health"), Reply.bulk(up ? "online" : "fail"));
    }

    // CLUSTER NODES
    private static Reply nodes(LocalContext ctx, byte[][] argv) {
        ClusterView view = ctx.server().cluster();
        return view == null ? DISABLED : Reply.bulk(nodesText(view));
    }

    /**
     * One line per voter, id order: {@code <id> <ip:port@cport> <flags> <master> <ping-sent> <pong-recv>
     * <config-epoch> <link-state> [slots]}, each ending in "\n" as Redis writes them.
     */
    static String nodesText(ClusterView view) {
        ClusterMember leader = view.leader();
        long selfId = view.self().id();
        long epoch = view.currentEpoch();
        StringBuilder sb = new StringBuilder();
        for (ClusterMember m : view.members()) {
            boolean self = m.id() == selfId;
            boolean master = leader == null || m.id() == leader.id();
            sb.append(m.nodeId()).append(' ')
                    .append(m.address()).append('@').append(m.peerPort()).append(' ')
                    .append(self ? "myself," : "").append(master ? "master" : "slave").append(' ')
                    .append(master ? "-" : leader.nodeId())
                    .append(" 0 0 ").append(epoch).append(' ')
                    .append(self || view.connected(m.id()) ? "connected" : "disconnected");
            if (leader != null && master) {
                sb.append(' ').append(SLOT_RANGE);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    // CLUSTER INFO
    private static Reply info(LocalContext ctx, byte[][] argv) {
        ClusterView view = ctx.server().cluster();
        if (view == null) {
            return DISABLED;
        }
        boolean ok = view.leader() != null;
        int slots = ok ? KeySlot.SLOTS : 0;
        long epoch = view.currentEpoch();
        String text = "cluster_state:" + (ok ? "ok" : "fail") + "\r\n"
                + "cluster_slots_assigned:" + slots + "\r\n"
                + "cluster_slots_ok:" + slots + "\r\n"
                + "cluster_slots_pfail:0\r\n"
                + "cluster_slots_fail:0\r\n"
                + "cluster_known_nodes:" + view.members().size() + "\r\n"
                + "cluster_size:" + (ok ? 1 : 0) + "\r\n"
                + "cluster_current_epoch:" + epoch + "\r\n"
                + "cluster_my_epoch:" + epoch + "\r\n"
                + "cluster_stats_messages_sent:0\r\n"
                + "cluster_stats_messages_received:0\r\n"
                + "total_cluster_links_buffer_limit_exceeded:0\r\n";
        return Reply.bulk(text);
    }
}
