package io.raftkv.raft.sim;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.Membership;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.RaftConfig;
import io.raftkv.raft.RaftNode;
import io.raftkv.raft.Ready;
import io.raftkv.raft.Role;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each invariant fires on a made-up state that breaks it. Nodes here are independent one-voter RaftNodes (so that
 * any of them can be made leader in any term) on disks written by hand; the checks see only logs, roles and terms.
 */
class InvariantsTest {

    private static final class View implements Invariants.NodeView {
        final long id;
        final SimDisk disk;
        RaftNode raft;
        final KvStore kv = KvStore.restore(0, new byte[0]);

        View(long id) {
            this.id = id;
            this.disk = new SimDisk(Membership.ofVoters(id));
            this.raft = new RaftNode(RaftConfig.of(id), disk.live());
        }

        /** Writes and syncs a hand-made Ready: {@code entries} and a hard state. */
        void persist(HardState hs, Entry... entries) {
            disk.write(ready(hs, entries));
            disk.sync();
            raft = new RaftNode(RaftConfig.of(id), disk.live());
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public RaftNode raft() {
            return raft;
        }

        @Override
        public MemoryStorage durableLog() {
            return disk.durable();
        }

        @Override
        public MemoryStorage liveLog() {
            return disk.live();
        }

        @Override
        public long stateMachineApplied() {
            return kv.applied();
        }
    }

    private static Ready ready(HardState hs, Entry... entries) {
        return new Ready(hs, List.of(entries), null, List.of(), List.of(), List.of());
    }

    private static Entry entry(long index, long term, String data) {
        return new Entry(index, term, data.getBytes(StandardCharsets.UTF_8));
    }

    /** Makes {@code v} leader (a one-voter node wins at once) and writes its first Ready, as the driver would. */
    private static void lead(Invariants inv, View v) {
        v.raft.campaign();
        assertEquals(Role.LEADER, v.raft.role());
        Ready rd = v.raft.ready();
        inv.beforeWrite(v, rd);
        v.disk.write(rd);
        inv.afterWrite(v, rd);
        v.disk.sync();
        v.raft.advance(rd);
    }

    @Test
    void leaderCompletenessFiresForALeaderWithoutACommittedEntry() {
        View a = new View(1);
        View b = new View(2);
        View c = new View(3);
        Invariants inv = new Invariants(List.of(a, b, c));
        Entry x = entry(1, 1, "x");
        a.persist(new HardState(1, 1, 0), x);
        b.persist(new HardState(1, 1, 0), x);
        // a learns that entry 1 is committed (durable on a and b: a quorum of 3).
        Ready commit = ready(new HardState(1, 1, 1));
        a.disk.write(commit);
        inv.afterWrite(a, commit);
        // c never had it, and becomes leader of a later term.
        c.persist(new HardState(1, 0, 0));
        Invariants.Violation v = assertThrows(Invariants.Violation.class, () -> lead(inv, c));
        assertTrue(v.getMessage().contains("Leader Completeness"), v.getMessage());
    }

    @Test
    void durabilityFiresWhenACommitIsKnownBeforeAQuorumSynced() {
        View a = new View(1);
        View b = new View(2);
        View c = new View(3);
        Invariants inv = new Invariants(List.of(a, b, c));
        a.persist(new HardState(1, 1, 0), entry(1, 1, "x"));
        Ready commit = ready(new HardState(1, 1, 1));
        a.disk.write(commit);
        Invariants.Violation v = assertThrows(Invariants.Violation.class, () -> inv.afterWrite(a, commit));
        assertTrue(v.getMessage().contains("synced only on [1]"), v.getMessage());
    }

    @Test
    void logMatchingFiresForTheSameIndexAndTermWithDifferentData() {
        View a = new View(1);
        View b = new View(2);
        Invariants inv = new Invariants(List.of(a, b));
        Ready ra = ready(null, entry(1, 1, "x"));
        a.disk.write(ra);
        inv.afterWrite(a, ra);
        Ready rb = ready(null, entry(1, 1, "y"));
        b.disk.write(rb);
        Invariants.Violation v = assertThrows(Invariants.Violation.class, () -> inv.afterWrite(b, rb));
        assertTrue(v.getMessage().contains("Log Matching"), v.getMessage());
    }

