package io.raftkv.raft;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden transcripts in the style of etcd's testdata interaction tests: a script drives a cluster, and the full
 * message flow it produces is compared with the expected text. A change in behaviour shows up as a readable diff.
 */
class InteractionTest {

    /** Runs {@code script} (one command per line) on {@code c} and returns the transcript. */
    static String run(Cluster c, String script) {
        String t = runQuiet(c, script);
        if (System.getProperty("print.transcripts") != null) {
            System.out.println("TRANSCRIPT>>>\n" + t + "<<<TRANSCRIPT");
        }
        return t;
    }

    private static String runQuiet(Cluster c, String script) {
        for (String line : script.strip().split("\n")) {
            String[] w = line.strip().split(" ");
            switch (w[0]) {
                case "campaign" -> c.campaign(Long.parseLong(w[1]));
                case "propose" -> c.propose(Long.parseLong(w[1]), w[2]);
                case "read" -> c.readIndex(Long.parseLong(w[1]), Long.parseLong(w[2]));
                case "tick" -> c.tick(Long.parseLong(w[1]), Integer.parseInt(w[2]));
                case "stabilize" -> c.stabilize();
                case "isolate" -> c.isolate(Long.parseLong(w[1]));
                case "heal" -> c.heal();
                case "status" -> c.status();
                default -> throw new IllegalArgumentException("unknown command: " + line);
            }
        }
        return c.transcript().substring(0, c.transcript().indexOf("state:\n"));
    }

    @Test
    void electionReplicationAndRead() {
        String transcript = run(new Cluster(3), """
                campaign 1
                stabilize
                propose 1 x
                stabilize
                read 1 7
                stabilize
                status
                """);
        assertEquals("""
                campaign 1
                stabilize
                  deliver 1->2 PreVote t1 last=0@0
                  deliver 1->3 PreVote t1 last=0@0
                  deliver 2->1 PreVoteResponse t1 granted
                  deliver 3->1 PreVoteResponse t1 granted
                  deliver 1->2 RequestVote t1 last=0@0
                  deliver 1->3 RequestVote t1 last=0@0
                  deliver 2->1 RequestVoteResponse t1 granted
                  deliver 3->1 RequestVoteResponse t1 granted
                  deliver 1->2 AppendEntries t1 prev=0@0 entries=[1@1] commit=0
                  deliver 1->3 AppendEntries t1 prev=0@0 entries=[1@1] commit=0
                  deliver 2->1 AppendEntriesResponse t1 ok match=1
                  deliver 3->1 AppendEntriesResponse t1 ok match=1
                  deliver 1->2 AppendEntries t1 prev=1@1 entries=[] commit=1
                  deliver 1->3 AppendEntries t1 prev=1@1 entries=[] commit=1
                  deliver 2->1 AppendEntriesResponse t1 ok match=1
                  deliver 3->1 AppendEntriesResponse t1 ok match=1
                propose 1 'x' -> index 2
                stabilize
                  deliver 1->2 AppendEntries t1 prev=1@1 entries=[2@1] commit=1
                  deliver 1->3 AppendEntries t1 prev=1@1 entries=[2@1] commit=1
                  deliver 2->1 AppendEntriesResponse t1 ok match=2
                  deliver 3->1 AppendEntriesResponse t1 ok match=2
                  deliver 1->2 AppendEntries t1 prev=2@1 entries=[] commit=2
                  deliver 1->3 AppendEntries t1 prev=2@1 entries=[] commit=2
                  deliver 2->1 AppendEntriesResponse t1 ok match=2
                  deliver 3->1 AppendEntriesResponse t1 ok match=2
                readIndex 1 #7
                stabilize
                  deliver 1->2 Heartbeat t1 commit=2 round=1
                  deliver 1->3 Heartbeat t1 commit=2 round=1
                  deliver 2->1 HeartbeatResponse t1
                  1 read #7 ready at index 2
                  deliver 3->1 HeartbeatResponse t1
                status
                  1 LEADER term=1 lead=1 commit=2 applied=2 log=[1@1, 2@1]
                  2 FOLLOWER term=1 lead=1 commit=2 applied=2 log=[1@1, 2@1]
                  3 FOLLOWER term=1 lead=1 commit=2 applied=2 log=[1@1, 2@1]
                """, transcript);
    }

    @Test
    void conflictingFollowerIsRepairedInOneRoundTripPerTerm() {
        Cluster c = new Cluster(3);
        c.preload(1, RaftConfig.of(1), new HardState(3, 0, 1), ReplicationTest.concat(
                ReplicationTest.entries(1, 1, 1), ReplicationTest.entries(2, 4, 3)));
        c.preload(2, RaftConfig.of(2), new HardState(3, 0, 1), ReplicationTest.concat(
                ReplicationTest.entries(1, 1, 1), ReplicationTest.entries(2, 4, 3)));
        c.preload(3, RaftConfig.of(3), new HardState(3, 0, 1), ReplicationTest.concat(
                ReplicationTest.entries(1, 1, 1), ReplicationTest.entries(2, 6, 2)));
        String transcript = run(c, """
                isolate 3
                campaign 1
                stabilize
                heal
                tick 1 1
                stabilize
                status
                """);
        assertEquals("""
                isolate 3
                campaign 1
                stabilize
                  deliver 1->2 PreVote t4 last=4@3
                  drop    1->3 PreVote t4 last=4@3
                  deliver 2->1 PreVoteResponse t4 granted
                  deliver 1->2 RequestVote t4 last=4@3
                  drop    1->3 RequestVote t4 last=4@3
                  deliver 2->1 RequestVoteResponse t4 granted
                  deliver 1->2 AppendEntries t4 prev=4@3 entries=[5@4] commit=1
                  drop    1->3 AppendEntries t4 prev=4@3 entries=[5@4] commit=1
                  deliver 2->1 AppendEntriesResponse t4 ok match=5
                  deliver 1->2 AppendEntries t4 prev=5@4 entries=[] commit=5
                  deliver 2->1 AppendEntriesResponse t4 ok match=5
                heal
                tick 1 x1
                stabilize
                  deliver 1->2 Heartbeat t4 commit=5 round=65536
                  deliver 1->3 Heartbeat t4 commit=0 round=65536
                  deliver 2->1 HeartbeatResponse t4
                  deliver 3->1 HeartbeatResponse t4
                  deliver 1->3 AppendEntries t4 prev=4@3 entries=[5@4] commit=5
                  deliver 3->1 AppendEntriesResponse t4 reject 4 hint=4@2
                  deliver 1->3 AppendEntries t4 prev=1@1 entries=[2@3, 3@3, 4@3, 5@4] commit=5
                  deliver 3->1 AppendEntriesResponse t4 ok match=5
                status
                  1 LEADER term=4 lead=1 commit=5 applied=5 log=[1@1, 2@3, 3@3, 4@3, 5@4]
                  2 FOLLOWER term=4 lead=1 commit=5 applied=5 log=[1@1, 2@3, 3@3, 4@3, 5@4]
                  3 FOLLOWER term=4 lead=1 commit=5 applied=5 log=[1@1, 2@3, 3@3, 4@3, 5@4]
                """, transcript);
    }
}
