package io.raftkv.bench;

import io.raftkv.server.StandardCommands;
import io.raftkv.server.command.CommandTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Command dispatch: CommandTable.resolve for what redis-benchmark sends (SET, GET) and a container (CLUSTER INFO). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CommandTableBenchmark {

    private final CommandTable table = StandardCommands.table();
    private final byte[][] set = BenchData.setArgv(12345, 64);
    private final byte[][] get = {"GET".getBytes(StandardCharsets.US_ASCII), BenchData.key(12345)};
    private final byte[][] clusterInfo = {"cluster".getBytes(StandardCharsets.US_ASCII), "info".getBytes(StandardCharsets.US_ASCII)};

    @Benchmark
    public Object resolveSet() {
        return table.resolve(set);
    }

    @Benchmark
    public Object resolveGet() {
        return table.resolve(get);
    }

    @Benchmark
    public Object resolveClusterInfo() {
        return table.resolve(clusterInfo);
    }
}
