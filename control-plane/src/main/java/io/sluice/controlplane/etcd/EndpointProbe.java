package io.sluice.controlplane.etcd;

import io.sluice.etcd.EtcdAddress;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
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
 * process accepts it and says nothing (a hung etcd, a wrong port). All addresses are probed at
 * once, the connect and the wait for an answer together bounded by the timeout given.
 */
final class EndpointProbe {

  /** HTTP/2's client connection preface, then an empty SETTINGS frame (RFC 9113 §3.4). */
  private static final byte[] PREFACE = preface();

  private final List<EtcdAddress> addresses;
  private final int timeoutMs;

  /** Whether the endpoints are plain text ({@code http://}): then only HTTP/2 frames answer. */
  private final boolean plainText;

  private final Resolver resolver;

  /** The lookups of the HTTP proxies' names that tell how the client dials each endpoint. */
  private final ProxyNames proxyNames;

  /** Resolves a host name to its addresses, as {@link InetAddress#getAllByName} does. */
  @FunctionalInterface
  interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  /** What one address of an endpoint showed. */
  enum Seen {
    ANSWERED("answered"),
    /**
     * A plain-text endpoint that closed the connection on HTTP/2's preface (or sent something that
     * is no HTTP/2 frame), as an etcd serving only TLS does: plain etcd answers with its SETTINGS.
     */
    ANSWERED_NOT_IN_PLAIN_TEXT(
        "answered, but not in plain-text HTTP/2 (etcd there speaks only TLS?)"),
    REFUSED("connection refused"),
    CONNECT_TIMED_OUT("connect timed out"),
    SILENT("accepted but did not answer"),
    UNRESOLVED("does not resolve"),
    /**
     * The name was still being resolved when the time was up (a slow or unreachable DNS server): no
     * proof that it does not resolve. Its {@link Finding#detail} is how long it had.
     */
    RESOLVING("did not resolve within"),
    UNREACHABLE("could not connect"),
    /**
     * Not probed: the client dials it through the HTTP proxy its {@link Finding#detail} names, and
     * a direct connect says nothing of that way. Never in a {@link Probed}.
     */
    THROUGH_PROXY("not probed: dialled through the HTTP proxy"),
    /**
     * Not probed: as {@link #THROUGH_PROXY}, through the HTTP proxy its {@link Finding#detail}
     * names ({@code host:port}), whose name's first lookup has not answered yet: the client is
     * taken to dial it through that proxy, as it does once the name resolves. Never in a {@link
     * Probed}.
     */
    THROUGH_PROXY_BEING_LOOKED_UP("not probed: dialled through the HTTP proxy"),
    /**
     * Not probed: the client leaves it out, for its {@link Finding#detail} (the JVM's proxy
     * selector gave no usable answer for it). Never in a {@link Probed}.
     */
    LEFT_OUT("not probed: the client leaves it out");

    private final String text;

    Seen(String text) {
      this.text = text;
    }

    /** Whether the endpoint is dialled through an HTTP proxy, its name resolved or not yet. */
    boolean throughProxy() {
      return this == THROUGH_PROXY || this == THROUGH_PROXY_BEING_LOOKED_UP;
    }
  }

  /**
   * What one address showed.
   *
   * @param address {@code host:port}, and the address it resolved to when the host is a name
   * @param detail the error's message where it says more than {@code seen}, else {@code null}
   */
  record Finding(String address, Seen seen, String detail) {
    /** Whether something answered there, in whichever way. */
    boolean answered() {
      return seen == Seen.ANSWERED || seen == Seen.ANSWERED_NOT_IN_PLAIN_TEXT;
    }

    /** What the address showed, with the detail if any. */
    String shown() {
      if (seen == Seen.RESOLVING || seen == Seen.THROUGH_PROXY) {
        return seen.text + " " + detail;
      }
      if (seen == Seen.THROUGH_PROXY_BEING_LOOKED_UP) {
        return seen.text + " " + detail + ", whose name is still being looked up";
      }
      return seen.text + (detail == null ? "" : " (" + detail + ")");
    }

    @Override
    public String toString() {
      return address + ": " + shown();
    }
  }

