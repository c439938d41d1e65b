package io.raftkv.server.command;

import io.raftkv.server.kv.Keyspace;

/**
 * What a {@link ReadCommand} may use: what a write may (the store, with {@link #now()} being this node's clock) plus
 * the calling connection and the server. A read runs on one node for one client, so per-node state may shape its
 * reply. Apply thread only.
 */
public interface ReadContext extends WriteContext, LocalContext {

    /** The whole key space, iteration and sizes in memory included. */
    @Override
    Keyspace store();
}
