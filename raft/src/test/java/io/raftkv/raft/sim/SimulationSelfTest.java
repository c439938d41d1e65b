package io.raftkv.raft.sim;

import io.raftkv.raft.sim.Simulation.Sabotage;
import io.raftkv.raft.sim.SimOptions.Variant;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The simulation must be able to fail. Each test runs it with a driver that breaks one rule on purpose and expects
 * the named check to catch it within a bounded number of seeds (deterministic, like every run; the seed that
 * caught it is printed). Replay one with
 * {@code -Dtest=SimulationTest -Dsim.seed=S -Dsim.sabotage=NAME}.
 */
class SimulationSelfTest {

    private static final int SEEDS_TO_TRY = 300;

    /** Runs seeds until one fails with a message containing one of {@code expected}; fails if none does. */
    private static void caught(Sabotage sabotage, String... expected) {
        List<String> otherFailures = new ArrayList<>();
        for (long seed = 1; seed <= SEEDS_TO_TRY; seed++) {
            try {
                new Simulation(SimOptions.of(seed, Variant.DEFAULT)).sabotage(sabotage).run();
            } catch (SimulationFailure f) {
                String why = String.valueOf(f.getCause());
                for (String e : expected) {
                    if (why.contains(e)) {
                        System.out.println(sabotage + " caught at seed " + seed + ": " + why.lines().findFirst().orElse(""));
                        return;
                    }
                }
                otherFailures.add("seed " + seed + ": " + why.lines().findFirst().orElse(""));
            }
        }
        fail(sabotage + " was not caught by the checks " + List.of(expected) + " in " + SEEDS_TO_TRY + " seeds; other"
                + " failures: " + otherFailures);
    }

    @Test
    void sendingBeforeTheSyncIsCaughtByTheDurabilityCheck() {
        caught(Sabotage.SEND_BEFORE_SYNC, "synced only on");
    }

    @Test
    void forgettingTheVoteIsCaughtByTheOneVotePerTermCheck() {
        caught(Sabotage.FORGET_VOTE, "at most one vote per term");
    }

    /**
     * Caught when a node later learns the commit of an entry that is no longer durable on a quorum, or by the
     * core itself when a leader's heartbeat commits past the shortened log. (It never gets as far as a leader
     * without the entry; {@link InvariantsTest} shows Leader Completeness firing on a made-up state.)
     */
    @Test
    void losingAcknowledgedEntriesIsCaught() {
        caught(Sabotage.LOSE_SYNCED_TAIL, "synced only on", "is beyond the last index");
    }

    /** A leader counting entries it left unsynced commits them on fewer synced disks than a quorum. */
    @Test
    void aLeaderCountingItsUnsyncedEntriesIsCaughtByTheDurabilityCheck() {
        caught(Sabotage.LEADER_COUNTS_UNSYNCED, "synced only on");
    }

    @Test
    void localReadsAreCaughtByTheLinearizabilityCheck() {
        caught(Sabotage.LOCAL_READS, "not linearizable");
    }

    @Test
    void acknowledgingUncommittedWritesIsCaughtByTheLinearizabilityCheck() {
        caught(Sabotage.ACK_ON_PROPOSE, "not linearizable");
    }
}
