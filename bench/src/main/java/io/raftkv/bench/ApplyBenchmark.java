package io.raftkv.bench;

import io.raftkv.server.StandardCommands;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.kv.KvConfig;
import io.raftkv.server.kv.ChronicleKeyspace;
import io.raftkv.server.kv.Keyspace;
import io.raftkv.server.node.KvStateMachine;
import io.raftkv.server.reply.Reply;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Apply: KvStateMachine.apply of LogRecord-encoded {@code SET key:%012d <64 bytes>} records over 100,000 keys
 * (redis-benchmark -r 100000 -d 64), into the off-heap Chronicle Map sized as the server sizes it (1,000,000
 * entries, 24-byte keys, 64-byte values). The keys are written once in setup, so the measured SETs overwrite,
 * as in a long benchmark run. Includes LogRecord.decode and the command's handler. {@code readGet} runs
 * {@code GET key:%012d} through KvStateMachine.read over the same keys: the store's lookup, the value's decoding and
 * the handler, without ReadIndex or the connection.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ApplyBenchmark {

    private static final int KEYS = 100_000;

    private Keyspace store;
    private KvStateMachine machine;
    private byte[][] records;
    private long index;
    private CommandSpec get;
    private byte[][][] gets;
    private ClientSession client;
    private int nextGet;

    @Setup(Level.Trial)
    public void setUp() {
        ServerState server = new ServerState(ServerConfig.DEFAULTS, StandardCommands.table());
        store = new ChronicleKeyspace(KvConfig.DEFAULT);
        machine = new KvStateMachine(server.table(), store, server);
        records = BenchData.setRecords(1 << 16, KEYS, 64, System.currentTimeMillis());
        index = 0;
        for (int k = 0; k < KEYS; k++) {
            byte[] rec = io.raftkv.server.kv.LogRecord.encode(io.raftkv.server.kv.LogRecord.COMMAND,
                    System.currentTimeMillis(), BenchData.setArgv(k, 64));
            machine.apply(++index, rec);
        }
        get = server.table().get("get");
        gets = new byte[1 << 16][][];
        byte[] name = "GET".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < gets.length; i++) {
            gets[i] = new byte[][] {name, BenchData.key(i % KEYS)};
        }
        client = new ClientSession("127.0.0.1:50000", "127.0.0.1:6379", System.currentTimeMillis(), true);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        store.close();
    }

    @Benchmark
    public Reply applySet() {
        long i = ++index;
        return machine.apply(i, records[(int) (i & ((1 << 16) - 1))]);
    }

    @Benchmark
    public Reply readGet() {
        byte[][] argv = gets[nextGet++ & ((1 << 16) - 1)];
        return machine.read(get, argv, client, System.currentTimeMillis());
    }
}
