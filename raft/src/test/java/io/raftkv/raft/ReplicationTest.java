package io.raftkv.raft;

import io.raftkv.raft.Message.AppendEntries;
import io.raftkv.raft.Message.AppendEntriesResponse;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** Log replication, Raft paper §5.3, and the leader's flow control. */
class ReplicationTest {

    @Test
    void committedEntriesAreAppliedEverywhereInOrder() {
        Cluster c = new Cluster(3);
        c.elect(1);
        c.propose(1, "a");
        c.propose(1, "b");
        c.stabilize();
        c.tickAll(1); // a heartbeat carries the final commit index
        c.stabilize();
        for (long id = 1; id <= 3; id++) {
            c.expectEquals(List.of("", "a", "b"), dataOf(c.applied.get(id)), "applied on " + id);
            c.expectEquals(3L, c.node(id).appliedIndex(), "applied index on " + id);
        }
    }

    @Test
    void proposalOnFollowerIsRefused() {
        Cluster c = new Cluster(3);
        c.elect(1);
        c.expectEquals(0L, c.propose(2, "x"), "index of a follower's proposal");
        c.expectEquals(1L, c.node(2).leaderId(), "leader to redirect to");
        c.expect(c.inFlight.isEmpty(), "a refused proposal sends nothing");
    }

    @Test
    void laggingFollowerCatchesUp() {
        Cluster c = new Cluster(3);
        c.elect(1);
        c.isolate(3);
        for (int i = 0; i < 20; i++) {
            c.propose(1, "v" + i);
        }
        c.stabilize();
        c.expectEquals(21L, c.node(1).commitIndex(), "commit on 1 without 3");
        c.expectEquals(1L, c.node(3).lastIndex(), "last index on 3");

        c.heal();
        c.tick(1, 1); // heartbeat; 3 answers, the leader sees it is behind and sends the rest
        c.stabilize();
        c.tick(1, 1);
        c.stabilize();
        c.expectEquals(c.logOf(1), c.logOf(3), "3's log");
        c.expectEquals(21L, c.node(3).commitIndex(), "commit on 3");
        c.expectEquals(dataOf(c.applied.get(1L)), dataOf(c.applied.get(3L)), "applied on 3");
    }

    @Test
    void conflictingFollowerIsOverwrittenWithOneRoundTripPerTerm() {
        // §5.3: "the leader handles inconsistencies by forcing the followers' logs to duplicate its own". Follower
        // 3 holds 145 uncommitted entries of terms 2 and 3 that leader 1 (term 4 entries) never had. Backing off one
        // entry per round trip would take 100 rejections; the term hint needs one.
        List<Entry> common = entries(1, 5, 1);
        List<Entry> leaderLog = concat(common, entries(6, 105, 4));
        List<Entry> staleLog = concat(common, concat(entries(6, 55, 2), entries(56, 150, 3)));
        Cluster c = new Cluster(3);
        c.preload(1, RaftConfig.of(1), new HardState(4, 0, 5), leaderLog);
        c.preload(2, RaftConfig.of(2), new HardState(4, 0, 5), leaderLog);
        c.preload(3, RaftConfig.of(3), new HardState(4, 0, 5), staleLog);

        c.elect(1);
        c.tick(1, 1);
        c.stabilize();

        c.expectEquals(c.logOf(1), c.logOf(3), "3's log after repair");
        c.expectEquals("106@5", c.logOf(3).get(105), "3's last entry is the new leader's blank entry");
        long rejections = c.count(m -> m instanceof AppendEntriesResponse r && !r.success() && r.from() == 3);
        c.expect(rejections <= 2, "at most 2 rejections from 3, got " + rejections);
        c.expectEquals(106L, c.node(3).commitIndex(), "commit on 3");
    }

