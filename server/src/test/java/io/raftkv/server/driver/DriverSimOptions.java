package io.raftkv.server.driver;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Everything that shapes one simulated run of the production driver, drawn from its seed so that the seed alone
 * replays it. Times are virtual nanoseconds (the nodes' {@link NodeClock}s read the simulation's clock).
 *
 * @param variant          what kind of group and which faults (see {@link Variant})
 * @param nodes            voters (1 standalone, else 3 or 5), ids 1..nodes
 * @param dropPerMille     chance a frame is lost
 * @param dupPerMille      chance a frame is delivered twice
 * @param maxLatency       one-way latency is uniform in [50 us, maxLatency], so frames reorder
 * @param slowPerMille     chance a frame is held up to 2 s more (very late, stale deliveries)
 * @param crashEvery       mean time between crashes (0: none); a crash loses what the node had not synced
 * @param partitionEvery   mean time between partitions (0: none): a node isolated, a random split, or a one-way cut
 * @param diskFailEvery    mean time between disk failures (0: none): every sync of that node fails until the
 *                         operator restarts it, some seconds later
 * @param clients          closed-loop clients doing SET, GETSET and GET
 * @param keys             keys they share
 * @param maxThink         a client waits [0, maxThink] between operations: short waits pipeline the writes (several
 *                         entries in flight, so the leader defers its syncs)
 * @param maxClockSkew     each node's wall clock is off by up to this much (record timestamps must still not go back)
 * @param chaos            length of the phase with faults; a quiet phase follows
 * @param largePerMille    chance a write's value is large (several log entries' worth: the leader proposes it as a
 *                         run of PART entries, over several rounds, and apply rebuilds it)
 * @param powerCutAt       when every node loses power at once (0: never), each restarting on what it synced
 * @param maxSyncTime      a sync holds its node's driver thread for up to this long: what arrives meanwhile waits,
 *                         so the next round gathers several client writes into one BATCH entry
 */
record DriverSimOptions(
        long seed,
        Variant variant,
        int nodes,
        int dropPerMille,
        int dupPerMille,
        long maxLatency,
        int slowPerMille,
        long crashEvery,
        long partitionEvery,
        long diskFailEvery,
        int clients,
        int keys,
        long maxThink,
        long maxClockSkew,
        long chaos,
        int largePerMille,
        long powerCutAt,
        long maxSyncTime) {

    /** The kind of group and the faults a run has; the rest is drawn from the seed. */
    enum Variant {
        /** 3 or 5 nodes, the server's defaults (ReadIndex reads), crashes, partitions, lossy network. */
        CLUSTER,
        /** As CLUSTER with reads served from the leader's lease (cluster-lease-reads). */
        LEASE_READS,
        /** As CLUSTER, and nodes' disks fail: the WAL-failure mode, then a restart by the operator. */
        DISK_FAILURES,
        /** One voter (RaftDriver.standalone's group): crashes, restarts and disk failures, no network. */
        STANDALONE
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    static DriverSimOptions of(long seed, Variant variant) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x2545F4914F6CDD1DL);
        int nodes = variant == Variant.STANDALONE ? 1 : r.nextInt(3) == 0 ? 5 : 3;
        boolean diskFailures = variant == Variant.DISK_FAILURES || variant == Variant.STANDALONE && r.nextBoolean();
        return new DriverSimOptions(
                seed,
                variant,
                nodes,
                r.nextInt(100),
                r.nextInt(30),
                TimeUnit.MICROSECONDS.toNanos(100 + r.nextInt(3_000)),
                r.nextInt(10),
                r.nextInt(4) == 0 ? 0 : ms(800 + r.nextInt(3_000)),
                nodes == 1 || r.nextInt(5) == 0 ? 0 : ms(1_000 + r.nextInt(3_000)),
                diskFailures ? ms(1_500 + r.nextInt(3_000)) : 0,
                nodes == 5 ? 5 : 4,
                1 + r.nextInt(3),
                nodes == 1 ? ms(10 + r.nextInt(40)) : r.nextBoolean() ? ms(5) : ms(40),
                ms(r.nextInt(200)),
                ms(10_000),
                r.nextInt(3) == 0 ? 0 : 20 + r.nextInt(100),
                r.nextInt(3) == 0 ? ms(1_000 + r.nextInt(8_000)) : 0,
                TimeUnit.MICROSECONDS.toNanos(50 + r.nextInt(1_500)));
    }
}
