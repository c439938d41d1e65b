package io.raftkv.raft.sim;

import io.raftkv.raft.sim.Simulation.Sabotage;
import io.raftkv.raft.sim.SimOptions.Variant;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The simulation must be able to fail. Each test runs it with a driver that breaks one rule on purpose and expects
 * the matching check to catch it within a few seeds (deterministic, like every run).
 */
class SimulationSelfTest {

    private static final int SEEDS_TO_TRY = 40;

    private static String firstFailure(Sabotage sabotage) {
        for (long seed = 1; seed <= SEEDS_TO_TRY; seed++) {
            try {
                new Simulation(SimOptions.of(seed, Variant.DEFAULT)).sabotage(sabotage).run();
            } catch (SimulationFailure f) {
                return "seed " + seed + ": " + f.getCause();
            }
        }
        return fail(sabotage + " went unnoticed in " + SEEDS_TO_TRY + " seeds");
    }

    @Test
    void sendingBeforeTheSyncIsCaughtByTheDurabilityCheck() {
        String failure = firstFailure(Sabotage.SEND_BEFORE_SYNC);
        assertTrue(failure.contains("synced only on"), failure);
    }

    @Test
    void forgettingTheVoteIsCaughtByTheOneVotePerTermCheck() {
        String failure = firstFailure(Sabotage.FORGET_VOTE);
        assertTrue(failure.contains("at most one vote per term") || failure.contains("two leaders in term"), failure);
    }

    @Test
    void localReadsAreCaughtByTheLinearizabilityCheck() {
        String failure = firstFailure(Sabotage.LOCAL_READS);
        assertTrue(failure.contains("not linearizable"), failure);
    }

    @Test
    void acknowledgingUncommittedWritesIsCaughtByTheLinearizabilityCheck() {
        String failure = firstFailure(Sabotage.ACK_ON_PROPOSE);
        assertTrue(failure.contains("not linearizable"), failure);
    }
}
