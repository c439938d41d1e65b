/**
 * Deterministic simulation tests of the Raft core: the whole cluster, its disks and its network in one thread,
 * replayable from a seed.
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@link io.raftkv.raft.sim.Simulation}: discrete-event loop on a virtual clock (a tick is 10 time units;
 *   each node ticks at its own phase). N = 3 or 5 {@link io.raftkv.raft.RaftNode}s, each driven by the Ready
 *   contract: write the Ready to the disk, sync (after a random delay, during which the node keeps ticking and
 *   stepping; a leader may send its appends and heartbeats before the sync), send the rest, apply, serve reads,
 *   advance. The network drops, duplicates, delays (reordering) and partitions messages (isolated node, random
 *   split, one-way cut), and passes every message through {@link io.raftkv.raft.MessageCodec}. Nodes crash and
 *   restart from their durable disk only; leaders are asked to transfer leadership; logs are compacted and lagging
 *   followers get snapshots.</li>
 *   <li>{@link io.raftkv.raft.sim.SimDisk}: durable vs live image of one node's MemoryStorage; a crash drops
 *   unsynced writes (or, with torn writes, keeps a random prefix of them).</li>
 *   <li>{@link io.raftkv.raft.sim.KvStore}: the replicated state machine (PUT, APPEND through the log; GET through
 *   ReadIndex).</li>
 *   <li>{@link io.raftkv.raft.sim.Invariants}: election safety, one vote per term, log matching, leader append-only,
 *   leader completeness, state machine safety, committed entries durable on a quorum, commit never decreasing,
 *   applied never beyond commit; after every event.</li>
 *   <li>{@link io.raftkv.raft.sim.LinearizabilityChecker}: per-key Wing and Gong search with memoization over the
 *   client history; timed-out writes are indeterminate.</li>
 * </ul>
 *
 * <h2>Replaying a failure</h2>
 * A failure prints the seed, the variant and the options drawn from the seed, the end of the event trace, and
 * the command: {@code mvn -o -q -pl raft test -Dtest=SimulationTest -Dsim.seed=S -Dsim.variant=V}; add
 * {@code -Dsim.traceMessages=true} to see every delivered message in the trace.
 */
package io.raftkv.raft.sim;
