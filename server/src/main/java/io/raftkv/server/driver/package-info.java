/**
 * Raft wired to the server: {@link io.raftkv.server.driver.RaftDriver} runs the consensus core, the WAL, the sending
 * side of the peer transport and the apply loop on one thread. It is every real node's
 * {@link io.raftkv.server.node.KvNode}: a cluster member's (and then also its
 * {@link io.raftkv.server.cluster.ClusterView}) and a standalone node's, which is a Raft group of one voter with no
 * peer transport ({@link io.raftkv.server.driver.RaftDriver#standalone}), so the log has one code path;
 * {@link io.raftkv.server.driver.WalStorage} is Raft's read-only view of the WAL. The core, the WAL and the
 * transport know nothing of each other: only this package joins them.
 */
package io.raftkv.server.driver;
