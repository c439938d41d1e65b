package io.raftkv.raft;

import io.raftkv.raft.Message.AppendEntries;
import io.raftkv.raft.Message.RequestVote;
import io.raftkv.raft.Message.RequestVoteResponse;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Ready contract, step by step on single nodes. */
class ReadyTest {

    private static RaftNode node(long id, Membership membership) {
        return new RaftNode(RaftConfig.of(id), new MemoryStorage(membership));
    }

    @Test
    void freshNodeHasNothingToDo() {
        RaftNode n = node(1, Membership.ofVoters(1, 2, 3));
        assertFalse(n.hasReady());
        assertEquals(Role.FOLLOWER, n.role());
        assertEquals(0, n.term());
    }

    @Test
    void singleLeaderCountsItsOwnEntryOnlyAfterItIsPersisted() {
        MemoryStorage storage = new MemoryStorage(Membership.ofVoters(1));
        RaftNode n = new RaftNode(RaftConfig.of(1), storage);
        n.campaign();
        assertEquals(Role.LEADER, n.role());

        Ready rd = n.ready();
        assertEquals(new HardState(1, 1, 0), rd.hardState());
        assertEquals(1, rd.entries().size());
        assertEquals(0, rd.entries().get(0).data().length, "the blank entry of the new term");
        assertEquals(List.of(), rd.committedEntries());
        assertTrue(rd.mustSync());
        assertEquals(0, n.commitIndex(), "not committed before the driver reports it durable");

        storage.append(rd.entries());
        storage.setHardState(rd.hardState());
        n.advance(rd);
        assertEquals(1, n.commitIndex());

        Ready next = n.ready();
        assertEquals(new HardState(1, 1, 1), next.hardState());
        assertEquals(List.of(), next.entries());
        assertEquals(1, next.committedEntries().size());
        n.advance(next);
        assertEquals(1, n.appliedIndex());
        assertFalse(n.hasReady());
    }

    /**
     * A lone voter restarted on entries of an earlier term (none known committed) wins its pre-vote and election at
     * once, in one campaign call with nothing sent, and commits them with the blank entry of its new term once that
     * is persisted (Raft paper §5.4.2: earlier terms' entries commit only through one of the current term).
     */
    @Test
    void singleVoterRestartedOnOldEntriesLeadsAtOnceAndCommitsThemWithItsBlankEntry() {
        MemoryStorage storage = new MemoryStorage(Membership.ofVoters(1));
        storage.setHardState(new HardState(1, 0, 0));
        storage.append(List.of(new Entry(1, 1, new byte[] {1}), new Entry(2, 1, new byte[] {2})));
        RaftNode n = new RaftNode(RaftConfig.of(1), storage);
        n.campaign();
        assertEquals(Role.LEADER, n.role());
        assertEquals(2, n.term());

        Ready rd = n.ready();
        assertEquals(new HardState(2, 1, 0), rd.hardState());
        assertEquals(List.of(), rd.messages(), "a group of one sends nothing");
        assertEquals(1, rd.entries().size());
        Entry blank = rd.entries().get(0);
        assertEquals(List.of(3L, 2L, 0), List.of(blank.index(), blank.term(), blank.data().length));
        assertEquals(0, n.commitIndex(), "old-term entries do not commit by themselves");
        storage.append(rd.entries());
        storage.setHardState(rd.hardState());
        n.advance(rd);
        assertEquals(3, n.commitIndex());
        assertEquals(3, n.ready().committedEntries().size());
    }

    @Test
    void readyMustBeAdvancedOnceAndInOrder() {
        RaftNode n = node(1, Membership.ofVoters(1));
        n.campaign();
        Ready rd = n.ready();
        assertFalse(n.hasReady(), "nothing more while a Ready is out");
        assertThrows(IllegalStateException.class, n::ready);
        n.advance(rd);
        assertThrows(IllegalArgumentException.class, () -> n.advance(rd));
    }

    @Test
    void voteTravelsInTheSameReadyAsTheHardStateThatRecordsIt() {
        RaftNode n = node(2, Membership.ofVoters(1, 2, 3));
        n.step(new RequestVote(1, 2, 1, 0, 0, false));
        Ready rd = n.ready();
        assertEquals(new HardState(1, 1, 0), rd.hardState(), "persist the vote...");
        assertEquals(List.of(new RequestVoteResponse(2, 1, 1, true)), rd.messages(), "...before sending it");
        assertTrue(rd.mustSync());
    }

