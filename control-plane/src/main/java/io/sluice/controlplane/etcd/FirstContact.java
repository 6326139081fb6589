package io.sluice.controlplane.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.sluice.etcd.Causes;
import io.sluice.etcd.EtcdAddress;
import io.sluice.etcd.EtcdChannels;
import io.sluice.etcd.EtcdRefusal;
import io.sluice.etcd.EtcdSchemeMismatch;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Says what to fix when etcd has never answered the control plane: endpoints of the wrong scheme
 * ({@code https://} in front of a plain etcd, {@code http://} in front of a TLS-only one) or
 * nothing listening there, in the words the agent uses ({@link
 * EtcdSchemeMismatch#hintOrNotListening}), for the API's 503 answers and health.
 *
 * <p>Exists because the control plane's calls wait for a connection ({@code waitForReady}, jetcd's
 * default) until their deadline, so each of these mistakes ended as "etcd did not answer within …
 * ms", saying nothing of why. When a call failed that way, one call that fails fast ({@code
 * waitForReady(false)}) is sent on the same connection: gRPC then answers with the connection's own
 * failure, which the shared classifier reads. Once etcd has answered, the scheme and the endpoints
 * are right, and it gives no more hints; only what an HTTP proxy in the way adds to a later failure
 * ({@link #proxysPart}: its 5xx, 407, refused connection or failed lookup) is still said, which
 * "did not answer within … ms" hid. Without a proxy (or an endpoint the client leaves out) nothing
 * is sent then.
 *
 * <p>A connection that neither fails nor answers (an etcd that takes connections and serves no
 * call, connects that are dropped) makes that call wait out its time, and tells nothing: then no
 * such call is sent for {@link #QUIET_AFTER_NO_ANSWER}, so failures while etcd is silent do not
 * each take a second more and send one more read to it. The JVM's HTTP proxy answering the tunnel's
 * {@code CONNECT} that it could not reach etcd (a 5xx: etcd down or cut off behind it) tells no
 * more on the next call: a quiet as long follows it (each failure sent one more call, as the proxy
 * answers at once). A reverse proxy's 502, 503 or 504 begins it too when every endpoint dialled
 * goes through the JVM's HTTP proxy: the answer then came through an open tunnel, from behind the
 * proxy, as quick and as telling as the proxy's own 5xx (it began none, and each failure sent one
 * more call). With an endpoint dialled directly beside, it begins none: it answers the call on the
 * connection to any endpoint, the direct one too, whose next call the proxy's quiet would hold back
 * for 30 s. That quiet is the proxy's only: with endpoints dialled directly beside, whose failures
 * are theirs and quick, the call is still sent, and the hint says both the direct endpoints'
 * failure and the proxy's answer (the quiet hid "nothing listens" at the direct ones for its 30 s).
 * The two quiet periods are kept apart: a call to the direct endpoints that gets no answer during
 * the proxy's begins its own, and the hints still tell the proxy's answer until the proxy's ends
 * (the one that got no answer took its place, and the 502 went unsaid for 30 s). Once the JVM's
 * proxy selector names no proxy for any endpoint, the proxy's quiet ends at once: the next failure
 * sends its call on the direct route (the quiet held it back, telling the proxy's answer again).
 *
 * <p>Behind the HTTP proxy the JVM names for etcd ({@link JvmProxy}), the connection is the
 * proxy's: it says only that the proxy refused the tunnel (a 407, in {@link EtcdRefusal}'s words)
 * or the connection, or that it could not be looked up (its name does not resolve, the {@code
 * ProxySelector} failed: {@link EtcdRefusal#proxyNotLookedUp}), or that it answered it could not
 * reach etcd (a 5xx: {@link EtcdRefusal#unreachableBehindProxy}), never that nothing listens at
 * etcd's endpoints or that their scheme is wrong. With some endpoints dialled directly beside, a
 * failure that is theirs (a refused connection naming no proxy's address) gets their hints, naming
 * only them: it got the proxy's. Endpoints the client leaves out (no answer from the JVM's proxy
 * selector) are named in neither.
 *
 * <p>One such call at a time: failures that come while one is on its way (API calls and health
 * checks failing together) wait for its answer and share it, instead of each sending its own.
 */
final class FirstContact {

  private static final Logger LOG = Logger.getLogger(FirstContact.class.getName());

  /** The most the fail-fast call may wait: the connection's failure is known at once or soon. */
  private static final Duration AT_MOST = Duration.ofSeconds(1);

  /** How long no call is sent after one that got no answer, fast or not, within its time. */
  static final Duration QUIET_AFTER_NO_ANSWER = Duration.ofSeconds(30);

  /** Knows no endpoints: never says anything. */
  static final FirstContact NONE = new FirstContact(null, List.of(), Duration.ZERO);

  private final Client client;
  private final List<URI> endpoints;
  private final EtcdSchemeMismatch schemes;
  private final Duration within;
  private volatile boolean answered;

  /**
   * A quiet period: until {@link System#nanoTime()} reaches {@code until}, no call is sent (for the
   * endpoints it holds for) and {@code failure}, which began it, is told again.
   */
  private record Quiet(long until, Throwable failure) {

    /** Whether {@code quiet} (or {@code null}: none began) still holds. */
    static boolean holds(Quiet quiet) {
      return quiet != null && quiet.until - System.nanoTime() > 0;
    }
  }

  /** After a call that got no answer within its time: no call is sent at all. */
  private volatile Quiet noAnswerQuiet;

  /**
   * After the JVM's HTTP proxy answered {@code CONNECT} that it could not reach etcd (its 5xx), or
   * a reverse proxy behind its open tunnel did, every endpoint dialled going through it: no call is
   * sent for the endpoints behind it. Kept apart from {@link #noAnswerQuiet}: a call to direct
   * endpoints beside them that gets no answer during it does not end it, nor hide the proxy's
   * answer.
   */
  private volatile Quiet proxysQuiet;

  /** The call on its way, whose failure (or {@code null}) every caller meanwhile shares. */
  private final AtomicReference<CompletableFuture<Throwable>> onItsWay = new AtomicReference<>();

  /**
   * @param client the control plane's client, whose connection is asked
   * @param endpoints the endpoints it dials
   * @param timeout {@code sluice.etcd.timeout}: the fail-fast call waits 1 s at most, less if this
   *     is shorter
   */
  FirstContact(Client client, Collection<URI> endpoints, Duration timeout) {
    this.client = client;
    this.endpoints = List.copyOf(endpoints);
    this.schemes = EtcdSchemeMismatch.of(endpoints);
    this.within = timeout.compareTo(AT_MOST) < 0 ? timeout : AT_MOST;
    this.answered = client == null || endpoints.isEmpty();
  }

  /** etcd answered a call (a refusal is an answer too): nothing more to say from now on. */
  void answered() {
    if (!answered) { // one volatile read on every answered call
      answered = true;
    }
  }

  /** Whether etcd has answered a call (or there is nothing to say): no hint is true any more. */
  boolean answeredOnce() {
    return answered;
  }

  /**
   * What to fix, when etcd has never answered and {@code failure} (or, when it says nothing, the
   * connection's own failure) shows the endpoints' scheme is wrong or nothing listens there; else
   * {@code null}. Never throws.
   *
   * @param failure why the call failed, or {@code null}; a timeout says nothing of why
   */
  String hint(Throwable failure) {
    return hint(failure, false);
  }

  /**
   * What to fix in the way through the HTTP proxy the JVM names for some endpoints, when etcd has
   * never answered and the connection's failure is the proxy's (a 407, a refused connection to it);
   * {@code null} for a failure of an endpoint dialled directly, which the start's probe tells of,
   * or when there is nothing to say. Never throws.
   */
  String proxyHint() {
    return hint(null, true);
  }

  private String hint(Throwable failure, boolean proxyOnly) {
    if (answered) {
      return null;
    }
    try {
      Routes routes = routes();
      if (proxyOnly && routes.proxies().isEmpty()) {
        return null;
      }
      if (routes.proxies().isEmpty()) {
        EtcdSchemeMismatch direct =
            routes.leftOut() ? EtcdSchemeMismatch.of(routes.direct()) : schemes;
        String hint = direct.hintOrNotListening(failure, false);
        if (hint != null) {
          return hint;
        }
        Throwable connection = connectionFailure(false, routes);
        String lookup = EtcdRefusal.proxyNotLookedUp(connection);
        return lookup != null ? lookup : direct.hintOrNotListening(connection, answered);
      }
      String hint = withProxy(failure, routes, proxyOnly);
      if (hint != null) {
        return hint;
      }
      // the proxy's quiet holds back calls only for the endpoints behind it: beside direct ones,
      // whose failures are theirs and quick, a call still tells of them
      boolean directBeside = !proxyOnly && !routes.direct().isEmpty();
      Throwable connection = connectionFailure(directBeside, routes);
      if (connection == null || answered) {
        return null;
      }
      hint = withProxy(connection, routes, proxyOnly);
      Throwable proxys = directBeside ? proxysQuietFailure() : null;
      if (proxys == null || proxys == connection) {
        return hint;
      }
      // a direct endpoint's failure, while the proxy's answer (etcd out of its reach) still holds
      String behind = withProxy(proxys, routes, true);
      return behind == null || behind.equals(hint)
          ? hint
          : hint == null ? behind : hint + "; " + behind;
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "could not tell why etcd never answered", e);
      return null;
    }
  }

  /**
   * How the client dials the endpoints now (the JVM's proxy selector may change).
   *
   * @param direct the endpoints dialled directly
   * @param proxied the endpoints dialled through an HTTP proxy
   * @param proxies {@code host:port} of each HTTP proxy some endpoint is dialled through
   * @param leftOut whether the client leaves some endpoint out
   * @param dialled the endpoints dialled, directly or through a proxy, in the endpoints' order
   */
  private record Routes(
      List<URI> direct,
      List<URI> proxied,
      Set<String> proxies,
      boolean leftOut,
      List<URI> dialled) {}

  private Routes routes() {
    List<URI> direct = new ArrayList<>();
    List<URI> proxied = new ArrayList<>();
    List<URI> dialled = new ArrayList<>();
    Set<String> proxies = new LinkedHashSet<>();
    boolean leftOut = false;
    for (URI endpoint : endpoints) {
      EtcdAddress address = EtcdAddress.of(endpoint);
      JvmProxy.Route route = address == null ? JvmProxy.Route.DIRECT : JvmProxy.route(address);
      if (route.proxy() != null) {
        proxies.add(route.proxy());
        proxied.add(endpoint);
        dialled.add(endpoint);
      } else if (route.leftOut() != null) {
        leftOut = true;
      } else {
        direct.add(endpoint);
        dialled.add(endpoint);
      }
    }
    return new Routes(
        List.copyOf(direct), List.copyOf(proxied), proxies, leftOut, List.copyOf(dialled));
  }

  /**
   * The hint for {@code failure} when the client dials some endpoints through the HTTP proxy the
   * JVM names: the proxy refusing the tunnel (a 407 for credentials, a 403), in {@link
   * EtcdRefusal}'s words, or refusing the connection; the scheme's and "nothing listens" hints only
   * for a failure of an endpoint dialled directly, and not at all with {@code proxyOnly}. A refused
   * connection is the proxy's when it names the proxy's address, or when no endpoint is dialled
   * directly; else it is a direct endpoint's (the proxy's hint was given for it, so a direct etcd
   * that was not running was told as the proxy refusing). {@code null} when none applies.
   */
  private String withProxy(Throwable failure, Routes routes, boolean proxyOnly) {
    // the proxy's own part: its refusal of the tunnel, its failed lookup, its 5xx, its refused
    // connection (the proxies are never none here)
    String proxys = proxysPart(failure, routes);
    if (proxys != null) {
      return proxys;
    }
    if (failure == null) {
      return null;
    }
    // something that is not etcd answering in its place, at any endpoint
    String refused = EtcdRefusal.notEtcd(failure, endpoints);
    if (refused != null || proxyOnly) {
      return refused;
    }
    EtcdSchemeMismatch direct =
        routes.direct().isEmpty()
            ? EtcdSchemeMismatch.unknown()
            : EtcdSchemeMismatch.of(routes.direct());
    // a refused connection naming no proxy, beside direct endpoints: theirs
    return EtcdRefusal.connectionRefused(failure)
        ? direct.hintOrNotListening(failure, false)
        : direct.hint(failure, false);
  }

  private static String proxyRefused(String proxy) {
    return "the HTTP proxy "
        + proxy
        + " that the JVM's proxy settings name for etcd refused the connection (nothing"
        + " listens there?): start the proxy, or list etcd's hosts in http.nonProxyHosts";
  }

  /**
   * What the HTTP proxy the JVM names for some endpoints added to {@code failure} (or, when it says
   * nothing, to the connection's own failure), once etcd has answered: that it could not reach etcd
   * (its 5xx), refused the tunnel (a 407, a 403) or the connection, or cannot be looked up. {@code
   * null} before etcd answered ({@link #hint} says that and more), when no endpoint goes through a
   * proxy, or when the proxy added nothing. When {@code failure} is the proxy's answer itself (a
   * 5xx, a 407, a failed lookup), it is said from it, naming the endpoints behind the proxy, and no
   * call is sent. A failure after etcd answered read only "did not answer within … ms", though the
   * proxy had said why. The same quiet periods hold. Never throws.
   */
  String proxysPart(Throwable failure) {
    if (!answered || client == null) {
      return null;
    }
    try {
      Routes routes = routes();
      if (routes.proxies().isEmpty() && !routes.leftOut()) {
        return null;
      }
      String said = proxysPart(failure, routes);
      if (said != null) {
        return said;
      }
      Throwable connection = connectionFailure(false, routes);
      return connection == null ? null : proxysPart(connection, routes);
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "could not tell what the proxy added to an etcd failure", e);
      return null;
    }
  }

  /** The proxy's part in {@code failure}, naming the endpoints behind it; else {@code null}. */
  private static String proxysPart(Throwable failure, Routes routes) {
    if (failure == null) {
      return null;
    }
    if (EtcdRefusal.tunnelRefused(failure)) {
      // a proxy's refusal of the tunnel is of the endpoints behind it, not of the direct ones
      return EtcdRefusal.notEtcd(failure, routes.proxied());
    }
    // the proxy's name does not resolve: no endpoint is dialled, and only this says why (the
    // resolver leaves it to the callers' words, FINE in its own log)
    String lookup = EtcdRefusal.proxyNotLookedUp(failure);
    if (lookup != null) {
      return lookup;
    }
    // the proxy answered CONNECT with a 5xx: it could not reach etcd (an outage behind it), of the
    // endpoints behind it. A reverse proxy's 5xx answered the call on a connection to any of the
    // endpoints dialled, which the failure does not name: it was said of the proxied ones only,
    // when it came from one dialled directly beside them.
    String behind =
        EtcdRefusal.unreachableBehindProxy(
            failure,
            EtcdRefusal.tunnelFailedBehindProxy(failure) ? routes.proxied() : routes.dialled());
    if (behind != null) {
      return behind;
    }
    // the proxy's when it names the proxy's address, or when no endpoint is dialled directly
    if (EtcdRefusal.connectionRefused(failure) && !routes.proxies().isEmpty()) {
      String proxy = refusingProxy(failure, routes.proxies());
      if (proxy != null || routes.direct().isEmpty()) {
        return proxyRefused(proxy != null ? proxy : routes.proxies().iterator().next());
      }
    }
    return null;
  }

  /**
   * How a refused connection's message ends (Netty adds the address it dialled): {@code
   * [name]/address:port}, an IPv6 address in brackets ({@code /[0:0:0:0:0:0:0:1]:3128}) as the JDK
   * words it since 14.
   */
  private static final Pattern DIALLED = Pattern.compile("(?:^|\\s)([^\\s/]*)/(\\S+):(\\d+)$");

  /**
   * The proxy, of {@code proxies}, whose address the refused connection in {@code failure} names
   * (Netty words it {@code Connection refused: host/ip:port}), or {@code null}: by the whole name
   * (a direct endpoint at "etcd-proxy" is not the proxy "proxy"), or by the address, IPv6 literals
   * compared as addresses ({@code [::1]} is {@code [0:0:0:0:0:0:0:1]}). An IPv6 proxy was never
   * recognised, so its refusal, beside direct endpoints, was told as theirs.
   */
  private static String refusingProxy(Throwable failure, Set<String> proxies) {
    for (Throwable t : Causes.of(failure)) {
      String message = t.getMessage();
      if (!(t instanceof ConnectException) || message == null) {
        continue;
      }
      Matcher dialled = DIALLED.matcher(message);
      if (!dialled.find()) {
        continue;
      }
      String name = dialled.group(1);
      String address = bare(dialled.group(2));
      for (String proxy : proxies) {
        int colon = proxy.lastIndexOf(':');
        String host = bare(proxy.substring(0, colon));
        if (proxy.substring(colon + 1).equals(dialled.group(3))
            && (host.equalsIgnoreCase(name) || sameAddress(host, address))) {
          return proxy;
        }
      }
    }
    return null;
  }

  /** {@code host} without the brackets of an IPv6 literal. */
  private static String bare(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /**
   * Whether {@code host} (a proxy's) and {@code address} (a dialled one) are the same: the same
   * text, or IP literals of the same address. Never looks a name up: only literals are parsed.
   */
  static boolean sameAddress(String host, String address) {
    if (host.equalsIgnoreCase(address)) {
      return true;
    }
    InetAddress proxy = IpLiterals.address(host);
    return proxy != null && proxy.equals(IpLiterals.address(address));
  }

  /**
   * The failure of one call that does not wait for a connection; {@code null} if etcd answered.
   * During a quiet period (a call got no answer within its time a moment ago, or the JVM proxy's
   * answer to CONNECT that it could not reach etcd, or a reverse proxy's behind its tunnel) no call
   * is sent and the failure that began it is told again: the proxy's, while it holds, unless {@code
   * directBeside} (endpoints dialled directly beside the proxy's, which its quiet does not hold
   * back). A caller that comes while another's call is on its way waits for that call and gets its
   * failure.
   *
   * @param routes how the client dials the endpoints now
   */
  private Throwable connectionFailure(boolean directBeside, Routes routes) {
    Quiet proxys = proxysQuiet;
    if (proxys != null && routes.proxies().isEmpty()) {
      // the JVM's proxy selector names no proxy any more: the quiet held back the direct route
      // too, telling the proxy's answer again for the rest of its 30 s. Cleared, not skipped, so
      // a proxy named again later is asked afresh
      proxysQuiet = null;
    } else if (!directBeside && Quiet.holds(proxys)) {
      return proxys.failure();
    }
    Quiet noAnswer = noAnswerQuiet;
    if (Quiet.holds(noAnswer)) {
      return noAnswer.failure();
    }
    CompletableFuture<Throwable> mine = new CompletableFuture<>();
    CompletableFuture<Throwable> theirs = onItsWay.compareAndExchange(null, mine);
    if (theirs != null) {
      return sharedFailure(theirs);
    }
    try {
      Throwable failure = sendOne(routes);
      mine.complete(failure);
      return failure;
    } finally {
      mine.complete(null); // if sending threw: the others go on without a failure
      onItsWay.set(null);
    }
  }

  /**
   * Whether every endpoint the client dials goes through an HTTP proxy the JVM names (some do, none
   * is dialled directly): any answer to a call then came through a proxy's tunnel.
   */
  private static boolean onlyThroughProxies(Routes routes) {
    return !routes.proxied().isEmpty() && routes.direct().isEmpty();
  }

  /**
   * The proxy's answer that it could not reach etcd (its 5xx to {@code CONNECT}, or a reverse
   * proxy's behind its tunnel) that began a quiet period still running, or {@code null}.
   */
  private Throwable proxysQuietFailure() {
    Quiet proxys = proxysQuiet;
    return Quiet.holds(proxys) ? proxys.failure() : null;
  }

  /** The failure of the call another caller sent, waiting for it as long as the call may take. */
  private Throwable sharedFailure(CompletableFuture<Throwable> call) {
    try {
      // the call ends at its deadline; the margin covers its start
      return call.get(within.toMillis() + AT_MOST.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException | TimeoutException e) {
      return null;
    }
  }

  /**
   * Sends one call that does not wait for a connection: its failure, or {@code null}.
   *
   * @param routes how the client dials the endpoints, which tells whose answer a proxy's 5xx is
   */
  private Throwable sendOne(Routes routes) {
    ManagedChannel channel = EtcdChannels.channel(client);
    if (channel == null) {
      return null;
    }
    try {
      ClientCalls.blockingUnaryCall(
          channel,
          KVGrpc.getRangeMethod(),
          // not waitForReady: fails at once with the connection's failure when it has one
          CallOptions.DEFAULT.withDeadlineAfter(
              Math.max(1, within.toMillis()), TimeUnit.MILLISECONDS),
          RangeRequest.newBuilder()
              .setKey(ByteString.copyFromUtf8("\0"))
              .setCountOnly(true)
              .build());
      answered();
      return null;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
        // neither failed nor answered: the next one would wait as long, for nothing
        noAnswerQuiet = new Quiet(System.nanoTime() + QUIET_AFTER_NO_ANSWER.toNanos(), e);
      } else if (EtcdRefusal.tunnelFailedBehindProxy(e)
          || (EtcdRefusal.proxyCouldNotReachEtcd(e) && onlyThroughProxies(routes))) {
        // the JVM's HTTP proxy answered CONNECT that it could not reach etcd, or a reverse proxy
        // behind its open tunnel did: an outage too, which the next one would only repeat. Not a
        // reverse proxy's 5xx beside direct endpoints: an answer to the call on the connection to
        // any endpoint, a direct one too, which the proxy's quiet would hold back
        proxysQuiet = new Quiet(System.nanoTime() + QUIET_AFTER_NO_ANSWER.toNanos(), e);
      }
      return e;
    }
  }
}
