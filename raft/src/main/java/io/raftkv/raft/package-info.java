/**
 * The Raft consensus core: a pure, deterministic, single-threaded state machine in the style of etcd's raft
 * library. It does no I/O, reads no clock and draws randomness only from a seeded generator, so that a simulation
 * can drive it step by step and replay any run from its seed.
 *
 * <h2>Driving a node</h2>
 * <pre>{@code
 * RaftNode node = new RaftNode(RaftConfig.of(id), storage);      // storage: the read side of the WAL
 * loop:
 *   node.tick()                      every tick period (logical time)
 *   node.step(message)               for each message received from a peer
 *   node.propose(data) / node.readIndex(requestId) / node.transferLeadership(to)
 *   while (node.hasReady()) {
 *     Ready rd = node.ready();
 *     persist rd.snapshot(), rd.entries(), rd.hardState(); sync if rd.mustSync()
 *     send rd.messages()
 *     apply rd.committedEntries(); serve rd.readStates() once applied
 *     node.advance(rd);              (a leader that left rd's entries unsynced: node.advanceUnsynced(rd),
 *   }                                  and node.synced() once it syncs them)
 * }</pre>
 * The ordering rules are documented on {@link io.raftkv.raft.Ready}.
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@link io.raftkv.raft.RaftNode}: the node; roles (follower, pre-candidate, candidate, leader) swap its tick
 *   and step behaviour.</li>
 *   <li>{@link io.raftkv.raft.RaftConfig}: the one configuration record, defaults and validation.</li>
 *   <li>{@link io.raftkv.raft.LogStorage}: the read-only storage seam; {@link io.raftkv.raft.MemoryStorage} is the
 *   in-memory implementation for tests and simulation.</li>
 *   <li>{@link io.raftkv.raft.Message}: the peer messages, one sealed interface;
 *   {@link io.raftkv.raft.MessageCodec} their binary frames.</li>
 *   <li>{@link io.raftkv.raft.Membership}: voters and learners, a value in the Raft state.</li>
 * </ul>
 *
 * <h2>References</h2>
 * Comments cite "Raft paper §x" (Ongaro and Ousterhout, In Search of an Understandable Consensus Algorithm,
 * extended version) and "dissertation §x" (Ongaro, Consensus: Bridging Theory and Practice, 2014).
 */
package io.raftkv.raft;
