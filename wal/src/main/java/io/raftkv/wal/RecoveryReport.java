package io.raftkv.wal;

/**
 * What {@link Wal#open} found on disk.
 *
 * @param recordsRead     records that passed their length and CRC checks and were replayed
 * @param entriesKept     entries in the log after replay (markers applied)
 * @param droppedRecords  Chronicle excerpts at or after the first bad one, discarded (0 for a clean log)
 * @param droppedBytes    bytes of those excerpts as Chronicle framed them; an excerpt claiming more than any record
 *                        could hold counts as that maximum and ends the count
 * @param lastGoodIndex   the Raft index of the last entry kept, 0 if none
 * @param dropReason      why the tail was dropped, {@code null} for a clean log
 * @param repaired        whether the queue directory was rewritten to cut the damaged tail off
 */
public record RecoveryReport(long recordsRead, long entriesKept, long droppedRecords, long droppedBytes,
                             long lastGoodIndex, String dropReason, boolean repaired) {

    /** Whether the log on disk ended cleanly. */
    public boolean clean() {
        return dropReason == null;
    }
}
