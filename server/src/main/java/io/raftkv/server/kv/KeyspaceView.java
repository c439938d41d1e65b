package io.raftkv.server.kv;

/**
 * The key space as it was at one moment (when {@link Keyspace#openView()} returned), readable by another thread while
 * the apply thread goes on changing the key space. Snapshots are written from a view: the applied index at which it
 * was opened names the state it holds.
 *
 * <p>Threads: {@link #forEach} runs once, on any one thread, concurrently with apply; {@link #close()} runs on the
 * apply thread, after {@code forEach} has returned. Until it is closed the view keeps memory alive: maps the key
 * space has replaced since, large values it has freed since, and the first pre-image of each key changed since in a
 * part of the key space the view has not read yet.
 */
public interface KeyspaceView extends AutoCloseable {

    /** Keys in the view, expired ones included (they are part of the state until an EXPIRE record removes them). */
    long size();

    /**
     * Visits every key of the view once, with its value, type and deadline as they were when the view was opened, in
     * no particular order. The arrays handed over are fresh copies the visitor owns.
     *
     * @throws IllegalStateException if the view was closed, or spoiled by a FLUSHALL that had to empty the maps in
     *     place (it could not create new ones); the caller may open a new view and try again
     */
    void forEach(EntryVisitor visitor);

    /** Releases what the view kept alive. Apply thread only. */
    @Override
    void close();

    /** Receives the entries of a view. */
    @FunctionalInterface
    interface EntryVisitor {
        void visit(byte[] key, StoredValue value);
    }
}
