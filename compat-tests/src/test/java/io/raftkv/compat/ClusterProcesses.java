package io.raftkv.compat;

import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A RaftKV cluster of real processes on loopback: free client and peer ports, one data folder per node. */
final class ClusterProcesses implements AutoCloseable {

    final List<ServerProcess> nodes = new ArrayList<>();

    ClusterProcesses(int size, String... extraArgs) throws IOException {
        Path root = ServerProcess.tempDir("raftkv-cluster");
        int[] ports = new int[size];
        int[] peerPorts = new int[size];
        StringBuilder members = new StringBuilder();
        for (int i = 0; i < size; i++) {
            ports[i] = ServerProcess.freePort();
            peerPorts[i] = ServerProcess.freePort();
            members.append(members.length() == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(ports[i])
                    .append(':').append(peerPorts[i]);
        }
        for (int i = 0; i < size; i++) {
            List<String> args = new ArrayList<>(List.of("--cluster-node-id", Integer.toString(i + 1),
                    "--cluster-members", members.toString()));
            args.addAll(List.of(extraArgs));
            nodes.add(new ServerProcess(root.resolve("node-" + (i + 1)), ports[i], args.toArray(String[]::new)));
        }
    }

    /** Starts every node and waits for a leader; if that fails, stops the nodes it started (nothing outlives a test). */
    ClusterProcesses start() throws Exception {
        try {
            for (ServerProcess n : nodes) {
                n.start();
            }
            awaitLeader();
        } catch (Exception | AssertionError e) {
            try {
                close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return this;
    }

    /** Waits (bounded) until some live node reports a leader, and returns that leader's index in {@link #nodes}. */
    int awaitLeader() throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (ServerProcess n : nodes) {
                if (!n.isAlive()) {
                    continue;
                }
                try (Jedis j = new Jedis("127.0.0.1", n.port())) {
                    String raft = j.info("raft");
                    if (raft.contains("raft_role:leader")) {
                        return nodes.indexOf(n);
                    }
                } catch (RuntimeException notYet) {
                    // starting or just killed
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no leader within 60 s");
    }

    /** A raft INFO field of node i. */
    long raftField(int i, String name) {
        try (Jedis j = new Jedis("127.0.0.1", nodes.get(i).port())) {
            for (String line : j.info("raft").split("\r\n")) {
                if (line.startsWith(name + ":")) {
                    return Long.parseLong(line.substring(name.length() + 1));
                }
            }
        }
        throw new AssertionError("no " + name + " in INFO raft of node " + (i + 1));
    }

    @Override
    public void close() throws Exception {
        for (ServerProcess n : nodes) {
            n.close();
        }
    }
}
