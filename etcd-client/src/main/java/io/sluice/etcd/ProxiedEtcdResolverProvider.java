package io.sluice.etcd;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.URI;
import java.util.Collection;
import java.util.stream.Collectors;

/**
 * gRPC name resolution for etcd endpoints that honours the JVM's proxy settings, for the target
 * {@link #target} builds ({@code sluice-etcd:///host:port,...}).
 *
 * <p>Exists because jetcd's own resolvers ({@code ip:///}, {@code http://}) hand gRPC plain socket
 * addresses and never ask gRPC's proxy detector: an agent given {@code https.proxyHost} (gRPC asks
 * {@link java.net.ProxySelector#getDefault()} for {@code https://host:port} whatever the endpoint's
 * scheme) still dialled etcd directly, where its network allows only the proxy. This resolver asks
 * the channel's proxy detector for every endpoint, as gRPC's own DNS resolver does, and gives gRPC
 * a proxied address where a proxy applies, which gRPC-Netty dials with an HTTP {@code CONNECT};
 * otherwise the same address jetcd's {@code ip:///} would.
 *
 * <p>Registered for gRPC through {@code META-INF/services}, so that it keeps working when gRPC and
 * this class are relocated together (in the agent).
 */
public final class ProxiedEtcdResolverProvider extends NameResolverProvider {

  /** The target scheme this provider resolves. */
  static final String SCHEME = "sluice-etcd";

  /** Public for {@link java.util.ServiceLoader}. */
  public ProxiedEtcdResolverProvider() {}

  /**
   * The gRPC target for {@code addresses}, {@code sluice-etcd:///host:port,...}, for jetcd's {@code
   * ClientBuilder.target}: what jetcd's own {@code ip:///} target lists, resolved through the JVM's
   * proxy settings. An address listed twice is dialled once. An IPv6 literal's brackets are escaped
   * ({@code %5B::1%5D:2379}): gRPC parses a target with {@link URI}, which refuses them in a path
   * and left no resolver for the target; the resolver reads the path unescaped.
   */
  public static String target(Collection<EtcdAddress> addresses) {
    return SCHEME
        + ":///"
        + addresses.stream()
            .map(EtcdAddress::target)
            .distinct()
            .map(endpoint -> endpoint.replace("[", "%5B").replace("]", "%5D"))
            .collect(Collectors.joining(","));
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  /**
   * Below gRPC's DNS resolver (5): the scheme is Sluice's alone, so priority decides nothing among
   * resolvers of it, but the highest priority overall names the default scheme of targets without
   * one, which must stay gRPC's {@code dns}.
   */
  @Override
  protected int priority() {
    return 4;
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!SCHEME.equals(targetUri.getScheme())) {
      return null;
    }
    // a Sluice channel is being built: gRPC's per-retry warnings about it stay out of the log
    EtcdChannelRetryLogFilter.install();
    return new ProxiedEtcdResolver(targetUri, args);
  }
}
