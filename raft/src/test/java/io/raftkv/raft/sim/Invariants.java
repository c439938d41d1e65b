package io.raftkv.raft.sim;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.Message;
import io.raftkv.raft.RaftNode;
import io.raftkv.raft.Ready;
import io.raftkv.raft.Role;
import io.raftkv.raft.Snapshot;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The Raft safety properties (paper figure 3), plus the durability promises of the Ready contract, checked as a
 * simulation runs. Logs change only through Readies, so the log properties are checked incrementally on each
 * written Ready (or each append, truncation and hard state a driver writes) and applied entry; the rest after every
 * simulation step. A violation throws {@link Violation}.
 *
 * <p>Shared with the server module's simulation of the production driver (through this module's test jar), so it
 * sees a node only through {@link NodeView}.
 */
public final class Invariants {

    public static final class Violation extends AssertionError {
        public Violation(String message) {
            super(message);
        }
    }

    /** What a node looks like to the checks; null raft means the node is down. */
    public interface NodeView {
        long id();

        /** The node's Raft core, or null while it is down. */
        RaftNode raft();

        /** The synced image of its log: what survives a crash (kept while the node is down). */
        MemoryStorage durableLog();

        /** The log as the running node reads it: the synced image plus writes not synced yet. */
        MemoryStorage liveLog();

        /** The index its state machine has applied up to; asked only while the node is up. */
        long stateMachineApplied();
    }

    /** Election Safety: the one leader seen for each term. */
    private final Map<Long, Long> leaderOfTerm = new HashMap<>();
    /** Log Matching: every (index, term) ever in a log, with its data and the term of its predecessor. */
    private final Map<Long, Map<Long, Registered>> logEntries = new HashMap<>();
    /** Entries known committed, by index, and the lowest term in which a node knew it committed. */
    private final TreeMap<Long, Committed> committed = new TreeMap<>();
    /** State Machine Safety: the entry applied at each index, by whichever node applied it first. */
    private final Map<Long, Entry> appliedAt = new HashMap<>();
    /** Per node: commit index last seen from its current incarnation; its durable hard state last seen. */
    private final Map<Long, Long> lastCommit = new HashMap<>();
    private final Map<Long, HardState> lastDurable = new HashMap<>();
    /** Per node: the commit index up to which its committed entries were compared with {@link #committed}. */
    private final Map<Long, Long> commitChecked = new HashMap<>();
    /** Per node: the term whose leadership was already checked for completeness. */
    private final Map<Long, Long> completenessChecked = new HashMap<>();
    private final Map<Long, NodeView> nodes = new TreeMap<>();
    /** Votes granted, by voter * 1e9 + term. */
    private final Map<Long, Long> votesGranted = new HashMap<>();
    private final int quorum;
    long checks;

    private record Registered(byte[] data, long prevTerm, long firstNode) {
    }

    private record Committed(Entry entry, long knownInTerm) {
    }

    private final Set<Long> learners;

    public Invariants(List<? extends NodeView> all) {
        this(all, Set.of());
    }

    /** {@code learners}: the non-voting members among {@code all}. */
    public Invariants(List<? extends NodeView> all, Set<Long> learners) {
        for (NodeView n : all) {
            nodes.put(n.id(), n);
        }
        this.learners = Set.copyOf(learners);
        this.quorum = (all.size() - learners.size()) / 2 + 1;
    }

    private static void fail(String what) {
        throw new Violation(what);
    }

    // ------------------------------------------------------------------ per step

    /** After every simulation step. */
    public void afterStep() {
        checks++;
        for (NodeView n : nodes.values()) {
            HardState hs = n.durableLog().hardState();
            HardState before = lastDurable.put(n.id(), hs);
            if (before != null) {
                if (hs.term() < before.term()) {
                    fail("node " + n.id() + " durable term went back from " + before.term() + " to " + hs.term());
                }
                if (hs.term() == before.term() && before.vote() != 0 && hs.vote() != before.vote()) {
                    fail("node " + n.id() + " voted twice in term " + hs.term() + ": " + before.vote() + " then "
                            + hs.vote() + " (Raft paper §5.2: one vote per term)");
                }
                if (hs.commit() < before.commit()) {
                    fail("node " + n.id() + " durable commit went back from " + before.commit() + " to " + hs.commit());
                }
            }
            RaftNode raft = n.raft();
            if (raft == null) {
                continue;
            }
            if (learners.contains(n.id()) && raft.role() != Role.FOLLOWER) {
                fail("learner " + n.id() + " is " + raft.role() + " in term " + raft.term() + ": learners never campaign");
            }
            if (raft.role() == Role.LEADER) {
                Long other = leaderOfTerm.putIfAbsent(raft.term(), n.id());
                if (other != null && other != n.id()) {
                    fail("two leaders in term " + raft.term() + ": " + other + " and " + n.id()
                            + " (Election Safety, Raft paper §5.2)");
                }
            }
            long commit = raft.commitIndex();
            Long seen = lastCommit.put(n.id(), commit);
            if (seen != null && commit < seen) {
                fail("node " + n.id() + " commit index went back from " + seen + " to " + commit);
            }
            if (raft.appliedIndex() > commit) {
                fail("node " + n.id() + " applied " + raft.appliedIndex() + " beyond commit " + commit);
            }
            if (n.stateMachineApplied() > commit) {
                fail("node " + n.id() + " state machine applied " + n.stateMachineApplied() + " beyond commit " + commit);
            }
        }
    }

