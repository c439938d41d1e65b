package io.raftkv.raft;

import io.raftkv.raft.Message.InstallSnapshot;
import org.junit.jupiter.api.Test;

import java.util.List;

/** Raft paper §7: a follower that needs compacted entries gets the leader's snapshot instead. */
class SnapshotTest {

    @Test
    void followerBehindTheCompactedLogGetsASnapshot() {
        Cluster c = new Cluster(3);
        c.elect(1);
        c.isolate(3);
        for (int i = 0; i < 10; i++) {
            c.propose(1, "v" + i);
        }
        c.stabilize();
        c.expectEquals(11L, c.node(1).commitIndex(), "commit on 1");
        c.storages.get(1L).compact(8, Cluster.encodeImage(c.applied.get(1L).subList(0, 8)));
        c.note("compact 1 at 8");

        c.heal();
        for (int t = 0; t < 3; t++) {
            c.tick(1, 1);
            c.stabilize();
        }
        c.expectEquals(1L, c.count(m -> m instanceof InstallSnapshot && m.to() == 3), "snapshots sent to 3");
        c.expectEquals(8L, c.storages.get(3L).snapshot().index(), "3's snapshot index");
        c.expectEquals(ReplicationTest.dataOf(c.applied.get(1L)), ReplicationTest.dataOf(c.applied.get(3L)),
                "3's state machine (restored from the image, then applied)");
        c.expectEquals(List.of("9@1", "10@1", "11@1"), c.logOf(3), "3's log after the snapshot");
        c.expectEquals(11L, c.node(3).commitIndex(), "commit on 3");
        c.expectEquals(11L, c.node(3).appliedIndex(), "applied on 3");
        c.expectEquals(PeerProgress.State.REPLICATE, ReplicationTest.progressOf(c, 3).state(), "3's progress state");

        // and 3 keeps replicating normally
        c.propose(1, "after");
        c.stabilize();
        c.expectEquals(List.of("9@1", "10@1", "11@1", "12@1"), c.logOf(3), "3's log");
    }

    @Test
    void nodeRestartsFromSnapshotAndReappliesTheRest() {
        Cluster c = new Cluster(1);
        c.elect(1);
        for (int i = 0; i < 5; i++) {
            c.propose(1, "v" + i);
        }
        c.expectEquals(6L, c.node(1).commitIndex(), "commit");
        c.compact(1);
        c.propose(1, "v5");
        c.restart(1);
        c.expectEquals(6L, c.node(1).appliedIndex(), "applied after restart (the snapshot)");
        c.processReady(1);
        c.expectEquals(List.of("", "v0", "v1", "v2", "v3", "v4", "v5"), ReplicationTest.dataOf(c.applied.get(1L)),
                "state machine after restart: the image, then the entry after it");
        c.expectEquals(7L, c.node(1).appliedIndex(), "applied");
    }

    @Test
    void lostSnapshotIsSentAgainAfterAnElectionTimeout() {
        Cluster c = new Cluster(3);
        c.elect(1);
        c.isolate(3);
        for (int i = 0; i < 5; i++) {
            c.propose(1, "v" + i);
        }
        c.stabilize();
        c.compact(1);
        c.heal();
        c.drop("the first snapshot", new java.util.function.Predicate<>() {
            boolean dropped;

            @Override
            public boolean test(Message m) {
                if (!dropped && m instanceof InstallSnapshot) {
                    dropped = true;
                    return true;
                }
                return false;
            }
        });
        for (int t = 0; t < 2 * RaftConfig.DEFAULT_ELECTION_TICKS; t++) {
            c.tick(1, 1);
            c.stabilize();
        }
        c.expectEquals(2L, c.count(m -> m instanceof InstallSnapshot) + 1, "snapshots delivered + the dropped one");
        c.expectEquals(c.node(1).commitIndex(), c.node(3).appliedIndex(), "3 caught up");
    }
}
