package io.raftkv.raft;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A test cluster: N {@link RaftNode}s on {@link MemoryStorage}, and a network fully in the test's hands. Each
 * node's Ready is handled as the contract says (persist entries and hard state, queue messages, apply committed
 * entries, advance); queued messages are delivered only when the test says so, and can be dropped by partitions
 * or filters. Everything it does is written to a transcript that failing assertions print.
 */
final class Cluster {

    final Map<Long, RaftNode> nodes = new TreeMap<>();
    final Map<Long, MemoryStorage> storages = new TreeMap<>();
    final Map<Long, List<Entry>> applied = new TreeMap<>();
    final Map<Long, List<ReadState>> reads = new TreeMap<>();
    /** Messages sent and not yet delivered, in send order. */
    final List<Message> inFlight = new ArrayList<>();
    /** Every message delivered, in order. */
    final List<Message> delivered = new ArrayList<>();
    private final Set<Long> isolated = new HashSet<>();
    private final Map<Long, Integer> group = new HashMap<>();
    private final List<Predicate<Message>> dropRules = new ArrayList<>();
    private final StringBuilder transcript = new StringBuilder();

    Cluster(int size) {
        this(size, RaftConfig::of);
    }

    private final java.util.function.LongFunction<RaftConfig> config;

    Cluster(int size, java.util.function.LongFunction<RaftConfig> config) {
        this(size, 0, config);
    }

    /** Voters 1..voters, then learners voters+1..voters+learners. */
    Cluster(int voters, int learners, java.util.function.LongFunction<RaftConfig> config) {
        this.config = config;
        Set<Long> voterIds = new java.util.TreeSet<>();
        Set<Long> learnerIds = new java.util.TreeSet<>();
        for (long i = 1; i <= voters + learners; i++) {
            (i <= voters ? voterIds : learnerIds).add(i);
        }
        Membership membership = new Membership(voterIds, learnerIds);
        for (long id = 1; id <= voters + learners; id++) {
            MemoryStorage storage = new MemoryStorage(membership);
            storages.put(id, storage);
            nodes.put(id, new RaftNode(config.apply(id), storage));
            applied.put(id, new ArrayList<>());
            reads.put(id, new ArrayList<>());
        }
    }

    /** Node {@code id}, with its storage preloaded with {@code entries} and {@code hardState}, restarted. */
    void preload(long id, RaftConfig config, HardState hardState, List<Entry> entries) {
        MemoryStorage storage = storages.get(id);
        storage.append(entries);
        storage.setHardState(hardState);
        nodes.put(id, new RaftNode(config, storage));
    }

    /**
     * Crashes node {@code id} and starts it again from what it persisted: volatile state (role, leader, commit
     * beyond the persisted one, unstable entries, its state machine) is lost; messages in flight stay in flight.
     */
    void restart(long id) {
        note("restart " + id);
        applied.put(id, decodeImage(storages.get(id).snapshot().data()));
        nodes.put(id, new RaftNode(config.apply(id), storages.get(id)));
    }

    /**
     * Compacts node {@code id}'s storage up to its applied index, with its applied entries as the state machine
     * image. Returns the snapshot index (0 if nothing to compact).
     */
    long compact(long id) {
        MemoryStorage storage = storages.get(id);
        long index = node(id).appliedIndex();
        if (index <= storage.snapshot().index() || index > storage.lastIndex()) {
            return 0;
        }
        note("compact " + id + " at " + index);
        storage.compact(index, encodeImage(applied.get(id)));
        return index;
    }

