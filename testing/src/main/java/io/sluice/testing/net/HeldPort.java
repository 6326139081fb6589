package io.sluice.testing.net;

import java.net.Socket;
import java.util.List;

/**
 * A loopback port kept for a server that a test starts, stops and starts again on the same port
 * (the page's origin, an endpoint a client was given), until {@link #close()}.
 *
 * <p>Exists because a port that was free a moment ago (a server socket bound to port 0, then
 * closed) is free for anyone while the server is not running: before its first start and between a
 * stop and the next start. A build starts many processes on free ports meanwhile (etcd servers,
 * apps, control planes, in several JVMs at once), and the system may give the port to one of them,
 * so that the server cannot start again on it. The port here stays bound to a socket of this class
 * that never listens and allows address reuse: servers that bind with address reuse, as Java's
 * server sockets (so Tomcat) and Go's (so etcd) do, listen on it beside that socket, and whenever
 * none does, connections are refused and the system gives the port to no other socket that asks for
 * a free one: the port lies below the range it hands out (see {@link
 * LoopbackSockets#reusableOnBoth()}: within it, Linux does give a port held this way to a socket
 * that asks for a free one with address reuse).
 */
public final class HeldPort implements AutoCloseable {

  private final List<Socket> sockets;

  private HeldPort(List<Socket> sockets) {
    this.sockets = sockets;
  }

  /**
   * A port no other socket holds, below the system's range of free ports, on {@code 127.0.0.1},
   * held until {@link #close()}; on {@code ::1} too where the system has it: a socket held on
   * {@code 127.0.0.1} alone does not keep another process from binding {@code ::1} with the same
   * port, and a server listening on every address (Tomcat) could not start beside that one.
   */
  public static HeldPort any() {
    return new HeldPort(LoopbackSockets.reusableOnBoth());
  }

  public int port() {
    return sockets.get(0).getLocalPort();
  }

  /** Lets the port go. */
  @Override
  public void close() {
    sockets.forEach(LoopbackSockets::closeQuietly);
  }
}
