package io.raftkv.server.peer;

import java.util.Objects;

/**
 * Where a cluster member listens for peer connections (its peer port, by default the client port + 10000, like
 * Redis Cluster's bus port).
 *
 * @param id   the member's Raft id, positive
 * @param host a host name or IP literal; IP literals avoid a name lookup on the transport's event loop
 * @param port 1..65535
 */
public record PeerAddress(long id, String host, int port) {

    public PeerAddress {
        if (id <= 0) {
            throw new IllegalArgumentException("peer id must be positive: " + id);
        }
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("peer " + id + ": host is blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("peer " + id + ": port out of range: " + port);
        }
    }

    @Override
    public String toString() {
        return id + "@" + host + ":" + port;
    }
}
