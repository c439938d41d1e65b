package io.raftkv.raft.sim;

import java.util.PriorityQueue;

/**
 * The clock and agenda of a discrete-event simulation: actions scheduled at virtual times, run in time order and,
 * at equal times, in the order they were scheduled, so that a run depends on nothing but its inputs and its seed.
 * Time units are the caller's. Shared by this package's simulation and the server module's simulation of its
 * driver. Not thread-safe: one thread runs a simulation.
 */
public final class EventQueue {

    private record Event(long time, long seq, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            return time != o.time ? Long.compare(time, o.time) : Long.compare(seq, o.seq);
        }
    }

    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private long now;
    private long seq;

    /** The virtual time: of the event running, or where the last {@link #runUntil} stopped. */
    public long now() {
        return now;
    }

    /** Runs {@code action} {@code delay} after now (0: after what is already due now). */
    public void schedule(long delay, Runnable action) {
        events.add(new Event(now + delay, seq++, action));
    }

    /**
     * Runs every event due by {@code end}, those that they schedule included, calling {@code afterEach} after each;
     * then the clock stands at {@code end}.
     */
    public void runUntil(long end, Runnable afterEach) {
        while (!events.isEmpty() && events.peek().time() <= end) {
            Event e = events.poll();
            now = e.time();
            e.action().run();
            afterEach.run();
        }
        now = end;
    }
}
