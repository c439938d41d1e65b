package io.raftkv.server.command;

import java.util.concurrent.atomic.LongAdder;

/**
 * The keyspace counters of INFO stats ({@code keyspace_hits}, {@code keyspace_misses}) as a sink that can only add to
 * them: what a {@link WriteContext} offers, so that GET-family writes (GETDEL, GETEX, GETSET, SET ... GET) count their
 * lookups as Redis's lookupKeyRead does.
 *
 * <p>Why a write applied from the log may count: nothing can be read back through this type (its methods take
 * nothing and return nothing), so what is counted can change neither a reply nor the store, and apply stays
 * deterministic. The counts are this node's own figure, like everything INFO reports: each node counts the lookups
 * it applies. A final class, not an interface, so that no implementation can add a way back.
 *
 * <p>Threads: any; the counters are {@link LongAdder}s owned by {@link ServerState}, which reads and resets them.
 */
public final class KeyspaceStats {

    private final LongAdder hits;
    private final LongAdder misses;

    KeyspaceStats(LongAdder hits, LongAdder misses) {
        this.hits = hits;
        this.misses = misses;
    }

    /** A lookup found a live key. */
    public void hit() {
        hits.increment();
    }

    /** A lookup found no live key. */
    public void miss() {
        misses.increment();
    }
}
