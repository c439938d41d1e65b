package io.raftkv.server.kv;

/** A string: its bytes (up to 512 MB; the store keeps large ones out of line) and its deadline. */
public record StringValue(byte[] bytes, long expireAt) implements StoredValue {

    @Override
    public ValueType type() {
        return ValueType.STRING;
    }

    @Override
    public StringValue withExpireAt(long deadline) {
        return new StringValue(bytes, deadline);
    }

    /** Other bytes under the same deadline (INCR, APPEND and SETRANGE keep a key's TTL). */
    public StringValue withBytes(byte[] b) {
        return new StringValue(b, expireAt);
    }
}
