package io.raftkv.server.driver;

import io.raftkv.raft.RaftNode;
import io.raftkv.server.cluster.Redirect;
import io.raftkv.server.driver.DriverEvent.Proposal;
import io.raftkv.server.driver.DriverEvent.Request;
import io.raftkv.server.reply.Reply;

import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.function.ObjLongConsumer;

/**
 * Requests this node cannot serve because it is not the leader: sent on with {@code -MOVED} to the leader it knows,
 * or, while no leader is known (an election is on), held until one is, at most until the request's deadline
 * ({@code cluster-redirect-wait}), then answered {@code -CLUSTERDOWN}. Driver thread only.
 */
final class LeaderWait {

    private final PublishedView view;
    private final ArrayDeque<Request> waiting = new ArrayDeque<>();

    LeaderWait(PublishedView view) {
        this.view = view;
    }

    /** A request this node cannot serve as it is not the leader: redirect, or wait (bounded) for an election. */
    void notLeader(RaftNode raft, Request request) {
        long leader = raft.leaderId();
        if (leader != 0 && leader != view.self().id()) {
            redirect(request, leader);
        } else if (request instanceof Proposal p && p.spec() == null) {
            p.sink().reply(Reply.error("ERR not the leader")); // an expiry proposal: the next leader will redo it
        } else {
            waiting.add(request);
        }
    }

    /** Holds {@code request} until a leader is known or its deadline passes. */
    void await(Request request) {
        waiting.add(request);
    }

    /** Answers {@code request} with -MOVED to {@code leader}. */
    void redirect(Request request, long leader) {
        // A request without a spec (an expiry proposal) is routed as a keyless one.
        byte[] routingKey = request.spec() == null ? null : request.spec().routingKey(request.argv());
        request.sink().reply(Redirect.toLeader(routingKey, view.member(leader)));
    }

    /**
     * End of a round: once a leader is known, hands every waiting request back to {@code handle}; with none known,
     * answers -CLUSTERDOWN to those whose deadline passed.
     */
    void afterRound(RaftNode raft, long now, ObjLongConsumer<Request> handle) {
        if (waiting.isEmpty() || raft.leaderId() == 0 && !hasExpired(now)) {
            return;
        }
        int n = waiting.size();
        for (int i = 0; i < n; i++) {
            Request req = waiting.poll();
            if (raft.leaderId() != 0) {
                handle.accept(req, now);
            } else if (now - req.deadline() >= 0) {
                req.sink().reply(Redirect.CLUSTERDOWN);
            } else {
                waiting.add(req);
            }
        }
    }

    private boolean hasExpired(long now) {
        for (Request req : waiting) {
            if (now - req.deadline() >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Hands every waiting request to {@code answer} and forgets it (WAL failure, shutdown). */
    void drain(Consumer<Request> answer) {
        Request req;
        while ((req = waiting.poll()) != null) {
            answer.accept(req);
        }
    }
}
