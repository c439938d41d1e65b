package io.raftkv.server.kv;

/**
 * A value as the store keeps it: a type tag, an absolute deadline ({@code expireAt}, milliseconds since the
 * epoch, 0 for none) and the type's encoded payload. The payload array belongs to this value.
 */
public record StoredValue(byte type, long expireAt, byte[] payload) {

    public static final byte TYPE_STRING = 0;

    public boolean expiredAt(long now) {
        return expireAt != 0 && expireAt <= now;
    }

    public boolean hasExpiry() {
        return expireAt != 0;
    }

    public StoredValue withPayload(byte[] p) {
        return new StoredValue(type, expireAt, p);
    }

    public StoredValue withExpireAt(long deadline) {
        return new StoredValue(type, deadline, payload);
    }

    public static StoredValue string(byte[] payload, long expireAt) {
        return new StoredValue(TYPE_STRING, expireAt, payload);
    }

    /** Redis's name for the type, as TYPE answers. */
    public String typeName() {
        return switch (type) {
            case TYPE_STRING -> "string";
            default -> throw new IllegalStateException("unknown type tag " + type);
        };
    }
}
