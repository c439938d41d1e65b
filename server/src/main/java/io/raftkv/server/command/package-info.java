/**
 * What a command is and what it may use, whatever runs it: {@link io.raftkv.server.command.CommandSpec} (one row
 * of the table: name, arity, flags, key positions, how it runs as {@link io.raftkv.server.command.Exec}),
 * {@link io.raftkv.server.command.Command} (the implementation), {@link io.raftkv.server.command.CommandContext}
 * (the store, the clock, the client, the {@link io.raftkv.server.command.ServerState}),
 * {@link io.raftkv.server.command.Args} (arguments, with Redis's errors), {@link io.raftkv.server.command.CommandTable}
 * (argv to row) and {@link io.raftkv.server.command.ClientSession} (one connection's state, its RESP version
 * included). Commands answer with {@link io.raftkv.server.reply.Reply} values and never see the protocol.
 *
 * <p>The families live in subpackages ({@code connection}, {@code server}, {@code string}, {@code keys},
 * {@code cluster}) and add their rows through {@link io.raftkv.server.command.CommandTable.Builder}; this package
 * does not know them ({@code io.raftkv.server.StandardCommands} puts them together), so they may depend on it. It
 * depends on {@code kv}, {@code cluster}, {@code config} and {@code reply} only.
 */
package io.raftkv.server.command;
