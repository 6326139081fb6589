package io.sluice.testing.net;

import java.net.InetAddress;
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

  private RefusedPorts() {}

  /**
   * A port on {@code 127.0.0.1} whose connections are refused; on {@code ::1} too where the system
   * has it: a test may name the port's host {@code localhost}, which a client (gRPC) tries at each
   * of its addresses, and a socket bound to {@code ::1} alone is not kept from the port by one
   * bound to {@code 127.0.0.1}.
   */
  public static int any() {
    List<Socket> sockets = LoopbackSockets.onBoth(false);
    HELD.addAll(sockets);
    return sockets.get(0).getLocalPort();
  }

  /** As {@link #any()}, on the loopback address {@code address} ({@code ::1}, say) only. */
  public static int on(InetAddress address) {
    Socket socket = LoopbackSockets.bound(address, 0, false);
    HELD.add(socket);
    return socket.getLocalPort();
  }
}
