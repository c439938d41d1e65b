package io.raftkv.raft.sim;

import io.raftkv.raft.Entry;
import io.raftkv.raft.Snapshot;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replicated state machine of the simulation: a string map with PUT and APPEND, applied from committed log
 * entries, serialized into snapshots. An entry's data is a {@link Command}; empty data is a leader's blank entry.
 */
final class KvStore {

    /** A client write as it travels in a log entry: {@code "opId PUT key value"} or {@code "opId APPEND key s"}. */
    record Command(long opId, Op.Kind kind, String key, String arg) {
        byte[] encode() {
            return (opId + " " + kind + " " + key + " " + arg).getBytes(StandardCharsets.UTF_8);
        }

        static Command decode(byte[] data) {
            String[] f = new String(data, StandardCharsets.UTF_8).split(" ", 4);
            if (f.length != 4) {
                throw new IllegalStateException("not a command: " + new String(data, StandardCharsets.UTF_8));
            }
            return new Command(Long.parseLong(f[0]), Op.Kind.valueOf(f[1]), f[2], f[3]);
        }
    }

    private final TreeMap<String, String> data = new TreeMap<>();
    private long applied;

    /** The state machine as of {@code snap} (empty for the "no snapshot" value). */
    static KvStore restore(Snapshot snap) {
        return restore(snap.index(), snap.data());
    }

    /** The state machine from an image taken at {@code applied} (see {@link #snapshotData()}). */
    static KvStore restore(long applied, byte[] image) {
        KvStore kv = new KvStore();
        kv.applied = applied;
        String text = new String(image, StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            if (!line.isEmpty()) {
                int eq = line.indexOf('=');
                kv.data.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return kv;
    }

    byte[] snapshotData() {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> e : data.entrySet()) {
            out.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    long applied() {
        return applied;
    }

    String get(String key) {
        return data.get(key);
    }

    /** Applies the next entry; returns the command (null for a blank entry). The result is {@link #get}. */
    Command apply(Entry e) {
        if (e.index() != applied + 1) {
            throw new IllegalStateException("applying entry " + e.index() + " after " + applied);
        }
        applied = e.index();
        if (e.data().length == 0) {
            return null;
        }
        Command c = Command.decode(e.data());
        switch (c.kind()) {
            case PUT -> data.put(c.key(), c.arg());
            case APPEND -> data.merge(c.key(), c.arg(), String::concat);
            default -> throw new IllegalStateException("not a write: " + c);
        }
        return c;
    }

    @Override
    public String toString() {
        return "applied=" + applied + " " + data;
    }
}
