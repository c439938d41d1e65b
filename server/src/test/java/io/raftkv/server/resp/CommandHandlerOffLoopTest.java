package io.raftkv.server.resp;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.raftkv.server.StandardCommands;
import io.raftkv.server.command.ClientSession;
import io.raftkv.server.command.ServerState;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.reply.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Commands completed on another thread than the connection's event loop (the node's driver, in a server): their
 * replies still leave in request order, and every completion queued while the loop was busy goes out together, in
 * one buffer, instead of one task and one buffer per reply. (The count is taken at the head of the pipeline: the
 * local transport used here hands the peer what was written, so the client alone could not tell.)
 */
class CommandHandlerOffLoopTest {

    private final EventLoopGroup group = new DefaultEventLoopGroup(2);
    private final CommandHandlerTest.ManualNode node = new CommandHandlerTest.ManualNode();
    private final List<String> received = new CopyOnWriteArrayList<>();
    /** Buffers the connection's pipeline hands to the transport. */
    private final AtomicInteger buffersWritten = new AtomicInteger();
    private Channel serverSide;
    private Channel client;

    @AfterEach
    void close() throws InterruptedException {
        if (client != null) {
            client.close().sync();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private void connect() throws InterruptedException {
        ServerState server = new ServerState(ServerConfig.DEFAULTS, StandardCommands.table());
        LocalAddress addr = new LocalAddress("command-handler-off-loop-" + System.nanoTime());
        CountDownLatch accepted = new CountDownLatch(1);
        new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel c) {
                        serverSide = c;
                        c.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
                            @Override
                            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                                if (msg instanceof ByteBuf b && b.isReadable()) {
                                    buffersWritten.incrementAndGet();
                                }
                                ctx.write(msg, promise);
                            }
                        });
                        ClientChannelInitializer.pipeline(c.pipeline(), server, node,
                                new ClientSession("local:1", "local:2", 0, true));
                        accepted.countDown();
                    }
                }).bind(addr).sync();
        client = new Bootstrap().group(group).channel(LocalChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf b = (ByteBuf) msg;
                        received.add(b.toString(StandardCharsets.UTF_8));
                        b.release();
                    }
                }).connect(addr).sync().channel();
        assertTrue(accepted.await(10, TimeUnit.SECONDS));
    }

    private void send(String s) throws InterruptedException {
        client.writeAndFlush(Unpooled.copiedBuffer(s, StandardCharsets.UTF_8)).sync();
    }

    private void awaitCalls(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (node.calls.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(n, node.calls.size());
    }

    private String awaitReceived(int chars) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (String.join("", received).length() < chars && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        return String.join("", received);
    }

    @Test
    void completionsQueuedWhileTheLoopIsBusyLeaveTogetherInRequestOrder() throws InterruptedException {
        connect();
        StringBuilder pipeline = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            pipeline.append("SET k").append(i).append(" v\r\n");
        }
        send(pipeline.toString());
        awaitCalls(16);

        // Hold the connection's loop so that every completion below is queued before the loop sees any of them.
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        serverSide.eventLoop().execute(() -> {
            holding.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(holding.await(10, TimeUnit.SECONDS));
        buffersWritten.set(0);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            node.pending.get(i).reply(Reply.simple("r" + i));
            expected.append("+r").append(i).append("\r\n");
        }
        release.countDown();

        assertEquals(expected.toString(), awaitReceived(expected.length()));
        assertEquals(1, buffersWritten.get(), "one buffer written for the sixteen replies");
    }

    @Test
    void repliesCompletedOffTheLoopInAnyOrderLeaveInRequestOrder() throws InterruptedException {
        connect();
        send("SET a 1\r\nSET b 2\r\nSET c 3\r\nPING\r\n");
        awaitCalls(3);
        node.pending.get(2).reply(Reply.simple("third"));
        node.pending.get(0).reply(Reply.simple("first"));
        assertEquals("+first\r\n", awaitReceived(8));
        node.pending.get(1).reply(Reply.simple("second"));
        String all = "+first\r\n+second\r\n+third\r\n+PONG\r\n";
        assertEquals(all, awaitReceived(all.length()));
    }

    @Test
    void aCompletionAfterTheLoopTookTheQueueIsStillAnswered() throws InterruptedException {
        connect();
        send("SET a 1\r\nSET b 2\r\n");
        awaitCalls(2);
        node.pending.get(0).reply(Reply.simple("first"));
        assertEquals("+first\r\n", awaitReceived(8));
        node.pending.get(1).reply(Reply.simple("second"));
        assertEquals("+first\r\n+second\r\n", awaitReceived(17));
    }
}
