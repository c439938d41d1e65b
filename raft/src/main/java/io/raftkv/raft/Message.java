package io.raftkv.raft;

import java.util.List;

/**
 * A message between Raft peers. Every message carries its sender, its recipient and the sender's term; the
 * receiver applies the term rules (Raft paper §5.1) before anything else. Messages are immutable values:
 * entry lists are unmodifiable and entries are shared, never copied or mutated.
 *
 * <p>Heartbeats are their own message type (not empty AppendEntries): they carry the leader's commit index,
 * clamped to what the follower is known to have (so a follower never commits an entry it has not matched), and a
 * context that identifies the heartbeat round for ReadIndex and the leader lease. The context is the leader's
 * tick count when it sent the round, which increases with every round.
 */
public sealed interface Message {

    long from();

    long to();

    long term();

    /** Pre-vote request (dissertation §9.6): {@code term} is the term the sender would campaign in; its own term
     * is one less and is not raised by asking. */
    record PreVote(long from, long to, long term, long lastLogIndex, long lastLogTerm) implements Message {
    }

    /** Answer to a {@link PreVote}: when granted {@code term} echoes the request's term, otherwise it is the
     * voter's own term. */
    record PreVoteResponse(long from, long to, long term, boolean granted) implements Message {
    }

    /** RequestVote RPC (Raft paper §5.2, §5.4.1). {@code leadershipTransfer} marks a campaign started by
     * {@link TimeoutNow}, which followers honour even while they hear from a leader (dissertation §3.10). */
    record RequestVote(long from, long to, long term, long lastLogIndex, long lastLogTerm,
                       boolean leadershipTransfer) implements Message {
    }

    record RequestVoteResponse(long from, long to, long term, boolean granted) implements Message {
    }

    /** AppendEntries RPC (Raft paper §5.3): {@code entries} follow {@code prevLogIndex} without gaps. */
    record AppendEntries(long from, long to, long term, long prevLogIndex, long prevLogTerm, List<Entry> entries,
                         long leaderCommit) implements Message {
        public AppendEntries {
            entries = List.copyOf(entries);
            for (int k = 0; k < entries.size(); k++) {
                if (entries.get(k).index() != prevLogIndex + 1 + k) {
                    throw new IllegalArgumentException("entries must follow prevLogIndex " + prevLogIndex
                            + " without gaps, found index " + entries.get(k).index() + " at position " + k);
                }
            }
        }
    }

    /**
     * Answer to {@link AppendEntries}. On success {@code matchIndex} is the last index the follower now shares
     * with the leader. On rejection {@code rejectedIndex} is the request's prevLogIndex, and the hint
     * ({@code conflictIndex}, {@code conflictTerm}) names the follower's last entry that may still match: the
     * largest index at or below min(prevLogIndex, last index) whose term is at most the request's prevLogTerm,
     * with its term. The leader then skips every index whose term is above conflictTerm, so back-off costs one
     * round trip per term, not per entry (Raft paper §5.3, end).
     */
    record AppendEntriesResponse(long from, long to, long term, boolean success, long matchIndex,
                                 long rejectedIndex, long conflictIndex, long conflictTerm) implements Message {
        public static AppendEntriesResponse accept(long from, long to, long term, long matchIndex) {
            return new AppendEntriesResponse(from, to, term, true, matchIndex, 0, 0, 0);
        }

        public static AppendEntriesResponse reject(long from, long to, long term, long rejectedIndex,
                                                   long conflictIndex, long conflictTerm) {
            return new AppendEntriesResponse(from, to, term, false, 0, rejectedIndex, conflictIndex, conflictTerm);
        }
    }

    /** Leader heartbeat (Raft paper §5.2) carrying a safe commit index and the round's context. */
    record Heartbeat(long from, long to, long term, long commit, long context) implements Message {
    }

    /** Answer to a {@link Heartbeat}, echoing its context. */
    record HeartbeatResponse(long from, long to, long term, long context) implements Message {
    }

    /** Leadership transfer (dissertation §3.10): the recipient starts an election at once. */
    record TimeoutNow(long from, long to, long term) implements Message {
    }

    /** InstallSnapshot RPC (Raft paper §7), whole snapshot in one message. */
    record InstallSnapshot(long from, long to, long term, Snapshot snapshot) implements Message {
    }

    /** Answer to {@link InstallSnapshot}: {@code matchIndex} is the follower's commit index after handling it
     * (the snapshot's index if it was installed), which the leader may take as matched. */
    record InstallSnapshotResponse(long from, long to, long term, long matchIndex) implements Message {
    }

    /** A follower forwards a linearizable read to its leader (dissertation §6.4). */
    record ReadIndexRequest(long from, long to, long term, long requestId) implements Message {
    }

    /** The leader confirmed a forwarded read: the follower may serve it once it has applied {@code index}. */
    record ReadIndexResponse(long from, long to, long term, long requestId, long index) implements Message {
    }

    /**
     * A follower asks its leader to hand leadership over to it (an admin's failover request; dissertation §3.10).
     * The leader starts a transfer as if {@link RaftNode#transferLeadership} had been called with {@code from}.
     */
    record TransferLeader(long from, long to, long term) implements Message {
    }
}
