package io.raftkv.server.kv;

/** The store cannot take this write; nothing already stored was changed. Commands answer it with {@code -OOM}. */
public final class StoreFullException extends RuntimeException {
    public StoreFullException(String message, Throwable cause) {
        super(message, cause);
    }
}
