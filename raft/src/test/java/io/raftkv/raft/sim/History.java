package io.raftkv.raft.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * The client history of a simulated run, for the {@link LinearizabilityChecker}: each invocation and each
 * completion takes the next position on one history clock (see {@link Op}). Shared by this package's simulation and
 * the server module's simulation of its driver. Not thread-safe.
 */
public final class History {

    private final List<Op> ops = new ArrayList<>();
    private long clock;

    /** The position of an invocation happening now. */
    public long invoke() {
        return ++clock;
    }

    /** Operation {@code id}, invoked at {@code invoke}, completes now with {@code result}. */
    public void completed(long id, int client, Op.Kind kind, String key, String arg, long invoke, String result,
                          long virtualTime) {
        ops.add(new Op(id, client, kind, key, arg, invoke, ++clock, result, virtualTime));
    }

    /** Operation {@code id}'s outcome is unknown: it may take effect at any time after its invocation, or never. */
    public void indeterminate(long id, int client, Op.Kind kind, String key, String arg, long invoke,
                              long virtualTime) {
        ops.add(new Op(id, client, kind, key, arg, invoke, Op.NEVER, null, virtualTime));
    }

    /** The operations completed or found indeterminate so far, in that order (the list is live). */
    public List<Op> ops() {
        return ops;
    }
}
