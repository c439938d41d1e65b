package io.raftkv.server.command.string;

import io.raftkv.server.command.CommandTable;

/** The string command group. */
public final class StringCommands {

    private StringCommands() {
    }

    public static void register(CommandTable.Builder table) {
    }
}
