package io.raftkv.server.command;

import io.raftkv.server.reply.Reply;

/** A command that runs against the store for one client ({@link Exec#READ} or {@link Exec#LOCAL_READ}), on the apply thread. */
@FunctionalInterface
public non-sealed interface ReadCommand extends Command {
    Reply execute(ReadContext ctx, byte[][] argv);
}
