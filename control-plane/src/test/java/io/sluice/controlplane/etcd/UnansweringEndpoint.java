package io.sluice.controlplane.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback port where no etcd answers although something is there: one that drops connection
 * attempts (a listening socket whose backlog of one is full and never accepted: Linux then drops
 * the SYNs, so a connect times out, as behind a firewall that drops), or one that accepts
 * connections and never says anything (the kernel accepts into the backlog; nothing reads).
 */
public final class UnansweringEndpoint implements AutoCloseable {

  private final ServerSocket server;
  private final List<Socket> filling;

  private UnansweringEndpoint(ServerSocket server, List<Socket> filling) {
    this.server = server;
    this.filling = filling;
  }

  /** A port whose connects time out. */
  public static UnansweringEndpoint dropping() {
    ServerSocket server = listen();
    List<Socket> filling = new ArrayList<>();
    try {
      for (int i = 0; i < 16; i++) {
        Socket socket = new Socket();
        try {
          socket.connect(server.getLocalSocketAddress(), 500);
          filling.add(socket);
        } catch (SocketTimeoutException dropped) {
          socket.close();
          return new UnansweringEndpoint(server, filling);
        }
      }
      throw new IllegalStateException(
          "the backlog never filled: this OS does not drop connects to a full backlog");
    } catch (IOException | RuntimeException e) {
      new UnansweringEndpoint(server, filling).close();
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  /** A port that accepts connections and never answers. */
  public static UnansweringEndpoint silent() {
    return new UnansweringEndpoint(listen(), List.of());
  }

  private static ServerSocket listen() {
    try {
      ServerSocket server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return server.getLocalPort();
  }

  /** {@code http://127.0.0.1:port}, an etcd endpoint. */
  public String endpoint() {
    return "http://127.0.0.1:" + port();
  }

  @Override
  public void close() {
    for (Socket socket : filling) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing a test's socket
      }
    }
    try {
      server.close();
    } catch (IOException ignored) {
      // closing a test's socket
    }
  }
}
