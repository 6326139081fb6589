package io.sluice.testing.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Loopback ports that refuse connections for as long as the test JVM runs, for tests of a target
 * that nothing listens on (etcd down, a closed service).
 *
 * <p>Exists because a port that was free a moment ago and is closed again (a server socket bound to
 * port 0, then closed) is free for anyone: a build starts many processes on free ports meanwhile
 * (etcd servers, apps, control planes, in several JVMs at once), and the system may give the port
 * to one of them, which then answers where the test expects a refusal. A port here stays bound to a
 * socket of this class that never listens: connections to it are refused, and the system gives it
 * to no other socket that asks for a free one. The sockets are kept until the JVM ends (a few per
 * test JVM).
 */
public final class RefusedPorts {

  private static final List<Socket> HELD = new CopyOnWriteArrayList<>();

  /** Ports tried for one that is free on both loopback addresses. */
  private static final int ATTEMPTS = 20;

  private RefusedPorts() {}

  /**
   * A port on {@code 127.0.0.1} whose connections are refused; on {@code ::1} too where the system
   * has it: a test may name the port's host {@code localhost}, which a client (gRPC) tries at each
   * of its addresses, and a socket bound to {@code ::1} alone is not kept from the port by one
   * bound to {@code 127.0.0.1}.
   */
  public static int any() {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    InetAddress other = otherLoopback(loopback);
    for (int attempt = 1; ; attempt++) {
      Socket first = bound(loopback, 0);
      if (other == null) {
        HELD.add(first);
        return first.getLocalPort();
      }
      try {
        Socket second = bind(other, first.getLocalPort());
        HELD.add(first);
        HELD.add(second);
        return first.getLocalPort();
      } catch (IOException taken) {
        closeQuietly(first);
        if (attempt == ATTEMPTS) {
          throw new UncheckedIOException(
              "could not hold a port on both " + loopback + " and " + other, taken);
        }
      }
    }
  }

  /** As {@link #any()}, on the loopback address {@code address} ({@code ::1}, say) only. */
  public static int on(InetAddress address) {
    Socket socket = bound(address, 0);
    HELD.add(socket);
    return socket.getLocalPort();
  }

  /** The loopback address of the other family, if this system has it; {@code null} if not. */
  static InetAddress otherLoopback(InetAddress loopback) {
    try {
      InetAddress other =
          loopback instanceof Inet6Address
              ? InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1})
              : InetAddress.getByAddress("localhost", Inet6Address.getByName("::1").getAddress());
      return NetworkInterface.getByInetAddress(other) != null ? other : null;
    } catch (IOException none) {
      return null;
    }
  }

  private static Socket bound(InetAddress address, int port) {
    try {
      return bind(address, port);
    } catch (IOException e) {
      throw new UncheckedIOException("could not hold a port on " + address, e);
    }
  }

  private static Socket bind(InetAddress address, int port) throws IOException {
    Socket socket = new Socket();
    try {
      socket.bind(new InetSocketAddress(address, port));
      return socket;
    } catch (IOException e) {
      closeQuietly(socket);
      throw e;
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // unconnected: nothing to release
    }
  }
}
