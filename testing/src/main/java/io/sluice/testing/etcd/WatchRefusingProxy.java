package io.sluice.testing.etcd;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.HandlerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A gRPC proxy on loopback in front of a real etcd that passes every call on but the watch, which
 * it refuses ({@code PERMISSION_DENIED}), as a proxy or gateway that allows only some of etcd's
 * methods does: reads work, watches never do.
 */
public final class WatchRefusingProxy implements AutoCloseable {

  private static final String WATCH = "etcdserverpb.Watch/Watch";

  private final ManagedChannel etcd;
  private final Server server;
  private final AtomicInteger watchesRefused = new AtomicInteger();

  /** A proxy of the etcd listening on {@code etcdPort} of 127.0.0.1, started. */
  public WatchRefusingProxy(int etcdPort) throws IOException {
    etcd = NettyChannelBuilder.forAddress("127.0.0.1", etcdPort).usePlaintext().build();
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .fallbackHandlerRegistry(
                new HandlerRegistry() {
                  @Override
                  public ServerMethodDefinition<?, ?> lookupMethod(
                      String methodName, String authority) {
                    MethodDescriptor<byte[], byte[]> method =
                        MethodDescriptor.<byte[], byte[]>newBuilder()
                            .setType(MethodDescriptor.MethodType.UNKNOWN)
                            .setFullMethodName(methodName)
                            .setRequestMarshaller(BytesMarshaller.INSTANCE)
                            .setResponseMarshaller(BytesMarshaller.INSTANCE)
                            .build();
                    return ServerMethodDefinition.create(
                        method,
                        WATCH.equals(methodName)
                            ? WatchRefusingProxy.this::refuse
                            : WatchRefusingProxy.this::forward);
                  }
                })
            .build()
            .start();
  }

  /** The endpoint to give a client instead of etcd's. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getPort();
  }

  /** How many watches the proxy refused so far. */
  public int watchesRefused() {
    return watchesRefused.get();
  }

  private ServerCall.Listener<byte[]> refuse(ServerCall<byte[], byte[]> call, Metadata headers) {
    watchesRefused.incrementAndGet();
    call.close(
        Status.PERMISSION_DENIED.withDescription("this proxy does not pass watches"),
        new Metadata());
    return new ServerCall.Listener<>() {};
  }

  /** Passes one call on, each message as it comes; calls on each side are serialized. */
  private ServerCall.Listener<byte[]> forward(
      ServerCall<byte[], byte[]> serverCall, Metadata headers) {
    ClientCall<byte[], byte[]> clientCall =
        etcd.newCall(serverCall.getMethodDescriptor(), CallOptions.DEFAULT);
    synchronized (clientCall) {
      clientCall.start(
          new ClientCall.Listener<>() {
            @Override
            public void onHeaders(Metadata responseHeaders) {
              synchronized (serverCall) {
                serverCall.sendHeaders(responseHeaders);
              }
            }

            @Override
            public void onMessage(byte[] message) {
              synchronized (serverCall) {
                serverCall.sendMessage(message);
              }
              synchronized (clientCall) {
                clientCall.request(1);
              }
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
              synchronized (serverCall) {
                serverCall.close(status, trailers);
              }
            }
          },
          headers);
      clientCall.request(1);
    }
    synchronized (serverCall) {
      serverCall.request(1);
    }
    return new ServerCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        synchronized (clientCall) {
          clientCall.sendMessage(message);
        }
        synchronized (serverCall) {
          serverCall.request(1);
        }
      }

      @Override
      public void onHalfClose() {
        synchronized (clientCall) {
          clientCall.halfClose();
        }
      }

      @Override
      public void onCancel() {
        synchronized (clientCall) {
          clientCall.cancel("cancelled by the caller", null);
        }
      }
    };
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    etcd.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
    etcd.awaitTermination(5, TimeUnit.SECONDS);
  }
}
