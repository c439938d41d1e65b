package io.raftkv.server.node;

import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.kv.LogRecord;

import java.util.function.LongSupplier;

/**
 * Applies every write at once on the caller's thread, through the same log record encoding and state machine as
 * the real node, but with no log and no durability. For tests of the client face on EmbeddedChannel, where
 * everything runs on the test thread. Not thread-safe.
 */
public final class DirectNode implements KvNode {

    private final KvStateMachine machine;
    private final LongSupplier clock;
    private long index;

    public DirectNode(KvStateMachine machine, LongSupplier clock) {
        this.machine = machine;
        this.clock = clock;
        this.index = machine.appliedIndex();
    }

    @Override
    public void write(CommandSpec spec, byte[][] argv, ReplySink sink) {
        sink.reply(machine.apply(++index, LogRecord.encode(LogRecord.COMMAND, clock.getAsLong(), argv)));
    }

    @Override
    public void read(CommandSpec spec, byte[][] argv, ClientSession client, ReplySink sink) {
        sink.reply(machine.read(spec, argv, client, clock.getAsLong()));
    }

    @Override
    public void close() {
    }
}
