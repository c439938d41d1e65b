package io.raftkv.server.node;

import io.raftkv.server.command.Args;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.Command;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.CommandTable;
import io.raftkv.server.command.Exec;
import io.raftkv.server.command.KeyspaceStats;
import io.raftkv.server.command.ReadCommand;
import io.raftkv.server.command.ReadContext;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.command.WriteCommand;
import io.raftkv.server.command.WriteContext;
import io.raftkv.server.kv.EntryTooLargeException;
import io.raftkv.server.kv.Keyspace;
import io.raftkv.server.kv.KeyspaceData;
import io.raftkv.server.kv.LogRecord;
import io.raftkv.server.kv.RecordStream;
import io.raftkv.server.kv.StoreFullException;
import io.raftkv.server.kv.StoredValue;
import io.raftkv.server.reply.Reply;
import org.agrona.collections.Long2ObjectHashMap;
import org.slf4j.Logger;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Applies log records to the key space and runs reads against it. Apply is deterministic: the same records in the
 * same order give the same store and the same replies on every node and every replay.
 *
 * <p>Threads: the apply thread only (it owns the {@link Keyspace}).
 */
public final class KvStateMachine {

    private static final Logger log = LoggerFactory.getLogger(KvStateMachine.class);

    private final CommandTable table;
    private final Keyspace store;
    private final ServerState server;
    private final ForWrite writeContext = new ForWrite();
    private final ForRead readContext = new ForRead();
    private long appliedIndex;
    /**
     * Records arriving as runs of PART entries, by the index of their first part, until their last part applies.
     * Part of the replicated state: the same on every node at the same index (a snapshot taken while a run is
     * unfinished must carry it).
     */
    private final Long2ObjectHashMap<RecordStream.Reader> assemblies = new Long2ObjectHashMap<>();

    public KvStateMachine(CommandTable table, Keyspace store, ServerState server) {
        this.table = table;
        this.store = store;
        this.server = server;
    }

    /**
     * Applies the record of log entry {@code index} and returns the reply for the client that proposed it (if it
     * is still waiting). Indexes must arrive in order without gaps. For a BATCH record this is the last command's
     * reply; {@link #apply(long, byte[], Replies)} gives each one.
     */
    public Reply apply(long index, byte[] data) {
        Reply[] last = new Reply[1];
        apply(index, data, (i, reply) -> last[0] = reply);
        return last[0];
    }

    /** Receives the reply of each command of an entry: {@code command} counts from 0 (always 0 but in a batch). */
    @FunctionalInterface
    public interface Replies {
        void reply(int command, Reply reply);
    }

    /**
     * Applies the record of log entry {@code index}, handing {@code replies} the reply of each command in it, in
     * order. Indexes must arrive in order without gaps.
     */
    public void apply(long index, byte[] data, Replies replies) {
        if (index != appliedIndex + 1 && appliedIndex != 0) {
            throw new IllegalStateException("apply out of order: applied " + appliedIndex + ", got " + index);
        }
        appliedIndex = index;
        server.appliedIndex.set(index);
        if (data.length > 0 && data[0] == LogRecord.PART) {
            Reply reply = applyPart(index, data);
            if (reply != null) {
                replies.reply(0, reply);
            }
            return;
        }
        if (data.length > 0 && data[0] == LogRecord.BATCH) {
            LogRecord[] commands = LogRecord.decodeBatch(data);
            for (int i = 0; i < commands.length; i++) {
                replies.reply(i, applyCommand(commands[i]));
            }
            return;
        }
        LogRecord rec = LogRecord.decode(data);
        replies.reply(0, switch (rec.kind()) {
            case LogRecord.NOOP -> {
                // A new leader's first entry: runs of parts proposed by earlier leaders can no longer finish.
                assemblies.clear();
                yield Reply.OK;
            }
            case LogRecord.COMMAND -> applyCommand(rec);
            case LogRecord.EXPIRE -> applyExpire(rec);
            default -> throw new IllegalStateException("unknown log record kind " + rec.kind() + " at index " + index);
        });
    }

    /**
     * Adds a PART entry to its run; once the run is whole, applies the record it carries and returns its reply,
     * else returns null (the parts before the last have no client waiting).
     */
    private Reply applyPart(long index, byte[] data) {
        LogRecord.Part part = LogRecord.decodePart(data);
        long first = part.first() == 0 ? index : part.first();
        RecordStream.Reader record = part.first() == 0 ? new RecordStream.Reader(part.total()) : assemblies.get(first);
        if (record == null || part.offset() != record.read() || part.total() != record.total()) {
            // Parts arrive in order in one term, and a NOOP drops a run only once no part of it can follow.
            log.warn("log entry {} continues a run of parts (first part {}) that this node does not hold at offset {}",
                    index, first, part.offset());
            assemblies.remove(first);
            return Reply.error("ERR internal error: the parts of a large write did not arrive in order");
        }
        assemblies.put(first, record);
        record.feed(data, LogRecord.PART_HEADER, part.length()); // straight into the arguments it rebuilds
        if (!record.complete()) {
            return null;
        }
        assemblies.remove(first);
        LogRecord rec = record.record();
        if (rec.kind() != LogRecord.COMMAND) {
            throw new IllegalStateException("a run of parts carries a record of kind " + rec.kind() + " at " + index);
        }
        return applyCommand(rec);
    }

