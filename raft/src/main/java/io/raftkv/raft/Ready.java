package io.raftkv.raft;

import java.util.List;

/**
 * Everything a {@link RaftNode} asks its driver to do, returned by {@link RaftNode#ready()}. The driver handles
 * one Ready at a time, in this order, then calls {@link RaftNode#advance(Ready)} with it:
 *
 * <ol>
 *   <li>Persist {@code snapshot} (if not null), then {@code entries}, then {@code hardState} (if not null), and
 *   sync if {@link #mustSync()}. Persisting entries first cuts off every persisted entry at or after
 *   {@code entries.get(0).index()} (a follower's conflicting suffix, Raft paper §5.3).</li>
 *   <li>Send {@code messages}. Votes and AppendEntries/InstallSnapshot answers promise that the state above is
 *   durable (Raft paper figure 2: "respond to RPCs" only after updating stable storage), so they must not leave
 *   before the sync. Exception: a leader's own {@link Message.AppendEntries} and {@link Message.Heartbeat} messages
 *   may be sent before or while it syncs, because the leader counts its own log in the commit quorum only for
 *   entries the driver has reported durable through {@code advance} (dissertation §10.2.1).</li>
 *   <li>Apply {@code committedEntries} to the state machine, in order (after a {@code snapshot}, restore the state
 *   machine from it first).</li>
 *   <li>Serve the reads in {@code readStates} once the applied index reaches each one's index.</li>
 *   <li>Call {@code advance(this)}; or, a leader that wrote but did not sync this Ready's new entries (no term or
 *   vote change, no snapshot), {@link RaftNode#advanceUnsynced(Ready)}, then {@link RaftNode#synced()} once it
 *   syncs them. Its own copy of those entries does not count towards the commit quorum until then. A node that
 *   still has such entries when it is not the leader must sync them before it sends anything.</li>
 * </ol>
 *
 * <p>Ownership: every list is unmodifiable and owned by this Ready; entries, snapshots and messages are
 * immutable values shared with the node (whose unstable log still holds the entries until {@code advance}) and
 * with whoever the driver hands them to. Nobody mutates an entry's data array.
 *
 * @param hardState        term, vote and commit to persist; null if unchanged since the last Ready
 * @param entries          new log entries to persist, contiguous; may replace a persisted suffix
 * @param snapshot         a snapshot from the leader to persist and restore; null if none
 * @param committedEntries entries known committed and not yet handed out for applying, in log order
 * @param readStates       confirmed linearizable reads (see {@link ReadState})
 * @param messages         messages to send, in order, to {@link Message#to()}; delivery may fail or reorder
 */
public record Ready(HardState hardState, List<Entry> entries, Snapshot snapshot, List<Entry> committedEntries,
                   List<ReadState> readStates, List<Message> messages) {

    public Ready {
        entries = List.copyOf(entries);
        committedEntries = List.copyOf(committedEntries);
        readStates = List.copyOf(readStates);
        messages = List.copyOf(messages);
    }

    /** Whether the persisted state changed in a way that must be synced before messages go out. */
    public boolean mustSync() {
        return hardState != null || !entries.isEmpty() || snapshot != null;
    }
}