  /** What one probe of every address showed. */
  record Probed(List<Finding> findings) {

    /**
     * Whether addresses were probed and none answered: nothing serves etcd there now. False when
     * there was nothing to probe (no proof either way).
     */
    boolean nothingAnswered() {
      return !findings.isEmpty() && findings.stream().noneMatch(Finding::answered);
    }

    /**
     * Whether addresses answered, and every one that did as an etcd serving only TLS answers a
     * plain-text client: the endpoints' scheme, not etcd, is what to fix.
     */
    boolean answeredOnlyOverTls() {
      return findings.stream().anyMatch(Finding::answered)
          && findings.stream()
              .filter(Finding::answered)
              .allMatch(f -> f.seen() == Seen.ANSWERED_NOT_IN_PLAIN_TEXT);
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
   * @param timeout how long a probe may take: the connect and then the wait for an answer
   */
  EndpointProbe(List<EtcdAddress> addresses, Duration timeout) {
    this(addresses, timeout, false);
  }

  /**
   * @param addresses the endpoints the client dials
   * @param timeout how long a probe may take: the connect and then the wait for an answer
   * @param plainText whether the client speaks plain text to them ({@code http://}): an address
   *     that answers the preface with anything but an HTTP/2 frame is then {@link
   *     Seen#ANSWERED_NOT_IN_PLAIN_TEXT}
   */
  EndpointProbe(List<EtcdAddress> addresses, Duration timeout, boolean plainText) {
    this(addresses, timeout, plainText, InetAddress::getAllByName);
  }

  /**
   * As {@link #EndpointProbe(List, Duration, boolean)}, resolving names with {@code resolver}: a
   * DNS server slow enough to outlast the probe cannot be had on loopback.
   */
  EndpointProbe(
      List<EtcdAddress> addresses, Duration timeout, boolean plainText, Resolver resolver) {
    this(addresses, timeout, plainText, resolver, JvmProxy.jvmsNames());
  }

  /**
   * As {@link #EndpointProbe(List, Duration, boolean, Resolver)}, the names of the HTTP proxies the
   * JVM names for the endpoints looked up by {@code proxyNames} ({@link JvmProxy#route(EtcdAddress,
   * ProxyNames)}): a proxy's name whose lookup is slow cannot be had on loopback either.
   */
  EndpointProbe(
      List<EtcdAddress> addresses,
      Duration timeout,
      boolean plainText,
      Resolver resolver,
      ProxyNames proxyNames) {
    this.resolver = resolver;
    this.proxyNames = proxyNames;
    this.addresses = List.copyOf(addresses);
    this.timeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    this.plainText = plainText;
  }

  /**
   * {@code host:port} of the HTTP proxy the JVM names for one of the endpoints ({@link JvmProxy}),
   * or {@code null}. Such endpoints are not probed: the client dials etcd through the proxy, and
   * what a direct connect shows (refused, or answered while the proxy refuses the tunnel) would
   * mislead.
   */
  String proxy() {
    for (EtcdAddress address : addresses) {
      String proxy = JvmProxy.route(address, proxyNames).proxy();
      if (proxy != null) {
        return proxy;
      }
    }
    return null;
  }

  /**
   * The endpoints the client does not dial directly, which are not probed: each through the HTTP
   * proxy the JVM names for it ({@link Seen#THROUGH_PROXY}, or {@link
   * Seen#THROUGH_PROXY_BEING_LOOKED_UP} while the proxy's name's first lookup has not answered), or
   * left out by the client ({@link Seen#LEFT_OUT}), in the order of the endpoints.
   */
  List<Finding> notProbed() {
    List<Finding> notProbed = new ArrayList<>();
    for (EtcdAddress address : addresses) {
      JvmProxy.Route route = JvmProxy.route(address, proxyNames);
      if (route.proxy() != null) {
        notProbed.add(
            new Finding(
                address.target(),
                route.nameBeingLookedUp() ? Seen.THROUGH_PROXY_BEING_LOOKED_UP : Seen.THROUGH_PROXY,
                route.proxy()));
      } else if (route.leftOut() != null) {
        notProbed.add(new Finding(address.target(), Seen.LEFT_OUT, route.leftOut()));
      }
    }
    return List.copyOf(notProbed);
  }

  /** The endpoints the client dials directly, {@code host:port}, for a log line. */
  String directTargets() {
    return String.join(", ", direct().stream().map(EtcdAddress::target).distinct().toList());
  }

  /** The endpoints the client dials directly: the only ones a direct connect tells of. */
  private List<EtcdAddress> direct() {
    return addresses.stream().filter(a -> JvmProxy.route(a, proxyNames).direct()).toList();
  }

  /** Probes every address at once, for up to the timeout given to the constructor. */
  Probed probe() {
    return probe(Duration.ofMillis(timeoutMs), new CompletableFuture<Void>());
  }

  /**
   * Probes every address of every endpoint at once: the names are resolved together, then every
   * address is connected to together, so the probe takes the timeout (or {@code within}, if less)
   * however many endpoints do not answer. They were probed one after the other, each connect and
   * each wait for an answer bounded by the timeout: three endpoints that drop connects took three
   * times the timeout.
   *
   * @param within the most the probe may take (the caller's time left), if less than the timeout
   * @param enough once done, the probe returns at once, with what it knows (the caller no longer
   *     needs it: etcd answered its read)
   * @return each address and what it showed, in the order of the endpoints; an address still
   *     connecting, or still waiting for an answer, when the time was up, as having timed out
   */
  Probed probe(Duration within, CompletableFuture<?> enough) {
    // endpoints the client dials through a proxy, or leaves out, are not probed: a direct
    // connect shows nothing of the way it goes (they all were skipped when one went through one)
    List<EtcdAddress> dialled = direct();
    if (dialled.isEmpty()) {
      return new Probed(List.of());
    }
    long budget = Math.max(0, Math.min(within.toNanos(), timeoutMs * 1_000_000L));
    long end = System.nanoTime() + budget;
    // the connects and reads end a little before the probe does, so that it ends within its time
    long deadline = end - Math.min(GRACE_NANOS, budget / 4);
    AtomicInteger threadNumber = new AtomicInteger();
    ExecutorService threads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "sluice-etcd-probe-" + threadNumber.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    try {
      List<CompletableFuture<InetAddress[]>> names = new ArrayList<>();
      for (EtcdAddress address : dialled) {
        names.add(CompletableFuture.supplyAsync(() -> resolve(address.host()), threads));
      }
      awaitAll(names, enough, deadline);
      List<Attempt> attempts = new ArrayList<>();
      List<Finding> unresolved = new ArrayList<>();
      for (int i = 0; i < dialled.size(); i++) {
        EtcdAddress address = dialled.get(i);
        CompletableFuture<InetAddress[]> name = names.get(i);
        InetAddress[] all = name.getNow(null);
        if (all == null) {
          unresolved.add(
              name.isDone()
                  ? new Finding(address.target(), Seen.UNRESOLVED, null)
                  : new Finding(
                      address.target(),
                      Seen.RESOLVING,
                      TimeUnit.NANOSECONDS.toMillis(budget) + " ms"));
          attempts.add(null); // keeps the endpoint's place
          continue;
        }
        for (InetAddress inet : all) {
          attempts.add(new Attempt(named(address, inet), address, inet, plainText));
        }
      }
      List<CompletableFuture<Finding>> probing = new ArrayList<>();
      for (Attempt attempt : attempts) {
        if (attempt != null && !enough.isDone()) {
          probing.add(CompletableFuture.supplyAsync(() -> attempt.probe(deadline), threads));
        }
      }
      awaitAll(probing, enough, end);
      List<Finding> findings = new ArrayList<>();
      Iterator<Finding> unresolvedInOrder = unresolved.iterator();
      for (Attempt attempt : attempts) {
        findings.add(attempt == null ? unresolvedInOrder.next() : attempt.finding());
      }
      return new Probed(List.copyOf(findings));
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * Kept at the end of a probe's time (a quarter of it at most) for the connects and reads bounded
   * by their deadline to end by themselves before the probe does: it used to be allowed past the
   * deadline, so a probe could take longer than {@code sluice.etcd.timeout}.
   */
  private static final long GRACE_NANOS = Duration.ofMillis(200).toNanos();

  /** Waits until every task is done, {@code enough} is, or the deadline passes. */
  private static void awaitAll(
      List<? extends CompletableFuture<?>> tasks, CompletableFuture<?> enough, long deadline) {
    CompletableFuture<?> all = CompletableFuture.allOf(tasks.toArray(CompletableFuture[]::new));
    try {
      CompletableFuture.anyOf(all, enough)
          .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // what is not done by now is reported as such; enough's own failure is the caller's
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The host's addresses, or {@code null} when it does not resolve (a name still resolving when the
   * time is up is no such proof: its future is then not done).
   */
  private InetAddress[] resolve(String host) {
    try {
      return resolver.resolve(host);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** {@code host:port}, and the address it resolved to when the host is a name. */
  private static String named(EtcdAddress address, InetAddress inet) {
    return inet.getHostAddress().equals(address.host())
            || ("[" + inet.getHostAddress() + "]").equals(address.host())
        ? address.target()
        : address.target() + " (" + inet.getHostAddress() + ")";
  }

  /**
   * One address being probed, and what it has shown so far: read when the time is up, whether it is
   * done or not.
   */
  private static final class Attempt {
    private final String named;
    private final InetSocketAddress target;
    private final boolean plainText;
    private final Socket socket = new Socket();
    private volatile Finding finding;

    Attempt(String named, EtcdAddress address, InetAddress inet, boolean plainText) {
      this.named = named;
      this.target = new InetSocketAddress(inet, address.port());
      this.plainText = plainText;
      this.finding = new Finding(named, Seen.CONNECT_TIMED_OUT, null); // until it connects
    }

    /** What it showed: when done, or else what it is still waiting for (and closes it). */
    Finding finding() {
      Finding seen = finding; // before closing: the close fails what is still waiting
      close();
      return seen;
    }

    Finding probe(long deadline) {
      try (socket) {
        try {
          socket.connect(target, millisLeft(deadline));
        } catch (ConnectException e) {
          // "Connection refused"; the OS's own connect timeout is a ConnectException too
          return finding =
              e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("refused")
                  ? new Finding(named, Seen.REFUSED, null)
                  : new Finding(named, Seen.UNREACHABLE, e.getMessage());
        } catch (SocketTimeoutException e) {
          return finding = new Finding(named, Seen.CONNECT_TIMED_OUT, null);
        } catch (IOException | IllegalArgumentException e) {
          return finding = new Finding(named, Seen.UNREACHABLE, e.getMessage());
        }
        finding = new Finding(named, Seen.SILENT, null); // until it answers
        socket.setSoTimeout(millisLeft(deadline));
        int first;
        try {
          socket.getOutputStream().write(PREFACE);
          socket.getOutputStream().flush();
          InputStream in = socket.getInputStream();
          first = in.read(); // a byte, or the end of the stream: either is an answer
        } catch (SocketTimeoutException e) {
          return finding = new Finding(named, Seen.SILENT, null);
        } catch (IOException reset) {
          if (socket.isClosed()) {
            return finding; // closed by finding(): the time was up
          }
          // reset: a TLS server closes on bytes that are no handshake, often with them unread
          first = -1;
        }
        // etcd over plain text answers with its SETTINGS frame, whose 24-bit length starts with a
        // zero byte; a TLS-only etcd closes, resets or sends a TLS alert
        boolean http2Frame = first == 0;
        return finding =
            new Finding(
                named,
                plainText && !http2Frame ? Seen.ANSWERED_NOT_IN_PLAIN_TEXT : Seen.ANSWERED,
                null);
      } catch (IOException e) {
        return finding = new Finding(named, Seen.UNREACHABLE, e.getMessage());
      }
    }

    private void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // a probe's socket: nothing to do
      }
    }

    /** At least 1: 0 would mean no timeout at all. */
    private static int millisLeft(long deadline) {
      return (int)
          Math.max(1, Math.min(Integer.MAX_VALUE, (deadline - System.nanoTime()) / 1_000_000L));
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
