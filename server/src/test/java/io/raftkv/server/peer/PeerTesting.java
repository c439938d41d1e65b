package io.raftkv.server.peer;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Shared test fixtures: free loopback ports, waiting for conditions, a frame inbox, Netty leak reports. */
final class PeerTesting {

    static final String LOOPBACK = "127.0.0.1";
    /** Generous: conditions are awaited, never timed. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    private PeerTesting() {
    }

    /** A port that was free a moment ago (tests must tolerate the tiny race). */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(LOOPBACK))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void await(String what, BooleanSupplier condition) {
        await(what, condition, () -> "");
    }

    /** Polls {@code condition} until it holds; on timeout fails with {@code what} and the {@code state} then. */
    static void await(String what, BooleanSupplier condition, Supplier<Object> state) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("gave up waiting for: " + what + "; state: " + state.get());
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for: " + what);
            }
        }
    }

    static boolean connected(PeerTransport t, long peer) {
        PeerStatus s = t.status().get(peer);
        return s != null && s.connected();
    }

    /** A frame carrying (sender, sequence) in its first 16 bytes, padded to {@code size} (>= 16). */
    static byte[] frame(long sender, long seq, int size) {
        byte[] f = new byte[size];
        ByteBuffer.wrap(f).putLong(sender).putLong(seq);
        for (int i = 16; i < size; i++) {
            f[i] = (byte) (seq + i);
        }
        return f;
    }

    static long seqOf(byte[] frame) {
        return ByteBuffer.wrap(frame).getLong(8);
    }

    static long senderOf(byte[] frame) {
        return ByteBuffer.wrap(frame).getLong(0);
    }

    /** Collects received frames per sender, in arrival order. */
    static final class Inbox implements PeerTransport.Inbound {
        private final Map<Long, List<byte[]>> bySender = new ConcurrentHashMap<>();

        @Override
        public void onFrame(long from, byte[] frame) {
            bySender.computeIfAbsent(from, k -> new CopyOnWriteArrayList<>()).add(frame);
        }

        List<byte[]> from(long sender) {
            return bySender.getOrDefault(sender, List.of());
        }

        int count(long sender) {
            return from(sender).size();
        }

        /** The sequence numbers received from {@code sender}, in arrival order. */
        List<Long> seqs(long sender) {
            List<Long> out = new ArrayList<>();
            for (byte[] f : from(sender)) {
                out.add(seqOf(f));
            }
            return out;
        }
    }

    /**
     * Captures Netty's leak reports (ResourceLeakDetector logs them at ERROR). Reports appear only after the leaked
     * buffer is collected and another buffer is tracked, hence the GC and allocations in {@link #assertNoLeaks}.
     */
    static final class LeakWatch implements AutoCloseable {
        private final Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
        private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

        LeakWatch() {
            appender.start();
            logger.addAppender(appender);
        }

        void assertNoLeaks() {
            List<String> leaks = leakReports();
            if (!leaks.isEmpty()) {
                fail("Netty reported leaks: " + leaks);
            }
        }

        /** Gives the detector a chance to report (GC, then tracked allocations) and returns its reports so far. */
        List<String> leakReports() {
            for (int round = 0; round < 3; round++) {
                System.gc();
                for (int i = 0; i < 64; i++) {
                    ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
                    b.release();
                    ByteBuf h = PooledByteBufAllocator.DEFAULT.heapBuffer(64);
                    h.release();
                }
            }
            List<String> leaks = new ArrayList<>();
            for (ILoggingEvent e : appender.list) {
                if (e.getLevel().isGreaterOrEqual(Level.ERROR)) {
                    leaks.add(e.getFormattedMessage());
                }
            }
            return leaks;
        }

        @Override
        public void close() {
            logger.detachAppender(appender);
            appender.stop();
        }
    }
}
