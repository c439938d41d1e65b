/**
 * Raft wired to the server: {@link io.raftkv.server.driver.RaftDriver} runs the consensus core, the WAL, the sending
 * side of the peer transport and the apply loop on one thread, and stands in for the standalone node in cluster mode
 * (it is the {@link io.raftkv.server.node.KvNode} and the {@link io.raftkv.server.cluster.ClusterView});
 * {@link io.raftkv.server.driver.WalStorage} is Raft's read-only view of the WAL. The core, the WAL and the
 * transport know nothing of each other: only this package joins them.
 */
package io.raftkv.server.driver;
