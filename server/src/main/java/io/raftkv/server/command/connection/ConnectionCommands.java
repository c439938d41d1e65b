package io.raftkv.server.command.connection;

import io.raftkv.server.command.CommandTable;

/** The connection command group. */
public final class ConnectionCommands {

    private ConnectionCommands() {
    }

    public static void register(CommandTable.Builder table) {
    }
}
