package io.raftkv.raft.sim;

import io.raftkv.raft.RaftConfig;

import java.util.SplittableRandom;

/**
 * Everything that shapes one simulated run, drawn from its seed so that the seed alone replays it. Times are in
 * virtual time units; a tick is {@link Simulation#TICK} units.
 *
 * @param variant           election and read settings (pre-vote, check-quorum, lease reads)
 * @param nodes             voters (3 or 5), ids 1..nodes
 * @param learners          non-voting members after them (0 or 1): they replicate, serve forwarded reads, never vote
 * @param dropPerMille      chance a message is lost
 * @param dupPerMille       chance a message is delivered twice
 * @param maxLatency        one-way latency is uniform in [1, maxLatency] units, so messages reorder
 * @param slowPerMille      chance a message is held up to 20 extra ticks (very late, stale deliveries)
 * @param maxSyncDelay      a Ready's sync takes [0, maxSyncDelay] units; the node keeps ticking and stepping meanwhile
 * @param earlySend         a leader sends its AppendEntries/Heartbeats before the sync (Ready allows it)
 * @param tornWrites        a crash keeps a random prefix of the unsynced writes instead of none
 * @param crashEvery        mean ticks between crashes (0: no crashes)
 * @param crashPointPerMille chance a node crashes right after handling a Ready (just after it voted, acknowledged,
 *                          synced or sent), for a short while: aims crashes at the windows where ordering matters;
 *                          fifty times as likely right after granting a vote
 * @param pauseEvery        mean ticks between process pauses (a GC stall: the node neither ticks nor handles
 *                          anything for up to 40 ticks, then handles what queued up); with lease reads only
 *                          non-leaders pause, since a paused leader's clock stops and the lease assumes it does not
 * @param partitionEvery    mean ticks between partitions (0: none)
 * @param compactEvery      a node compacts its log once it applied this many entries past its snapshot (0: never)
 * @param codec             every message goes through MessageCodec encode and decode
 * @param chaosTicks        ticks of faults and client load; a quiet phase follows
 * @param deferLeaderSync   a leader often leaves its entries unsynced ({@code RaftNode.advanceUnsynced}) and syncs
 *                          them at a later Ready or tick, as the server's driver does under pipelined load
 */
record SimOptions(
        long seed,
        Variant variant,
        int nodes,
        int learners,
        boolean preVote,
        boolean checkQuorum,
        boolean leaseReads,
        int electionTicks,
        int heartbeatTicks,
        int maxInflight,
        long maxSizePerMsg,
        int maxEntriesPerMsg,
        int dropPerMille,
        int dupPerMille,
        int maxLatency,
        int slowPerMille,
        int maxSyncDelay,
        boolean earlySend,
        boolean tornWrites,
        int crashEvery,
        int crashPointPerMille,
        int pauseEvery,
        int partitionEvery,
        int transferEvery,
        int compactEvery,
        boolean codec,
        int clients,
        int keys,
        int chaosTicks,
        boolean deferLeaderSync) {

    /** The election and read settings a run uses; everything else is drawn from the seed. */
    enum Variant {
        /** Pre-vote and check-quorum on, reads confirmed by a heartbeat round (the server's defaults). */
        DEFAULT(true, true, false),
        NO_PRE_VOTE(false, true, false),
        NO_CHECK_QUORUM(true, false, false),
        NO_PRE_VOTE_NO_CHECK_QUORUM(false, false, false),
        /** Reads served from the leader lease (dissertation §6.4.1); every node ticks at the same rate here. */
        LEASE_READS(true, true, true);

        final boolean preVote;
        final boolean checkQuorum;
        final boolean leaseReads;

        Variant(boolean preVote, boolean checkQuorum, boolean leaseReads) {
            this.preVote = preVote;
            this.checkQuorum = checkQuorum;
            this.leaseReads = leaseReads;
        }
    }

    /** Run {@code seed} of {@code variant}: 3 or 5 nodes, fault rates and flow control drawn from the seed. */
    static SimOptions of(long seed, Variant variant) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        int nodes = r.nextInt(2) == 0 ? 3 : 5;
        // Mostly the default timeout; sometimes one so short that elections race the network (latency reaches
        // 3 ticks), sometimes a long one.
        int election = switch (r.nextInt(8)) {
            case 0 -> 4;
            case 1 -> 20;
            default -> RaftConfig.DEFAULT_ELECTION_TICKS;
        };
        return new SimOptions(
                seed,
                variant,
                nodes,
                r.nextInt(4) == 0 ? 1 : 0,
                variant.preVote,
                variant.checkQuorum,
                variant.leaseReads,
                election,
                r.nextInt(4) == 0 ? 3 : RaftConfig.DEFAULT_HEARTBEAT_TICKS,
                1 + r.nextInt(8),
                r.nextInt(2) == 0 ? 64 : 1 << 20,
                1 + r.nextInt(8),
                r.nextInt(120),
                r.nextInt(40),
                1 + r.nextInt(30),
                r.nextInt(15),
                r.nextInt(3) == 0 ? 0 : r.nextInt(25),
                r.nextBoolean(),
                r.nextBoolean(),
                r.nextInt(4) == 0 ? 0 : 80 + r.nextInt(300),
                r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(4),
                r.nextInt(3) == 0 ? 0 : 100 + r.nextInt(300),
                r.nextInt(5) == 0 ? 0 : 60 + r.nextInt(250),
                r.nextInt(3) == 0 ? 0 : 100 + r.nextInt(400),
                r.nextInt(3) == 0 ? 0 : 5 + r.nextInt(40),
                r.nextInt(4) != 0,
                nodes == 3 ? 3 : 4,
                1 + r.nextInt(3),
                1000,
                r.nextInt(3) != 0); // drawn last: the other settings of a seed stay what they were before it existed
    }

    SimOptions withChaosTicks(int ticks) {
        return new SimOptions(seed, variant, nodes, learners, preVote, checkQuorum, leaseReads, electionTicks, heartbeatTicks,
                maxInflight, maxSizePerMsg, maxEntriesPerMsg, dropPerMille, dupPerMille, maxLatency, slowPerMille,
                maxSyncDelay, earlySend, tornWrites, crashEvery, crashPointPerMille, pauseEvery, partitionEvery, transferEvery, compactEvery, codec,
                clients, keys, ticks, deferLeaderSync);
    }

    RaftConfig raftConfig(long id, long incarnation) {
        return RaftConfig.of(id)
                .withTicks(electionTicks, heartbeatTicks)
                .withPreVote(preVote)
                .withCheckQuorum(checkQuorum)
                .withLeaseReads(leaseReads)
                .withFlowControl(maxInflight, maxSizePerMsg, maxEntriesPerMsg)
                .withRandomSeed(seed * 7919 + id * 104729 + incarnation);
    }
}
