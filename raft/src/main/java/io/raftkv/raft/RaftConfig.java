package io.raftkv.raft;

/**
 * The one immutable configuration of a {@link RaftNode}, validated at construction. Times are in ticks: the
 * driver decides how long a tick is (the server uses a fixed period; a simulation uses virtual time).
 *
 * @param id               this node's id; ids are positive, 0 means "nobody" everywhere in this package
 * @param electionTicks    a follower that hears nothing from a leader for a randomized timeout in
 *                         [electionTicks, 2 * electionTicks) starts an election (Raft paper §5.2); also the
 *                         check-quorum period and the leadership-transfer deadline. Default 10.
 * @param heartbeatTicks   a leader sends heartbeats every heartbeatTicks; must be below electionTicks. Default 1.
 * @param preVote          run a pre-vote round that does not raise the term before a real election
 *                         (Raft dissertation §9.6). Default true.
 * @param checkQuorum      a leader steps down if it has not heard from a quorum within electionTicks, and a node
 *                         that heard from a leader within electionTicks ignores vote requests (dissertation §6.2,
 *                         §9.6). Default true.
 * @param maxInflightMsgs  the most AppendEntries messages with entries a leader keeps unacknowledged per follower
 *                         in the replicate state. Default 256.
 * @param maxSizePerMsg    a soft byte limit on the entries of one AppendEntries (at least one entry is always
 *                         sent) and on the committed entries of one {@link Ready}. Default 1 MiB.
 * @param maxEntriesPerMsg the most entries in one AppendEntries. Default 1024.
 * @param leaseReads       serve {@link RaftNode#readIndex} from the leader lease without a heartbeat round; safe
 *                         only while clocks run at about the same rate; requires checkQuorum. Default false.
 * @param randomSeed       seed of this node's own random source (election timeouts). Together with the inputs it
 *                         makes the node fully deterministic. Default: the id.
 */
public record RaftConfig(
        long id,
        int electionTicks,
        int heartbeatTicks,
        boolean preVote,
        boolean checkQuorum,
        int maxInflightMsgs,
        long maxSizePerMsg,
        int maxEntriesPerMsg,
        boolean leaseReads,
        long randomSeed) {

    public static final int DEFAULT_ELECTION_TICKS = 10;
    public static final int DEFAULT_HEARTBEAT_TICKS = 1;
    public static final int DEFAULT_MAX_INFLIGHT_MSGS = 256;
    public static final long DEFAULT_MAX_SIZE_PER_MSG = 1 << 20;
    public static final int DEFAULT_MAX_ENTRIES_PER_MSG = 1024;

    public RaftConfig {
        if (id <= 0) {
            throw new IllegalArgumentException("id must be positive: " + id);
        }
        if (heartbeatTicks <= 0) {
            throw new IllegalArgumentException("heartbeatTicks must be positive: " + heartbeatTicks);
        }
        if (electionTicks <= heartbeatTicks) {
            throw new IllegalArgumentException(
                    "electionTicks (" + electionTicks + ") must be greater than heartbeatTicks (" + heartbeatTicks + ")");
        }
        if (maxInflightMsgs <= 0) {
            throw new IllegalArgumentException("maxInflightMsgs must be positive: " + maxInflightMsgs);
        }
        if (maxSizePerMsg <= 0) {
            throw new IllegalArgumentException("maxSizePerMsg must be positive: " + maxSizePerMsg);
        }
        if (maxEntriesPerMsg <= 0) {
            throw new IllegalArgumentException("maxEntriesPerMsg must be positive: " + maxEntriesPerMsg);
        }
        if (leaseReads && !checkQuorum) {
            throw new IllegalArgumentException("leaseReads requires checkQuorum");
        }
    }

    /** The defaults above for node {@code id}. */
    public static RaftConfig of(long id) {
        return new RaftConfig(id, DEFAULT_ELECTION_TICKS, DEFAULT_HEARTBEAT_TICKS, true, true,
                DEFAULT_MAX_INFLIGHT_MSGS, DEFAULT_MAX_SIZE_PER_MSG, DEFAULT_MAX_ENTRIES_PER_MSG, false, id);
    }

    public RaftConfig withTicks(int election, int heartbeat) {
        return new RaftConfig(id, election, heartbeat, preVote, checkQuorum, maxInflightMsgs, maxSizePerMsg,
                maxEntriesPerMsg, leaseReads, randomSeed);
    }

    public RaftConfig withPreVote(boolean on) {
        return new RaftConfig(id, electionTicks, heartbeatTicks, on, checkQuorum, maxInflightMsgs, maxSizePerMsg,
                maxEntriesPerMsg, leaseReads, randomSeed);
    }

    public RaftConfig withCheckQuorum(boolean on) {
        return new RaftConfig(id, electionTicks, heartbeatTicks, preVote, on, maxInflightMsgs, maxSizePerMsg,
                maxEntriesPerMsg, leaseReads, randomSeed);
    }

    public RaftConfig withFlowControl(int inflightMsgs, long sizePerMsg, int entriesPerMsg) {
        return new RaftConfig(id, electionTicks, heartbeatTicks, preVote, checkQuorum, inflightMsgs, sizePerMsg,
                entriesPerMsg, leaseReads, randomSeed);
    }

    public RaftConfig withLeaseReads(boolean on) {
        return new RaftConfig(id, electionTicks, heartbeatTicks, preVote, checkQuorum, maxInflightMsgs, maxSizePerMsg,
                maxEntriesPerMsg, on, randomSeed);
    }

    public RaftConfig withRandomSeed(long seed) {
        return new RaftConfig(id, electionTicks, heartbeatTicks, preVote, checkQuorum, maxInflightMsgs, maxSizePerMsg,
                maxEntriesPerMsg, leaseReads, seed);
    }
}
