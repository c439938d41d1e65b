package io.raftkv.server.peer;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongHashSet;

/**
 * The pipeline of a connection accepted on the peer port: {@code handshake} (checks who is calling, then leaves) →
 * {@code frames} (length-prefixed framing, bounded) → {@code inbound} (answers the handshake, then copies frames
 * out to Raft).
 */
final class InboundChannelInitializer extends ChannelInitializer<Channel> {

    private final PeerTransportConfig config;
    private final LongHashSet knownSenders;
    private final Long2ObjectHashMap<PeerLink> links;
    private final PeerTransport.Inbound inbound;
    private final ChannelGroup channels;

    InboundChannelInitializer(PeerTransportConfig config, Long2ObjectHashMap<PeerLink> links,
                              PeerTransport.Inbound inbound, ChannelGroup channels) {
        this.channels = channels;
        this.config = config;
        this.links = links;
        this.inbound = inbound;
        this.knownSenders = new LongHashSet();
        for (PeerAddress p : config.remotePeers()) {
            knownSenders.add(p.id());
        }
    }

    @Override
    protected void initChannel(Channel ch) {
        channels.add(ch);
        pipeline(ch.pipeline(), config, knownSenders, links, inbound);
    }

    /** Builds the pipeline; also used by EmbeddedChannel tests. */
    static void pipeline(ChannelPipeline p, PeerTransportConfig config, LongHashSet knownSenders,
                         Long2ObjectHashMap<PeerLink> links, PeerTransport.Inbound inbound) {
        p.addLast("handshake", new HandshakeDecoder(config.selfId(), knownSenders,
                config.handshakeTimeout().toMillis(), "inbound peer connection from"));
        p.addLast("frames", new PeerFrameDecoder(config.maxFrameBytes()));
        p.addLast("inbound", new InboundFrameHandler(config.selfId(), inbound, links));
    }
}