    /** A node came back from a crash: its in-memory commit index starts over from the durable one. */
    public void onRestart(long id) {
        lastCommit.remove(id);
        completenessChecked.remove(id);
    }

    /** Raft paper §5.2: each server votes for at most one candidate in a term, across crashes too. */
    public void onSend(Message m) {
        boolean votes = m instanceof Message.RequestVote || m instanceof Message.PreVote
                || m instanceof Message.RequestVoteResponse rv && rv.granted()
                || m instanceof Message.PreVoteResponse pv && pv.granted();
        if (votes && learners.contains(m.from())) {
            fail("learner " + m.from() + " takes part in an election: " + m);
        }
        if (m instanceof Message.RequestVoteResponse r && r.granted()) {
            Long before = votesGranted.putIfAbsent(r.from() * 1_000_000_000L + r.term(), r.to());
            if (before != null && before != r.to()) {
                fail("node " + r.from() + " granted its vote in term " + r.term() + " to " + before + " and to " + r.to()
                        + " (Raft paper §5.2: at most one vote per term)");
            }
        }
    }

    // ------------------------------------------------------------------ per Ready

    /** Leader Append-Only (figure 3): a leader never overwrites or deletes entries of its own log. */
    public void beforeWrite(NodeView n, Ready rd) {
        if (!rd.entries().isEmpty() && rd.snapshot() == null) {
            beforeTruncate(n, rd.entries().get(0).index() - 1);
        }
    }

    /** Leader Append-Only: node {@code n} is about to drop the entries of its live log after {@code lastKept}. */
    public void beforeTruncate(NodeView n, long lastKept) {
        if (n.raft().role() != Role.LEADER) {
            return;
        }
        long first = lastKept + 1;
        MemoryStorage live = n.liveLog();
        if (first <= live.lastIndex() && completenessChecked.getOrDefault(n.id(), -1L) == n.raft().term()) {
            fail("leader " + n.id() + " of term " + n.raft().term() + " rewrites its log from index " + first
                    + " (last " + live.lastIndex() + "): Leader Append-Only, Raft paper figure 3");
        }
    }

    /** The Ready is written to the node's live storage: register its entries, its commit index, check the leader. */
    public void afterWrite(NodeView n, Ready rd) {
        afterWrite(n, rd.entries(), rd.hardState());
    }

    /**
     * {@code entries} and then {@code hardState} (either may be empty or null) are written to the node's live log:
     * register the entries and the commit index, check the leader.
     */
    public void afterWrite(NodeView n, List<Entry> entries, HardState hardState) {
        MemoryStorage live = n.liveLog();
        for (Entry e : entries) {
            if (e.index() < live.firstIndex()) {
                continue;
            }
            long prevTerm = live.term(e.index() - 1);
            Registered r = logEntries.computeIfAbsent(e.index(), k -> new HashMap<>())
                    .putIfAbsent(e.term(), new Registered(e.data(), prevTerm, n.id()));
            if (r != null && (!Arrays.equals(r.data(), e.data()) || r.prevTerm() != prevTerm)) {
                fail("Log Matching (Raft paper §5.3): entry " + e.index() + "@" + e.term() + " on node " + n.id()
                        + " has data '" + text(e.data()) + "' after term " + prevTerm + ", but on node "
                        + r.firstNode() + " data '" + text(r.data()) + "' after term " + r.prevTerm());
            }
        }
        if (hardState != null) {
            registerCommit(n, hardState);
        }
        RaftNode raft = n.raft();
        if (raft.role() == Role.LEADER && completenessChecked.getOrDefault(n.id(), -1L) != raft.term()) {
            completenessChecked.put(n.id(), raft.term());
            checkLeaderCompleteness(n, raft.term());
        }
    }

    private void registerCommit(NodeView n, HardState hs) {
        MemoryStorage live = n.liveLog();
        long from = commitChecked.getOrDefault(n.id(), 0L) + 1;
        commitChecked.merge(n.id(), hs.commit(), Math::max);
        for (long i = Math.max(from, live.firstIndex()); i <= hs.commit(); i++) {
            if (i > live.lastIndex()) {
                fail("node " + n.id() + " persists commit " + hs.commit() + " beyond its last index " + live.lastIndex());
            }
            Entry e = live.entries(i, i + 1, Long.MAX_VALUE).get(0);
            Committed c = committed.get(i);
            if (c == null) {
                committed.put(i, new Committed(e, hs.term()));
                checkDurableOnQuorum(e);
            } else if (!same(c.entry(), e)) {
                fail("committed entry " + i + " differs: " + describe(c.entry()) + " was committed, node " + n.id()
                        + " commits " + describe(e) + " (State Machine Safety, Raft paper §5.4.3)");
            }
        }
    }

