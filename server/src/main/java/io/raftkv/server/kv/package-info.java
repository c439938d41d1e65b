/**
 * The key space and what the log carries to it: the store and its values, {@link io.raftkv.server.kv.LogRecord}
 * (the payload of a log entry), {@link io.raftkv.server.kv.Glob} (Redis's pattern matching) and the exceptions a
 * write may end in. It depends on no server package but {@code reply} (the errors a refused entry or record answers): the
 * command layer runs on top of it, and the state machine that joins the two is {@code node.KvStateMachine}.
 *
 * <p>The engine: {@link io.raftkv.server.kv.Keyspace} is what the rest of the server sees;
 * {@link io.raftkv.server.kv.ChronicleKeyspace} keeps it off-heap in Chronicle Maps, one per shard of a 62-bit hash
 * space, split as they fill and merged as they empty (no preset cap; a bounded copy per split), with values above
 * 4 KiB in native blocks of their own. {@link io.raftkv.server.kv.KeyspaceView} is a consistent point-in-time view that
 * another thread reads while apply goes on (for snapshots): how it stays consistent is written beside its code.
 */
package io.raftkv.server.kv;
