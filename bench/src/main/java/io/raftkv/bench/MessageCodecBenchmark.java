package io.raftkv.bench;

import io.raftkv.raft.CodecException;
import io.raftkv.raft.Entry;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The peer codec alone: MessageCodec encode and decode of one AppendEntries carrying {@code entries} SET records
 * (16-byte key, 64-byte value; about 110 bytes each), the message a leader sends each follower per batch. Times
 * are per message. Separates the codec's share of RaftStepBenchmark's {@code codec=true} variant.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MessageCodecBenchmark {

    @Param({"1", "16", "256"})
    public int entries;

    private final MessageCodec codec = new MessageCodec();
    private Message append;
    private byte[] frame;

    @Setup(Level.Trial)
    public void setUp() {
        byte[][] records = BenchData.setRecords(entries, 100_000, 64, System.currentTimeMillis());
        List<Entry> list = new ArrayList<>();
        for (int i = 0; i < entries; i++) {
            list.add(new Entry(1001 + i, 3, records[i]));
        }
        append = new Message.AppendEntries(1, 2, 3, 1000, 3, list, 990);
        frame = codec.encode(append);
    }

    @Benchmark
    public byte[] encodeAppendEntries() {
        return codec.encode(append);
    }

    @Benchmark
    public Message decodeAppendEntries() throws CodecException {
        return codec.decode(frame);
    }
}
