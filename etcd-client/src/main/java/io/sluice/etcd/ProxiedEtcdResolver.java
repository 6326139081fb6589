package io.sluice.etcd;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Resolves {@code sluice-etcd:///host:port,...} to one address group per endpoint, each either the
 * proxied address the channel's proxy detector answers or the endpoint's own socket address, with
 * {@code host:port} as its authority (as jetcd's {@code ip:///} does, so TLS checks each endpoint's
 * own name). Resolves off the caller's thread (the proxy detector may look up the proxy's name) and
 * again on every {@link #refresh()} (one resolution at a time, none after {@link #shutdown()}), so
 * a changed {@code ProxySelector} or DNS entry is picked up when gRPC reconnects.
 *
 * <p>An endpoint whose proxy cannot be looked up (say the proxy's name does not resolve) is left
 * out of that result, not dialled directly around the proxy the JVM names for it; one line says so
 * when it starts failing, and the resolver tries again after a backoff (1 s, doubling up to 2 min)
 * until every endpoint resolves, since gRPC asks again by itself only when no endpoint resolved or
 * a connection fails. When no endpoint resolves, the resolver says nothing above FINE: every call
 * then fails with what it could not look up, and the caller's one warning that etcd is unreachable
 * says it.
 */
final class ProxiedEtcdResolver extends NameResolver {

  private static final Logger logger = Logger.getLogger(ProxiedEtcdResolver.class.getName());

  /** How the failure of every endpoint's proxy lookup begins, for one endpoint and for several. */
  static final String LOOKUP_FAILED = "cannot look up the proxy for etcd endpoint ";

  static final String LOOKUP_FAILED_ALL = "cannot look up the proxy for any etcd endpoint: ";

  static final long FIRST_RETRY_MILLIS = 1_000;
  private static final long MAX_RETRY_MILLIS = 120_000;

  private final List<String> endpoints = new ArrayList<>();
  private final Args args;
  private Listener2 listener;

  /** Whether a resolution runs; read and written in the channel's synchronization context. */
  private boolean resolving;

  private volatile boolean shutdown;

  /** Endpoints whose last resolution failed, each logged once when it started failing. */
  private final Set<String> failing = new HashSet<>();

  /** The retry after a partial failure, and the delay of the next one; sync context only. */
  private SynchronizationContext.ScheduledHandle retry;

  private long retryMillis = FIRST_RETRY_MILLIS;

  ProxiedEtcdResolver(URI target, Args args) {
    this.args = args;
    String path = target.getPath() == null ? "" : target.getPath();
    for (String endpoint : path.replaceFirst("^/", "").split(",")) {
      if (!endpoint.isBlank()) {
        endpoints.add(endpoint.trim());
      }
    }
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no etcd endpoint in " + target);
    }
  }

  @Override
  public String getServiceAuthority() {
    return ""; // each address group names its own, as with jetcd's ip:///
  }

  @Override
  public void start(Listener2 listener) {
    this.listener = listener;
    resolve();
  }

  @Override
  public void refresh() {
    if (listener != null) {
      resolve();
    }
  }

  /** Stops resolving: a resolution still running tells the listener nothing, as gRPC requires. */
  @Override
  public void shutdown() {
    shutdown = true;
    if (retry != null) {
      retry.cancel();
    }
  }

  /**
   * Starts a resolution unless one runs (a second one's answer could overtake the first, as gRPC's
   * DNS resolver avoids too) or the resolver is shut down.
   */
  private void resolve() {
    if (resolving || shutdown) {
      return;
    }
    resolving = true;
    Executor offload = args.getOffloadExecutor();
    Runnable resolving = this::resolveAndTell;
    if (offload == null) {
      resolving.run();
    } else {
      offload.execute(resolving);
    }
  }

  private void resolveAndTell() {
    if (shutdown) {
      return;
    }
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    List<Exception> causes = new ArrayList<>();
    for (String endpoint : endpoints) {
      try {
        groups.add(group(endpoint));
      } catch (IOException | RuntimeException e) {
        failed.add(endpoint);
        causes.add(e);
      }
    }
    Status allFailed =
        groups.isEmpty()
            ? Status.UNAVAILABLE
                .withDescription(lookupFailed(failed, causes))
                .withCause(causes.get(causes.size() - 1))
            : null;
    args.getSynchronizationContext()
        .execute(
            () -> {
              resolving = false;
              if (shutdown) {
                return;
              }
              noteFailures(failed, causes);
              if (allFailed != null) {
                listener.onError(allFailed); // gRPC retries this with its own backoff
              } else {
                listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
                retryLater(!failed.isEmpty());
              }
            });
  }

  /**
   * What failed when no endpoint's proxy could be looked up, in one line: {@code cannot look up the
   * proxy for etcd endpoint 127.0.0.1:2379 (UnknownHostException: proxy.internal); it is not
   * dialled around the proxy}. The call that fails with it carries it to its caller, whose warning
   * says it ({@link EtcdRefusal#proxyNotLookedUp}).
   */
  private static String lookupFailed(List<String> failed, List<Exception> causes) {
    List<String> each = new ArrayList<>();
    for (int i = 0; i < failed.size(); i++) {
      each.add(failed.get(i) + " (" + described(causes.get(i)) + ")");
    }
    return (failed.size() == 1 ? LOOKUP_FAILED : LOOKUP_FAILED_ALL)
        + String.join(", ", each)
        + (failed.size() == 1 ? "; it is" : "; they are")
        + " not dialled around the proxy";
  }

  /**
   * {@code UnknownHostException: proxy.internal}, to its first line: a failure as the agent's other
   * etcd lines name one (the class's simple name), not as {@code toString()} does.
   */
  private static String described(Exception cause) {
    String text =
        cause.getClass().getSimpleName()
            + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    int end = text.indexOf('\n');
    return end < 0 ? text : text.substring(0, end);
  }

  /**
   * Logs each endpoint that starts failing, once until it resolves again, while another endpoint
   * resolved: the calls through that one work, and nothing else would say it. When none resolved,
   * every call fails with {@link #lookupFailed}, which the caller's one warning of etcd being
   * unreachable says: a warning here too would say it twice.
   */
  private void noteFailures(List<String> failed, List<Exception> causes) {
    if (!failed.isEmpty() && failed.size() == endpoints.size()) {
      logger.log(Level.FINE, "{0}", lookupFailed(failed, causes));
      failing.retainAll(failed);
      return;
    }
    for (int i = 0; i < failed.size(); i++) {
      if (failing.add(failed.get(i))) {
        logger.log(
            Level.WARNING,
            "Sluice cannot look up the proxy for etcd endpoint "
                + failed.get(i)
                + " ("
                + described(causes.get(i))
                + "); it is left out, not dialled around the proxy, and looked up again until it"
                + " resolves");
      }
    }
    failing.retainAll(failed);
  }

  /** After a partial failure, resolves again after a backoff; after a full success, resets it. */
  private void retryLater(boolean partial) {
    if (!partial) {
      retryMillis = FIRST_RETRY_MILLIS;
      return;
    }
    ScheduledExecutorService timer = timer();
    if ((retry != null && retry.isPending()) || timer == null) {
      return;
    }
    long delay = retryMillis;
    retryMillis = Math.min(retryMillis * 2, MAX_RETRY_MILLIS);
    retry =
        args.getSynchronizationContext()
            .schedule(this::refresh, delay, TimeUnit.MILLISECONDS, timer);
  }

  /** The channel's timer; gRPC's {@code Args} throws when it was built without one. */
  private ScheduledExecutorService timer() {
    try {
      return args.getScheduledExecutorService();
    } catch (IllegalStateException e) {
      return null;
    }
  }

  private EquivalentAddressGroup group(String endpoint) throws IOException {
    int colon = endpoint.lastIndexOf(':');
    String host = endpoint.substring(0, colon);
    int port = Integer.parseInt(endpoint.substring(colon + 1));
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    SocketAddress address = null;
    if (args.getProxyDetector() != null && proxyCanBeLookedUp(bare, port)) {
      address = args.getProxyDetector().proxyFor(InetSocketAddress.createUnresolved(bare, port));
    }
    if (address == null) {
      address = new InetSocketAddress(bare, port);
    }
    return new EquivalentAddressGroup(
        address,
        Attributes.newBuilder()
            .set(EquivalentAddressGroup.ATTR_AUTHORITY_OVERRIDE, endpoint)
            .build());
  }

  /**
   * Whether gRPC's proxy detector can look the host up: it asks the JVM's {@code ProxySelector} for
   * the URI {@code https://host:port}, which {@link URI} refuses for a host with {@code _}
   * (docker-compose's {@code etcd_1}). For such a host it went direct anyway, but logged a warning
   * with a stack trace at every resolution, that is at every reconnect while etcd is away.
   */
  private static boolean proxyCanBeLookedUp(String host, int port) {
    try {
      new URI("https", null, host, port, null, null, null);
      return true;
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
