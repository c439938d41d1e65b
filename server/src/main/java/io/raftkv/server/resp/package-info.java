/**
 * The client protocol on Netty: {@link io.raftkv.server.resp.ClientChannelInitializer} builds one connection's
 * pipeline, {@link io.raftkv.server.resp.RespDecoder} turns bytes into argv, {@link io.raftkv.server.resp.CommandHandler}
 * dispatches them in order and {@link io.raftkv.server.resp.RespEncoder} writes the {@link io.raftkv.server.reply.Reply}
 * values back.
 *
 * <p>RESP version: every connection speaks RESP2 until its {@link io.raftkv.server.command.ClientSession#protocol()}
 * says 3, which only HELLO will set (it answers -NOPROTO to 3 for now). The encoder writes both versions already;
 * a reply is written in the version in force when its command arrived. RESP2 output is byte for byte what
 * redis-server 7.0 sends; the tests compare with transcripts of it.
 *
 * <p>Threads: everything here runs on the connection's event loop, but for replies completed on the node's threads,
 * which the handler hands back to the loop.
 */
package io.raftkv.server.resp;
