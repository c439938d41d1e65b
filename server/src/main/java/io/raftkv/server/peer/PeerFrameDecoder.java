package io.raftkv.server.peer;

import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

import java.nio.ByteOrder;

/**
 * Splits {@code [length:int32][bytes]} into frames (the length counts only the bytes). A negative length or one above
 * the maximum fails at once, before anything is buffered for it (fail-fast), and the resulting exception closes the
 * connection in {@link InboundFrameHandler}. Memory grows only with bytes actually received. One per connection.
 */
final class PeerFrameDecoder extends LengthFieldBasedFrameDecoder {

    static final int LENGTH_FIELD_BYTES = 4;

    PeerFrameDecoder(int maxFrameBytes) {
        super(ByteOrder.BIG_ENDIAN, maxFrameBytes + LENGTH_FIELD_BYTES, 0, LENGTH_FIELD_BYTES, 0, LENGTH_FIELD_BYTES,
                true);
    }
}
