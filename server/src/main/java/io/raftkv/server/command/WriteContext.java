package io.raftkv.server.command;

import io.raftkv.server.kv.KeyspaceData;

/**
 * What a {@link WriteCommand} may use: the store (as {@link KeyspaceData}), the record's time and a sink for keyspace
 * counters. A write is applied from the log on every node and on every replay, so everything here is the same on all
 * of them (the counters excepted, which nothing can read back: see {@link KeyspaceStats}). Per-node state (the
 * configuration, the clients, the cluster view, this node's clock, and the store's own per-node side: stamps, memory,
 * the order of its maps, its journal) is not in this type, so a write cannot reach it: determinism is checked by the
 * compiler, not by review.
 *
 * <p>Settings that all nodes share would come here too, as values carried by the log; there are none today. A limit
 * a write checks is a constant of its command (the largest string, for one), never a configuration value, which
 * CONFIG SET may change on one node only.
 *
 * <p>Going further takes a downcast: of this context it fails (the object a write gets implements this interface and
 * nothing else); of the store it would succeed, which is why a cast in a write command is for review to refuse.
 * {@link ReadContext} extends this, so that code shared by a read and a write (a GET-family lookup) takes this type.
 */
public interface WriteContext {

    /** The key space: what keys hold and changes to them, nothing that differs by node. Apply thread only. */
    KeyspaceData store();

    /**
     * Milliseconds since the epoch: for a write, the time stamped into its log record by the node that proposed it
     * (the same on every node and every replay); for a read, this node's clock.
     */
    long now();

    /** Where keyspace hits and misses are counted. */
    KeyspaceStats stats();
}
