package io.raftkv.raft;

import io.raftkv.raft.Message.RequestVote;
import org.junit.jupiter.api.Test;

import java.util.List;

/** Pre-vote (dissertation §9.6) and check-quorum with the leader lease (dissertation §6.2, §4.2.3). */
class PreVoteAndCheckQuorumTest {

    /** 3 is cut off for a long time while the others keep going, then comes back. */
    private static Cluster partitionedNodeRejoins(boolean preVote, boolean checkQuorum) {
        Cluster c = new Cluster(3, id -> RaftConfig.of(id).withPreVote(preVote).withCheckQuorum(checkQuorum));
        c.elect(1);
        c.isolate(3);
        for (int t = 0; t < 100; t++) {
            c.tickAll(1);
            c.stabilize();
        }
        c.heal();
        for (int t = 0; t < 5; t++) {
            c.tickAll(1);
            c.stabilize();
        }
        return c;
    }

    @Test
    void preVoteKeepsRejoiningNodeFromDisruptingTheLeader() {
        Cluster c = partitionedNodeRejoins(true, true);
        c.expectEquals(List.of(1L), c.leaders(), "leaders");
        for (long id = 1; id <= 3; id++) {
            c.expectEquals(1L, c.node(id).term(), "term of " + id);
            c.expectEquals(1L, c.node(id).leaderId(), "leader known to " + id);
        }
        c.expect(c.count(m -> m instanceof RequestVote) == 2, "no real election since the first");
    }

    @Test
    void withoutPreVoteTheRejoiningNodeDisruptsTheLeader() {
        // The contrast: 3 raised its term on every timeout; its answers carry that term and depose the leader.
        Cluster c = partitionedNodeRejoins(false, false);
        c.expect(c.node(1).term() > 1, "the term moved on (now " + c.node(1).term() + ")");
        c.expect(c.leaders().size() <= 1, "at most one leader");
    }

    @Test
    void preCandidateDoesNotRaiseItsTerm() {
        Cluster c = new Cluster(3);
        c.elect(1);
        c.isolate(3);
        c.tick(3, 200);
        c.expectEquals(1L, c.node(3).term(), "term of 3 after 200 lonely ticks");
        c.expectEquals(Role.PRE_CANDIDATE, c.node(3).role(), "role of 3");
    }

    @Test
    void isolatedLeaderStepsDownAfterAnElectionTimeout() {
        Cluster c = new Cluster(3);
        c.elect(1);
        c.isolate(1);
        int ticks = 0;
        while (c.node(1).role() == Role.LEADER && ticks < 100) {
            c.tick(1, 1);
            c.stabilize();
            ticks++;
        }
        c.expectEquals(Role.FOLLOWER, c.node(1).role(), "role of the isolated leader");
        c.expect(ticks <= 2 * RaftConfig.DEFAULT_ELECTION_TICKS,
                "stepped down within two election timeouts (took " + ticks + " ticks)");
        c.expectEquals(1L, c.node(1).term(), "term of 1 (stepping down does not raise it)");
        c.expectEquals(0L, c.node(1).leaderId(), "leader known to 1");

        // the majority side elects a new leader by timeout
        for (int t = 0; t < 100 && c.leaders().isEmpty(); t++) {
            c.tick(2, 1);
            c.tick(3, 1);
            c.stabilize();
        }
        c.expectEquals(1, c.leaders().size(), "leaders on the majority side");
    }

    @Test
    void leaderThatHearsAMajorityKeepsLeading() {
        Cluster c = new Cluster(5);
        c.elect(1);
        c.isolate(4);
        c.isolate(5);
        for (int t = 0; t < 100; t++) {
            c.tickAll(1);
            c.stabilize();
        }
        c.expectEquals(Role.LEADER, c.node(1).role(), "role of 1 with 3 of 5 reachable");
    }

    @Test
    void followerInLeaseIgnoresVoteRequests() {
        // Dissertation §4.2.3: a server that heard from a current leader within the minimum election timeout does
        // not grant votes (nor raise its term) for a candidate that is probably just partitioned away.
        Cluster c = new Cluster(3, id -> RaftConfig.of(id).withPreVote(false));
        c.elect(1);
        c.campaign(3);
        c.deliver(m -> m instanceof RequestVote);
        c.expectEquals(1L, c.node(2).term(), "term of 2");
        c.expectEquals(1L, c.node(2).leaderId(), "leader known to 2");
        c.expectEquals(Role.LEADER, c.node(1).role(), "role of 1");
        c.expect(c.inFlight.isEmpty(), "the vote requests were not answered");
    }

    @Test
    void leaseExpiresSoTheSurvivorsElectANewLeaderInOneTry() {
        Cluster c = new Cluster(3, id -> RaftConfig.of(id).withPreVote(false));
        c.elect(1);
        c.isolate(1);
        // 2 and 3 tick in lock step: whoever times out first (after at least electionTicks) finds the other out of
        // its lease, so the first election succeeds.
        for (int t = 0; t < 100 && c.leaders().stream().noneMatch(id -> id != 1); t++) {
            c.tick(2, 1);
            c.tick(3, 1);
            c.stabilize();
        }
        long leader = c.node(2).role() == Role.LEADER ? 2 : 3;
        c.expectEquals(Role.LEADER, c.node(leader).role(), "role of " + leader);
        c.expectEquals(2L, c.node(leader).term(), "term of the new leader (one election)");
    }
}
