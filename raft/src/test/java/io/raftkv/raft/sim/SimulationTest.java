package io.raftkv.raft.sim;

import io.raftkv.raft.sim.SimOptions.Variant;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Many seeded runs of the whole cluster under faults (see {@link Simulation}). Each seed is deterministic; a failure
 * prints the seed, the variant and the command that replays it.
 *
 * <ul>
 *   <li>{@code -Dsim.seed=S [-Dsim.variant=V] [-Dsim.sabotage=X]} runs only seed S (of variant V, default
 *   DEFAULT; with a {@link SimulationSelfTest} sabotage X);</li>
 *   <li>{@code -Dsim.seeds=N} changes how many seeds the default mix runs (the variants run a fifth as many);</li>
 *   <li>{@code -Dsim.firstSeed=F} starts the range at F instead of 1, to explore new seeds;</li>
 *   <li>{@code -Dsim.chaosTicks=T} makes every run T ticks of faults long (default 1000).</li>
 * </ul>
 * The number of seeds is fixed, not a time budget, so that every CI run checks exactly the same runs.
 */
class SimulationTest {

    private static final int SEEDS = Integer.getInteger("sim.seeds", 1000);
    private static final long FIRST = Long.getLong("sim.firstSeed", 1);
    /** -Dsim.chaosTicks=T: longer (or shorter) runs than the default 1000 ticks of faults. */
    private static final Integer CHAOS_TICKS = Integer.getInteger("sim.chaosTicks");
    /** -Dsim.resendSnapshots=true: the driver re-sends unanswered snapshots itself (the core used not to; see {@link LostSnapshotTest}). */
    private static final boolean RESEND_SNAPSHOTS = "true".equals(System.getProperty("sim.resendSnapshots"));

    @Test
    void defaultSettingsUnderFaults() {
        if (System.getProperty("sim.seed") != null) {
            long seed = Long.getLong("sim.seed");
            Variant variant = Variant.valueOf(System.getProperty("sim.variant", "DEFAULT"));
            Simulation.Sabotage sabotage = Simulation.Sabotage.valueOf(System.getProperty("sim.sabotage", "NONE"));
            Simulation sim = new Simulation(options(seed, variant)).sabotage(sabotage)
                    .resendSnapshots(RESEND_SNAPSHOTS);
            sim.run();
            System.out.println("simulation seed " + seed + " " + variant + " passed: " + sim.stats);
            return;
        }
        runSeeds(Variant.DEFAULT, FIRST, SEEDS);
    }

    @Test
    void withoutPreVote() {
        runVariant(Variant.NO_PRE_VOTE);
    }

    @Test
    void withoutCheckQuorum() {
        runVariant(Variant.NO_CHECK_QUORUM);
    }

    @Test
    void withoutPreVoteOrCheckQuorum() {
        runVariant(Variant.NO_PRE_VOTE_NO_CHECK_QUORUM);
    }

    @Test
    void withLeaseReads() {
        runVariant(Variant.LEASE_READS);
    }

    /** A seed is the whole run: two runs of one seed produce the same events, faults and client history. */
    @Test
    void aSeedReplaysExactly() {
        for (Variant variant : Variant.values()) {
            Simulation first = new Simulation(SimOptions.of(7, variant));
            List<Op> history = first.run();
            Simulation second = new Simulation(SimOptions.of(7, variant));
            assertEquals(history, second.run(), "history of seed 7 " + variant);
            assertEquals(first.stats.toString(), second.stats.toString(), "stats of seed 7 " + variant);
        }
    }

    private static void runVariant(Variant variant) {
        if (System.getProperty("sim.seed") == null) {
            runSeeds(variant, FIRST, Math.max(1, SEEDS / 5));
        }
    }

    private static SimOptions options(long seed, Variant variant) {
        SimOptions opt = SimOptions.of(seed, variant);
        return CHAOS_TICKS == null ? opt : opt.withChaosTicks(CHAOS_TICKS);
    }

    private static void runSeeds(Variant variant, long first, int count) {
        long started = System.nanoTime();
        long ops = 0;
        long indeterminate = 0;
        long crashes = 0;
        long snapshots = 0;
        for (long seed = first; seed < first + count; seed++) {
            Simulation sim = new Simulation(options(seed, variant)).resendSnapshots(RESEND_SNAPSHOTS);
            ops += sim.run().size();
            indeterminate += sim.stats.indeterminate;
            crashes += sim.stats.crashes;
            snapshots += sim.stats.snapshotsInstalled;
        }
        System.out.printf("simulation %s: %d seeds from %d passed (%d ops checked, %d indeterminate, %d crashes, "
                        + "%d snapshots installed) in %.1f s%n", variant, count, first, ops, indeterminate, crashes,
                snapshots, (System.nanoTime() - started) / 1e9);
    }
}
