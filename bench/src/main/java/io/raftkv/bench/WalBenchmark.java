package io.raftkv.bench;

import io.raftkv.raft.Entry;
import io.raftkv.wal.SyncPolicy;
import io.raftkv.wal.Wal;
import io.raftkv.wal.WalConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The WAL's write path as the driver uses it: append a batch of {@code batch} entries (each an encoded SET record
 * of a 16-byte key and a 64-byte value, like redis-benchmark -d 64), then, in {@link #appendBatchThenSync}, one
 * group sync. {@link #appendBatch} leaves out the sync to separate the CPU cost from the disk's. Times are per
 * batch; divide by {@code batch} for per entry. A fresh WAL in a temp folder (set by {@code -Dbench.dir}, default
 * java.io.tmpdir) per iteration, configured as the server configures its own (64 MiB blocks, sync always).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WalBenchmark {

    @Param({"1", "16", "256"})
    public int batch;

    private Path dir;
    private Wal wal;
    private byte[][] records;
    private final List<Entry> entries = new ArrayList<>();
    private long nextIndex;

    @Setup(Level.Iteration)
    public void open() throws IOException {
        dir = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir"))),
                "raftkv-wal-bench");
        wal = Wal.open(new WalConfig(dir.resolve("wal"), SyncPolicy.ALWAYS).withBlockSize(64L << 20));
        records = BenchData.setRecords(4096, 100_000, 64, System.currentTimeMillis());
        nextIndex = 1;
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
        wal.close();
        BenchFiles.deleteTree(dir);
    }

    private void fillBatch() {
        entries.clear();
        for (int i = 0; i < batch; i++) {
            long index = nextIndex++;
            entries.add(new Entry(index, 1, records[(int) (index & 4095)]));
        }
    }

    @Benchmark
    public long appendBatch() {
        fillBatch();
        wal.append(entries);
        return wal.lastIndex();
    }

    @Benchmark
    public long appendBatchThenSync() {
        fillBatch();
        wal.append(entries);
        wal.sync();
        return wal.lastIndex();
    }
}
