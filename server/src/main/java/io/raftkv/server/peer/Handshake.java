package io.raftkv.server.peer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The first bytes each side sends on a peer connection: {@code [magic "RKVP":4][version:int32][sender id:int64]
 * [receiver id:int64]}, big-endian, 24 bytes. The dialer sends its hello; the listener checks it and answers with its
 * own (sender and receiver swapped), and only then does the dialer send frames. Naming the intended receiver catches a
 * miswired cluster (a node listed at another node's address) on both ends. After the handshakes the connection
 * carries frames one way, from the dialer to the listener.
 */
record Handshake(int version, long sender, long receiver) {

    static final int MAGIC = 0x524B5650; // "RKVP"
    static final int VERSION = 1;
    static final int LENGTH = 24;

    /** A fresh buffer holding the handshake; released by whoever writes it. */
    static ByteBuf encode(ByteBufAllocator alloc, long sender, long receiver) {
        return alloc.buffer(LENGTH).writeInt(MAGIC).writeInt(VERSION).writeLong(sender).writeLong(receiver);
    }
}
