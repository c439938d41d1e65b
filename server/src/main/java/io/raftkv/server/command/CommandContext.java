package io.raftkv.server.command;

import io.raftkv.server.kv.Keyspace;

/** What a running command may use. Which parts exist depends on the command's {@link Exec}. */
public interface CommandContext {

    /** The key space. READ and WRITE commands only (on the apply thread); LOCAL commands get an IllegalStateException. */
    Keyspace store();

    /**
     * Milliseconds since the epoch. For WRITE commands, the time stamped into the log record by the node that
     * proposed it (the same on every replay and every node); otherwise this node's clock.
     */
    long now();

    /** The calling connection. LOCAL and READ commands only; WRITE commands get an IllegalStateException (a log record has no client). */
    ClientSession client();

    /** The server: configuration and statistics. Write commands may read only settings that all nodes share. */
    ServerState server();
}
