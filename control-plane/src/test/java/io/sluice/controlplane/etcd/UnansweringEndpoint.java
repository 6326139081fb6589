package io.sluice.controlplane.etcd;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback port where no etcd answers although something is there: one that drops connection
 * attempts (a listening socket whose backlog of one is full and never accepted: Linux then drops
 * the SYNs, so a connect times out, as behind a firewall that drops), one that accepts connections
 * and never says anything (the kernel accepts into the backlog; nothing reads), or one that speaks
 * HTTP/2 and serves no call (it answers every connection with a SETTINGS frame, then reads and
 * ignores all it is sent, as an etcd member without a quorum keeps a read waiting). A silent one
 * can also accept connections itself, to count them and see them ended.
 */
public final class UnansweringEndpoint implements AutoCloseable {

  private final ServerSocket server;
  private final List<Socket> filling;

  /** Connections accepted, by {@link #settingsOnly} and {@link #silentAccepting} endpoints. */
  private final AtomicInteger connections = new AtomicInteger();

  /** Of those, the ones the client sent something on. */
  private final AtomicInteger heardFrom = new AtomicInteger();

  /** Of those, the ones the client ended (closed or reset), not this endpoint. */
  private final AtomicInteger endedByTheClient = new AtomicInteger();

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
    return accepting(port, SETTINGS, "settings-only");
  }

  /**
   * A port that accepts connections, reads all it is sent and never says anything, as {@link
   * #silent()} but accepting them itself: it tells how many connections it had ({@link
   * #connections()}), on how many the client wrote ({@link #heardFrom()}) and how many of them the
   * client ended ({@link #endedByTheClient()}), so a test can see when a client connected and
   * whether it let go, without timing it.
   */
  public static UnansweringEndpoint silentAccepting() {
    return accepting(0, new byte[0], "silent-accepting");
  }

  /** Accepts every connection on a thread of its own, sends each {@code greeting}, then reads. */
  private static UnansweringEndpoint accepting(int port, byte[] greeting, String name) {
    ServerSocket server = listen(port);
    UnansweringEndpoint endpoint = new UnansweringEndpoint(server, new CopyOnWriteArrayList<>());
    Thread acceptor = new Thread(() -> endpoint.acceptAll(greeting, name), name + "-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    return endpoint;
  }

  private void acceptAll(byte[] greeting, String name) {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        filling.add(socket);
        connections.incrementAndGet();
        Thread reader = new Thread(() -> greetAndRead(socket, greeting), name);
        reader.setDaemon(true);
        reader.start();
      } catch (IOException closed) {
        return; // the endpoint was closed
      }
    }
  }

  private void greetAndRead(Socket socket, byte[] greeting) {
    try {
      socket.getOutputStream().write(greeting);
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      if (in.read() != -1) {
        heardFrom.incrementAndGet();
        in.transferTo(OutputStream.nullOutputStream());
      }
      endedByTheClient.incrementAndGet(); // the end of the stream: the client closed it
    } catch (IOException e) {
      if (!socket.isClosed()) {
        endedByTheClient.incrementAndGet(); // reset by the client
      }
      // else the test closed the endpoint
    }
  }

  /**
   * How many connections a {@link #settingsOnly} or {@link #silentAccepting} endpoint accepted so
   * far; always 0 for the others.
   */
  public int connections() {
    return connections.get();
  }

  /**
   * How many of the {@link #connections()} the client sent something on (a probe or a gRPC client,
   * HTTP/2's preface): it had connected and then written.
   */
  public int heardFrom() {
    return heardFrom.get();
  }

  /**
   * How many of the {@link #connections()} the client ended, by closing or resetting it (the
   * endpoint itself never does until it is closed).
   */
  public int endedByTheClient() {
    return endedByTheClient.get();
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