    /** The test state machine is the list of applied entries; its image is that list, serialized. */
    static byte[] encodeImage(List<Entry> entries) {
        int size = 4;
        for (Entry e : entries) {
            size += 20 + e.data().length;
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(size).putInt(entries.size());
        for (Entry e : entries) {
            b.putLong(e.index()).putLong(e.term()).putInt(e.data().length).put(e.data());
        }
        return b.array();
    }

    static List<Entry> decodeImage(byte[] image) {
        List<Entry> out = new ArrayList<>();
        if (image.length == 0) {
            return out;
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(image);
        int n = b.getInt();
        for (int i = 0; i < n; i++) {
            long index = b.getLong();
            long term = b.getLong();
            byte[] data = new byte[b.getInt()];
            b.get(data);
            out.add(new Entry(index, term, data));
        }
        return out;
    }

    RaftNode node(long id) {
        return nodes.get(id);
    }

    // ------------------------------------------------------------ network control

    void isolate(long id) {
        note("isolate " + id);
        isolated.add(id);
    }

    /** Splits the cluster: each argument is one side; nodes not named keep talking to nobody but themselves. */
    @SafeVarargs
    final void partition(Set<Long>... sides) {
        note("partition " + java.util.Arrays.toString(sides));
        group.clear();
        for (int i = 0; i < sides.length; i++) {
            for (long id : sides[i]) {
                group.put(id, i);
            }
        }
        for (long id : nodes.keySet()) {
            group.putIfAbsent(id, -1 - (int) id);
        }
    }

    void heal() {
        note("heal");
        isolated.clear();
        group.clear();
        dropRules.clear();
    }

    void drop(String why, Predicate<Message> rule) {
        note("drop " + why);
        dropRules.add(rule);
    }

    void stopDropping() {
        note("stop dropping");
        dropRules.clear();
    }

    private boolean cut(Message m) {
        if (isolated.contains(m.from()) || isolated.contains(m.to())) {
            return true;
        }
        if (!group.isEmpty() && !group.get(m.from()).equals(group.get(m.to()))) {
            return true;
        }
        for (Predicate<Message> rule : dropRules) {
            if (rule.test(m)) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------ driving

    void tick(long id, int times) {
        note("tick " + id + " x" + times);
        for (int i = 0; i < times; i++) {
            nodes.get(id).tick();
            processReady(id);
        }
    }

    void tickAll(int times) {
        note("tick all x" + times);
        for (int i = 0; i < times; i++) {
            for (long id : nodes.keySet()) {
                nodes.get(id).tick();
                processReady(id);
            }
        }
    }

    void campaign(long id) {
        note("campaign " + id);
        nodes.get(id).campaign();
        processReady(id);
    }

    long propose(long id, String data) {
        long index = nodes.get(id).propose(data.getBytes());
        note("propose " + id + " '" + data + "' -> " + (index == 0 ? "refused" : "index " + index));
        processReady(id);
        return index;
    }

    boolean readIndex(long id, long requestId) {
        boolean ok = nodes.get(id).readIndex(requestId);
        note("readIndex " + id + " #" + requestId + (ok ? "" : " refused"));
        processReady(id);
        return ok;
    }

    /** Handles node {@code id}'s Ready in contract order: persist, queue messages, apply, advance. */
    void processReady(long id) {
        RaftNode node = nodes.get(id);
        while (node.hasReady()) {
            Ready rd = node.ready();
            MemoryStorage storage = storages.get(id);
            if (rd.snapshot() != null) {
                storage.applySnapshot(rd.snapshot());
                applied.put(id, decodeImage(rd.snapshot().data()));
                note("  " + id + " installs snapshot @" + rd.snapshot().index());
            }
            storage.append(rd.entries());
            if (rd.hardState() != null) {
                storage.setHardState(rd.hardState());
            }
            inFlight.addAll(rd.messages());
            for (Entry e : rd.committedEntries()) {
                applied.get(id).add(e);
            }
            for (ReadState rs : rd.readStates()) {
                note("  " + id + " read #" + rs.requestId() + " ready at index " + rs.index());
                reads.get(id).add(rs);
            }
            node.advance(rd);
        }
    }

    /** Delivers every message in flight now (not those they cause). Returns how many were delivered. */
    int deliverRound() {
        return deliver(m -> true);
    }

    /** Delivers only the in-flight messages matching {@code which}; the rest stay in flight. */
    int deliver(Predicate<Message> which) {
        List<Message> batch = inFlight.stream().filter(which).collect(Collectors.toList());
        inFlight.removeAll(batch);
        int n = 0;
        for (Message m : batch) {
            if (cut(m)) {
                if (recording) {
                    note("  drop    " + describe(m));
                }
                continue;
            }
            if (recording) {
                note("  deliver " + describe(m));
            }
            delivered.add(m);
            nodes.get(m.to()).step(m);
            processReady(m.to());
            n++;
        }
        return n;
    }

    /**
     * Delivers the in-flight message at {@code position} (dropped if the network cuts it); with {@code duplicate}
     * a copy stays in flight to be delivered again later.
     */
    void deliverAt(int position, boolean duplicate) {
        Message m = duplicate ? inFlight.get(position) : inFlight.remove(position);
        if (cut(m)) {
            if (recording) {
                note("  drop    " + describe(m));
            }
            return;
        }
        note("  deliver " + describe(m) + (duplicate ? " (duplicate stays)" : ""));
        delivered.add(m);
        nodes.get(m.to()).step(m);
        processReady(m.to());
    }

    /** Delivers messages until none are left in flight (no ticks pass). */
    void stabilize() {
        note("stabilize");
        for (int round = 0; !inFlight.isEmpty(); round++) {
            if (round > 10_000) {
                throw new AssertionError("no quiescence after 10000 rounds\n" + transcript());
            }
            deliverRound();
        }
    }

    // ------------------------------------------------------------ observations

    List<Long> leaders() {
        return nodes.values().stream().filter(n -> n.role() == Role.LEADER).map(RaftNode::id)
                .collect(Collectors.toList());
    }

    /** Entries in node {@code id}'s persisted log, as "index@term" strings. */
    List<String> logOf(long id) {
        MemoryStorage s = storages.get(id);
        if (s.lastIndex() < s.firstIndex()) {
            return List.of();
        }
        return s.entries(s.firstIndex(), s.lastIndex() + 1, Long.MAX_VALUE).stream()
                .map(e -> e.index() + "@" + e.term()).collect(Collectors.toList());
    }

    long count(Predicate<Message> which) {
        return delivered.stream().filter(which).count();
    }

    /** Fails with the transcript unless {@code condition} holds. */
    void expect(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError("expected: " + what + "\n" + transcript());
        }
    }

    void expectEquals(Object expected, Object actual, String what) {
        if (!java.util.Objects.equals(expected, actual)) {
            throw new AssertionError(what + ": expected " + expected + " but was " + actual + "\n" + transcript());
        }
    }

    /** Campaigns {@code id} and delivers until quiet; asserts it won. */
    void elect(long id) {
        campaign(id);
        stabilize();
        expectEquals(Role.LEADER, node(id).role(), "role of " + id);
    }

    /** Set false to skip the transcript (long randomized runs; replay the seed with it on to debug). */
    boolean recording = true;

    void note(String line) {
        if (!recording) {
            return;
        }
        transcript.append(line).append('\n');
    }

    /** Writes every node's state into the transcript. */
    void status() {
        note("status");
        for (RaftNode n : nodes.values()) {
            note("  " + n.id() + " " + n.role() + " term=" + n.term() + " lead=" + n.leaderId() + " commit="
                    + n.commitIndex() + " applied=" + n.appliedIndex() + " log=" + logOf(n.id()));
        }
    }

    String transcript() {
        StringBuilder out = new StringBuilder(transcript);
        out.append("state:\n");
        for (RaftNode n : nodes.values()) {
            out.append("  ").append(n.id()).append(' ').append(n.role()).append(" term=").append(n.term())
                    .append(" lead=").append(n.leaderId()).append(" commit=").append(n.commitIndex())
                    .append(" log=").append(logOf(n.id())).append('\n');
        }
        return out.toString();
    }

    static String describe(Message m) {
        String head = m.from() + "->" + m.to() + " " + m.getClass().getSimpleName() + " t" + m.term();
        if (m instanceof Message.AppendEntries a) {
            return head + " prev=" + a.prevLogIndex() + "@" + a.prevLogTerm() + " entries="
                    + a.entries().stream().map(e -> e.index() + "@" + e.term()).collect(Collectors.toList())
                    + " commit=" + a.leaderCommit();
        }
        if (m instanceof Message.AppendEntriesResponse r) {
            return head + (r.success() ? " ok match=" + r.matchIndex()
                    : " reject " + r.rejectedIndex() + " hint=" + r.conflictIndex() + "@" + r.conflictTerm());
        }
        if (m instanceof Message.Heartbeat h) {
            return head + " commit=" + h.commit() + " round=" + h.context();
        }
        if (m instanceof Message.PreVoteResponse r) {
            return head + (r.granted() ? " granted" : " rejected");
        }
        if (m instanceof Message.RequestVoteResponse r) {
            return head + (r.granted() ? " granted" : " rejected");
        }
        if (m instanceof Message.PreVote v) {
            return head + " last=" + v.lastLogIndex() + "@" + v.lastLogTerm();
        }
        if (m instanceof Message.RequestVote v) {
            return head + " last=" + v.lastLogIndex() + "@" + v.lastLogTerm() + (v.leadershipTransfer() ? " transfer" : "");
        }
        return head;
    }
}
