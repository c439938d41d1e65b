package io.raftkv.server.command;

import io.raftkv.server.reply.Reply;


/**
 * A command's implementation. {@code argv[0]} is the command name as the client sent it; arity was checked
 * by the dispatcher from the table. The argv arrays are owned by the caller and must not be changed.
 * Runs on the thread its {@link Exec} names; it must not block.
 */
@FunctionalInterface
public interface Command {
    Reply execute(CommandContext ctx, byte[][] argv);
}
