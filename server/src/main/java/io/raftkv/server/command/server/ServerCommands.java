package io.raftkv.server.command.server;

import io.raftkv.server.command.CommandTable;

/** The server command group. */
public final class ServerCommands {

    private ServerCommands() {
    }

    public static void register(CommandTable.Builder table) {
    }
}
