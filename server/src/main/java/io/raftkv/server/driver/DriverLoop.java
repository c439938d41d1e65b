package io.raftkv.server.driver;

/**
 * The thread that runs a {@link DriverCore}, as the core sees it: a single thread (or, in the simulation, a single
 * event queue on virtual time) that runs what the core hands it, one task at a time, in order. Production uses the
 * peer transport's I/O thread or a thread of the driver's own; the simulation runs every node's tasks on its one
 * thread, so the core holds no thread, executor or timer of its own.
 */
interface DriverLoop {

    /** Runs {@code task} on the driver thread after what is already queued there. Any thread; never blocks. */
    void execute(Runnable task);

    /** Runs {@code task} on the driver thread once {@code delayNanos} have passed. Driver thread. */
    void schedule(Runnable task, long delayNanos);
}
