package io.sluice.javaagent.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP/1.1 server that misbehaves where {@link Downstream}'s server cannot (it reads
 * every body and answers {@code 100 Continue} by itself): it reads each request's head only, then
 * either resets the connection (the request's body, or the {@code 100 Continue} the client waits
 * for, never goes through) or, for paths under {@value #REFUSE}, refuses the request's {@code
 * Expect: 100-continue} with {@code 417 Expectation Failed}.
 */
final class RawDownstream implements AutoCloseable {

  /** Requests under this path are answered {@code 417} right after their head. */
  static final String REFUSE = "/refuse/";

  private final ServerSocket server;
  private final ExecutorService connections = Executors.newCachedThreadPool();
  private final AtomicInteger heads = new AtomicInteger();

  private RawDownstream(ServerSocket server) {
    this.server = server;
  }

  static RawDownstream start() throws IOException {
    RawDownstream downstream =
        new RawDownstream(new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1")));
    Thread acceptor = new Thread(downstream::accept, "raw-downstream-" + downstream.port());
    acceptor.setDaemon(true);
    acceptor.start();
    return downstream;
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        connections.execute(() -> serve(socket));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      String head = readHead(socket.getInputStream());
      if (head == null) {
        return;
      }
      heads.incrementAndGet();
      if (head.startsWith(REFUSE, head.indexOf(' ') + 1)) {
        OutputStream out = socket.getOutputStream();
        out.write(
            "HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } else {
        socket.setSoLinger(true, 0); // close with a reset, whatever the client still sends
      }
    } catch (IOException e) {
      // the client went away first: nothing to serve
    }
  }

  /** The request line and headers, or {@code null} if the connection ended before them. */
  private static String readHead(InputStream in) throws IOException {
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

  String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  int port() {
    return server.getLocalPort();
  }

  /** How many request heads the server read. */
  int requestCount() {
    return heads.get();
  }

  @Override
  public void close() throws IOException {
    server.close();
    connections.shutdownNow();
  }
}
