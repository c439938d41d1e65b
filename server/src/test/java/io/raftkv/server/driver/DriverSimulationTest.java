package io.raftkv.server.driver;

import io.raftkv.raft.sim.Op;
import io.raftkv.server.driver.DriverSimOptions.Variant;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The production driver under the deterministic simulation (see {@link DriverSimulation}): many seeded runs of each
 * variant. Each seed is deterministic; a failure prints the seed, the variant and the command that replays it.
 *
 * <ul>
 *   <li>{@code -Dsim.seed=S [-Dsim.variant=V] [-Dsim.sabotage=X]} runs only seed S (of variant V, default CLUSTER;
 *   with a harness sabotage X, see {@link DriverSimulation.Sabotage});</li>
 *   <li>{@code -Dsim.seeds=N} changes how many seeds the CLUSTER variant runs (the others run half as many);</li>
 *   <li>{@code -Dsim.firstSeed=F} starts the range at F instead of 1, to explore new seeds.</li>
 * </ul>
 * The number of seeds is fixed, not a time budget, so that every CI run checks exactly the same runs.
 */
class DriverSimulationTest {

    private static final int SEEDS = Integer.getInteger("sim.seeds", 48);
    private static final long FIRST = Long.getLong("sim.firstSeed", 1);

    @Test
    void cluster() {
        if (System.getProperty("sim.seed") != null) {
            long seed = Long.getLong("sim.seed");
            Variant variant = Variant.valueOf(System.getProperty("sim.variant", "CLUSTER"));
            DriverSimulation.Sabotage sabotage =
                    DriverSimulation.Sabotage.valueOf(System.getProperty("sim.sabotage", "NONE"));
            DriverSimulation sim = new DriverSimulation(DriverSimOptions.of(seed, variant), sabotage);
            sim.run();
            System.out.println("driver simulation seed " + seed + " " + variant + " passed: " + sim.stats);
            return;
        }
        runSeeds(Variant.CLUSTER, SEEDS);
    }

    @Test
    void withLeaseReads() {
        runSeeds(Variant.LEASE_READS, Math.max(1, SEEDS / 2));
    }

    @Test
    void withDiskFailures() {
        runSeeds(Variant.DISK_FAILURES, Math.max(1, SEEDS / 2));
    }

    @Test
    void standalone() {
        runSeeds(Variant.STANDALONE, Math.max(1, SEEDS / 2));
    }

    /** A seed is the whole run: two runs of one seed produce the same history and the same events. */
    @Test
    void aSeedReplaysExactly() {
        for (Variant variant : Variant.values()) {
            DriverSimulation first = new DriverSimulation(DriverSimOptions.of(3, variant), DriverSimulation.Sabotage.NONE);
            List<Op> history = first.run();
            DriverSimulation second = new DriverSimulation(DriverSimOptions.of(3, variant), DriverSimulation.Sabotage.NONE);
            assertEquals(history, second.run(), "history of seed 3 " + variant);
            assertEquals(first.stats.toString(), second.stats.toString(), "stats of seed 3 " + variant);
        }
    }

    private static void runSeeds(Variant variant, int count) {
        if (System.getProperty("sim.seed") != null) {
            return;
        }
        long started = System.nanoTime();
        long ops = 0;
        DriverSimulation.Stats total = new DriverSimulation.Stats();
        for (long seed = FIRST; seed < FIRST + count; seed++) {
            DriverSimulation sim = new DriverSimulation(DriverSimOptions.of(seed, variant), DriverSimulation.Sabotage.NONE);
            ops += sim.run().size();
            total.crashes += sim.stats.crashes;
            total.partitions += sim.stats.partitions;
            total.diskFailures += sim.stats.diskFailures;
            total.indeterminate += sim.stats.indeterminate;
            total.deferredSyncs += sim.stats.deferredSyncs;
            total.redirects += sim.stats.redirects;
            total.largeWritesOk += sim.stats.largeWritesOk;
            total.batchEntries += sim.stats.batchEntries;
        }
        System.out.printf("driver simulation %s: %d seeds from %d passed (%d ops checked, %d indeterminate, %d crashes, "
                        + "%d partitions, %d disk failures, %d deferred syncs, %d redirects, %d large writes, %d BATCH "
                        + "entries) in %.1f s%n", variant, count, FIRST, ops, total.indeterminate, total.crashes,
                total.partitions, total.diskFailures, total.deferredSyncs, total.redirects, total.largeWritesOk,
                total.batchEntries, (System.nanoTime() - started) / 1e9);
    }
}
