package io.raftkv.server.driver;

import io.raftkv.server.driver.DriverSimOptions.Variant;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The simulation of the production driver must be able to fail. Each test breaks one thing in the harness on
 * purpose (see {@link DriverSimulation.Sabotage}) and expects the named check to catch it within a bounded number of
 * seeds (deterministic, like every run; the seed that caught it is printed). Replay one with
 * {@code -Dtest=DriverSimulationTest -Dsim.seed=S -Dsim.sabotage=NAME}.
 */
class DriverSimulationSelfTest {

    private static final int SEEDS_TO_TRY = 20;

    /** Runs seeds until one fails with a message containing {@code expected}; fails if none does. */
    private static void caught(DriverSimulation.Sabotage sabotage, Variant variant, String expected) {
        List<String> otherFailures = new ArrayList<>();
        for (long seed = 1; seed <= SEEDS_TO_TRY; seed++) {
            try {
                new DriverSimulation(DriverSimOptions.of(seed, variant), sabotage).run();
            } catch (DriverSimulationFailure f) {
                String why = String.valueOf(f.getCause());
                if (why.contains(expected)) {
                    System.out.println(sabotage + " caught at seed " + seed + ": " + why.lines().findFirst().orElse(""));
                    return;
                }
                otherFailures.add("seed " + seed + ": " + why.lines().findFirst().orElse(""));
            }
        }
        fail(sabotage + " was not caught by the check '" + expected + "' in " + SEEDS_TO_TRY + " seeds; other"
                + " failures: " + otherFailures);
    }

    @Test
    void readsThatSkipTheDriverAreCaughtByTheLinearizabilityCheck() {
        caught(DriverSimulation.Sabotage.STALE_READS, Variant.CLUSTER, "not linearizable");
    }

    /** Acknowledged entries that a crash takes away are no longer durable on a quorum. */
    @Test
    void aLyingSyncIsCaughtByTheDurabilityCheck() {
        caught(DriverSimulation.Sabotage.LYING_SYNC, Variant.CLUSTER, "synced only on");
    }
}
