package io.sluice.controlplane.etcd;

import io.sluice.etcd.EtcdAddress;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Whether anything that speaks listens at etcd's endpoints, told by a plain TCP connect to each
 * address of each endpoint and, once one accepts, whether it answers the first bytes a gRPC client
 * sends (the HTTP/2 preface and an empty SETTINGS frame). It exists for {@link EtcdWarmUp}: jetcd's
 * calls wait for a connection ({@code waitForReady}), so a read of an etcd that is not there only
 * ends at its deadline, with nothing to tell "not there" from "slow to answer".
 *
 * <p>An etcd answers the preface at once: with its own SETTINGS frame over plain TCP, by closing
 * the connection (or resetting it) when it serves TLS. Nothing there answers differently: the OS
 * refuses the connection, a firewall or a full backlog drops it (the connect times out), or a
 * process accepts it and says nothing (a hung etcd, a wrong port). The addresses are tried one
 * after the other, each connect and each wait for an answer bounded by the timeout given.
 */
final class EndpointProbe {

  /** HTTP/2's client connection preface, then an empty SETTINGS frame (RFC 9113 §3.4). */
  private static final byte[] PREFACE = preface();

  private final List<EtcdAddress> addresses;
  private final int timeoutMs;

  /** What one address of an endpoint showed. */
  enum Seen {
    ANSWERED("answered"),
    REFUSED("connection refused"),
    CONNECT_TIMED_OUT("connect timed out"),
    SILENT("accepted but did not answer"),
    UNRESOLVED("does not resolve"),
    UNREACHABLE("could not connect");

    private final String text;

    Seen(String text) {
      this.text = text;
    }
  }

  /**
   * What one address showed.
   *
   * @param address {@code host:port}, and the address it resolved to when the host is a name
   * @param detail the error's message where it says more than {@code seen}, else {@code null}
   */
  record Finding(String address, Seen seen, String detail) {
    /** What the address showed, with the detail if any. */
    String shown() {
      return seen.text + (detail == null ? "" : " (" + detail + ")");
    }

    @Override
    public String toString() {
      return address + ": " + shown();
    }
  }

  /** What one probe of every address showed; it stops at the first address that answers. */
  record Probed(List<Finding> findings) {

    /**
     * Whether addresses were probed and none answered: nothing serves etcd there now. False when
     * there was nothing to probe (no proof either way).
     */
    boolean nothingAnswered() {
      return !findings.isEmpty() && findings.stream().noneMatch(f -> f.seen() == Seen.ANSWERED);
    }

    /** Whether every address refused the connection: nothing listens there at all. */
    boolean refusedEverywhere() {
      return !findings.isEmpty() && findings.stream().allMatch(f -> f.seen() == Seen.REFUSED);
    }

    /** Each address and what it showed, for a log line. */
    @Override
    public String toString() {
      return findings.stream().map(Finding::toString).collect(Collectors.joining("; "));
    }
  }

  /**
   * @param addresses the endpoints the client dials
   * @param timeout how long one connect, and then the wait for an answer, may take
   */
  EndpointProbe(List<EtcdAddress> addresses, Duration timeout) {
    this.addresses = List.copyOf(addresses);
    this.timeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
  }

  /** Probes the addresses in turn until one answers. */
  Probed probe() {
    List<Finding> findings = new ArrayList<>();
    for (EtcdAddress address : addresses) {
      InetAddress[] all;
      try {
        all = InetAddress.getAllByName(address.host());
      } catch (IOException e) {
        findings.add(new Finding(address.target(), Seen.UNRESOLVED, null));
        continue;
      }
      for (InetAddress inet : all) {
        String named =
            inet.getHostAddress().equals(address.host())
                    || ("[" + inet.getHostAddress() + "]").equals(address.host())
                ? address.target()
                : address.target() + " (" + inet.getHostAddress() + ")";
        Finding finding = probe(named, new InetSocketAddress(inet, address.port()));
        findings.add(finding);
        if (finding.seen() == Seen.ANSWERED) {
          return new Probed(List.copyOf(findings));
        }
      }
    }
    return new Probed(List.copyOf(findings));
  }

  private Finding probe(String named, InetSocketAddress target) {
    try (Socket socket = new Socket()) {
      try {
        socket.connect(target, timeoutMs);
      } catch (ConnectException e) {
        // "Connection refused"; the OS's own connect timeout is a ConnectException too
        return e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("refused")
            ? new Finding(named, Seen.REFUSED, null)
            : new Finding(named, Seen.UNREACHABLE, e.getMessage());
      } catch (SocketTimeoutException e) {
        return new Finding(named, Seen.CONNECT_TIMED_OUT, null);
      } catch (IOException | IllegalArgumentException e) {
        return new Finding(named, Seen.UNREACHABLE, e.getMessage());
      }
      socket.setSoTimeout(timeoutMs);
      try {
        socket.getOutputStream().write(PREFACE);
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        in.read(); // a byte, or the end of the stream: either is an answer
      } catch (SocketTimeoutException e) {
        return new Finding(named, Seen.SILENT, null);
      } catch (IOException reset) {
        // reset: a TLS server closes on bytes that are no handshake, often with them unread
      }
      return new Finding(named, Seen.ANSWERED, null);
    } catch (IOException e) {
      return new Finding(named, Seen.UNREACHABLE, e.getMessage());
    }
  }

  /** The endpoints, {@code host:port}, for a log line. */
  String targets() {
    return String.join(", ", addresses.stream().map(EtcdAddress::target).distinct().toList());
  }

  private static byte[] preface() {
    byte[] magic = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    byte[] settings = {0, 0, 0, 0x4, 0, 0, 0, 0, 0}; // length 0, type SETTINGS, no flags, stream 0
    byte[] all = new byte[magic.length + settings.length];
    System.arraycopy(magic, 0, all, 0, magic.length);
    System.arraycopy(settings, 0, all, magic.length, settings.length);
    return all;
  }
}
