/**
 * Raft wired to the server: the one package that joins the consensus core, the WAL, the peer transport and the apply
 * loop (they know nothing of each other). It is every real node's {@link io.raftkv.server.node.KvNode}: a cluster
 * member's (and then also its {@link io.raftkv.server.cluster.ClusterView}) and a standalone node's, which is a Raft
 * group of one voter with no peer transport ({@link io.raftkv.server.driver.RaftDriver#standalone}), so the log has
 * one code path.
 *
 * <h2>Parts</h2>
 * <ul>
 *   <li>{@link io.raftkv.server.driver.RaftDriver}: the production shell. It owns the threads (the peer transport's
 *   I/O thread, or one of its own; a lone voter's apply thread), ticks the core every heartbeat, runs the apply
 *   loop's expiry cycle, hands the core the transport's frames and the clients' requests, and stops it.</li>
 *   <li>{@link io.raftkv.server.driver.DriverCore}: the Ready loop in rounds, with no thread, executor, timer or
 *   clock of its own: time comes from a {@link io.raftkv.server.driver.NodeClock} (monotonic nanoseconds for waits,
 *   wall milliseconds for record timestamps), rounds from a {@link io.raftkv.server.driver.DriverLoop}, so a test can
 *   step it on virtual time. It owns the inbox, the event dispatch and the order of each Ready (a leader's appends
 *   first, persist, send, apply, release reads, advance), and delegates each concern to one part:</li>
 *   <li>{@link io.raftkv.server.driver.ProposalBatcher}: a round's client writes as one BATCH entry, writes too large
 *   for one entry as PART runs ({@link io.raftkv.server.driver.PartedProposals}), writes waiting for their commit,
 *   and the unknown-outcome error when leadership is lost;</li>
 *   <li>{@link io.raftkv.server.driver.ReadTracker}: ReadIndex reads waiting for confirmation, their retries and
 *   deadlines, and a lone voter's read floor (reads without a round);</li>
 *   <li>{@link io.raftkv.server.driver.LeaderWait}: -MOVED to the leader, and the bounded wait for one
 *   (cluster-redirect-wait) before -CLUSTERDOWN;</li>
 *   <li>{@link io.raftkv.server.driver.Persistence}: each Ready written to the
 *   {@link io.raftkv.server.driver.DurableLog} and synced per appendfsync, and the leader's deferred syncs under
 *   pipelined load. {@code DurableLog} is the seam: {@link io.raftkv.server.driver.WalLog} over the Chronicle Queue
 *   WAL in production ({@link io.raftkv.server.driver.WalStorage} is Raft's read-only view of it), a simulated disk
 *   in tests;</li>
 *   <li>{@link io.raftkv.server.driver.FailureMode}: the node after its WAL failed (it takes no part, refuses with
 *   MISCONF, sends keyed commands to the leader it still sees);</li>
 *   <li>{@link io.raftkv.server.driver.PublishedView}: the state other threads read (the cluster face, INFO,
 *   expiry), and {@link io.raftkv.server.driver.InfoSections}, which renders INFO persistence, replication and
 *   raft from it.</li>
 * </ul>
 *
 * <h2>Under simulation</h2>
 * Because the core takes its clock, its loop, its disk and its transport from outside, the tests run the production
 * core in a deterministic simulation ({@code DriverSimulation} in this package's tests): 1, 3 or 5 nodes in one
 * thread on virtual time, each with the real apply loop, state machine, command table and off-heap key space, a
 * simulated disk that loses unsynced writes in a crash (and can fail), and a network that drops, duplicates,
 * reorders and partitions frames. Clients go through the same write and read entry points as the client face; the
 * raft module's invariants are checked after every event and the client history must be linearizable. A failure
 * prints its seed and the command that replays it.
 */
package io.raftkv.server.driver;