    @Test
    void followerWithShortLogGetsHintOfItsLastIndex() {
        // A follower missing the leader's prevLogIndex points the leader at its own last index at once.
        Cluster c = new Cluster(3);
        c.preload(1, RaftConfig.of(1), new HardState(2, 0, 1), entries(1, 40, 2));
        c.preload(2, RaftConfig.of(2), new HardState(2, 0, 1), entries(1, 40, 2));
        c.preload(3, RaftConfig.of(3), new HardState(2, 0, 1), entries(1, 3, 2));
        c.elect(1);
        List<Message> rejections = c.delivered.stream()
                .filter(m -> m instanceof AppendEntriesResponse r && !r.success()).toList();
        c.expectEquals(1, rejections.size(), "rejections");
        AppendEntriesResponse r = (AppendEntriesResponse) rejections.get(0);
        c.expectEquals(3L, r.conflictIndex(), "hint index (3's last index)");
        c.expectEquals(2L, r.conflictTerm(), "hint term");
        c.expectEquals(c.logOf(1), c.logOf(3), "3's log after repair");
    }

    @Test
    void slowFollowerGetsNoMoreThanMaxInflightUnackedAppends() {
        Cluster c = new Cluster(3, id -> RaftConfig.of(id).withFlowControl(3, 1 << 20, 1));
        c.elect(1);
        c.expectEquals(PeerProgress.State.REPLICATE, progressOf(c, 2).state(), "2's progress state");

        // 2 is slow: nothing reaches it; 3 is fine
        for (int i = 0; i < 10; i++) {
            c.propose(1, "v" + i);
        }
        long toTwo = c.inFlight.stream().filter(m -> m instanceof AppendEntries a && a.to() == 2
                && !a.entries().isEmpty()).count();
        c.expectEquals(3L, toTwo, "AppendEntries with entries in flight to 2");
        c.expectEquals(3, progressOf(c, 2).inflight(), "2's inflight count");

        c.drop("everything to 2", m -> m.to() == 2);
        c.stabilize();
        c.expectEquals(11L, c.node(1).commitIndex(), "commit on 1 (with 3's help)");
        c.expectEquals(3, progressOf(c, 2).inflight(), "2's inflight count while slow");

        // 2 recovers; the heartbeat answer frees the window and replication resumes (the stuck appends were lost)
        c.stopDropping();
        for (int i = 0; i < 5; i++) {
            c.tick(1, 1);
            c.stabilize();
        }
        c.expectEquals(c.logOf(1), c.logOf(2), "2's log");
        c.expectEquals(11L, c.node(2).commitIndex(), "commit on 2");
    }

    @Test
    void appendsAreBatchedByBytes() {
        Cluster c = new Cluster(2, id -> RaftConfig.of(id).withFlowControl(256, 100, 1000));
        c.elect(1);
        c.isolate(2);
        for (int i = 0; i < 10; i++) {
            c.propose(1, "x".repeat(40));
        }
        c.heal();
        c.tick(1, 1);
        c.stabilize();
        c.expectEquals(c.logOf(1), c.logOf(2), "2's log");
        for (Message m : c.delivered) {
            if (m instanceof AppendEntries a) {
                long bytes = a.entries().stream().mapToLong(e -> e.data().length).sum();
                c.expect(a.entries().size() <= 1 || bytes <= 100, "batch within 100 bytes: " + Cluster.describe(a));
            }
        }
    }

    static PeerProgress progressOf(Cluster c, long peer) {
        for (RaftNode n : c.nodes.values()) {
            for (PeerProgress p : n.progress()) {
                if (p.id() == peer) {
                    return p;
                }
            }
        }
        throw new AssertionError("no leader tracks " + peer);
    }

    static List<String> dataOf(List<Entry> entries) {
        return entries.stream().map(e -> new String(e.data())).toList();
    }

    static List<Entry> entries(long from, long to, long term) {
        List<Entry> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(new Entry(i, term, ("e" + i + "t" + term).getBytes()));
        }
        return out;
    }

    static List<Entry> concat(List<Entry> a, List<Entry> b) {
        List<Entry> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
