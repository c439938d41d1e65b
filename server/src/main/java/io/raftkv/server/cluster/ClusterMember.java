package io.raftkv.server.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One voter of the Raft group as Redis Cluster clients see it: {@code id} is the Raft node id, {@code host} and
 * {@code clientPort} the RESP endpoint clients connect to, {@code peerPort} the Raft transport port (shown as the
 * cluster bus port in CLUSTER NODES). Immutable; safe to share between threads.
 */
public record ClusterMember(long id, String host, int clientPort, int peerPort) {

    public ClusterMember {
        if (id <= 0) {
            throw new IllegalArgumentException("member id must be positive (0 means no leader): " + id);
        }
        if (host == null || host.isEmpty() || host.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("member " + id + ": host must be non-empty and without spaces: " + host);
        }
        if (clientPort <= 0 || clientPort > 65535 || peerPort <= 0 || peerPort > 65535) {
            throw new IllegalArgumentException("member " + id + ": ports out of range: " + clientPort + ", " + peerPort);
        }
    }

    /**
     * The client endpoint as {@code host:port}. The one rendering of an address: CLUSTER NODES and -MOVED must
     * name a node by the same string (Lettuce refuses a redirect to an address CLUSTER NODES does not list).
     */
    public String address() {
        return host + ":" + clientPort;
    }

    /**
     * Redis Cluster's 40-hex node id: SHA-1 of {@code "raftkv-node-" + id}. Deterministic, so every node names
     * every member the same way without exchanging ids, and a restarted node keeps its id.
     */
    public String nodeId() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(("raftkv-node-" + id).getBytes(StandardCharsets.US_ASCII));
            char[] hex = new char[d.length * 2];
            for (int i = 0; i < d.length; i++) {
                hex[2 * i] = Character.forDigit((d[i] >> 4) & 0xf, 16);
                hex[2 * i + 1] = Character.forDigit(d[i] & 0xf, 16);
            }
            return new String(hex);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-1", e);
        }
    }
}
