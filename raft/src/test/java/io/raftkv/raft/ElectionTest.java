package io.raftkv.raft;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Leader election, Raft paper §5.2 and §5.4.1. */
class ElectionTest {

    @Test
    void threeNodesElectExactlyOneLeaderByTimeout() {
        electsOneLeaderByTicking(3);
    }

    @Test
    void fiveNodesElectExactlyOneLeaderByTimeout() {
        electsOneLeaderByTicking(5);
    }

    /** Only ticks and message delivery: randomized timeouts (§5.2) let one node time out first and win. */
    private static void electsOneLeaderByTicking(int size) {
        Cluster c = new Cluster(size);
        for (int t = 0; t < 100 && c.leaders().isEmpty(); t++) {
            c.tickAll(1);
            c.stabilize();
        }
        c.expectEquals(1, c.leaders().size(), "number of leaders");
        long leader = c.leaders().get(0);
        for (RaftNode n : c.nodes.values()) {
            c.expectEquals(leader, n.leaderId(), "leader known to " + n.id());
            c.expectEquals(c.node(leader).term(), n.term(), "term of " + n.id());
        }
        // the leader's blank entry of its term is committed everywhere (dissertation §6.4)
        for (RaftNode n : c.nodes.values()) {
            c.expectEquals(1L, n.commitIndex(), "commit of " + n.id());
        }
        // the leader keeps its lease: nobody else times out while heartbeats flow
        for (int t = 0; t < 50; t++) {
            c.tickAll(1);
            c.stabilize();
        }
        c.expectEquals(java.util.List.of(leader), c.leaders(), "leaders after 50 more ticks");
    }

    @Test
    void atMostOneLeaderPerTermOverManySeeds() {
        // Election Safety (§5.2) under repeated split votes: tick nodes in lock step, deliver everything.
        for (long seed = 1; seed <= 30; seed++) {
            long s = seed;
            Cluster c = new Cluster(5, id -> RaftConfig.of(id).withRandomSeed(s * 31 + id).withPreVote(false));
            Map<Long, Long> leaderOfTerm = new HashMap<>();
            for (int t = 0; t < 60; t++) {
                c.tickAll(1);
                c.stabilize();
                for (long l : c.leaders()) {
                    Long previous = leaderOfTerm.putIfAbsent(c.node(l).term(), l);
                    c.expect(previous == null || previous == l, "one leader in term " + c.node(l).term() + " (seed " + s + ")");
                }
            }
            c.expect(!c.leaders().isEmpty(), "a leader emerged (seed " + s + ")");
        }
    }

    @Test
    void candidateWithStaleLogCannotWin() {
        // §5.4.1: a voter refuses a candidate whose log is less up to date than its own. (Plain elections here, so
        // that the log comparison alone decides; the lease and pre-vote would also stop 3.)
        Cluster c = new Cluster(3, id -> RaftConfig.of(id).withPreVote(false).withCheckQuorum(false));
        c.elect(1);
        c.isolate(3);
        c.propose(1, "x");
        c.propose(1, "y");
        c.stabilize();
        c.expectEquals(3L, c.node(2).commitIndex(), "commit on 2");
        c.expectEquals(1L, c.node(3).lastIndex(), "last index on 3");

        // the leader is gone; 3, which is behind, campaigns
        c.heal();
        c.isolate(1);
        c.campaign(3);
        c.stabilize();
        c.expectEquals(Role.CANDIDATE, c.node(3).role(), "role of 3 (2 refused it)");
        c.expectEquals(2L, c.node(2).term(), "term of 2 (it saw 3's term)");
        c.expectEquals(0L, c.node(2).leaderId(), "leader known to 2");

        c.campaign(2);
        c.stabilize();
        c.expectEquals(Role.LEADER, c.node(2).role(), "role of 2");
        c.expectEquals(c.logOf(2), c.logOf(3), "3's log after 2's election");
        c.expectEquals(List.of("1@1", "2@1", "3@1", "4@3"), c.logOf(3), "3's log");
    }

    @Test
    void voterGrantsAtMostOneVotePerTerm() {
        // §5.2: "each server will vote for at most one candidate in a given term, on a first-come-first-served basis"
        Cluster c = new Cluster(3, id -> RaftConfig.of(id).withPreVote(false));
        c.campaign(1);
        c.campaign(2);
        c.expectEquals(1L, c.node(1).term(), "term of 1");
        c.expectEquals(1L, c.node(2).term(), "term of 2");
        // 3 hears 1 first, then 2, in the same term
        c.deliver(m -> m.to() == 3);
        long granted = c.delivered.stream().count();
        c.expectEquals(2L, granted, "requests delivered to 3");
        c.stabilize();
        c.expectEquals(java.util.List.of(1L), c.leaders(), "leaders");
        c.expectEquals(Role.FOLLOWER, c.node(2).role(), "role of 2");
    }

    @Test
    void higherTermMakesLeaderStepDown() {
        // §5.1: "If a candidate or leader discovers that its term is out of date, it immediately reverts to follower"
        Cluster c = new Cluster(3, id -> RaftConfig.of(id).withPreVote(false).withCheckQuorum(false));
        c.elect(1);
        long term = c.node(1).term();
        c.partition(Set.of(1L), Set.of(2L, 3L));
        c.campaign(2);
        c.stabilize();
        c.expectEquals(Role.LEADER, c.node(2).role(), "role of 2");
        c.heal();
        c.tickAll(1); // heartbeats from both leaders
        c.stabilize();
        c.expectEquals(java.util.List.of(2L), c.leaders(), "leaders");
        c.expectEquals(term + 1, c.node(1).term(), "term of 1");
    }
}
