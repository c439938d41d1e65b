package io.raftkv.server.node;

import io.raftkv.server.reply.Reply;


/** Receives a command's reply. Called exactly once, from whichever thread produced the reply; must not block. */
@FunctionalInterface
public interface ReplySink {
    void reply(Reply reply);
}