    /**
     * A committed entry is on the synced disks of a quorum: followers acknowledge only synced entries and a leader
     * counts itself only once its own copy is synced (Ready contract; Raft paper figure 2).
     */
    private void checkDurableOnQuorum(Entry e) {
        int holders = 0;
        List<Long> who = new ArrayList<>();
        for (NodeView n : nodes.values()) {
            if (learners.contains(n.id())) {
                continue;
            }
            MemoryStorage d = n.durableLog();
            boolean has = e.index() <= d.snapshot().index()
                    || (e.index() <= d.lastIndex() && d.term(e.index()) == e.term());
            if (has) {
                holders++;
                who.add(n.id());
            }
        }
        if (holders < quorum) {
            fail("entry " + describe(e) + " is known committed but synced only on " + who + " (quorum " + quorum
                    + "): an acknowledgement or commit came before the sync");
        }
    }

    /** Leader Completeness (Raft paper §5.4): a new leader holds every entry committed in an earlier term. */
    private void checkLeaderCompleteness(NodeView n, long term) {
        MemoryStorage live = n.liveLog();
        for (Committed c : committed.values()) {
            if (c.knownInTerm() >= term) {
                continue;
            }
            long i = c.entry().index();
            if (i <= live.snapshot().index()) {
                continue;
            }
            if (i > live.lastIndex() || live.term(i) != c.entry().term()) {
                fail("Leader Completeness (Raft paper §5.4): leader " + n.id() + " of term " + term + " lacks "
                        + describe(c.entry()) + ", committed by term " + c.knownInTerm() + "; its log ends at "
                        + live.lastIndex() + (i <= live.lastIndex() ? " with " + i + "@" + live.term(i) : ""));
            }
        }
    }

    // ------------------------------------------------------------------ applying

    /** State Machine Safety (Raft paper §5.4.3): no two nodes apply different entries at one index. */
    public void onApply(long node, Entry e) {
        Entry first = appliedAt.putIfAbsent(e.index(), e);
        if (first != null && !same(first, e)) {
            fail("node " + node + " applies " + describe(e) + " where another node applied " + describe(first)
                    + " (State Machine Safety, Raft paper §5.4.3)");
        }
        Committed c = committed.get(e.index());
        if (c != null && !same(c.entry(), e)) {
            fail("node " + node + " applies " + describe(e) + " but " + describe(c.entry()) + " was committed");
        }
    }

    void onInstallSnapshot(long node, Snapshot snap) {
        Committed c = committed.get(snap.index());
        if (c != null && c.entry().term() != snap.term()) {
            fail("node " + node + " installs a snapshot at " + snap.index() + "@" + snap.term() + " but "
                    + describe(c.entry()) + " was committed there");
        }
    }

    // ------------------------------------------------------------------ from scratch

    /**
     * Log Matching recomputed from the live logs, pairwise: if two logs have an entry with the same index and term,
     * they are identical up to it. A cross-check of the incremental registration above.
     */
    public void checkLogsFromScratch() {
        List<NodeView> all = new ArrayList<>(nodes.values());
        for (int a = 0; a < all.size(); a++) {
            for (int b = a + 1; b < all.size(); b++) {
                MemoryStorage x = all.get(a).liveLog();
                MemoryStorage y = all.get(b).liveLog();
                long lo = Math.max(x.firstIndex(), y.firstIndex());
                long hi = Math.min(x.lastIndex(), y.lastIndex());
                long matched = -1;
                for (long i = hi; i >= lo; i--) {
                    if (x.term(i) == y.term(i)) {
                        matched = i;
                        break;
                    }
                }
                for (long i = lo; i <= matched; i++) {
                    Entry ex = x.entries(i, i + 1, Long.MAX_VALUE).get(0);
                    Entry ey = y.entries(i, i + 1, Long.MAX_VALUE).get(0);
                    if (!same(ex, ey)) {
                        fail("Log Matching (Raft paper §5.3): nodes " + all.get(a).id() + " and " + all.get(b).id()
                                + " agree on " + matched + "@" + x.term(matched) + " but differ at " + i + ": "
                                + describe(ex) + " vs " + describe(ey));
                    }
                }
            }
        }
    }

    int committedCount() {
        return committed.size();
    }

    int leaderTerms() {
        return leaderOfTerm.size();
    }

    static boolean same(Entry a, Entry b) {
        return a.index() == b.index() && a.term() == b.term() && Arrays.equals(a.data(), b.data());
    }

    static String describe(Entry e) {
        return e.index() + "@" + e.term() + " '" + text(e.data()) + "'";
    }

    private static String text(byte[] data) {
        return new String(data, StandardCharsets.UTF_8);
    }
}
