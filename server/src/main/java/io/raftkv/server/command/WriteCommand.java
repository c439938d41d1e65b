package io.raftkv.server.command;

import io.raftkv.server.reply.Reply;

/**
 * A command that becomes a log record ({@link Exec#WRITE}) and is applied on every node, on the apply thread. It must
 * be deterministic: its reply and its changes to the store may depend on argv, the record's time and the store only,
 * which is all its {@link WriteContext} offers.
 */
@FunctionalInterface
public non-sealed interface WriteCommand extends Command {
    Reply execute(WriteContext ctx, byte[][] argv);
}