    @Test
    void leaderSendsAppendsInTheReadyThatCarriesTheEntries() {
        RaftNode n = node(1, Membership.ofVoters(1, 2, 3));
        n.step(new RequestVote(2, 1, 1, 0, 0, false)); // moves to term 1 (and votes for 2)
        n.advance(n.ready());
        n.campaign(); // pre-vote round for term 2
        n.step(new Message.PreVoteResponse(2, 1, 2, true));
        assertEquals(Role.CANDIDATE, n.role());
        n.step(new RequestVoteResponse(2, 1, 2, true));
        assertEquals(Role.LEADER, n.role());
        Ready rd = n.ready();
        assertEquals(1, rd.entries().size());
        assertTrue(rd.messages().stream().anyMatch(m -> m instanceof AppendEntries a && !a.entries().isEmpty()));
    }

    /**
     * Dissertation §10.2.1: a leader may leave its own write unsynced; entries it reported through
     * advanceUnsynced then commit on the followers' durable copies alone, or on its own once it reports the sync.
     */
    @Test
    void leaderCountsEntriesItLeftUnsyncedOnlyOnceSynced() {
        MemoryStorage storage = new MemoryStorage(Membership.ofVoters(1, 2, 3));
        RaftNode n = electedLeader(storage);
        Ready first = n.ready();
        persist(storage, first);
        assertThrows(IllegalStateException.class, () -> n.advanceUnsynced(first), "a new term must be synced");
        n.advance(first);
        n.step(Message.AppendEntriesResponse.accept(2, 1, 1, 1));
        drain(n, storage);
        assertEquals(1, n.commitIndex(), "the blank entry");

        n.propose(new byte[] {'a'});
        Ready rd = n.ready();
        persist(storage, rd);
        n.advanceUnsynced(rd);
        assertTrue(n.hasUnsyncedWrites());
        n.step(Message.AppendEntriesResponse.accept(2, 1, 1, 2));
        assertEquals(1, n.commitIndex(), "one follower's copy and the leader's unsynced one are not a quorum");
        n.step(Message.AppendEntriesResponse.accept(3, 1, 1, 2));
        assertEquals(2, n.commitIndex(), "the two followers' durable copies are");
        drain(n, storage);

        n.propose(new byte[] {'b'});
        Ready three = n.ready();
        persist(storage, three);
        n.advanceUnsynced(three);
        n.propose(new byte[] {'c'});
        Ready four = n.ready();
        persist(storage, four);
        n.advanceUnsynced(four);
        n.step(Message.AppendEntriesResponse.accept(2, 1, 1, 3));
        n.step(Message.AppendEntriesResponse.accept(3, 1, 1, 3));
        assertEquals(3, n.commitIndex());
        Ready commitOnly = n.ready();
        assertTrue(commitOnly.entries().isEmpty() && commitOnly.hardState() != null, "a new commit index to write");
        n.advance(commitOnly); // a driver need not sync a commit index alone: this is no sync of entry 4
        assertTrue(n.hasUnsyncedWrites());
        n.step(Message.AppendEntriesResponse.accept(2, 1, 1, 4));
        assertEquals(3, n.commitIndex(), "entry 4: one follower's copy and the leader's still unsynced one");
        n.synced();
        assertFalse(n.hasUnsyncedWrites());
        assertEquals(4, n.commitIndex(), "the leader's synced copy and one follower's");
    }

    /**
     * Under pipelined load a commit advance sends no empty AppendEntries to a follower that still has entries in
     * flight: its acknowledgement is on the way, and the leader tells it the commit index in answer to it, once
     * nothing is in flight. Every follower still learns every commit index without waiting for a heartbeat.
     */
    @Test
    void commitIndexWaitsForTheAcknowledgementAlreadyOnItsWay() {
        MemoryStorage storage = new MemoryStorage(Membership.ofVoters(1, 2, 3));
        RaftNode n = electedLeader(storage);
        drain(n, storage);
        n.step(Message.AppendEntriesResponse.accept(2, 1, 1, 1));
        n.step(Message.AppendEntriesResponse.accept(3, 1, 1, 1));
        drain(n, storage);
        assertEquals(1, n.commitIndex(), "the blank entry; both followers replicate");

        n.propose(new byte[] {'a'});
        assertEquals(List.of(2L, 2L), appendedUpTo(drain(n, storage)), "entry 2 to both");
        n.propose(new byte[] {'b'});
        assertEquals(List.of(3L, 3L), appendedUpTo(drain(n, storage)), "entry 3 to both, 2 still unacknowledged");

        n.step(Message.AppendEntriesResponse.accept(2, 1, 1, 2));
        assertEquals(2, n.commitIndex());
        assertEquals(List.of(), emptyAppends(drain(n, storage)), "both followers have entry 3 in flight");

        n.step(Message.AppendEntriesResponse.accept(2, 1, 1, 3));
        assertEquals(3, n.commitIndex());
        assertEquals(List.of(new AppendEntries(1, 2, 1, 3, 1, List.of(), 3)), emptyAppends(drain(n, storage)),
                "follower 2 has nothing in flight: it hears of commit 3 now; follower 3 still owes entries 2 and 3");

        n.step(Message.AppendEntriesResponse.accept(3, 1, 1, 3));
        assertEquals(List.of(new AppendEntries(1, 3, 1, 3, 1, List.of(), 3)), emptyAppends(drain(n, storage)),
                "its acknowledgement brings follower 3 the commit index");
        n.step(Message.AppendEntriesResponse.accept(3, 1, 1, 3));
        assertEquals(List.of(), emptyAppends(drain(n, storage)), "each commit index is sent once");
    }