    @Test
    void logMatchingFiresForTheSameEntryAfterDifferentPrefixes() {
        View a = new View(1);
        View b = new View(2);
        Invariants inv = new Invariants(List.of(a, b));
        Ready ra = ready(null, entry(1, 1, "x"), entry(2, 3, "z"));
        a.disk.write(ra);
        inv.afterWrite(a, ra);
        Ready rb = ready(null, entry(1, 2, "y"), entry(2, 3, "z"));
        b.disk.write(rb);
        Invariants.Violation v = assertThrows(Invariants.Violation.class, () -> inv.afterWrite(b, rb));
        assertTrue(v.getMessage().contains("after term 2"), v.getMessage());
        // The from-scratch check agrees.
        Invariants fresh = new Invariants(List.of(a, b));
        Invariants.Violation w = assertThrows(Invariants.Violation.class, fresh::checkLogsFromScratch);
        assertTrue(w.getMessage().contains("differ at 1"), w.getMessage());
    }

    @Test
    void stateMachineSafetyFiresForDifferentEntriesAppliedAtOneIndex() {
        Invariants inv = new Invariants(List.of(new View(1), new View(2)));
        inv.onApply(1, entry(1, 1, "x"));
        Invariants.Violation v = assertThrows(Invariants.Violation.class, () -> inv.onApply(2, entry(1, 2, "y")));
        assertTrue(v.getMessage().contains("State Machine Safety"), v.getMessage());
    }

    @Test
    void electionSafetyFiresForTwoLeadersOfOneTerm() {
        View a = new View(1);
        View b = new View(2);
        Invariants inv = new Invariants(List.of(a, b));
        a.raft.campaign();
        b.raft.campaign();
        assertEquals(a.raft.term(), b.raft.term());
        Invariants.Violation v = assertThrows(Invariants.Violation.class, inv::afterStep);
        assertTrue(v.getMessage().contains("two leaders in term 1"), v.getMessage());
    }

    @Test
    void oneVotePerTermFiresForTwoGrantsInATerm() {
        Invariants inv = new Invariants(List.of(new View(1), new View(2), new View(3)));
        inv.onSend(new io.raftkv.raft.Message.RequestVoteResponse(1, 2, 5, true));
        inv.onSend(new io.raftkv.raft.Message.RequestVoteResponse(1, 2, 5, true));
        Invariants.Violation v = assertThrows(Invariants.Violation.class,
                () -> inv.onSend(new io.raftkv.raft.Message.RequestVoteResponse(1, 3, 5, true)));
        assertTrue(v.getMessage().contains("at most one vote per term"), v.getMessage());
    }

    @Test
    void learnersNeverTakePartInElections() {
        Invariants inv = new Invariants(List.of(new View(1), new View(2), new View(3)), java.util.Set.of(3L));
        inv.onSend(new io.raftkv.raft.Message.PreVoteResponse(2, 1, 5, true));
        Invariants.Violation v = assertThrows(Invariants.Violation.class,
                () -> inv.onSend(new io.raftkv.raft.Message.PreVoteResponse(3, 1, 5, true)));
        assertTrue(v.getMessage().contains("learner 3 takes part in an election"), v.getMessage());
    }

    @Test
    void durableStateMustNotGoBack() {
        View a = new View(1);
        Invariants inv = new Invariants(List.of(a));
        a.persist(new HardState(3, 1, 0));
        inv.afterStep();
        a.persist(new HardState(3, 2, 0));
        Invariants.Violation v = assertThrows(Invariants.Violation.class, inv::afterStep);
        assertTrue(v.getMessage().contains("voted twice in term 3"), v.getMessage());
    }
}
