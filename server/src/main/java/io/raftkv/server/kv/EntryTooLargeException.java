package io.raftkv.server.kv;

import io.raftkv.server.reply.Reply;


/**
 * A key is larger than an entry of the off-heap maps can be (Chronicle Map keeps an entry within one segment tier,
 * some tens of KiB at the default sizing; values of any size are kept out of the maps, keys are not yet). Nothing
 * was changed. Redis takes keys up to {@code proto-max-bulk-len}; this store cannot yet, and says so rather than
 * answering {@code -OOM}.
 */
public final class EntryTooLargeException extends RuntimeException {

    private final long keyBytes;

    public EntryTooLargeException(long keyBytes, Throwable cause) {
        super("a key of " + keyBytes + " bytes does not fit in the key space's maps", cause);
        this.keyBytes = keyBytes;
    }

    public Reply reply() {
        return Reply.error("ERR key too large for the key space: a key of " + keyBytes
                + " bytes is more than one entry of this server's off-heap maps can hold");
    }
}
