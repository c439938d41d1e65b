package io.raftkv.raft.sim;

import io.raftkv.raft.Message;
import io.raftkv.raft.PeerProgress;
import io.raftkv.raft.RaftConfig;
import io.raftkv.raft.Role;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * KNOWN CORE BUG (found by the simulation with {@link Simulation#resendSnapshots} off): when an {@link Message.InstallSnapshot} or its
 * {@link Message.InstallSnapshotResponse} is lost, the leader keeps that follower in the SNAPSHOT state for the
 * rest of its term. In SNAPSHOT, {@code Progress.isPaused()} is always true, heartbeat answers do not leave the
 * state, and there is no API for the driver to report a failed snapshot (etcd has {@code ReportSnapshot}), so
 * nothing is ever sent to the follower again: it never catches up until the leader changes. {@link Ready} says
 * message delivery may fail, so the core must recover by itself (e.g. leave SNAPSHOT for PROBE on a heartbeat
 * answer that shows the follower still behind the snapshot, or resend the snapshot after a timeout). The same
 * stall follows when the follower crashes after receiving the snapshot but before syncing and answering (seed
 * 5131 of NO_PRE_VOTE_NO_CHECK_QUORUM, before the driver resent snapshots).
 *
 * <p>These tests fail until the core is fixed; they are tagged so CI can skip them with
 * {@code -DexcludedGroups=known-core-bug}. The main simulation works around the bug by retrying snapshot
 * messages in its transport.
 */
@Tag("known-core-bug")
class CoreBugLostSnapshotTest {

    /** The same scenario step by step: node 3 falls behind a compaction, and the one snapshot sent to it is lost. */
    @Test
    void followerCatchesUpAfterItsSnapshotIsLost() {
        ScenarioDriver d = new ScenarioDriver(3, RaftConfig::of);
        d.nodes.get(1L).campaign();
        d.settle(m -> false);
        assertEquals(Role.LEADER, d.nodes.get(1L).role(), "node 1 leads");

        // Node 3 is cut off while the leader commits 20 entries with node 2, then compacts its log.
        for (int i = 0; i < 20; i++) {
            d.nodes.get(1L).propose(("put k v" + i).getBytes(StandardCharsets.UTF_8));
            d.settle(m -> m.to() == 3 || m.from() == 3);
        }
        long commit = d.nodes.get(1L).commitIndex();
        d.storages.get(1L).compact(commit, new byte[0]);

        // Node 3 comes back; the first snapshot sent to it is lost on the way, everything else arrives.
        boolean[] lost = {false};
        for (int tick = 0; tick < 100; tick++) {
            d.tickAll();
            d.settle(m -> {
                if (m instanceof Message.InstallSnapshot && !lost[0]) {
                    lost[0] = true;
                    return true;
                }
                return false;
            });
        }
        PeerProgress p3 = d.nodes.get(1L).progress().stream().filter(p -> p.id() == 3).findFirst().orElseThrow();
        assertEquals(true, lost[0], "a snapshot was sent to node 3 and lost");
        assertEquals(commit, d.nodes.get(3L).commitIndex(),
                "node 3 caught up 100 ticks after its snapshot was lost; leader's progress for it: " + p3);
    }

    /**
     * The simulation with snapshots as lossy as any message: the liveness check fails (one follower stuck behind
     * at the end, the leader's progress for it in SNAPSHOT). The failure prints the seed and its replay command
     * (seed 17 of the DEFAULT mix at the time of writing: {@code -Dtest=SimulationTest -Dsim.seed=17
     * -Dsim.resendSnapshots=false}).
     */
    @Test
    void simulationWithLossySnapshots() {
        for (long seed = 1; seed <= 20; seed++) {
            new Simulation(SimOptions.of(seed, SimOptions.Variant.DEFAULT)).resendSnapshots(false).run();
        }
    }
}
