package io.raftkv.server.command;

/**
 * A command's implementation, of one of three kinds; the kind says which context it runs with, and so what it can
 * reach, by type:
 * <ul>
 *   <li>{@link WriteCommand}: applied from the log on every node, with a {@link WriteContext} (the store, the
 *       record's time, a counting-only {@link KeyspaceStats}); nothing per node is in its reach;</li>
 *   <li>{@link ReadCommand}: run on the apply thread for one client, with a {@link ReadContext} (the store, this
 *       node's clock, the client and the server);</li>
 *   <li>{@link LocalCommand}: run on the client's event loop, with a {@link LocalContext} (no store).</li>
 * </ul>
 * {@code argv[0]} is the command name as the client sent it; arity was checked by the dispatcher from the table. The
 * argv arrays are owned by the caller and must not be changed. An implementation must not block.
 */
public sealed interface Command permits WriteCommand, ReadCommand, LocalCommand {
}
