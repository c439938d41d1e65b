package io.raftkv.server.driver;

import io.raftkv.raft.Message;
import io.raftkv.raft.RaftNode;
import io.raftkv.server.driver.DriverEvent.Proposal;
import io.raftkv.server.driver.DriverEvent.ReadRequest;
import io.raftkv.server.driver.DriverEvent.Request;
import io.raftkv.server.node.ApplyLoop;
import io.raftkv.server.reply.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node after its WAL failed. Without a working log it must not acknowledge anything again, nor read its log:
 * the driver stops driving the Raft core (no more Readies, ticks or peer frames, so it sends nothing, votes for
 * nobody and acks nothing; the others elect a leader without it) and every client gets the failure (Redis's MISCONF
 * for writes), except that keyed commands are sent to the leader this node still sees in the others' heartbeats. An
 * operator restarts it. Driver thread only, but for the static reply helpers.
 */
final class FailureMode {

    private static final Logger log = LoggerFactory.getLogger(FailureMode.class);

    private final PublishedView view;
    private final LeaderWait leaderWait;
    private final ApplyLoop applier;
    /** The group is this node alone: its key space still holds every acknowledged write, so reads go on. */
    private final boolean alone;
    /** Why the log failed; null while it works. */
    private String failure;
    /** After the failure: the latest term seen, and the leader seen in it (0: none yet). */
    private long failedTerm;
    private long failedLeaderId;

    FailureMode(PublishedView view, LeaderWait leaderWait, ApplyLoop applier, boolean alone) {
        this.view = view;
        this.leaderWait = leaderWait;
        this.applier = applier;
        this.alone = alone;
    }

    boolean failed() {
        return failure != null;
    }

    /**
     * The log failed with {@code e}: from now on the node takes no part. Returns the reply for writes already
     * proposed: such a write may still commit on the other nodes' copies, so its error says the outcome is unknown.
     */
    Reply enter(RuntimeException e, RaftNode raft) {
        failure = String.valueOf(e.getMessage());
        failedTerm = raft.term();
        failedLeaderId = raft.leaderId() == view.self().id() ? 0 : raft.leaderId();
        view.failure = failure;
        log.error("write-ahead log failed; this node stops taking part until restarted", e);
        // Alone there are no other nodes to name. As with Redis's AOF, a write refused here may still be in the log
        // and be replayed (committed) at the next start.
        return misconf(alone ? failure : failure + "; this write may still have committed on the other nodes");
    }

    /**
     * A peer's message after the failure (null if its frame was bad). It is not stepped, but a leader's
     * AppendEntries or heartbeat tells which node leads now, so that clients are sent there.
     */
    void observe(Message m) {
        if (m != null && m.term() > failedTerm) {
            failedTerm = m.term();
            failedLeaderId = 0;
        }
        if ((m instanceof Message.AppendEntries || m instanceof Message.Heartbeat) && m.term() == failedTerm) {
            failedLeaderId = m.from();
        }
    }

    /** A client request after the failure: -MOVED to the leader seen since (keyed commands), else the failure. */
    void refuse(Request r) {
        if (r.spec() != null && failedLeaderId != 0 && r.spec().keyIndexes(r.argv().length).length > 0) {
            leaderWait.redirect(r, failedLeaderId);
        } else if (r instanceof Proposal p) {
            p.sink().reply(misconf());
        } else if (r instanceof ReadRequest read && alone) {
            // No other node can lead, so every write ever acknowledged is applied here: the key space is still
            // the latest committed state, and Redis goes on serving reads while its AOF cannot be written.
            applier.read(0, read.spec(), read.argv(), read.client(), read.sink());
        } else {
            r.sink().reply(stoppedTakingPart(failure));
        }
    }

    /** End of a round: not leading or following any more; clients are sent to the leader it last saw. */
    void publish() {
        view.publishFailed(failedLeaderId, failedTerm);
    }

    /** The reply to a write refused because of the failure. */
    Reply misconf() {
        return misconf(failure);
    }

    /** Redis's answer to writes while its append-only file cannot be written. */
    private static Reply misconf(String why) {
        return Reply.error("MISCONF Errors writing to the AOF file: " + oneLine(why));
    }

    static Reply stoppedTakingPart(String failure) {
        return Reply.error("ERR this node stopped taking part: " + oneLine(failure));
    }

    /** A failure's text for a reply or an INFO field, where a line break would end it early. */
    static String oneLine(String failure) {
        return failure.replace('\r', ' ').replace('\n', ' ');
    }
}
