package io.raftkv.wal;

/**
 * The WAL could not do what was asked because of an I/O failure (disk full, EIO, a file that vanished) or
 * because its files are damaged in a way recovery must not paper over.
 *
 * <p>After a WalException from a write or a sync the {@link Wal} is <em>failed</em>: every later call throws
 * again, so nothing written after the failure can be acknowledged. Whether the failed records reached the disk
 * is unknown; the owner must stop acknowledging, close the WAL and reopen it, which recovers exactly what is
 * intact on disk. (A failed fsync is never retried: after one, the kernel may already have dropped the dirty
 * pages, so a later successful fsync would prove nothing.)
 */
public class WalException extends RuntimeException {
    public WalException(String message) {
        super(message);
    }

    public WalException(String message, Throwable cause) {
        super(message, cause);
    }
}
