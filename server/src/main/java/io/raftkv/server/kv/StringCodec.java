package io.raftkv.server.kv;

/** A string's payload is its bytes, as they are: no copy either way. */
final class StringCodec implements ValueCodec<StringValue> {

    static final StringCodec INSTANCE = new StringCodec();

    private StringCodec() {
    }

    @Override
    public byte[] encode(StringValue value) {
        return value.bytes();
    }

    @Override
    public StringValue decode(ValueType type, byte[] payload, long expireAt) {
        return new StringValue(payload, expireAt);
    }
}
