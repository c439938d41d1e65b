package io.raftkv.server.resp;

// PLACEHOLDER until the real decoder lands from branch h-resp.
public final class RespDecoder extends io.netty.channel.ChannelInboundHandlerAdapter {
    public RespDecoder(io.raftkv.server.ServerState s, io.raftkv.server.command.ClientSession c) {
    }

    public record ProtocolError(String message) {
    }
}
