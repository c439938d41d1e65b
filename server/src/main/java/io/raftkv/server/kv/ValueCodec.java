package io.raftkv.server.kv;

/**
 * How values of one kind become the payload of a key-space entry (the bytes after the entry's header of type tag,
 * deadline and stamp) and back. The store picks the codec by the value's type ({@link #payloadOf},
 * {@link #valueOf}): adding a kind of value means adding its record to {@link StoredValue}, its {@link ValueType}
 * tag and its codec here, and the compiler points at every switch that must learn it.
 *
 * <p>Encoding must be deterministic (the same value gives the same bytes on every node), and decoding total over what
 * encoding produces. Threads: codecs are stateless and may be used from any thread (a view decodes on its own).
 */
public interface ValueCodec<V extends StoredValue> {

    /**
     * The payload of {@code value}. It may be an array the value holds, which the caller must then not change (the
     * store copies it into the entry or into a block of its own).
     */
    byte[] encode(V value);

    /**
     * The value of {@code type} that {@code payload} holds. The codec may keep the array: the caller hands it over.
     *
     * @throws IllegalStateException if the payload is not one this codec writes (a corrupt entry)
     */
    V decode(ValueType type, byte[] payload, long expireAt);

    /** The payload of any value, by its type's codec. */
    static byte[] payloadOf(StoredValue value) {
        return switch (value.type()) {
            case STRING -> StringCodec.INSTANCE.encode((StringValue) value);
            case HASH, LIST, SET, ZSET -> CollectionHeaderCodec.INSTANCE.encode((CollectionHeader) value);
        };
    }

    /** The value of a stored payload, by its type's codec; takes ownership of {@code payload}. */
    static StoredValue valueOf(ValueType type, byte[] payload, long expireAt) {
        return switch (type) {
            case STRING -> StringCodec.INSTANCE.decode(type, payload, expireAt);
            case HASH, LIST, SET, ZSET -> CollectionHeaderCodec.INSTANCE.decode(type, payload, expireAt);
        };
    }
}
