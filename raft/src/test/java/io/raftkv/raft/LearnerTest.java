package io.raftkv.raft;

import io.raftkv.raft.Message.PreVote;
import org.junit.jupiter.api.Test;

import java.util.List;

/** Learners receive the log but neither vote nor count towards commitment (dissertation §4.2.1). */
class LearnerTest {

    @Test
    void learnerReplicatesButDoesNotCountOrCampaign() {
        Cluster c = new Cluster(3, 1, RaftConfig::of);
        c.elect(1);
        c.propose(1, "a");
        c.stabilize();
        c.tick(1, 1);
        c.stabilize();
        c.expectEquals(c.logOf(1), c.logOf(4), "learner's log");
        c.expectEquals(2L, c.node(4).appliedIndex(), "learner applied");
        c.expect(ReplicationTest.progressOf(c, 4).learner(), "progress marks 4 as learner");

        // the learner never campaigns, however long it waits
        c.isolate(1);
        c.tick(4, 100);
        c.expectEquals(Role.FOLLOWER, c.node(4).role(), "learner role");
        c.expectEquals(0L, c.count(m -> m instanceof PreVote && m.from() == 4), "pre-votes from the learner");
    }

    @Test
    void learnerDoesNotHelpCommit() {
        Cluster c = new Cluster(3, 1, RaftConfig::of);
        c.elect(1);
        c.isolate(2);
        c.isolate(3);
        c.propose(1, "a");
        c.stabilize();
        c.expectEquals(List.of("1@1", "2@1"), c.logOf(4), "learner's log");
        c.expectEquals(1L, c.node(1).commitIndex(), "commit with only the learner");
    }
}
