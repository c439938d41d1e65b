package io.raftkv.server.command.keys;

import io.raftkv.server.command.CommandTable;

/** The keys command group. */
public final class KeyCommands {

    private KeyCommands() {
    }

    public static void register(CommandTable.Builder table) {
    }
}
