package io.raftkv.raft;

import io.raftkv.raft.Message.PreVote;
import io.raftkv.raft.Message.TimeoutNow;
import org.junit.jupiter.api.Test;

/** Leadership transfer, dissertation §3.10. */
class LeadershipTransferTest {

    @Test
    void transferToAnUpToDateFollower() {
        Cluster c = new Cluster(3);
        c.elect(1);
        c.expect(c.node(1).transferLeadership(3), "transfer accepted");
        c.processReady(1);
        c.stabilize();
        c.expectEquals(Role.LEADER, c.node(3).role(), "role of 3");
        c.expectEquals(2L, c.node(3).term(), "term of 3 (one election)");
        c.expectEquals(3L, c.node(1).leaderId(), "leader known to 1");
        c.expectEquals(0L, c.count(m -> m instanceof PreVote && m.from() == 3), "pre-votes by 3 (skipped)");
    }

    @Test
    void aFollowerAsksTheLeaderForLeadership() {
        // What CLUSTER FAILOVER on a follower does: the leader receives the request and transfers to the asker.
        Cluster c = new Cluster(3);
        c.elect(1);
        c.expect(c.node(3).requestLeadership(), "request sent");
        c.processReady(3);
        c.stabilize();
        c.expectEquals(Role.LEADER, c.node(3).role(), "role of the follower that asked");
        c.expect(!c.node(3).requestLeadership(), "the leader has nothing to ask");
    }

    @Test
    void transferBringsALaggingTargetUpToDateFirstAndRefusesProposals() {
        Cluster c = new Cluster(3);
        c.elect(1);
        c.isolate(3);
        c.propose(1, "a");
        c.propose(1, "b");
        c.stabilize();
        c.heal();

        c.expect(c.node(1).transferLeadership(3), "transfer accepted");
        c.processReady(1);
        c.expectEquals(0L, c.propose(1, "c"), "proposal during the transfer");
        c.expectEquals(0L, c.count(m -> m instanceof TimeoutNow), "TimeoutNow before 3 caught up");
        c.stabilize();
        c.expectEquals(1L, c.count(m -> m instanceof TimeoutNow), "TimeoutNow once 3 caught up");
        c.expectEquals(Role.LEADER, c.node(3).role(), "role of 3");
        c.expectEquals(java.util.List.of("1@1", "2@1", "3@1", "4@2"), c.logOf(3), "3's log");
    }

    @Test
    void transferToUnreachableTargetIsAbandonedAfterAnElectionTimeout() {
        Cluster c = new Cluster(3);
        c.elect(1);
        c.isolate(3);
        c.propose(1, "a");
        c.stabilize();
        c.node(1).transferLeadership(3);
        c.processReady(1);
        c.expectEquals(0L, c.propose(1, "b"), "proposal during the transfer");
        c.tick(1, RaftConfig.DEFAULT_ELECTION_TICKS);
        c.stabilize();
        c.expectEquals(0L, c.node(1).leadTransferee(), "transferee after the timeout");
        c.expectEquals(Role.LEADER, c.node(1).role(), "role of 1");
        c.expect(c.propose(1, "b") > 0, "proposals accepted again");
    }

    @Test
    void onlyALeaderTransfersAndOnlyToAnotherVoter() {
        Cluster c = new Cluster(3);
        c.elect(1);
        c.expect(!c.node(2).transferLeadership(3), "a follower cannot transfer");
        c.expect(!c.node(1).transferLeadership(1), "not to itself");
        c.expect(!c.node(1).transferLeadership(9), "not to a non-member");
    }
}