    /** Runs of parts not yet whole (for tests). */
    public int unfinishedRuns() {
        return assemblies.size();
    }

    public long appliedIndex() {
        return appliedIndex;
    }

    /** Sets where apply resumes (after a snapshot is loaded, or to start a fresh store at 0). */
    public void resetAppliedIndex(long index) {
        appliedIndex = index;
        server.appliedIndex.set(index);
    }

    private Reply applyCommand(LogRecord rec) {
        CommandTable.Resolved r = table.resolve(rec.argv());
        if (r instanceof CommandTable.Resolved.Rejected rej) {
            // The proposer checked the table; a mismatch means nodes run different versions.
            log.warn("log record names a command this node rejects: {}", ((Reply.Error) rej.error()).text());
            return rej.error();
        }
        CommandSpec spec = ((CommandTable.Resolved.Found) r).spec();
        if (spec.exec() != Exec.WRITE) {
            throw new IllegalStateException("log record holds a non-write command: " + spec.name());
        }
        writeContext.now = rec.timestamp();
        return run(spec, rec.argv());
    }

    /** Deletes the keys of an EXPIRE record that are still expired at the record's time. */
    private Reply applyExpire(LogRecord rec) {
        long removed = 0;
        for (byte[] key : rec.argv()) {
            StoredValue v = store.getIncludingExpired(key);
            if (v != null && v.expiredAt(rec.timestamp())) {
                store.delete(key, rec.timestamp());
                removed++;
            }
        }
        server.expiredKeys.add(removed);
        return Reply.integer(removed);
    }

    /** Up to {@code max} keys whose deadline is at or before {@code now}, for the active expiry cycle. Apply thread only. */
    public List<byte[]> sampleExpired(long now, int max) {
        return store.sampleExpired(now, max);
    }

    /**
     * Whether {@code argv} reads a large value ({@link Keyspace#LARGE_VALUE_BYTES} or more): copying it out touches that
     * much fresh memory, which may take long enough to matter to a thread that also sends heartbeats. Cheap: it looks
     * at no value, only at lengths, and at nothing while the store holds no large value.
     */
    public boolean heavyRead(CommandSpec spec, byte[][] argv) {
        if (store.largeValues() == 0) {
            return false;
        }
        for (int i : spec.keyIndexes(argv.length)) {
            if (store.payloadLength(argv[i]) >= Keyspace.LARGE_VALUE_BYTES) {
                return true;
            }
        }
        return false;
    }

    /** Runs a READ command for {@code client} against the store as it is now, with this node's clock. */
    public Reply read(CommandSpec spec, byte[][] argv, ClientSession client, long now) {
        if (spec.exec() != Exec.READ && spec.exec() != Exec.LOCAL_READ) {
            throw new IllegalStateException("not a read command: " + spec.name());
        }
        readContext.now = now;
        readContext.client = client;
        try {
            return run(spec, argv);
        } finally {
            readContext.client = null;
        }
    }

    private Reply run(CommandSpec spec, byte[][] argv) {
        store.beginCommand();
        try {
            Reply reply = execute(spec.impl(), argv);
            store.endCommand();
            server.datasetBytes.lazySet(store.dataBytes());
            return reply;
        } catch (Args.ArgumentError e) {
            store.rollbackCommand();
            return e.reply();
        } catch (StoreFullException e) {
            store.rollbackCommand();
            return Reply.OOM;
        } catch (EntryTooLargeException e) {
            store.rollbackCommand();
            return e.reply();
        } catch (RuntimeException e) {
            // A bug in a handler must not take the node down; undo the command so the store stays consistent.
            store.rollbackCommand();
            log.error("command {} failed", spec.name(), e);
            return Reply.error("ERR internal error in '" + spec.name() + "': " + e);
        }
    }

    /** A write gets the write context only; CommandSpec guarantees a WRITE row holds a WriteCommand. */
    private Reply execute(Command impl, byte[][] argv) {
        if (impl instanceof WriteCommand write) {
            return write.execute(writeContext, argv);
        }
        if (impl instanceof ReadCommand read) {
            return read.execute(readContext, argv);
        }
        throw new IllegalStateException("a local command cannot run on the apply thread");
    }

    /**
     * The context of a write applied from the log: the store, the record's time and the keyspace counters as a sink.
     * An instance of this class implements {@link WriteContext} and nothing more, so a cast of it cannot reach the
     * client or the server either.
     */
    private class ForWrite implements WriteContext {
        long now;

        @Override
        public KeyspaceData store() {
            return store;
        }

        @Override
        public long now() {
            return now;
        }

        @Override
        public KeyspaceStats stats() {
            return server.keyspaceStats();
        }
    }

    /** The context of a read run for {@code client}, with this node's clock. */
    private final class ForRead extends ForWrite implements ReadContext {
        ClientSession client;

        @Override
        public Keyspace store() {
            return store;
        }

        @Override
        public ClientSession client() {
            return client;
        }

        @Override
        public ServerState server() {
            return server;
        }
    }
}
