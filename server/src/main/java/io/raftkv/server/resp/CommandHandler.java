package io.raftkv.server.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.PlatformDependent;
import io.raftkv.server.cluster.ClusterMember;
import io.raftkv.server.cluster.ClusterView;
import io.raftkv.server.cluster.Redirect;
import io.raftkv.server.command.Args;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.CommandFlag;
import io.raftkv.server.command.CommandSpec;
import io.raftkv.server.command.CommandTable;
import io.raftkv.server.command.Exec;
import io.raftkv.server.command.LocalCommand;
import io.raftkv.server.command.LocalContext;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.node.KvNode;
import io.raftkv.server.reply.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The dispatcher of one client connection: resolves each argv against the command table, checks what the table
 * says must be checked (name, arity, authentication, maxmemory), runs LOCAL commands at once and hands READ and
 * WRITE commands to the {@link KvNode}. Replies leave in request order whatever order they complete in.
 *
 * <p>Per-connection ordering: a connection's writes are proposed back to back (the log keeps their order); a read
 * waits until the connection's earlier writes are answered, and a write waits until its earlier reads are answered.
 * So pipelines of one kind run concurrently, and a read always sees the connection's own earlier writes.
 *
 * <p>Threads: everything here runs on the channel's event loop. Commands completed on another thread (the node's
 * driver or apply thread) queue their slot in {@code completions} and the loop takes every queued slot in one task:
 * a pipeline answered by one applied batch costs the loop one task, one buffer and one write, not one of each per
 * reply.
 */
public final class CommandHandler extends ChannelInboundHandlerAdapter implements LocalContext {

    private static final Logger log = LoggerFactory.getLogger(CommandHandler.class);
    private static final Reply NOAUTH = Reply.error("NOAUTH Authentication required.");
    /** Replies owed to one connection before it stops reading (back-pressure on a client that does not read). */
    static final int MAX_PENDING = 4096;

    private final ServerState server;
    private final KvNode node;
    private final ClientSession session;
    private final CommandTable table;
    private final ArrayDeque<Slot> slots = new ArrayDeque<>();
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    /** Slots completed off the loop, oldest first (many producers, the loop consumes). */
    private final Queue<Slot> completions = PlatformDependent.newMpscQueue();
    /** Set while a {@link #takeCompletions} task is queued on the loop and has not started yet. */
    private final AtomicBoolean completionsScheduled = new AtomicBoolean();
    private final Runnable takeCompletions = this::takeCompletions;
    private ChannelHandlerContext ctx;
    private EventExecutor loop;
    /** Whether the commands in flight are writes (else reads); meaningful while inflight > 0. */
    private boolean inflightWrites;
    private int inflight;
    private boolean closing;

    public CommandHandler(ServerState server, KvNode node, ClientSession session) {
        this.server = server;
        this.node = node;
        this.session = session;
        this.table = server.table();
    }

    /** A place in the reply order; {@code reply} is set on the loop when the command completes. */
    private static final class Slot {
        /** The RESP version when the command arrived: a later HELLO does not change how this reply is written. */
        final int protocol;
        Reply reply;
        /** The reply of a command completed off the loop, until the loop takes it (published by the queue). */
        Reply completion;

        Slot(int protocol) {
            this.protocol = protocol;
        }
    }

    /** Replies written to one buffer before it is passed on and another is started. */
    private static final int WRITE_CHUNK = 64 * 1024;
    /** Bulk replies at least this long are written as their own wrapped array (see drain). */
    private static final int LARGE_BULK = WRITE_CHUNK;
    private static final byte[] CRLF_BYTES = {'\r', '\n'};

