package io.raftkv.bench;

import io.raftkv.raft.Entry;
import io.raftkv.raft.Membership;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageCodec;
import io.raftkv.raft.RaftConfig;
import io.raftkv.raft.RaftNode;
import io.raftkv.raft.Ready;
import io.raftkv.raft.Role;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The consensus core alone: three RaftNodes on MemoryStorage in one thread, messages handed over in a loop (no
 * threads, no disk, no sockets). One operation: the leader proposes {@code batch} SET records (16-byte key, 64-byte
 * value), then every node's Ready is handled (persist to MemoryStorage, deliver messages, advance) until all three
 * have applied the batch. With {@code codec=true} every message also goes through MessageCodec's encode and decode,
 * as it does on the peer transport. Times are per batch. Storage is compacted as it grows so memory stays flat.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RaftStepBenchmark {

    @Param({"1", "16", "256"})
    public int batch;

    @Param({"false", "true"})
    public boolean codec;

    private final RaftNode[] nodes = new RaftNode[3];
    private final MemoryStorage[] storages = new MemoryStorage[3];
    private final long[] applied = new long[3];
    private final ArrayDeque<Message> wire = new ArrayDeque<>();
    private final MessageCodec messageCodec = new MessageCodec();
    private byte[][] records;
    private int nextRecord;

    @Setup(Level.Trial)
    public void setUp() {
        Membership m = Membership.ofVoters(1, 2, 3);
        for (int i = 0; i < 3; i++) {
            storages[i] = new MemoryStorage(m);
            nodes[i] = new RaftNode(RaftConfig.of(i + 1).withRandomSeed(42 + i), storages[i]);
        }
        nodes[0].campaign();
        settle();
        if (nodes[0].role() != Role.LEADER) {
            throw new IllegalStateException("node 1 did not become leader: " + nodes[0]);
        }
        records = BenchData.setRecords(4096, 100_000, 64, System.currentTimeMillis());
    }

    /** Handles Readies and delivers messages until nothing is left to do. */
    private void settle() {
        boolean busy = true;
        while (busy) {
            busy = false;
            for (int i = 0; i < 3; i++) {
                RaftNode n = nodes[i];
                if (!n.hasReady()) {
                    continue;
                }
                busy = true;
                Ready rd = n.ready();
                MemoryStorage s = storages[i];
                if (rd.snapshot() != null) {
                    s.applySnapshot(rd.snapshot());
                }
                s.append(rd.entries());
                if (rd.hardState() != null) {
                    s.setHardState(rd.hardState());
                }
                wire.addAll(rd.messages());
                for (Entry e : rd.committedEntries()) {
                    applied[i] = e.index();
                }
                n.advance(rd);
            }
            Message msg;
            while ((msg = wire.poll()) != null) {
                busy = true;
                if (codec) {
                    try {
                        msg = messageCodec.decode(messageCodec.encode(msg));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
                nodes[(int) msg.to() - 1].step(msg);
            }
        }
    }

    @Benchmark
    public long proposeBatchAndCommit() {
        RaftNode leader = nodes[0];
        for (int i = 0; i < batch; i++) {
            leader.propose(records[nextRecord++ & 4095]);
        }
        settle();
        long last = leader.lastIndex();
        for (int i = 0; i < 3; i++) {
            if (applied[i] != last) {
                throw new IllegalStateException("node " + (i + 1) + " applied " + applied[i] + " of " + last);
            }
        }
        if (storages[0].lastIndex() - storages[0].firstIndex() > 20_000) {
            for (int i = 0; i < 3; i++) {
                storages[i].compact(applied[i] - 1, new byte[0]);
            }
        }
        return last;
    }
}
