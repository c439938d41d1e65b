package io.raftkv.raft.sim;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The links a network partition cuts between nodes 1..size, each direction on its own. Shared by this package's
 * simulation and the server module's simulation of its driver. Not thread-safe.
 */
public final class Partition {

    /** Directed links cut, as from * 1000 + to. */
    private final Set<Long> cut = new HashSet<>();

    /** Whether a message from {@code from} to {@code to} is lost. */
    public boolean cuts(long from, long to) {
        return cut.contains(from * 1000 + to);
    }

    /** Every link works again. */
    public void heal() {
        cut.clear();
    }

    /**
     * Replaces the partition by a random one among nodes 1..{@code size}: one node isolated, a random split in two
     * sides, or a one-way cut (a node that hears nobody, or that nobody hears). Returns what it cut, for a trace.
     */
    public String cutRandomly(SplittableRandom random, int size) {
        cut.clear();
        int kind = random.nextInt(3);
        long victim = 1 + random.nextInt(size);
        if (kind == 0) {
            for (long other = 1; other <= size; other++) {
                if (other != victim) {
                    cut.add(victim * 1000 + other);
                    cut.add(other * 1000 + victim);
                }
            }
            return "node " + victim + " isolated";
        }
        if (kind == 1) {
            List<Long> side = new ArrayList<>();
            for (long id = 1; id <= size; id++) {
                if (random.nextBoolean()) {
                    side.add(id);
                }
            }
            for (long a = 1; a <= size; a++) {
                for (long b = 1; b <= size; b++) {
                    if (side.contains(a) != side.contains(b)) {
                        cut.add(a * 1000 + b);
                    }
                }
            }
            return side + " | the rest";
        }
        boolean inbound = random.nextBoolean();
        for (long other = 1; other <= size; other++) {
            if (other != victim) {
                cut.add(inbound ? other * 1000 + victim : victim * 1000 + other);
            }
        }
        return "node " + victim + (inbound ? " hears nobody" : " is heard by nobody") + " (one-way)";
    }
}