    private record Held(CommandSpec spec, byte[][] argv, Slot slot) {
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.loop = ctx.executor();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        server.totalConnections.increment();
        if (server.clients().size() >= server.config().maxclients()) {
            server.rejectedConnections.increment();
            ctx.writeAndFlush(Reply.error("ERR max number of clients reached")).addListener(ChannelFutureListener.CLOSE);
            closing = true;
            return;
        }
        server.clients().put(session.id(), session);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        server.clients().remove(session.id());
        closing = true;
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            return;
        }
        if (msg instanceof byte[][] argv) {
            command(argv);
        } else if (msg instanceof RespDecoder.ProtocolError err) {
            answer(err.reply());
            closing = true;
            drain();
        } else {
            throw new IllegalStateException("unexpected message " + msg.getClass());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof OutOfMemoryError && !closing) {
            // A command larger than the heap can take (a huge bulk): the client hears why, the server goes on.
            log.warn("client {}: not enough memory for its command ({}); closing the connection", session.addr(),
                    root.getMessage());
            answer(Reply.error("ERR not enough memory to take this command (" + root.getMessage()
                    + "); see the server's heap ceiling"));
            closing = true;
            ctx.channel().config().setAutoRead(false); // read nothing more of it: the decoder holds a partial bulk
            drain();
            return;
        }
        log.debug("client {} connection error", session.addr(), cause);
        ctx.close();
    }

    private void command(byte[][] argv) {
        server.totalCommands.increment();
        CommandTable.Resolved resolved = table.resolve(argv);
        if (resolved instanceof CommandTable.Resolved.Rejected rej) {
            answer(rej.error());
            return;
        }
        CommandSpec spec = ((CommandTable.Resolved.Found) resolved).spec();
        if (!session.authenticated() && !spec.flags().contains(CommandFlag.NO_AUTH)
                && !server.config().requirepass().isEmpty()) {
            answer(NOAUTH);
            return;
        }
        session.touched(spec.name(), System.currentTimeMillis());
        if (spec.flags().contains(CommandFlag.DENYOOM) && server.config().maxmemory() > 0
                && server.datasetBytes.get() >= server.config().maxmemory()) {
            answer(Reply.OOM);
            return;
        }
        switch (spec.exec()) {
            case LOCAL -> {
                answer(local(spec, argv));
                if (session.closeAfterReply()) {
                    closing = true;
                    drain();
                }
            }
            case READ, LOCAL_READ, WRITE -> {
                ClusterView cluster = server.cluster();
                if (cluster != null) {
                    Reply redirect = redirect(cluster, spec, argv);
                    if (redirect != null) {
                        answer(redirect);
                        return;
                    }
                }
                Slot slot = new Slot(session.protocol());
                slots.add(slot);
                if (held.isEmpty() && (inflight == 0 || inflightWrites == (spec.exec() == Exec.WRITE))) {
                    dispatch(spec, argv, slot);
                } else {
                    held.add(new Held(spec, argv, slot));
                }
                if (slots.size() >= MAX_PENDING) {
                    ctx.channel().config().setAutoRead(false);
                }
            }
        }
    }

    private Reply local(CommandSpec spec, byte[][] argv) {
        try {
            return ((LocalCommand) spec.impl()).execute(this, argv); // a LOCAL row holds a LocalCommand (CommandSpec)
        } catch (Args.ArgumentError e) {
            return e.reply();
        }
    }

    /**
     * A follower's answer to a command only the leader may serve (Redis Cluster's model: replicas redirect): -MOVED
     * for keyed writes and for keyed reads unless the connection sent READONLY, -READONLY for keyless writes. Null when
     * this node may take the command, or when no leader is known (the node then waits, bounded, for an election).
     */
    private Reply redirect(ClusterView cluster, CommandSpec spec, byte[][] argv) {
        long leader = cluster.leaderId();
        if (leader == 0 || leader == cluster.self().id() || spec.exec() == Exec.LOCAL_READ) {
            return null;
        }
        if (spec.exec() == Exec.READ && (spec.keyIndexes(argv.length).length == 0 || session.readonlyMode())) {
            return null; // served here through ReadIndex
        }
        ClusterMember l = cluster.leader();
        return l == null ? null : Redirect.toLeader(spec.routingKey(argv), l);
    }

    private void dispatch(CommandSpec spec, byte[][] argv, Slot slot) {
        inflight++;
        inflightWrites = spec.exec() == Exec.WRITE;
        if (spec.exec() == Exec.WRITE) {
            node.write(spec, argv, reply -> completed(slot, reply));
        } else {
            node.read(spec, argv, session, reply -> completed(slot, reply));
        }
    }

    private void completed(Slot slot, Reply reply) {
        if (loop.inEventLoop()) {
            slot.reply = reply;
            inflight--;
            afterCompletions();
            return;
        }
        slot.completion = reply;
        completions.offer(slot);
        if (completionsScheduled.compareAndSet(false, true)) {
            loop.execute(takeCompletions);
        }
    }

    /** Takes every slot completed off the loop so far, then answers what it can. */
    private void takeCompletions() {
        // Cleared before polling: a slot queued after the last poll below schedules a new task.
        completionsScheduled.set(false);
        Slot slot;
        while ((slot = completions.poll()) != null) {
            slot.reply = slot.completion;
            slot.completion = null;
            inflight--;
        }
        afterCompletions();
    }

    private void afterCompletions() {
        while (!held.isEmpty() && (inflight == 0 || (held.peek().spec().exec() == Exec.WRITE) == inflightWrites)) {
            Held h = held.poll();
            dispatch(h.spec(), h.argv(), h.slot());
        }
        drain();
        ctx.flush();
    }

    /** Answers at once, in order behind any reply still owed. */
    private void answer(Reply reply) {
        Slot slot = new Slot(session.protocol());
        slot.reply = reply;
        slots.add(slot);
        drain();
    }

    /**
     * Writes every leading completed reply, encoded together into as few buffers as their size allows; closes after
     * the last one if the connection is closing.
     */
    private void drain() {
        ByteBuf out = null;
        while (!slots.isEmpty() && slots.peek().reply != null) {
            Slot slot = slots.poll();
            Reply r = slot.reply;
            if (r instanceof Reply.Error) {
                server.errorReplies.increment();
            }
            if (r instanceof Reply.Bulk b && b.bytes().length >= LARGE_BULK) {
                // A large value goes out as its own array, wrapped, not copied into a pooled buffer: growing an
                // output buffer to hold it allocated and zeroed a fresh direct buffer per reply (30 ms per 1 MiB GET
                // with four clients).
                if (out == null) {
                    out = ctx.alloc().ioBuffer();
                }
                RespEncoder.bulkHeader(out, b.bytes().length);
                ctx.write(out, ctx.voidPromise());
                ctx.write(Unpooled.wrappedBuffer(b.bytes(), CRLF_BYTES), ctx.voidPromise());
                out = null;
                continue;
            }
            if (out == null) {
                out = ctx.alloc().ioBuffer();
            }
            try {
                RespEncoder.write(r, out, slot.protocol);
            } catch (RuntimeException e) {
                out.release();
                throw e;
            }
            if (out.readableBytes() >= WRITE_CHUNK) {
                ctx.write(out, ctx.voidPromise());
                out = null;
            }
        }
        if (out != null) {
            ctx.write(out, ctx.voidPromise());
        }
        if (slots.size() < MAX_PENDING / 2 && !ctx.channel().config().isAutoRead() && !closing) {
            ctx.channel().config().setAutoRead(true);
        }
        if (closing && slots.isEmpty()) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    // LocalContext for LOCAL commands.

    @Override
    public long now() {
        return System.currentTimeMillis();
    }

    @Override
    public ClientSession client() {
        return session;
    }

    @Override
    public ServerState server() {
        return server;
    }
}
