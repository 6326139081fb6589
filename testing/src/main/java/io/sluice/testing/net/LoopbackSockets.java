package io.sluice.testing.net;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sockets bound to one port on both loopback addresses and never listening, for {@link HeldPort}
 * and {@link RefusedPorts}: the two hold a port the same way and differ in whether a server may
 * listen beside their sockets (address reuse), and so in where the port comes from (see {@link
 * #reusableOnBoth()}).
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

  /**
   * Sockets that allow address reuse, bound to one port on {@code 127.0.0.1} and, where the system
   * has it, on {@code ::1}, that no other socket holds, chosen below the range of ports the system
   * hands to sockets asking for a free one (see {@link #ephemeralLow()}).
   *
   * <p>Not a free port from the system, as {@link #onBoth} takes: Linux hands a port that only
   * non-listening sockets allowing reuse are bound to, as these are, to a socket that asks for a
   * free port with address reuse, and Java's server sockets, Go's (etcd) and Vert.x's all ask that
   * way (on kernel 6.18, 8 in 200 000 such binds got a port held so). That server would then listen
   * on a port a test holds for its own server's restart. Below that range only a bind by number
   * reaches the port. The port is taken without address reuse first, which fails while any socket
   * is bound to it (another holder, a listener, a connection in TIME_WAIT); reuse is allowed once
   * it is held, so that a server can listen beside the sockets.
   */
  static List<Socket> reusableOnBoth() {
    int high = ephemeralLow();
    int low = Math.max(1024, high / 2);
    if (high - low < 1024) {
      return onBoth(true); // no room below the range: the system's free port, as before
    }
    InetAddress loopback = InetAddress.getLoopbackAddress();
    InetAddress other = otherLoopback(loopback);
    IOException last = null;
    List<InetAddress> addresses = other == null ? List.of(loopback) : List.of(loopback, other);
    for (int attempt = 1; attempt <= 10 * ATTEMPTS; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(low, high);
      List<Socket> held = new ArrayList<>();
      try {
        for (InetAddress address : addresses) {
          held.add(bind(address, port, false));
        }
        for (Socket socket : held) {
          socket.setReuseAddress(true);
        }
        return List.copyOf(held);
      } catch (IOException taken) {
        last = taken;
        held.forEach(LoopbackSockets::closeQuietly);
      }
    }
    throw new UncheckedIOException(
        "could not hold a port between " + low + " and " + high + " on the loopback addresses",
        last);
  }

  /**
   * The lowest port the system hands to a socket asking for a free one (Linux: the first of {@code
   * /proc/sys/net/ipv4/ip_local_port_range}); 32768, Linux's default, where that cannot be read
   * (other systems start higher: macOS and Windows at 49152).
   */
  static int ephemeralLow() {
    // one read from the start: a sysctl file answers nothing to a read that does not start at 0,
    // and Files.readString reads its first byte alone (the file says its size is 0)
    try (BufferedReader reader =
        Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
      return Integer.parseInt(reader.readLine().trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException unreadable) {
      return 32768;
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
