package io.raftkv.raft.sim;

import io.raftkv.raft.Entry;
import io.raftkv.raft.Message;
import io.raftkv.raft.RaftConfig;
import io.raftkv.raft.ReadState;
import io.raftkv.raft.Role;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Regression test of a core bug the simulation work found (lease reads, {@link RaftConfig#leaseReads()}), fixed by
 * the start-up lease: the leader lease (dissertation §6.4.1) rests on
 * every follower that acknowledged a heartbeat refusing votes for an election timeout afterwards. A follower that
 * restarts forgets it heard from a leader (leaderId 0, so {@code inLeaderLease()} is false) and grants pre-votes
 * and votes at once. A new leader can then be elected and commit a write while the old leader still believes its
 * lease is valid and serves a stale read from it, without any clock running at a different rate.
 *
 * <p>Transcript (3 nodes, pre-vote, check-quorum and lease reads on; no time passes after step 4):
 * <ol>
 *   <li>1 leads term 1 and commits x=old everywhere.</li>
 *   <li>3 stops hearing 1; 1 keeps its lease with 2's heartbeat answers.</li>
 *   <li>3 times out and sends PreVotes (held in flight).</li>
 *   <li>2 crashes and restarts from its synced storage, right after answering 1's last heartbeat.</li>
 *   <li>2 grants 3's pre-vote and vote; 3 leads term 2 and commits x=new with 2. The write is acknowledged.</li>
 *   <li>A client reads x on 1: the lease still looks valid, the read is confirmed at once at 1's commit index,
 *   and 1 returns x=old. Not linearizable.</li>
 * </ol>
 * The fix: with lease reads on, a node that (re)starts treats itself as in a leader's lease for its first election
 * timeout (refusing pre-votes and non-transfer votes), so a restart cannot shorten anyone's lease; step 5 then fails.
 */
class LeaseReadAfterRestartTest {

    private static final Predicate<Message> TO_3_FROM_1 = m -> m.from() == 1 && m.to() == 3;

    @Test
    void restartedFollowerMustNotShortenTheLeaseOfTheLeaderItAcknowledged() {
        ScenarioDriver d = new ScenarioDriver(3, id -> RaftConfig.of(id).withLeaseReads(true));
        for (int tick = 0; tick < RaftConfig.DEFAULT_ELECTION_TICKS; tick++) {
            d.tickAll(); // past the start-up lease; campaigns started meanwhile get nowhere
            d.drop(m -> true);
        }
        d.node(1).campaign();
        d.settle(m -> false);
        assertEquals(Role.LEADER, d.node(1).role(), "1 leads");
        d.node(1).propose(bytes("x=old"));
        d.ready(1);
        d.settle(m -> false);

        // 3 stops hearing 1; the others keep going until 3 times out and asks for pre-votes.
        for (int tick = 0; tick < 40 && d.node(3).role() != Role.PRE_CANDIDATE; tick++) {
            d.tickAll();
            d.drop(TO_3_FROM_1);
            while (d.deliver(m -> !(m instanceof Message.PreVote) && !TO_3_FROM_1.test(m)) > 0) {
                d.drop(TO_3_FROM_1);
            }
        }
        assertEquals(Role.PRE_CANDIDATE, d.node(3).role(), "3 timed out");
        assertEquals(Role.LEADER, d.node(1).role(), "1 still leads with 2's answers");

        // 2 restarts; 3's pre-vote reaches it before any message from 1.
        d.restart(2);
        d.deliver(m -> m instanceof Message.PreVote && m.to() == 2);
        d.deliver(m -> m instanceof Message.PreVoteResponse);
        d.deliver(m -> m instanceof Message.RequestVote && m.to() == 2);
        d.deliver(m -> m instanceof Message.RequestVoteResponse);
        Predicate<Message> between3and2 = m -> (m.from() == 3 && m.to() == 2) || (m.from() == 2 && m.to() == 3);
        while (d.deliver(between3and2) > 0) {
            // the new leader commits its blank entry with 2
        }
        // Before the fix 2 granted at once, 3 led term 2 and committed x=new with 2, while 1 still served x=old
        // from its lease.
        assertNotEquals(Role.LEADER, d.node(3).role(), "3 won an election right after 2 restarted: 2 shortened the"
                + " lease of leader 1, which would now serve a stale read");
        d.node(1).readIndex(42);
        d.ready(1);
        assertEquals(List.of(new ReadState(42, d.node(1).commitIndex())), d.reads.get(1L),
                "1 still leads and serves the read from its lease");
        assertEquals("x=old", lastValue(d.applied.get(1L)), "and x=old is the latest committed value");
    }

    private static String lastValue(List<Entry> applied) {
        String value = null;
        for (Entry e : applied) {
            if (e.data().length > 0) {
                value = new String(e.data(), StandardCharsets.UTF_8);
            }
        }
        return value;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
