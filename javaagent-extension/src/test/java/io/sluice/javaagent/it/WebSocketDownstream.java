package io.sluice.javaagent.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback WebSocket server (RFC 6455, just enough of it): it answers an upgrade request with
 * {@code 101 Switching Protocols}, sends the text message {@value #WELCOME} and a close frame, and
 * ends the connection once the client closes it. For paths with the segment {@value #HOLD} it sends
 * nothing after the upgrade and keeps the session open until the client ends it or the server is
 * closed: a long-lived session. {@link #answer(int)} makes it refuse upgrades with another status
 * instead.
 */
final class WebSocketDownstream extends LoopbackSocketServer {

  /** The text message a session gets right after the upgrade. */
  static final String WELCOME = "welcome";

  /** Sessions for paths with this segment stay open. */
  static final String HOLD = "/hold/";

  private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  private final AtomicInteger upgrades = new AtomicInteger();
  private volatile int status = 101;

  private WebSocketDownstream() throws IOException {}

  static WebSocketDownstream start() throws IOException {
    WebSocketDownstream downstream = new WebSocketDownstream();
    downstream.listen("websocket-downstream");
    return downstream;
  }

  @Override
  void serve(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    String head = readHead(in);
    if (head == null) {
      return;
    }
    OutputStream out = socket.getOutputStream();
    int answer = status;
    String key = header(head, "sec-websocket-key");
    if (answer != 101 || key == null) {
      out.write(
          ("HTTP/1.1 " + answer + " Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return;
    }
    out.write(
        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: "
                + accept(key)
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    upgrades.incrementAndGet();
    if (!head.substring(0, head.indexOf('\r')).contains(HOLD)) {
      byte[] text = WELCOME.getBytes(StandardCharsets.UTF_8);
      out.write(0x81); // final text frame, unmasked as a server's frames are
      out.write(text.length);
      out.write(text);
      out.write(new byte[] {(byte) 0x88, 2, 0x03, (byte) 0xE8}); // close, 1000 normal
    }
    out.flush();
    while (in.read() != -1) {
      // the client's frames (its close answer) are read and dropped until it ends the connection
    }
  }

  /** The value of header {@code name} (given in lower case) in {@code head}, or {@code null}. */
  private static String header(String head, String name) {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    return null;
  }

  private static String accept(String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-1")
              .digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Upgrades from now on ({@code 101}), or refuses them with {@code code}. */
  void answer(int code) {
    status = code;
  }

  String url(String path) {
    return "ws://127.0.0.1:" + port() + path;
  }

  /** How many upgrades the server accepted with {@code 101}. */
  int upgrades() {
    return upgrades.get();
  }
}
