package io.raftkv.server.command;

/**
 * Where and when a command runs. This is what the dispatcher decides from the table; handlers never
 * re-check it.
 */
public enum Exec {
    /** Runs on the client's Netty event loop at once; touches only the session and server state, never the store ({@link LocalCommand}). */
    LOCAL,
    /**
     * Runs on the apply thread against the store, after every earlier write of the connection has been applied, and
     * (in a cluster) once ReadIndex has confirmed it sees every write acknowledged before it: linearizable.
     */
    READ,
    /**
     * Runs on the apply thread against this node's store as it is, without confirming leadership: introspection
     * (INFO) that must answer on any node at any time, even during an election.
     */
    LOCAL_READ,
    /**
     * Becomes a log record; runs on the apply thread when that record is applied, with {@code now()} being the
     * record's timestamp. Must be deterministic: only argv, the record's time and the store may decide the result,
     * which is all the {@link WriteContext} of its {@link WriteCommand} offers.
     */
    WRITE
}
