package io.raftkv.server.node;

import io.raftkv.server.reply.Reply;

/**
 * The reply sinks of commands proposed together as one BATCH log entry, in the batch's order. Applying the entry
 * answers each command's sink with its own reply; {@link #reply(Reply)} answers every one with the same reply, for
 * what happens to the entry as a whole (lost in a leader change, refused, shutdown).
 *
 * <p>Threads: as {@link ReplySink}; the array is owned by this sink once passed in.
 */
public record BatchSink(ReplySink[] parts) implements ReplySink, KvStateMachine.Replies {

    @Override
    public void reply(Reply reply) {
        for (ReplySink part : parts) {
            part.reply(reply);
        }
    }

    @Override
    public void reply(int command, Reply reply) {
        parts[command].reply(reply);
    }
}
