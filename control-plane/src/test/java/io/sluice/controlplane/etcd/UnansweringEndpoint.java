package io.sluice.controlplane.etcd;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback port where no etcd answers although something is there: one that drops connection
 * attempts (a listening socket whose backlog of one is full and never accepted: Linux then drops
 * the SYNs, so a connect times out, as behind a firewall that drops), one that accepts connections
 * and never says anything (the kernel accepts into the backlog; nothing reads), or one that speaks
 * HTTP/2 and serves no call (it answers every connection with a SETTINGS frame, then reads and
 * ignores all it is sent, as an etcd member without a quorum keeps a read waiting).
 */
public final class UnansweringEndpoint implements AutoCloseable {

  private final ServerSocket server;
  private final List<Socket> filling;

  private UnansweringEndpoint(ServerSocket server, List<Socket> filling) {
    this.server = server;
    this.filling = filling;
  }

  /** An empty SETTINGS frame: length 0, type 4, no flags, stream 0 (RFC 9113 §6.5). */
  private static final byte[] SETTINGS = {0, 0, 0, 0x4, 0, 0, 0, 0, 0};

  /** A port that answers HTTP/2's connection preface and then never answers a call. */
  public static UnansweringEndpoint settingsOnly() {
    return settingsOnly(0);
  }

  /**
   * {@link #settingsOnly()} on loopback port {@code port} (one nothing listened on, where a client
   * was refused so far), or any free one for 0.
   */
  public static UnansweringEndpoint settingsOnly(int port) {
    ServerSocket server = listen(port);
    List<Socket> accepted = new CopyOnWriteArrayList<>();
    Thread acceptor =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket socket = server.accept();
                  accepted.add(socket);
                  Thread reader = new Thread(() -> answerSettingsOnly(socket), "settings-only");
                  reader.setDaemon(true);
                  reader.start();
                } catch (IOException closed) {
                  return; // the endpoint was closed
                }
              }
            },
            "settings-only-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    return new UnansweringEndpoint(server, accepted);
  }

  private static void answerSettingsOnly(Socket socket) {
    try {
      socket.getOutputStream().write(SETTINGS);
      socket.getOutputStream().flush();
      socket.getInputStream().transferTo(OutputStream.nullOutputStream());
    } catch (IOException closed) {
      // the client or the test closed it
    }
  }

  /** A port whose connects time out. */
  public static UnansweringEndpoint dropping() {
    ServerSocket server = listen(0);
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
    return new UnansweringEndpoint(listen(0), List.of());
  }

  private static ServerSocket listen(int port) {
    try {
      ServerSocket server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
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
