/**
 * Replies as values, before any protocol: {@link io.raftkv.server.reply.Reply} is what a command answers, built on
 * whatever thread runs the command and written later, on the connection's event loop, in the RESP version that
 * connection speaks. Commands, the node and the state machine depend on this package; it depends on nothing else in
 * the server, and nothing here knows Netty or RESP bytes (the {@code resp} package writes them).
 *
 * <p>The variants cover RESP2's types and RESP3's (map, set, double, boolean, null, push); the interface's comment
 * lists how each is written in either version.
 */
package io.raftkv.server.reply;
