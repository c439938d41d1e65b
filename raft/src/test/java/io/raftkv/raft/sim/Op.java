package io.raftkv.raft.sim;

/**
 * One client operation in a history, on one key. Times are positions on one global history clock (every invoke
 * and every completion takes the next number), so "a completed before b was invoked" is {@code a.complete() <
 * b.invoke()}; {@code virtualTime} is only for printing.
 *
 * <p>An operation whose outcome is unknown (the client timed out, or its server crashed) is <em>indeterminate</em>:
 * its completion is {@link #NEVER} and its result is not known; it may have taken effect at any point after its
 * invocation, or never.
 *
 * @param result for GET the value read (null: no such key); for APPEND the value after appending; for SWAP the value
 *               before (null: no such key); null for PUT
 */
public record Op(long id, int client, Kind kind, String key, String arg, long invoke, long complete, String result,
          long virtualTime) {

    public static final long NEVER = Long.MAX_VALUE;

    /** PUT sets a value; APPEND appends to it and returns the result; SWAP sets it and returns the old one. */
    public enum Kind { PUT, APPEND, GET, SWAP }

    public boolean indeterminate() {
        return complete == NEVER;
    }

    static Op put(long id, String key, String value, long invoke, long complete) {
        return new Op(id, 0, Kind.PUT, key, value, invoke, complete, null, 0);
    }

    static Op append(long id, String key, String suffix, long invoke, long complete, String result) {
        return new Op(id, 0, Kind.APPEND, key, suffix, invoke, complete, result, 0);
    }

    static Op get(long id, String key, long invoke, long complete, String result) {
        return new Op(id, 0, Kind.GET, key, null, invoke, complete, result, 0);
    }

    @Override
    public String toString() {
        String span = "[" + invoke + ", " + (indeterminate() ? "?" : String.valueOf(complete)) + "]";
        String what = switch (kind) {
            case PUT -> "put " + key + " " + arg;
            case APPEND -> "append " + key + " " + arg + (indeterminate() ? "" : " -> " + result);
            case SWAP -> "swap " + key + " " + arg + (indeterminate() ? "" : " -> " + result);
            case GET -> "get " + key + " -> " + result;
        };
        return "op#" + id + " c" + client + " " + span + " " + what + (indeterminate() ? " (indeterminate)" : "")
                + (virtualTime > 0 ? " @t" + virtualTime : "");
    }
}
