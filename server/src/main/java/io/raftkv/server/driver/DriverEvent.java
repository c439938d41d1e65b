package io.raftkv.server.driver;

import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.node.ReplySink;

/**
 * What other threads hand the driver through its inbox: peer frames, client requests, a failover request. The
 * records are immutable; the arrays in them belong to the driver once enqueued.
 */
sealed interface DriverEvent {

    /** A frame from peer {@code from}, not yet decoded. */
    record Inbound(long from, byte[] frame) implements DriverEvent {
    }

    /** CLUSTER FAILOVER on this node: ask the leader to hand leadership over. */
    record LeadershipRequest() implements DriverEvent {
    }

    /**
     * A client request waiting in the driver: answered exactly once through its sink, at the latest at its
     * {@code deadline} (monotonic nanoseconds, see {@link NodeClock}).
     */
    sealed interface Request extends DriverEvent {
        /** The command, or null for the apply loop's expiry proposal. */
        CommandSpec spec();

        byte[][] argv();

        ReplySink sink();

        long deadline();
    }

    /** A write (or, with a null spec, the apply loop's expiry batch) to propose as a record of {@code kind}. */
    record Proposal(byte kind, CommandSpec spec, byte[][] argv, ReplySink sink, long deadline) implements Request {
    }

    /** A read to run once ReadIndex has confirmed the index it must observe. */
    record ReadRequest(CommandSpec spec, byte[][] argv, ClientSession client, ReplySink sink, long deadline)
            implements Request {
    }
}
