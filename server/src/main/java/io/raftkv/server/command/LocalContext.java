package io.raftkv.server.command;

/**
 * What a {@link LocalCommand} may use: the calling connection, the server and this node's clock; not the store,
 * which belongs to the apply thread. The client's event loop only.
 */
public interface LocalContext {

    /** This node's clock, milliseconds since the epoch. */
    long now();

    /** The calling connection. */
    ClientSession client();

    /** The server: configuration, statistics, clients, cluster view. */
    ServerState server();
}
