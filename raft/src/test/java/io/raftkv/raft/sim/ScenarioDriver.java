package io.raftkv.raft.sim;

import io.raftkv.raft.Entry;
import io.raftkv.raft.Membership;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.Message;
import io.raftkv.raft.RaftConfig;
import io.raftkv.raft.RaftNode;
import io.raftkv.raft.ReadState;
import io.raftkv.raft.Ready;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongFunction;
import java.util.function.Predicate;

/**
 * A hand-driven cluster for scenario tests that replay what a simulation found, step by step. Readies are handled
 * synchronously by the contract (persist, then queue the messages, apply, advance); messages wait in flight until
 * the test delivers or drops them, so any interleaving can be written down.
 */
final class ScenarioDriver {

    final Map<Long, RaftNode> nodes = new TreeMap<>();
    final Map<Long, MemoryStorage> storages = new TreeMap<>();
    final Map<Long, List<Entry>> applied = new TreeMap<>();
    final Map<Long, List<ReadState>> reads = new TreeMap<>();
    final List<Message> inFlight = new ArrayList<>();
    private final LongFunction<RaftConfig> config;

    ScenarioDriver(int size, LongFunction<RaftConfig> config) {
        this.config = config;
        long[] ids = new long[size];
        for (int i = 0; i < size; i++) {
            ids[i] = i + 1;
        }
        Membership membership = Membership.ofVoters(ids);
        for (long id : ids) {
            MemoryStorage s = new MemoryStorage(membership);
            storages.put(id, s);
            nodes.put(id, new RaftNode(config.apply(id), s));
            applied.put(id, new ArrayList<>());
            reads.put(id, new ArrayList<>());
        }
    }

    RaftNode node(long id) {
        return nodes.get(id);
    }

    /** Crash and restart from the (fully synced) storage: volatile state is gone, messages in flight stay. */
    void restart(long id) {
        applied.get(id).clear();
        reads.get(id).clear();
        nodes.put(id, new RaftNode(config.apply(id), storages.get(id)));
    }

    void tick(long id) {
        nodes.get(id).tick();
        ready(id);
    }

    void tickAll() {
        for (long id : nodes.keySet()) {
            tick(id);
        }
    }

    void ready(long id) {
        RaftNode n = nodes.get(id);
        MemoryStorage s = storages.get(id);
        while (n.hasReady()) {
            Ready rd = n.ready();
            if (rd.snapshot() != null) {
                s.applySnapshot(rd.snapshot());
            }
            s.append(rd.entries());
            if (rd.hardState() != null) {
                s.setHardState(rd.hardState());
            }
            inFlight.addAll(rd.messages());
            applied.get(id).addAll(rd.committedEntries());
            reads.get(id).addAll(rd.readStates());
            n.advance(rd);
        }
    }

    /** Delivers (in send order) the messages in flight now that {@code which} selects; returns how many. */
    int deliver(Predicate<Message> which) {
        List<Message> batch = new ArrayList<>();
        for (Iterator<Message> it = inFlight.iterator(); it.hasNext(); ) {
            Message m = it.next();
            if (which.test(m)) {
                batch.add(m);
                it.remove();
            }
        }
        for (Message m : batch) {
            nodes.get(m.to()).step(m);
            ready(m.to());
        }
        return batch.size();
    }

    /** Drops the messages in flight that {@code which} selects. */
    void drop(Predicate<Message> which) {
        inFlight.removeIf(which);
    }

    /** Delivers until nothing is in flight, dropping what {@code lose} selects (also among new messages). */
    void settle(Predicate<Message> lose) {
        for (long id : nodes.keySet()) {
            ready(id);
        }
        while (!inFlight.isEmpty()) {
            Message m = inFlight.remove(0);
            if (!lose.test(m)) {
                nodes.get(m.to()).step(m);
                ready(m.to());
            }
        }
    }
}
