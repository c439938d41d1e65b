package io.raftkv.server.node;

import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandSpec;

/**
 * The seam between the client face and replication: where WRITE commands become log entries and READ commands
 * wait for what they must observe. Two implementations: the Raft driver (the real one, standalone or in a cluster:
 * a standalone node is a Raft group of one voter) and {@link DirectNode} (tests: applies at once on the caller's
 * thread, no log).
 *
 * <p>Threads: both methods are called from Netty event loops and never block. Each callback is completed exactly
 * once, on any thread; the caller hops back to its event loop.
 *
 * <p>Ordering: writes submitted by one thread are applied in submission order. A read observes every write whose
 * reply was delivered before the read was submitted (linearizability); the client face makes sure a connection's
 * reads are submitted only after its earlier writes have been answered.
 */
public interface KvNode extends AutoCloseable {

    /** Proposes {@code argv} (a WRITE command) and completes {@code sink} with the reply once it is durable and applied. */
    void write(CommandSpec spec, byte[][] argv, ReplySink sink);

    /** Runs {@code spec} (a READ command) against the store and completes {@code sink} with its reply. */
    void read(CommandSpec spec, byte[][] argv, ClientSession client, ReplySink sink);

    @Override
    void close();
}
