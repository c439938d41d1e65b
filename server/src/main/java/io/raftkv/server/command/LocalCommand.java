package io.raftkv.server.command;

import io.raftkv.server.reply.Reply;

/** A command that runs on the client's event loop at once ({@link Exec#LOCAL}) and never touches the store. */
@FunctionalInterface
public non-sealed interface LocalCommand extends Command {
    Reply execute(LocalContext ctx, byte[][] argv);
}
