/**
 * The Redis Cluster face of the Raft group: its members ({@link io.raftkv.server.cluster.ClusterMember}), who leads
 * ({@link io.raftkv.server.cluster.ClusterView}, implemented by the driver), key slots
 * ({@link io.raftkv.server.cluster.KeySlot}) and the replies that send a client to the leader
 * ({@link io.raftkv.server.cluster.Redirect}, given the command's routing key rather than the command). It depends
 * on {@code reply} only; the CLUSTER commands live in {@code command.cluster}.
 */
package io.raftkv.server.cluster;
