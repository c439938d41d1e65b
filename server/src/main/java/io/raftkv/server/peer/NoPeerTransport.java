package io.raftkv.server.peer;

import java.util.Map;
import java.util.Objects;

/**
 * The transport of a Raft group of one voter (a standalone node): there is nobody to send to, so it listens on no
 * port, dials nobody and owns no thread. A one-voter group sends no messages (it elects itself and commits on its
 * own sync), so {@link #send} is never expected; if it is called it drops the frame, as any transport may.
 */
public final class NoPeerTransport implements PeerTransport {

    private volatile boolean started;

    /** Any thread; always drops ({@code false}): there are no peers. */
    @Override
    public boolean send(long to, byte[] frame) {
        Objects.requireNonNull(frame, "frame");
        return false;
    }

    /** Any thread, once; nothing will ever be received. */
    @Override
    public synchronized void start(Inbound inbound) {
        Objects.requireNonNull(inbound, "inbound");
        if (started) {
            throw new IllegalStateException("peer transport already started");
        }
        started = true;
    }

    /** Any thread: no peers, so no counters. */
    @Override
    public Map<Long, PeerStatus> status() {
        return Map.of();
    }

    /** Any thread; nothing to stop. */
    @Override
    public void close() {
    }
}
