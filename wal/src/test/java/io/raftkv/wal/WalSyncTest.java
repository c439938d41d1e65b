package io.raftkv.wal;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.raftkv.wal.WalTest.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WalSyncTest {
    @TempDir
    Path dir;

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private WalConfig config(SyncPolicy policy) {
        return new WalConfig(dir, policy).withBlockSize(WalConfig.MIN_BLOCK_SIZE).withNanoClock(nanos::get);
    }

    private void advanceMillis(long ms) {
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    @Test
    void alwaysSyncsOnEveryCall() {
        try (Wal wal = Wal.open(config(SyncPolicy.ALWAYS))) {
            wal.append(entry(1, 1, "a"));
            assertTrue(wal.syncPerPolicy());
            assertEquals(1, wal.syncCount());
            wal.append(entry(2, 1, "b"));
            assertTrue(wal.syncPerPolicy());
            assertEquals(2, wal.syncCount());
        }
    }

    @Test
    void noNeverSyncsByPolicyButSyncStillWorks() {
        try (Wal wal = Wal.open(config(SyncPolicy.NO))) {
            wal.append(entry(1, 1, "a"));
            advanceMillis(10_000);
            assertFalse(wal.syncPerPolicy());
            assertEquals(0, wal.syncCount());
            wal.sync();
            assertEquals(1, wal.syncCount());
        }
    }

    @Test
    void everysecSyncsOnlyOnceASecondHasPassed() {
        try (Wal wal = Wal.open(config(SyncPolicy.EVERYSEC))) {
            wal.append(entry(1, 1, "a"));
            assertFalse(wal.syncPerPolicy());
            advanceMillis(999);
            assertFalse(wal.syncPerPolicy());
            advanceMillis(1);
            assertTrue(wal.syncPerPolicy());
            assertEquals(1, wal.syncCount());
            assertFalse(wal.syncPerPolicy(), "the clock restarts at each sync");
            advanceMillis(600);
            wal.sync();
            advanceMillis(600);
            assertFalse(wal.syncPerPolicy(), "an explicit sync also restarts the clock");
            advanceMillis(400);
            assertTrue(wal.syncPerPolicy());
            assertEquals(3, wal.syncCount());
        }
    }

    @Test
    void oneSyncCoversABatchAcrossFiles() {
        WalConfig config = config(SyncPolicy.ALWAYS).withRollBytes(4096);
        List<Entry> batch = new ArrayList<>();
        for (int i = 1; i <= 300; i++) {
            batch.add(entry(i, 1, "batched-" + i));
        }
        try (Wal wal = Wal.open(config)) {
            wal.append(batch);
            wal.saveHardState(new HardState(1, 1, 300));
            assertTrue(wal.syncPerPolicy());
            assertEquals(1, wal.syncCount());
        }
        try (Wal wal = Wal.open(config)) {
            WalTest.assertLog(wal, batch);
        }
    }

    @Test
    void policyParsesRedisSpellings() {
        assertEquals(SyncPolicy.ALWAYS, SyncPolicy.parse("always"));
        assertEquals(SyncPolicy.EVERYSEC, SyncPolicy.parse("EverySec"));
        assertEquals(SyncPolicy.NO, SyncPolicy.parse(" no "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SyncPolicy.parse("sometimes"));
        assertTrue(e.getMessage().contains("always, everysec, no"), e.getMessage());
    }

    @Test
    void configIsValidated() {
        assertThrows(NullPointerException.class, () -> new WalConfig(null));
        assertThrows(IllegalArgumentException.class, () -> new WalConfig(dir).withBlockSize(1024));
        assertThrows(IllegalArgumentException.class, () -> new WalConfig(dir).withRollBytes(10));
        WalConfig defaults = new WalConfig(dir);
        assertEquals(SyncPolicy.ALWAYS, defaults.syncPolicy());
        assertEquals(WalConfig.DEFAULT_ROLL_BYTES, defaults.rollBytes());
        assertTrue(defaults.maxEntryBytes() > 1 << 20, "1 MiB entries fit by default");
    }
}
