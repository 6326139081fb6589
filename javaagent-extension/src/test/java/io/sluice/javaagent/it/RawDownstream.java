package io.sluice.javaagent.it;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP/1.1 server that misbehaves where {@link Downstream}'s server cannot (it reads
 * every body and answers {@code 100 Continue} by itself): it reads each request's head only, then
 * either resets the connection (the request's body, or the {@code 100 Continue} the client waits
 * for, never goes through) or, for paths under {@value #REFUSE}, refuses the request's {@code
 * Expect: 100-continue} with {@code 417 Expectation Failed}.
 */
final class RawDownstream extends LoopbackSocketServer {

  /** Requests under this path are answered {@code 417} right after their head. */
  static final String REFUSE = "/refuse/";

  private final AtomicInteger heads = new AtomicInteger();

  private RawDownstream() throws IOException {}

  static RawDownstream start() throws IOException {
    RawDownstream downstream = new RawDownstream();
    downstream.listen("raw-downstream");
    return downstream;
  }

  @Override
  void serve(Socket socket) throws IOException {
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
  }

  String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  /** How many request heads the server read. */
  int requestCount() {
    return heads.get();
  }
}
