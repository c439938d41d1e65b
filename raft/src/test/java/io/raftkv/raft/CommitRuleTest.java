package io.raftkv.raft;

import io.raftkv.raft.Message.AppendEntries;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

/**
 * Raft paper §5.4.2 and figure 8: a leader never commits an entry from an earlier term by counting replicas,
 * because a later leader may still overwrite it; it commits such entries only together with one of its own term.
 */
class CommitRuleTest {

    /**
     * Builds figure 8 (c), with our node ids: S1 led term 1 and wrote index 2 (term 1) to itself and S2 only; S5
     * led term 2 and wrote index 2 (term 2) to itself only; now S1 leads term 3, has copied index 2 (term 1) to S3
     * and S4, so it is on a majority, while its own blank entry 3 (term 3) is held back by the network.
     */
    private static Cluster figure8c() {
        // One entry per message lets S1 repair S3 and S4 up to index 2 before it sends index 3.
        Cluster c = new Cluster(5, id -> RaftConfig.of(id).withPreVote(false).withCheckQuorum(false)
                .withFlowControl(256, 1 << 20, 1));
        c.elect(1);
        c.expectEquals(List.of("1@1"), c.logOf(5), "S5's log");

        // (a) S1 writes index 2 to S2 only
        c.partition(Set.of(1L, 2L), Set.of(3L, 4L, 5L));
        c.propose(1, "a");
        c.stabilize();
        c.expectEquals(List.of("1@1", "2@1"), c.logOf(2), "S2's log");
        c.expectEquals(1L, c.node(1).commitIndex(), "S1's commit (index 2 is on 2 of 5)");

        // (b) S5 wins term 2 with S3 and S4 but its blank entry reaches nobody
        c.partition(Set.of(3L, 4L, 5L), Set.of(1L), Set.of(2L));
        c.drop("appends from S5", m -> m instanceof AppendEntries && m.from() == 5);
        c.elect(5);
        c.expectEquals(2L, c.node(5).term(), "S5's term");
        c.expectEquals(List.of("1@1", "2@2"), c.logOf(5), "S5's log");

        // (c) S5 is down; S1 restarts and wins term 3 (S3 and S4 voted in term 2, so S1 needs two tries)
        c.partition(Set.of(1L, 2L, 3L, 4L), Set.of(5L));
        c.restart(1);
        c.stopDropping();
        c.drop("term-3 entries from S1 where they would be accepted", m -> m instanceof AppendEntries a
                && a.from() == 1 && a.entries().stream().anyMatch(e -> e.term() == 3)
                && c.node(a.to()).lastIndex() >= a.prevLogIndex());
        c.campaign(1);
        c.stabilize();
        if (c.node(1).role() != Role.LEADER) {
            c.elect(1);
        }
        c.expectEquals(3L, c.node(1).term(), "S1's term");
        c.expectEquals(List.of("1@1", "2@1", "3@3"), c.logOf(1), "S1's log");
        c.expectEquals(List.of("1@1", "2@1"), c.logOf(3), "S3's log");
        c.expectEquals(List.of("1@1", "2@1"), c.logOf(4), "S4's log");
        return c;
    }

    @Test
    void entryOfOlderTermOnMajorityIsNotCommitted() {
        Cluster c = figure8c();
        // index 2 is on S1, S2, S3, S4 and S1 knows S3 and S4 have it, but it is from term 1
        c.expectEquals(2L, ReplicationTest.progressOf(c, 3).matchIndex(), "S3's match index at S1");
        c.expectEquals(1L, c.node(1).commitIndex(), "S1's commit");

        // (d) why: S1 goes down, S5 (last term 2 > 1) wins with S2, S3, S4 and overwrites index 2
        c.partition(Set.of(2L, 3L, 4L, 5L), Set.of(1L));
        c.stopDropping();
        c.restart(5);
        c.campaign(5);
        c.stabilize();
        if (c.node(5).role() != Role.LEADER) {
            c.elect(5);
        }
        for (long id = 2; id <= 5; id++) {
            c.expectEquals("2@2", c.logOf(id).get(1), "index 2 on S" + id);
            for (Entry e : c.applied.get(id)) {
                c.expect(!(e.index() == 2 && e.term() == 1), "S" + id + " never applied index 2 of term 1");
            }
        }
    }

    @Test
    void entryOfOlderTermCommitsWithOneOfTheCurrentTerm() {
        Cluster c = figure8c();
        // (e) S1's term-3 entry reaches S3 and S4: index 3 is committed, and index 2 with it
        c.stopDropping();
        c.tick(1, 1);
        c.stabilize();
        c.expectEquals(3L, c.node(1).commitIndex(), "S1's commit");

        // now S5 cannot win: a majority has a term-3 entry, newer than S5's last (§5.4.1)
        c.partition(Set.of(2L, 3L, 4L, 5L), Set.of(1L));
        c.restart(5);
        for (int attempt = 0; attempt < 3; attempt++) {
            c.campaign(5);
            c.stabilize();
            c.expect(c.node(5).role() != Role.LEADER, "S5 lost attempt " + attempt);
        }
    }
}
