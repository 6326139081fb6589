package io.sluice.testing.etcd;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP {@code CONNECT} proxy on loopback, as a corporate proxy stands between an agent and etcd:
 * either it opens every tunnel asked for ({@link #tunnelling()}) and passes the bytes both ways, or
 * it refuses every one with {@code 407 Proxy Authentication Required} ({@link #refusing()}); {@link
 * #openTunnels} switches between the two for the {@code CONNECT}s to come. A tunnel to a target it
 * cannot reach (etcd stopped behind it) is answered {@code 502 Bad Gateway}, as a real proxy does.
 *
 * <p>Reads only the {@code CONNECT host:port HTTP/1.1} line and the headers up to the empty line;
 * everything after that is the client's and etcd's own bytes. Point a JVM at it with {@link
 * #jvmProperties()}. Closing it closes every tunnel.
 */
public final class ConnectProxy implements AutoCloseable {

  private final ServerSocket server;
  private volatile boolean tunnel;
  private final List<String> connects = new CopyOnWriteArrayList<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  private ConnectProxy(boolean tunnel) throws IOException {
    this.tunnel = tunnel;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accepting = new Thread(this::acceptAll, "connect-proxy-" + server.getLocalPort());
    accepting.setDaemon(true);
    accepting.start();
  }

  /** A started proxy that opens every tunnel it is asked for. */
  public static ConnectProxy tunnelling() throws IOException {
    return new ConnectProxy(true);
  }

  /** A started proxy that answers every {@code CONNECT} with 407, asking for credentials. */
  public static ConnectProxy refusing() throws IOException {
    return new ConnectProxy(false);
  }

  /**
   * Whether the {@code CONNECT}s to come are tunnelled ({@code true}) or refused with 407; tunnels
   * already open stay.
   */
  public void openTunnels(boolean open) {
    tunnel = open;
  }

  /** The loopback port the proxy listens on. */
  public int port() {
    return server.getLocalPort();
  }

  /**
   * The system properties that make a JVM's default {@link java.net.ProxySelector} send {@code
   * https} traffic (which gRPC asks it for, whatever the scheme of the etcd endpoint) through this
   * proxy, loopback addresses included. {@code http.nonProxyHosts} (which applies to {@code https}
   * too) is set empty: the JDK adds its default {@code localhost|127.*|[::1]|0.0.0.0|[::0]} to any
   * other value, and to none.
   */
  public Map<String, String> jvmProperties() {
    return Map.of(
        "https.proxyHost",
        "127.0.0.1",
        "https.proxyPort",
        Integer.toString(port()),
        "http.nonProxyHosts",
        "");
  }

  /** The {@code host:port} of every {@code CONNECT} asked for so far, in order. */
  public List<String> connects() {
    return List.copyOf(connects);
  }

  private void acceptAll() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        sockets.add(client);
        Thread serving = new Thread(() -> serve(client), "connect-proxy-client");
        serving.setDaemon(true);
        serving.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket client) {
    try {
      InputStream in = client.getInputStream();
      String head = readHead(in);
      String[] requestLine = head.split("\r\n", 2)[0].split(" ");
      if (requestLine.length != 3 || !"CONNECT".equals(requestLine[0])) {
        answer(client, "405 Method Not Allowed", "");
        return;
      }
      String target = requestLine[1];
      connects.add(target);
      if (!tunnel) {
        answer(
            client,
            "407 Proxy Authentication Required",
            "Proxy-Authenticate: Basic realm=\"proxy\"\r\n");
        return;
      }
      int colon = target.lastIndexOf(':');
      Socket upstream;
      try {
        upstream =
            new Socket(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
      } catch (IOException unreachable) {
        // as a real proxy answers when it cannot reach the target (etcd down behind it)
        answer(client, "502 Bad Gateway", "");
        return;
      }
      sockets.add(upstream);
      client
          .getOutputStream()
          .write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      client.getOutputStream().flush();
      Thread back = new Thread(() -> pump(upstream, client), "connect-proxy-upstream");
      back.setDaemon(true);
      back.start();
      pump(client, upstream);
    } catch (IOException | RuntimeException gone) {
      closeQuietly(client);
    }
  }

  /** The request line and headers, up to and without the empty line that ends them. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int ended = 0; // how many of "\r\n\r\n" were just read
    while (ended < 4) {
      int b = in.read();
      if (b < 0) {
        throw new SocketException("closed before the end of the request headers");
      }
      head.write(b);
      ended = b == "\r\n\r\n".charAt(ended) ? ended + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  private static void answer(Socket client, String status, String headers) throws IOException {
    OutputStream out = client.getOutputStream();
    out.write(
        ("HTTP/1.1 " + status + "\r\n" + headers + "Content-Length: 0\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    client.close();
  }

  /** Copies {@code from} to {@code to} until either closes, then closes both. */
  private static void pump(Socket from, Socket to) {
    try {
      from.getInputStream().transferTo(to.getOutputStream());
    } catch (IOException closed) {
      // one side went away: the tunnel ends
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  /** Stops accepting and closes every tunnel. */
  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    sockets.forEach(ConnectProxy::closeQuietly);
  }
}
