package io.sluice.sdk.source;

import io.sluice.testing.net.HeldPort;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy a test can cut and restore, to disconnect one client from a running etcd
 * while the test keeps talking to etcd directly (which stopping etcd cannot do).
 */
final class TcpProxy implements AutoCloseable {

  private final int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  /**
   * The proxy's port, held for its life: between a {@link #disconnect()} and the next {@link
   * #reconnect()} no other process is given it (see {@link HeldPort}).
   */
  private final HeldPort held = HeldPort.any();

  private final int port = held.port();
  private volatile ServerSocket server;

  /** The thread accepting on {@link #server}, which {@link #disconnect()} waits for. */
  private Thread acceptor;

  private TcpProxy(int targetPort) {
    this.targetPort = targetPort;
  }

  /** A proxy to {@code 127.0.0.1:targetPort}, accepting connections. */
  static TcpProxy to(int targetPort) throws IOException {
    TcpProxy proxy = new TcpProxy(targetPort);
    try {
      proxy.open();
    } catch (IOException | RuntimeException e) {
      proxy.held.close();
      throw e;
    }
    return proxy;
  }

  String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /**
   * Breaks every connection and refuses new ones until {@link #reconnect()}, once it returns: it
   * waits for the accepting thread to end. Closing a server socket that a thread is blocked
   * accepting on (JDK 17, Linux) only signals that thread; until its {@code accept} call returns,
   * the listening socket lives on in the system and a client can still connect (seen in a build: a
   * connection to the cut proxy was accepted).
   */
  void disconnect() throws IOException {
    Thread accepting;
    synchronized (this) {
      server.close();
      for (Socket socket : sockets) {
        socket.close();
      }
      sockets.clear();
      accepting = acceptor;
    }
    // outside the lock: the accepting thread may be waiting for it to refuse a last connection
    try {
      accepting.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the proxy stopped accepting", e);
    }
    if (accepting.isAlive()) {
      throw new IOException("the proxy's accepting thread did not end within 10 s");
    }
  }

  /**
   * Breaks every connection open now and goes on accepting new ones, as a proxy that ends idle
   * streams does (nginx's {@code grpc_read_timeout}).
   */
  synchronized void cut() throws IOException {
    for (Socket socket : sockets) {
      socket.close();
    }
    sockets.clear();
  }

  /** Accepts connections again, on the same port. */
  synchronized void reconnect() throws IOException {
    open();
  }

  @Override
  public void close() throws IOException {
    try {
      disconnect();
    } finally {
      held.close();
    }
  }

  int port() {
    return port;
  }

  /** Listens on the held port, beside the socket that holds it (both allow address reuse). */
  private void open() throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.setReuseAddress(true);
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    Thread accepting = new Thread(() -> accept(socket), "tcp-proxy-accept");
    accepting.setDaemon(true);
    synchronized (this) {
      server = socket;
      acceptor = accepting;
    }
    accepting.start();
  }

  private void accept(ServerSocket socket) {
    while (!socket.isClosed()) {
      Socket client = null;
      Socket target = null;
      try {
        client = socket.accept();
        target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        if (admit(socket, client, target)) {
          pump(client, target);
          pump(target, client);
          continue;
        }
      } catch (IOException e) {
        // Closed by disconnect(), or the target refused: the client sees a broken connection.
      }
      closeQuietly(client);
      closeQuietly(target);
    }
  }

  /**
   * Keeps a connection that {@code socket} accepted, unless {@link #disconnect()} closed that
   * socket meanwhile: a client reconnecting at once can be accepted while disconnect() runs, and
   * would otherwise pass the cut unnoticed (seen on a loaded machine).
   */
  private synchronized boolean admit(ServerSocket socket, Socket client, Socket target) {
    if (socket != server || socket.isClosed()) {
      return false;
    }
    sockets.add(client);
    sockets.add(target);
    return true;
  }

  private void pump(Socket from, Socket to) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  out.write(buffer, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // Either side closed.
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "tcp-proxy-pump");
    thread.setDaemon(true);
    thread.start();
  }

  private static void closeQuietly(Socket socket) {
    if (socket == null) {
      return;
    }
    try {
      socket.close();
    } catch (IOException ignored) {
      // Already closed.
    }
  }
}
