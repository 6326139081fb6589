package io.sluice.etcd;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.ProxiedSocketAddress;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Resolves {@code sluice-etcd:///host:port,...} to one address group per endpoint, each either the
 * proxied address the channel's proxy detector answers or the endpoint's own socket address, with
 * {@code host:port} as its authority (as jetcd's {@code ip:///} does, so TLS checks each endpoint's
 * own name). Resolves off the caller's thread (the proxy detector may look up the proxy's name) and
 * again on every {@link #refresh()} (one resolution at a time, none after {@link #shutdown()}), so
 * a changed {@code ProxySelector} or DNS entry is picked up when gRPC reconnects.
 */
final class ProxiedEtcdResolver extends NameResolver {

  private final List<String> endpoints = new ArrayList<>();
  private final Args args;
  private Listener2 listener;

  /** Whether a resolution runs; read and written in the channel's synchronization context. */
  private boolean resolving;

  private volatile boolean shutdown;

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
    Status failure = null;
    for (String endpoint : endpoints) {
      try {
        groups.add(group(endpoint));
      } catch (IOException | RuntimeException e) {
        failure =
            Status.UNAVAILABLE
                .withDescription("cannot resolve etcd endpoint " + endpoint + ": " + e)
                .withCause(e);
      }
    }
    Status failed = groups.isEmpty() ? failure : null;
    args.getSynchronizationContext()
        .execute(
            () -> {
              resolving = false;
              if (shutdown) {
                return;
              }
              if (failed != null) {
                listener.onError(failed);
              } else {
                listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
              }
            });
  }

  private EquivalentAddressGroup group(String endpoint) throws IOException {
    int colon = endpoint.lastIndexOf(':');
    String host = endpoint.substring(0, colon);
    int port = Integer.parseInt(endpoint.substring(colon + 1));
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    SocketAddress address = null;
    if (args.getProxyDetector() != null && proxyCanBeLookedUp(bare, port)) {
      ProxiedSocketAddress proxied =
          args.getProxyDetector().proxyFor(InetSocketAddress.createUnresolved(bare, port));
      address = proxied;
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
