package io.raftkv.raft;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * A small randomized smoke test of the Raft safety properties (paper figure 3) under message loss, reordering,
 * duplication, partitions and restarts. The full simulation with a linearizability checker lives elsewhere; this
 * one keeps the core honest while it changes. A failure names the seed; rerun that seed to replay it.
 */
class RandomizedClusterTest {

    /** -Draft.chaos.seeds=N runs more seeds, -Draft.chaos.steps=N longer runs; -Draft.chaos.seed=S replays one
     * (add -Draft.chaos.record=true for its transcript). */
    @Test
    void safetyHoldsUnderChaos() {
        long only = Long.getLong("raft.chaos.seed", 0);
        long seeds = Long.getLong("raft.chaos.seeds", 40);
        for (long seed = only > 0 ? only : 1; seed <= (only > 0 ? only : seeds); seed++) {
            run(seed, seed % 2 == 0 ? 3 : 5, Integer.getInteger("raft.chaos.steps", 1500));
        }
    }

    private static void run(long seed, int size, int steps) {
        Random random = new Random(seed);
        Cluster c = new Cluster(size, id -> RaftConfig.of(id).withRandomSeed(seed * 1000 + id)
                .withPreVote(seed % 3 != 0).withFlowControl(4, 64, 3));
        c.recording = Boolean.getBoolean("raft.chaos.record");
        Map<Long, Long> leaderOfTerm = new HashMap<>();
        List<Long> ids = new ArrayList<>(c.nodes.keySet());
        int proposals = 0;
        try {
            for (int step = 0; step < steps; step++) {
                int action = random.nextInt(100);
                if (action < 30) {
                    c.tick(ids.get(random.nextInt(size)), 1);
                } else if (action < 75) {
                    for (int k = 0; k < 1 + random.nextInt(4) && !c.inFlight.isEmpty(); k++) {
                        int at = random.nextInt(c.inFlight.size());
                        if (random.nextInt(10) == 0) {
                            c.inFlight.remove(at); // lost
                        } else {
                            c.deliverAt(at, random.nextInt(20) == 0);
                        }
                    }
                } else if (action < 85) {
                    for (long id : c.leaders()) {
                        c.propose(id, "p" + (proposals++));
                    }
                } else if (action < 88) {
                    for (long id : c.leaders()) {
                        c.readIndex(id, step);
                    }
                } else if (action < 92) {
                    Set<Long> side = new TreeSet<>();
                    for (long id : ids) {
                        if (random.nextBoolean()) {
                            side.add(id);
                        }
                    }
                    Set<Long> other = new TreeSet<>(ids);
                    other.removeAll(side);
                    c.partition(side, other);
                } else if (action < 96) {
                    c.heal();
                } else if (action < 97) {
                    c.restart(ids.get(random.nextInt(size)));
                } else if (action < 98) {
                    c.compact(ids.get(random.nextInt(size)));
                } else {
                    long id = ids.get(random.nextInt(size));
                    if (c.node(id).role() == Role.LEADER) {
                        c.node(id).transferLeadership(ids.get(random.nextInt(size)));
                        c.processReady(id);
                    }
                }
                checkElectionSafety(c, leaderOfTerm);
                if (step % 10 == 0) {
                    checkInvariants(c, leaderOfTerm);
                }
            }
            // liveness after healing: the cluster settles, and a new proposal is applied everywhere
            c.heal();
            settle(c);
            long leader = c.leaders().get(0);
            long index = c.propose(leader, "final");
            c.expect(index > 0, "the settled leader accepts a proposal");
            settle(c);
            for (long id : ids) {
                c.expect(c.node(id).appliedIndex() >= index, "node " + id + " applied the final proposal");
            }
            checkInvariants(c, leaderOfTerm);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("seed " + seed + " (size " + size + "): " + e.getMessage(), e);
        }
    }

    /** Ticks until one leader, with no transfer going on, whose commit index every node has applied. */
    private static void settle(Cluster c) {
        for (int t = 0; t < 300; t++) {
            c.tickAll(1);
            c.stabilize();
            List<Long> leaders = c.leaders();
            if (leaders.size() == 1 && c.node(leaders.get(0)).leadTransferee() == 0) {
                long commit = c.node(leaders.get(0)).commitIndex();
                if (c.nodes.values().stream().allMatch(n -> n.appliedIndex() == commit)) {
                    return;
                }
            }
        }
        c.expect(false, "the cluster settles within 300 ticks of healing");
    }

    private static void checkElectionSafety(Cluster c, Map<Long, Long> leaderOfTerm) {
        // Election Safety: at most one leader per term
        for (long id : c.leaders()) {
            Long previous = leaderOfTerm.putIfAbsent(c.node(id).term(), id);
            c.expect(previous == null || previous == id, "one leader in term " + c.node(id).term());
        }
    }

    private static void checkInvariants(Cluster c, Map<Long, Long> leaderOfTerm) {
        checkElectionSafety(c, leaderOfTerm);
        // Log Matching: same index and term means same entry and same prefix (checked on persisted logs)
        List<Long> ids = new ArrayList<>(c.nodes.keySet());
        List<List<Entry>> logs = new ArrayList<>();
        for (long id : ids) {
            logs.add(persisted(c.storages.get(id)));
        }
        for (int a = 0; a < ids.size(); a++) {
            for (int b = a + 1; b < ids.size(); b++) {
                List<Entry> la = logs.get(a);
                List<Entry> lb = logs.get(b);
                if (la.isEmpty() || lb.isEmpty()) {
                    continue;
                }
                // logs may start at different indexes (compaction): compare the indexes both still hold
                long lo = Math.max(la.get(0).index(), lb.get(0).index());
                long hi = Math.min(la.get(la.size() - 1).index(), lb.get(lb.size() - 1).index());
                for (long i = hi; i >= lo; i--) {
                    if (at(la, i).term() == at(lb, i).term()) {
                        for (long j = lo; j <= i; j++) {
                            c.expect(sameEntry(at(la, j), at(lb, j)), "log matching at index " + j + " between "
                                    + ids.get(a) + " and " + ids.get(b));
                        }
                        break;
                    }
                }
            }
        }
        // State Machine Safety: applied sequences are prefixes of one another
        List<Entry> longest = List.of();
        for (List<Entry> applied : c.applied.values()) {
            if (applied.size() > longest.size()) {
                longest = applied;
            }
        }
        for (Map.Entry<Long, List<Entry>> e : c.applied.entrySet()) {
            List<Entry> applied = e.getValue();
            for (int i = 0; i < applied.size(); i++) {
                c.expect(applied.get(i).index() == i + 1 && sameEntry(applied.get(i), longest.get(i)),
                        "node " + e.getKey() + " applied the same entry at index " + (i + 1));
            }
        }
    }

    private static Entry at(List<Entry> log, long index) {
        return log.get((int) (index - log.get(0).index()));
    }

    private static List<Entry> persisted(MemoryStorage s) {
        return s.lastIndex() < s.firstIndex() ? List.of() : s.entries(s.firstIndex(), s.lastIndex() + 1, Long.MAX_VALUE);
    }

    private static boolean sameEntry(Entry x, Entry y) {
        return x.index() == y.index() && x.term() == y.term() && Arrays.equals(x.data(), y.data());
    }
}
