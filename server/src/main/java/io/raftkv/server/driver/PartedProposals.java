package io.raftkv.server.driver;

import io.raftkv.raft.RaftNode;
import io.raftkv.server.kv.LogRecord;
import io.raftkv.server.kv.RecordStream;
import io.raftkv.server.node.ReplySink;
import io.raftkv.server.reply.Reply;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * A leader's records too large for one log entry (a SET of a 100 MB value), each proposed as a run of PART entries
 * of {@link #PART_BYTES} (see {@link LogRecord}), a few at a time: all runs together never have more than
 * {@link #WINDOW} parts proposed and not yet committed, so large writes enter the log, the WAL and the peer links at
 * the pace they commit them, in entries no larger than a batch of small writes, while other writes, heartbeats and
 * reads go on between their parts. The window is shared because a follower syncs what arrived in one go on the
 * thread that answers heartbeats: with a window per run, four clients writing 16 MiB values each had a follower sync
 * 30 MiB at once, for longer than an election timeout, and the leader stepped down. Runs take turns in order of arrival.
 *
 * <p>A run belongs to the term it started in. When the node stops leading, or its term moves on, the runs not yet
 * fully proposed are answered as lost (what they proposed so far is dropped on every node when the next leader's
 * first entry applies). A run whose last part was proposed hands its client over to the driver's pending writes,
 * like any write, keyed by that part's index.
 *
 * <p>Threads: the driver thread only.
 */
final class PartedProposals {

    /** Bytes of a record per PART entry: the size of a batch of small writes, so one entry never holds up the next for long. */
    static final int PART_BYTES = 1 << 20;
    /** Parts proposed ahead of the commit index, all runs together: enough to keep the followers' links busy. */
    static final int WINDOW = 8;

    /** Receives a run whose last part is proposed at {@code index}: its client waits for that entry's commit. */
    @FunctionalInterface
    interface Proposed {
        void waitFor(long index, long term, ReplySink sink);
    }

    private static final class Run {
        /** Writes the record's bytes part by part, from the command's own arguments. */
        final RecordStream.Writer record;
        final long term;
        final ReplySink sink;
        /** Index of the first part, 0 until proposed. */
        long first;
        /** Index of the last part proposed. */
        long last;

        Run(RecordStream.Writer record, long term, ReplySink sink) {
            this.record = record;
            this.term = term;
            this.sink = sink;
        }
    }

    private final ArrayDeque<Run> runs = new ArrayDeque<>();
    /** Indexes of the parts proposed and perhaps not committed yet, of every run, oldest first. */
    private final ArrayDeque<Long> inFlight = new ArrayDeque<>();
    /** Bytes of a record per part: {@link #PART_BYTES}, or less if the log's entries are smaller. */
    private final int partBytes;

    /** Answers a run that cannot go on (its term ended, or the leader refused a part). */
    private final Reply lost;
    /** Takes a run whose last part is proposed. */
    private final Proposed proposed;

    /**
     * Parts for a log whose entries hold at most {@code maxEntryBytes}; a run that cannot go on is answered
     * {@code lost}, one whose last part is proposed goes to {@code proposed}.
     */
    PartedProposals(long maxEntryBytes, Reply lost, Proposed proposed) {
        this.lost = lost;
        this.proposed = proposed;
        if (maxEntryBytes <= LogRecord.PART_HEADER) {
            throw new IllegalArgumentException("log entries of " + maxEntryBytes + " bytes cannot hold a part");
        }
        this.partBytes = (int) Math.min(PART_BYTES, maxEntryBytes - LogRecord.PART_HEADER);
    }

    /** Whether a record of {@code recordBytes} must travel as parts rather than as one entry. */
    boolean needsParts(long recordBytes) {
        return recordBytes > partBytes;
    }

    /** Starts a run for the record of {@code kind} and {@code argv}, stamped {@code timestamp}, in the leader's term. */
    void start(byte kind, long timestamp, byte[][] argv, long term, ReplySink sink) {
        runs.add(new Run(new RecordStream.Writer(kind, timestamp, argv), term, sink));
    }

    boolean isEmpty() {
        return runs.isEmpty();
    }

    /**
     * Proposes the next parts of every run, as far as the window allows; a run that proposes its last part leaves
     * for {@code proposed}. Runs of an older term than the leader's, or any run if {@code raft} no longer leads
     * (its proposal fails), are answered {@code lost}.
     */
    void pump(RaftNode raft) {
        long commit = raft.commitIndex();
        while (!inFlight.isEmpty() && inFlight.peekFirst() <= commit) {
            inFlight.pollFirst();
        }
        for (Iterator<Run> it = runs.iterator(); it.hasNext(); ) {
            Run run = it.next();
            if (run.term != raft.term()) {
                it.remove();
                run.sink.reply(lost);
                continue;
            }
            boolean refused = false;
            while (run.record.remaining() > 0 && inFlight.size() < WINDOW) {
                int length = Math.min(partBytes, run.record.remaining());
                long index = raft.propose(LogRecord.encodePart(run.first, run.record, length));
                if (index == 0) {
                    refused = true; // no longer the leader, or handing leadership over: the run cannot go on
                    break;
                }
                if (run.first == 0) {
                    run.first = index;
                }
                run.last = index;
                inFlight.addLast(index);
            }
            if (refused) {
                it.remove();
                run.sink.reply(lost);
            } else if (run.record.remaining() == 0) {
                it.remove();
                proposed.waitFor(run.last, run.term, run.sink);
            }
        }
    }

    /** Answers every run not yet fully proposed with {@code reply} and forgets it. */
    void abort(Reply reply) {
        Run run;
        while ((run = runs.poll()) != null) {
            run.sink.reply(reply);
        }
        inFlight.clear(); // a later term's runs do not wait for this one's parts
    }
}
