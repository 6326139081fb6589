package io.sluice.javaagent.it;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP server for the tests' hand-written HTTP peers ({@link RawDownstream}, {@link
 * WebSocketDownstream}), which misbehave in ways a real HTTP server will not: accepts on a daemon
 * thread of its own, serves each connection on a pool with {@link #serve}, counts what it accepted,
 * and on close closes every connection still open.
 */
abstract class LoopbackSocketServer implements AutoCloseable {

  private final ServerSocket server;
  private final ExecutorService connections = Executors.newCachedThreadPool();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();

  LoopbackSocketServer() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
  }

  /** Starts accepting; called once the subclass is fully made (never from a constructor). */
  final void listen(String name) {
    Thread acceptor = new Thread(this::accept, name + "-" + port());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Serves one connection, on a pool thread; the socket is closed after it returns. */
  abstract void serve(Socket socket) throws IOException;

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        accepted.incrementAndGet();
        open.add(socket);
        connections.execute(
            () -> {
              try (socket) {
                serve(socket);
              } catch (IOException e) {
                // the client went away, or the server closed: the connection is over
              } finally {
                open.remove(socket);
              }
            });
      } catch (IOException closed) {
        return;
      }
    }
  }

  /** The request line and headers, or {@code null} if the connection ended before them. */
  static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int b;
    while ((b = in.read()) != -1) {
      head.append((char) b);
      if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
        return head.toString();
      }
    }
    return null;
  }

  int port() {
    return server.getLocalPort();
  }

  /** How many connections the server accepted. */
  int connections() {
    return accepted.get();
  }

  /** How many connections are open now. */
  int openConnections() {
    return open.size();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : open) {
      socket.close();
    }
    connections.shutdownNow();
  }
}
