package io.raftkv.server;

import io.raftkv.server.command.CommandTable;
import io.raftkv.server.command.cluster.ClusterCommands;
import io.raftkv.server.command.connection.ConnectionCommands;
import io.raftkv.server.command.keys.KeyCommands;
import io.raftkv.server.command.server.ServerCommands;
import io.raftkv.server.command.string.StringCommands;

/**
 * The command table of everything RaftKV implements, assembled here, above the command families, so that the
 * {@code command} package they build on does not depend on them. A new family registers in {@link #table()}.
 */
public final class StandardCommands {

    private StandardCommands() {
    }

    /** A new table with every family's rows, in the order COMMAND lists them. Any thread: the table is immutable. */
    public static CommandTable table() {
        CommandTable.Builder b = new CommandTable.Builder();
        ConnectionCommands.register(b);
        ServerCommands.register(b);
        StringCommands.register(b);
        KeyCommands.register(b);
        ClusterCommands.register(b);
        return b.build();
    }
}
