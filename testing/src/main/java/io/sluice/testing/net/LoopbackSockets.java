package io.sluice.testing.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.util.List;

/**
 * Sockets bound to one port on both loopback addresses and never listening, for {@link HeldPort}
 * and {@link RefusedPorts}: the two hold a port the same way and differ only in whether a server
 * may listen beside their sockets (address reuse).
 */
final class LoopbackSockets {

  /** Ports tried for one that is free on both loopback addresses. */
  private static final int ATTEMPTS = 20;

  private LoopbackSockets() {}

  /**
   * Sockets bound to one free port on {@code 127.0.0.1} and, where the system has it, on {@code
   * ::1}: the first is the JVM's loopback address, the port is {@code get(0).getLocalPort()}.
   */
  static List<Socket> onBoth(boolean reuseAddress) {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    InetAddress other = otherLoopback(loopback);
    for (int attempt = 1; ; attempt++) {
      Socket first = bound(loopback, 0, reuseAddress);
      if (other == null) {
        return List.of(first);
      }
      try {
        return List.of(first, bind(other, first.getLocalPort(), reuseAddress));
      } catch (IOException taken) {
        closeQuietly(first);
        if (attempt == ATTEMPTS) {
          throw new UncheckedIOException(
              "could not hold a port on both " + loopback + " and " + other, taken);
        }
      }
    }
  }

  /** A socket bound to a free port on {@code address}. */
  static Socket bound(InetAddress address, int port, boolean reuseAddress) {
    try {
      return bind(address, port, reuseAddress);
    } catch (IOException e) {
      throw new UncheckedIOException("could not hold a port on " + address, e);
    }
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

  static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // an unconnected socket: nothing to flush
    }
  }

  private static Socket bind(InetAddress address, int port, boolean reuseAddress)
      throws IOException {
    Socket socket = new Socket();
    try {
      socket.setReuseAddress(reuseAddress);
      socket.bind(new InetSocketAddress(address, port));
      return socket;
    } catch (IOException e) {
      closeQuietly(socket);
      throw e;
    }
  }
}
