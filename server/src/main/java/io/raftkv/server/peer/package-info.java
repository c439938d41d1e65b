/**
 * The peer transport: moves the Raft module's encoded messages (opaque, self-checking frames) between cluster
 * members. {@link io.raftkv.server.peer.PeerTransport} is the seam the driver uses;
 * {@link io.raftkv.server.peer.NettyPeerTransport} is the TCP implementation and
 * {@link io.raftkv.server.peer.InMemoryNetwork} joins in-process ones for cluster tests.
 *
 * <p>Wire protocol, version 1, all integers big-endian. Node A sends to node B only on a connection A dialed to B's
 * peer port:
 * <pre>
 * A -> B  hello   [magic "RKVP":4][version=1:int32][sender=A:int64][receiver=B:int64]
 * B -> A  reply   [magic "RKVP":4][version=1:int32][sender=B:int64][receiver=A:int64]
 * A -> B  frames  ([length:int32][length bytes])*      length in 0..maxFrameBytes
 * </pre>
 * B closes the connection (with a log line) on a wrong magic, version, sender that is not a configured member, a hello
 * meant for another node, a missing hello after the handshake timeout, or a length outside 0..maxFrameBytes. A closes
 * it on a wrong or missing reply. Nothing flows B -> A after the reply; B's own messages to A travel on the connection
 * B dials to A.
 */
package io.raftkv.server.peer;
