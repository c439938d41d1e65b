package io.raftkv.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.raftkv.server.StandardCommands;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.reply.Reply;
import io.raftkv.server.resp.RespDecoder;
import io.raftkv.server.resp.RespEncoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The RESP hot path. decode: 16 pipelined {@code SET key:000000012345 <64 bytes>} commands (what redis-benchmark
 * -P 16 sends) arrive in one read on an EmbeddedChannel whose pipeline holds only the RespDecoder; each argv is
 * taken out. encode: RespEncoder.write of the replies a SET and a GET produce (+OK, a 64-byte bulk) into a reused
 * pooled buffer. Times are per command.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RespCodecBenchmark {

    static final int PIPELINE = 16;

    private EmbeddedChannel channel;
    private ByteBuf request;
    private ByteBuf out;
    private final Reply bulk = new Reply.Bulk(BenchData.value(64));

    @Setup(Level.Trial)
    public void setUp() {
        ServerState server = new ServerState(ServerConfig.DEFAULTS, StandardCommands.table());
        ClientSession session = new ClientSession("127.0.0.1:50000", "127.0.0.1:6379", System.currentTimeMillis(), true);
        channel = new EmbeddedChannel(new RespDecoder(server, session));
        StringBuilder sb = new StringBuilder();
        String value = new String(BenchData.value(64), StandardCharsets.US_ASCII);
        for (int i = 0; i < PIPELINE; i++) {
            String key = BenchData.keyString(i * 6151L);
            sb.append("*3\r\n$3\r\nSET\r\n$").append(key.length()).append("\r\n").append(key)
                    .append("\r\n$64\r\n").append(value).append("\r\n");
        }
        request = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(sb.toString().getBytes(StandardCharsets.US_ASCII)));
        out = PooledByteBufAllocator.DEFAULT.directBuffer(256);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
        out.release();
    }

    @Benchmark
    @OperationsPerInvocation(PIPELINE)
    public void decodeSetPipelined(Blackhole bh) {
        // A pooled copy, as a socket read would hand it over; the decoder releases it.
        ByteBuf in = PooledByteBufAllocator.DEFAULT.directBuffer(request.readableBytes());
        in.writeBytes(request, request.readerIndex(), request.readableBytes());
        channel.writeInbound(in);
        Object argv;
        int n = 0;
        while ((argv = channel.readInbound()) != null) {
            bh.consume(argv);
            n++;
        }
        if (n != PIPELINE) {
            throw new IllegalStateException("decoded " + n + " commands, expected " + PIPELINE);
        }
    }

    @Benchmark
    public ByteBuf encodeOk() {
        out.clear();
        RespEncoder.write(Reply.OK, out, 2);
        return out;
    }

    @Benchmark
    public ByteBuf encodeBulk64() {
        out.clear();
        RespEncoder.write(bulk, out, 2);
        return out;
    }
}
