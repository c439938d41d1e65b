package io.raftkv.server.cluster;

import io.raftkv.server.reply.Reply;


/**
 * The replies that send a cluster client elsewhere, worded as Redis Cluster words them (checked against
 * redis-server 7.0.15): a node that cannot serve a key names the leader with -MOVED, and when no leader turns up
 * within the wait bound the request fails with -CLUSTERDOWN, which clients retry after refreshing the topology.
 */
public final class Redirect {

    /** What Redis answers a keyed command while the cluster is down (its master unreachable). */
    public static final Reply CLUSTERDOWN = Reply.error("CLUSTERDOWN The cluster is down");

    /** What a Redis replica answers a write: here, a keyless write (FLUSHALL) sent to a follower. */
    public static final Reply READONLY = Reply.error("READONLY You can't write against a read only replica.");

    private Redirect() {
    }

    /**
     * The answer of a node that is not the leader to a command only the leader may serve: -MOVED to the leader for a
     * command with keys ({@code routingKey}, its first key, picks the slot), -READONLY for a keyless write
     * ({@code routingKey} null), -CLUSTERDOWN when no leader is known.
     */
    public static Reply toLeader(byte[] routingKey, ClusterMember leader) {
        if (leader == null) {
            return CLUSTERDOWN;
        }
        return routingKey != null ? moved(KeySlot.of(routingKey), leader) : READONLY;
    }

    /** {@code -MOVED <slot> <host>:<port>}, the address rendered by {@link ClusterMember#address()}. */
    public static Reply moved(int slot, ClusterMember leader) {
        if (slot < 0 || slot >= KeySlot.SLOTS) {
            throw new IllegalArgumentException("slot out of range: " + slot);
        }
        return Reply.error("MOVED " + slot + " " + leader.address());
    }
}
