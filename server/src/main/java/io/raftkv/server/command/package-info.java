/**
 * What a command is and what it may use, whatever runs it: {@link io.raftkv.server.command.CommandSpec} (one row
 * of the table: name, arity, flags, key positions, how it runs as {@link io.raftkv.server.command.Exec}),
 * {@link io.raftkv.server.command.Command} (the implementation: a write, a read or a local command, each with its own
 * context), {@link io.raftkv.server.command.ServerState} (configuration, statistics, clients),
 * {@link io.raftkv.server.command.Args} (arguments, with Redis's errors), {@link io.raftkv.server.command.CommandTable}
 * (argv to row) and {@link io.raftkv.server.command.ClientSession} (one connection's state, its RESP version
 * included). Commands answer with {@link io.raftkv.server.reply.Reply} values and never see the protocol.
 *
 * <p>The families live in subpackages ({@code connection}, {@code server}, {@code string}, {@code keys},
 * {@code cluster}) and add their rows through {@link io.raftkv.server.command.CommandTable.Builder}; this package
 * does not know them ({@code io.raftkv.server.StandardCommands} puts them together), so they may depend on it. It
 * depends on {@code kv}, {@code cluster}, {@code config} and {@code reply} only.
 *
 * <p>Determinism by type: a {@link io.raftkv.server.command.WriteCommand} is applied from the log on every node and
 * gets a {@link io.raftkv.server.command.WriteContext}, which offers the store, the record's time and a counting-only
 * {@link io.raftkv.server.command.KeyspaceStats}; the configuration, the clients and this node's clock are not in that
 * type, so a write that reached for them would not compile. A {@link io.raftkv.server.command.ReadCommand} gets a
 * {@link io.raftkv.server.command.ReadContext} (all of that plus the client and the server) and a
 * {@link io.raftkv.server.command.LocalCommand} a {@link io.raftkv.server.command.LocalContext} (no store).
 * {@link io.raftkv.server.command.CommandSpec} refuses a row whose {@link io.raftkv.server.command.Exec} and
 * implementation kind disagree.
 */
package io.raftkv.server.command;
