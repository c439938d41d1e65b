package io.raftkv.raft;

/**
 * A peer message frame could not be decoded: bad length, version, type, CRC, count or field. The frame must be
 * dropped (and the connection that carried it closed: after a bad frame the byte stream cannot be trusted).
 */
public final class CodecException extends Exception {
    private static final long serialVersionUID = 1L;

    public CodecException(String message) {
        super(message);
    }

    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
