package io.sluice.testing.etcd;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/2 server on loopback (cleartext, as gRPC dials an {@code http://} endpoint) that answers
 * every request with one HTTP status and a plain-text body, as a proxy or an Envoy in front of etcd
 * does when it refuses a call (403, 407) or cannot pass it on (502): where an agent expects etcd,
 * something that is not etcd answers. {@link #answeringGrpc} answers in gRPC's terms instead, as
 * Envoy's RBAC filter denies a gRPC call.
 */
public final class NotEtcdHttpServer implements AutoCloseable {

  private final int status;
  private final String body;

  /** The {@code grpc-status} to answer with, {@code body} its {@code grpc-message}; -1 for HTTP. */
  private final int grpcStatus;

  private final AtomicInteger answered = new AtomicInteger();
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private volatile Channel listening;
  private volatile int port;

  private NotEtcdHttpServer(int status, String body, int grpcStatus) {
    this.status = status;
    this.body = body;
    this.grpcStatus = grpcStatus;
  }

  /** A server answering {@code status} with {@code body}, listening on a free port. */
  public static NotEtcdHttpServer answering(int status, String body) {
    NotEtcdHttpServer server = new NotEtcdHttpServer(status, body, -1);
    server.listen(0);
    return server;
  }

  /**
   * A server answering every call as gRPC does a failed one, with HTTP 200, {@code content-type:
   * application/grpc}, {@code grpc-status} and {@code grpc-message} and no body, listening on a
   * free port: {@code answeringGrpc(7, "RBAC: access denied")} is Envoy's RBAC filter denying a
   * gRPC call. {@code message} must be printable ASCII without {@code %} (sent as is).
   */
  public static NotEtcdHttpServer answeringGrpc(int grpcStatus, String message) {
    NotEtcdHttpServer server = new NotEtcdHttpServer(200, message, grpcStatus);
    server.listen(0);
    return server;
  }

  /** The endpoint an agent would have for etcd. */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** How many requests it answered. */
  public int answered() {
    return answered.get();
  }

  /** Stops listening and closes its connections: a client now finds nothing there. */
  public void stop() {
    Channel channel = listening;
    if (channel != null) {
      channel.close().syncUninterruptibly();
      listening = null;
    }
    connections.close().syncUninterruptibly();
  }

  /** Listens again on the same port. */
  public void start() {
    listen(port);
  }

  private void listen(int on) {
    listening =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel connection) {
                    connections.add(connection);
                    connection
                        .pipeline()
                        .addLast(
                            Http2FrameCodecBuilder.forServer().build(),
                            new Http2MultiplexHandler(
                                new ChannelInitializer<Channel>() {
                                  @Override
                                  protected void initChannel(Channel stream) {
                                    stream.pipeline().addLast(new Answer());
                                  }
                                }));
                  }
                })
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), on))
            .syncUninterruptibly()
            .channel();
    port = ((InetSocketAddress) listening.localAddress()).getPort();
  }

  @Override
  public void close() {
    stop();
    group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Answers a stream's request headers with the status and the body, once. */
  private final class Answer extends ChannelInboundHandlerAdapter {
    private boolean done;

    @Override
    public void channelRead(ChannelHandlerContext context, Object frame) {
      boolean headers = frame instanceof Http2HeadersFrame;
      ReferenceCountUtil.release(frame);
      if (headers && !done) {
        done = true;
        answered.incrementAndGet();
        if (grpcStatus >= 0) {
          // trailers-only, as gRPC and Envoy answer a call that fails before any message
          context.writeAndFlush(
              new DefaultHttp2HeadersFrame(
                  new DefaultHttp2Headers()
                      .status("200")
                      .set("content-type", "application/grpc")
                      .set("grpc-status", String.valueOf(grpcStatus))
                      .set("grpc-message", body),
                  true));
          return;
        }
        context.write(
            new DefaultHttp2HeadersFrame(
                new DefaultHttp2Headers()
                    .status(String.valueOf(status))
                    .set("content-type", "text/plain; charset=utf-8")));
        context.writeAndFlush(
            new DefaultHttp2DataFrame(Unpooled.copiedBuffer(body, StandardCharsets.UTF_8), true));
      }
    }
  }
}
