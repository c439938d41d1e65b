package io.raftkv.server.kv;

import io.raftkv.server.reply.Reply;


/**
 * One key with its value is larger than an entry of the off-heap map can be (Chronicle Map keeps an entry within one
 * segment; with the default sizing that is a few hundred KiB). Nothing was changed. Redis takes values up to
 * {@code proto-max-bulk-len}; this store cannot yet, and says so rather than answering {@code -OOM}.
 */
public final class EntryTooLargeException extends RuntimeException {

    private final long bytes;

    public EntryTooLargeException(long bytes, Throwable cause) {
        super("an entry of " + bytes + " bytes does not fit in the key space map", cause);
        this.bytes = bytes;
    }

    public Reply reply() {
        return Reply.error("ERR value too large for the key space: the key and value take " + bytes
                + " bytes, more than one entry of this server's off-heap map can hold");
    }
}
