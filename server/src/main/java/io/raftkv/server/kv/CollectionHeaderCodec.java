package io.raftkv.server.kv;

import java.nio.ByteBuffer;

/**
 * A collection header's payload: {@code id (8 bytes) | size (8)}, big-endian; the type is the entry's tag. A type
 * that needs more in its header (a list's head position) adds it after these, and its codec reads it by the tag.
 */
final class CollectionHeaderCodec implements ValueCodec<CollectionHeader> {

    static final CollectionHeaderCodec INSTANCE = new CollectionHeaderCodec();
    private static final int SIZE = 2 * Long.BYTES;

    private CollectionHeaderCodec() {
    }

    @Override
    public byte[] encode(CollectionHeader value) {
        byte[] payload = new byte[SIZE];
        ByteBuffer.wrap(payload).putLong(value.id()).putLong(value.size());
        return payload;
    }

    @Override
    public CollectionHeader decode(ValueType type, byte[] payload, long expireAt) {
        if (payload.length != SIZE) {
            throw new IllegalStateException("a " + type.redisName() + " header of " + payload.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(payload);
        return new CollectionHeader(type, b.getLong(), b.getLong(), expireAt);
    }
}
