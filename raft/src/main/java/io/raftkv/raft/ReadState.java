package io.raftkv.raft;

/**
 * A linearizable read is confirmed: the read tagged {@code requestId} may be served from this node's state
 * machine once its applied index is at least {@code index} (Raft dissertation §6.4).
 */
public record ReadState(long requestId, long index) {
}
