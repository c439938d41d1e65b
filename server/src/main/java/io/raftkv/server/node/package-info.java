/**
 * Where commands meet the store. {@link io.raftkv.server.node.KvStateMachine} applies log records and runs reads
 * against the key space (apply side only); {@link io.raftkv.server.node.ApplyLoop} owns it and runs on the Raft
 * driver's thread (a standalone node's: on a thread of its own). {@link io.raftkv.server.node.KvNode} is the seam the client face hands READ and WRITE commands to:
 * the Raft driver implements it for every real node, standalone ones included (a Raft group of one voter), so there
 * is one log code path; {@link io.raftkv.server.node.DirectNode} (tests, no log) is the other implementation. Depends on {@code command}, {@code kv} and {@code reply}; the
 * key space itself knows nothing of commands.
 */
package io.raftkv.server.node;
