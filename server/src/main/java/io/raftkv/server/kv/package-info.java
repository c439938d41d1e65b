/**
 * The key space and what the log carries to it: the store and its values, {@link io.raftkv.server.kv.LogRecord}
 * (the payload of a log entry), {@link io.raftkv.server.kv.Glob} (Redis's pattern matching) and the exceptions a
 * write may end in. It depends on no server package but {@code reply} (the errors a refused entry or record answers): the
 * command layer runs on top of it, and the state machine that joins the two is {@code node.KvStateMachine}.
 */
package io.raftkv.server.kv;
