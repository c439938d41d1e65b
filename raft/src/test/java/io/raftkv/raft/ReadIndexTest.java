package io.raftkv.raft;

import io.raftkv.raft.Message.Heartbeat;
import io.raftkv.raft.Message.HeartbeatResponse;
import io.raftkv.raft.Message.RequestVote;
import io.raftkv.raft.Message.RequestVoteResponse;
import org.junit.jupiter.api.Test;

import java.util.List;

/** Linearizable reads without log writes: ReadIndex (dissertation §6.4) and, optionally, the lease (§6.4.1). */
class ReadIndexTest {

    @Test
    void leaderConfirmsReadWithOneHeartbeatRound() {
        Cluster c = new Cluster(3);
        c.elect(1);
        c.propose(1, "x");
        c.stabilize();
        c.expect(c.readIndex(1, 7), "read accepted");
        c.expect(c.reads.get(1L).isEmpty(), "not confirmed before the heartbeat round");
        c.tick(1, 1);
        c.stabilize();
        c.expectEquals(List.of(new ReadState(7, 2)), c.reads.get(1L), "reads on 1");
    }

    @Test
    void readsBeforeOneRoundAreConfirmedByThatRound() {
        // The first read starts a round at once (no waiting for a heartbeat tick); the reads that arrive while it
        // is out wait for the next round, which starts as soon as the first is confirmed: two rounds for three reads.
        Cluster c = new Cluster(3);
        c.elect(1);
        long heartbeatsBefore = c.count(m -> m instanceof Heartbeat);
        c.readIndex(1, 1);
        c.propose(1, "x");
        c.readIndex(1, 2);
        c.readIndex(1, 3);
        c.stabilize();
        c.expectEquals(4L, c.count(m -> m instanceof Heartbeat) - heartbeatsBefore, "heartbeats of two rounds");
        // x was proposed but not committed when the second round started: reads need not see an unacknowledged write.
        c.expectEquals(List.of(new ReadState(1, 1), new ReadState(2, 1), new ReadState(3, 1)), c.reads.get(1L),
                "each read at the commit index when its round started");
    }

    @Test
    void partitionedOldLeaderServesNoRead() {
        // The stale leader still believes it leads while the majority has moved on and written "y": serving a read
        // from its state would miss "y". Its heartbeat rounds get no quorum, so the read is never confirmed.
        Cluster c = new Cluster(3);
        c.elect(1);
        c.isolate(1);
        c.readIndex(1, 9);
        for (int t = 0; t < 100 && c.leaders().stream().noneMatch(id -> id != 1); t++) {
            c.tick(2, 1);
            c.tick(3, 1);
            if (t % 4 == 0) {
                c.tick(1, 1); // 1 ticks slower, so it has not yet noticed that it lost its quorum
            }
            c.stabilize();
        }
        long newLeader = c.node(2).role() == Role.LEADER ? 2 : 3;
        c.propose(newLeader, "y");
        c.stabilize();
        c.expectEquals(Role.LEADER, c.node(1).role(), "role of the stale leader");
        c.expect(c.node(newLeader).term() > c.node(1).term(), "the new leader has a later term");
        c.readIndex(1, 10);
        c.tick(1, 1);
        c.stabilize();
        c.expect(c.reads.get(1L).isEmpty(), "no read confirmed on the stale leader");

        for (int t = 0; t < 30; t++) {
            c.tick(1, 1);
            c.stabilize();
        }
        c.expect(c.node(1).role() != Role.LEADER, "1 stepped down (check-quorum)");
        c.expect(c.reads.get(1L).isEmpty(), "and still no read");
    }

    @Test
    void newLeaderServesReadsOnlyAfterItsBlankEntryCommits() {
        // A new leader does not know the commit index of the previous term until it commits an entry of its own
        // (dissertation §6.4 step 1).
        Cluster c = new Cluster(3, id -> RaftConfig.of(id).withPreVote(false).withCheckQuorum(false));
        c.elect(1);
        c.propose(1, "x");
        c.stabilize();
        c.isolate(1);
        c.campaign(2);
        c.deliver(m -> m instanceof RequestVote);
        c.deliver(m -> m instanceof RequestVoteResponse);
        c.expectEquals(Role.LEADER, c.node(2).role(), "role of 2");
        c.expectEquals(2L, c.node(2).commitIndex(), "commit of 2 (its blank entry 3 is in flight)");

        c.readIndex(2, 5);
        c.tick(2, 1);
        c.deliver(m -> m instanceof Heartbeat);
        c.deliver(m -> m instanceof HeartbeatResponse);
        c.expect(c.reads.get(2L).isEmpty(), "no read confirmed before the blank entry commits");

        c.stabilize();
        c.expectEquals(3L, c.node(2).commitIndex(), "commit of 2");
        c.tick(2, 1);
        c.stabilize();
        c.expectEquals(List.of(new ReadState(5, 3)), c.reads.get(2L), "reads on 2");
    }

    @Test
    void followerForwardsReadToLeader() {
        Cluster c = new Cluster(3);
        c.elect(1);
        c.propose(1, "x");
        c.stabilize();
        c.expect(c.readIndex(2, 4), "read accepted by follower 2");
        c.stabilize();
        c.tick(1, 1);
        c.stabilize();
        c.expectEquals(List.of(new ReadState(4, 2)), c.reads.get(2L), "reads on 2");
        c.expect(c.reads.get(1L).isEmpty(), "the leader keeps no read state for 2's read");
    }

    @Test
    void readWithoutKnownLeaderIsRefused() {
        Cluster c = new Cluster(3);
        c.expect(!c.readIndex(2, 4), "read refused: no leader known");
    }

    @Test
    void singleVoterConfirmsReadAtOnce() {
        Cluster c = new Cluster(1);
        c.elect(1);
        c.expectEquals(1L, c.node(1).commitIndex(), "commit");
        c.readIndex(1, 3);
        c.expectEquals(List.of(new ReadState(3, 1)), c.reads.get(1L), "reads");
    }

    @Test
    void leaseReadNeedsNoRoundWhileTheLeaseHolds() {
        Cluster c = new Cluster(3, id -> RaftConfig.of(id).withLeaseReads(true));
        // With lease reads a (re)started node refuses votes for its first election timeout.
        for (long id = 1; id <= 3; id++) {
            c.tick(id, RaftConfig.DEFAULT_ELECTION_TICKS - 1);
        }
        c.campaign(1);
        c.stabilize();
        c.expectEquals(Role.PRE_CANDIDATE, c.node(1).role(), "1 right after start: nobody grants its pre-vote");
        c.isolate(2);
        c.isolate(3); // let the start-up lease run out on 2 and 3 without their own campaigns getting anywhere
        for (long id = 2; id <= 3; id++) {
            c.tick(id, 2 * RaftConfig.DEFAULT_ELECTION_TICKS);
        }
        c.stabilize();
        c.heal();
        c.elect(1);
        c.tick(1, 1);
        c.stabilize(); // a quorum acknowledged a round: the lease starts at that round's tick
        c.readIndex(1, 1);
        c.expectEquals(List.of(new ReadState(1, 1)), c.reads.get(1L), "read served from the lease");

        // cut off, the leader's lease runs out before any follower could vote for someone else
        c.isolate(1);
        c.tick(1, RaftConfig.DEFAULT_ELECTION_TICKS - 2);
        c.readIndex(1, 2);
        c.expectEquals(2, c.reads.get(1L).size(), "read 2 served: lease still valid");
        c.tick(1, 1);
        c.readIndex(1, 3);
        c.expectEquals(2, c.reads.get(1L).size(), "read 3 waits: lease expired");
    }
}
