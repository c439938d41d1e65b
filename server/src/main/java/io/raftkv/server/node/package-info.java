/**
 * Where commands meet the store. {@link io.raftkv.server.node.KvStateMachine} applies log records and runs reads
 * against the key space (apply thread only); {@link io.raftkv.server.node.ApplyLoop} owns it.
 * {@link io.raftkv.server.node.KvNode} is the seam the client face hands READ and WRITE commands to:
 * {@link io.raftkv.server.node.LogNode} (standalone, the WAL as log), {@link io.raftkv.server.node.DirectNode}
 * (tests, no log) and the Raft driver implement it. Depends on {@code command}, {@code kv} and {@code reply}; the
 * key space itself knows nothing of commands.
 */
package io.raftkv.server.node;
