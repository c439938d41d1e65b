package io.raftkv.server.kv;

/**
 * The key space as a write command applied from the log may use it: what each key holds, and changes to it. Every
 * answer here is a function of the log applied so far (and of the time the caller passes, the record's), so it is
 * the same on every node and every replay. What depends on one node's history (modification stamps, memory taken,
 * the order of keys in its maps, the command journal, views, the expiry sampler) is on {@link Keyspace} only, out of
 * a write's reach by type. One outcome can still differ by node, and is no choice of the command's: a put refused for
 * want of memory ({@link StoreFullException}), which the state machine answers with an error after undoing the
 * command.
 *
 * <p>Threads: the apply thread only. Keys and values passed in are not retained (the store copies them); arrays
 * handed out are fresh copies the caller owns.
 */
public interface KeyspaceData {

    /** The live value of {@code key} at time {@code now}, or null if there is none or it has expired. */
    StoredValue get(byte[] key, long now);

    /** The stored value even if its deadline has passed (for expiry sweeps), or null. */
    StoredValue getIncludingExpired(byte[] key);

    /**
     * The value of {@code key} for a command about to write it: null if missing or expired; an expired key is
     * removed on the way, as Redis's lookupKeyWrite does (lazy expiry, part of the logged command, so deterministic).
     */
    default StoredValue lookupWrite(byte[] key, long now) {
        StoredValue v = getIncludingExpired(key);
        if (v != null && v.expiredAt(now)) {
            delete(key, now);
            return null;
        }
        return v;
    }

    /**
     * Stores {@code value} under {@code key}, replacing what was there.
     *
     * @throws StoreFullException if no memory could be had for it; the store is unchanged then. ({@code maxmemory}
     *     is not checked here: like Redis, the node that accepts a command checks it before proposing, so that apply
     *     never depends on a setting one node may have changed with CONFIG SET.)
     * @throws EntryTooLargeException if the key is too large for the store whatever its free memory
     */
    void put(byte[] key, StoredValue value);

    /**
     * Removes {@code key} whatever its deadline. Returns true if it was live at {@code now} (an expired key is
     * removed too, but counts as not there, as in Redis).
     */
    boolean delete(byte[] key, long now);

    /** Removes every key (FLUSHALL). Not journaled: it cannot fail part way. */
    void clear();
}