    private static List<Long> appendedUpTo(List<Message> sent) {
        return sent.stream().filter(m -> m instanceof AppendEntries a && !a.entries().isEmpty())
                .map(m -> ((AppendEntries) m).entries().get(((AppendEntries) m).entries().size() - 1).index()).toList();
    }

    private static List<Message> emptyAppends(List<Message> sent) {
        return sent.stream().filter(m -> m instanceof AppendEntries a && a.entries().isEmpty()).toList();
    }

    @Test
    void onlyALeaderMayLeaveItsWritesUnsynced() {
        MemoryStorage storage = new MemoryStorage(Membership.ofVoters(1, 2, 3));
        RaftNode n = new RaftNode(RaftConfig.of(2), storage);
        n.step(new AppendEntries(1, 2, 1, 0, 0, List.of(new Entry(1, 1, new byte[0])), 0));
        Ready rd = n.ready();
        persist(storage, rd);
        assertThrows(IllegalStateException.class, () -> n.advanceUnsynced(rd), "a follower's ack promises its sync");
    }

    /** Node 1 of {@code storage}'s three voters, elected in term 1 with node 2's pre-vote and vote. */
    private static RaftNode electedLeader(MemoryStorage storage) {
        RaftNode n = new RaftNode(RaftConfig.of(1), storage);
        n.campaign();
        n.step(new Message.PreVoteResponse(2, 1, 1, true));
        n.step(new RequestVoteResponse(2, 1, 1, true));
        assertEquals(Role.LEADER, n.role());
        return n;
    }

    private static void persist(MemoryStorage storage, Ready rd) {
        storage.append(rd.entries());
        if (rd.hardState() != null) {
            storage.setHardState(rd.hardState());
        }
    }

    /** Persists and advances every Ready; returns the messages they carried. */
    private static List<Message> drain(RaftNode n, MemoryStorage storage) {
        List<Message> sent = new ArrayList<>();
        while (n.hasReady()) {
            Ready rd = n.ready();
            persist(storage, rd);
            sent.addAll(rd.messages());
            n.advance(rd);
        }
        return sent;
    }

    @Test
    void unchangedHardStateIsNull() {
        RaftNode n = node(2, Membership.ofVoters(1, 2, 3));
        n.step(new Message.Heartbeat(1, 2, 1, 0, 1));
        Ready rd = n.ready();
        assertEquals(new HardState(1, 0, 0), rd.hardState());
        n.advance(rd);
        n.step(new Message.Heartbeat(1, 2, 1, 0, 2));
        Ready again = n.ready();
        assertNull(again.hardState());
        assertFalse(again.mustSync());
        assertEquals(1, again.messages().size());
    }

    @Test
    void misaddressedMessageIsRefused() {
        RaftNode n = node(2, Membership.ofVoters(1, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> n.step(new Message.TimeoutNow(1, 3, 1)));
    }

    @Test
    void secondLeaderInOneTermIsAnImpossibleState() {
        RaftNode n = node(2, Membership.ofVoters(1, 2, 3));
        n.step(new Message.Heartbeat(1, 2, 1, 0, 1));
        assertThrows(IllegalStateException.class, () -> n.step(new Message.Heartbeat(3, 2, 1, 0, 1)));
    }

    @Test
    void sameSeedSameBehaviour() {
        // Determinism: two nodes with the same config and inputs time out on the same tick.
        int first = ticksToCampaign(42);
        assertEquals(first, ticksToCampaign(42));
        assertTrue(first >= 10 && first < 20, "randomized timeout in [10, 20): " + first);
    }

    private static int ticksToCampaign(long seed) {
        RaftNode n = new RaftNode(RaftConfig.of(1).withRandomSeed(seed), new MemoryStorage(Membership.ofVoters(1, 2, 3)));
        int ticks = 0;
        while (n.role() == Role.FOLLOWER) {
            n.tick();
            ticks++;
        }
        return ticks;
    }
}
