package io.sluice.controlplane;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Sends HTTP/1.1 requests byte for byte, as no client library would send them (a malformed request
 * line, an encoded slash, header bytes beyond ASCII), to see what the server answers to what it
 * must refuse before any of its code that a client library could reach.
 */
public final class RawHttp {

  private RawHttp() {}

  /** Sends {@code request} as it is to loopback {@code port}; answers all the server sent. */
  public static String exchange(int port, byte[] request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * Sends {@code requestLine} (with its CRLF) as it is, then a {@code Host} header and {@code
   * Connection: close}; answers all the server sent.
   */
  public static String exchange(int port, String requestLine) throws IOException {
    return exchange(
        port,
        (requestLine + "Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
  }
}
