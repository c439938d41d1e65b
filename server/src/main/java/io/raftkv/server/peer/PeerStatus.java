package io.raftkv.server.peer;

/**
 * One peer as seen by this node's transport, for INFO and tests. Counters are cumulative since the transport was
 * created; the fields are read one by one, so a snapshot taken while frames flow need not add up exactly.
 *
 * @param id             the peer's id
 * @param connected      whether an outbound connection to the peer is established (frames are being accepted)
 * @param queuedFrames   frames accepted by {@code send} and not yet handed to the connection
 * @param queuedBytes    their total size
 * @param framesSent     frames handed to the connection (written to its socket buffer, not necessarily received)
 * @param framesDropped  frames refused by {@code send} plus frames discarded from the queue when a connection broke
 * @param framesReceived frames received from the peer
 * @param lastError      the last connection error, or {@code ""}
 */
public record PeerStatus(long id, boolean connected, int queuedFrames, long queuedBytes, long framesSent,
                         long framesDropped, long framesReceived, String lastError) {
}
