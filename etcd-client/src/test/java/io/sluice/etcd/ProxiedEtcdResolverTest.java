package io.sluice.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannel;
import io.grpc.NameResolver;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.ProxyDetector;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.grpc.internal.GrpcUtil;
import io.grpc.netty.NettyChannelBuilder;
import io.sluice.testing.logging.LogCapture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link ProxiedEtcdResolver} on its own, without a channel: what it tells gRPC for a target. */
class ProxiedEtcdResolverTest {

  /**
   * gRPC's proxy detector looks an address up as the URI {@code https://host:port}, which {@link
   * URI} refuses for a host with {@code _} (docker-compose's {@code etcd_1}); it then logged a
   * warning with a stack trace at every resolution (every reconnect while etcd is away) and went
   * direct. Such a host is dialled directly without asking it, as with jetcd's {@code ip:///}.
   */
  @Test
  void dialsAHostWithUnderscoreDirectlyWithoutAWarningFromTheProxyDetector() {
    try (LogCapture grpc = LogCapture.of("io.grpc")) {
      Resolved resolved =
          resolve(List.of(new EtcdAddress("etcd_1", 2379, false)), GrpcUtil.DEFAULT_PROXY_DETECTOR);

      assertThat(resolved.error).isNull();
      EquivalentAddressGroup group = resolved.groups.get(0);
      assertThat(group.getAddresses()).singleElement().isInstanceOf(InetSocketAddress.class);
      assertThat(((InetSocketAddress) group.getAddresses().get(0)).getHostString())
          .isEqualTo("etcd_1");
      assertThat(group.getAttributes().get(EquivalentAddressGroup.ATTR_AUTHORITY_OVERRIDE))
          .isEqualTo("etcd_1:2379");
      assertThat(grpc.warnings()).isEmpty();
    }
  }

  /**
   * An IPv6 literal keeps its brackets in an endpoint ({@code http://[::1]:2379}), and {@code
   * java.net.URI} refuses them in a target's path: gRPC found no name resolver for {@code
   * sluice-etcd:///[::1]:2379} and the channel could not be built. The target escapes them; the
   * resolver gives the address and the bracketed authority, and asks the proxy detector for the
   * bare literal, as gRPC's DNS resolver does.
   */
  @Test
  void resolvesAnIpv6LiteralToItsAddressWithABracketedAuthority() {
    List<InetSocketAddress> asked = new CopyOnWriteArrayList<>();
    Resolved resolved =
        resolve(
            List.of(new EtcdAddress("[::1]", 2379, true)),
            target -> {
              asked.add((InetSocketAddress) target);
              return null;
            });

    assertThat(resolved.error).isNull();
    EquivalentAddressGroup group = resolved.groups.get(0);
    assertThat(group.getAddresses()).containsExactly(new InetSocketAddress("::1", 2379));
    assertThat(group.getAttributes().get(EquivalentAddressGroup.ATTR_AUTHORITY_OVERRIDE))
        .isEqualTo("[::1]:2379");
    assertThat(asked).extracting(InetSocketAddress::getHostString).containsExactly("::1");
  }

  /** A channel to an IPv6 literal's target is built and dials that address. */
  @Test
  void aChannelDialsAnIpv6LiteralEndpoint() throws Exception {
    try (ServerSocket etcd = new ServerSocket(0, 5, InetAddress.getByName("::1"))) {
      ManagedChannel channel =
          NettyChannelBuilder.forTarget(
                  ProxiedEtcdResolverProvider.target(
                      List.of(new EtcdAddress("[::1]", etcd.getLocalPort(), true))))
              .proxyDetector(target -> null)
              .usePlaintext()
              .build();
      try {
        channel.getState(true);
        etcd.setSoTimeout(20_000);
        try (Socket dialled = etcd.accept()) {
          assertThat(dialled.getInetAddress()).isEqualTo(InetAddress.getByName("::1"));
        }
      } finally {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * gRPC's contract: after {@code shutdown()} the listener hears nothing more. A resolution still
   * running on the offload executor when the channel shut the resolver down (or swapped it for a
   * new one on leaving idle) told the listener anyway, and a {@code refresh()} after shutdown
   * started another. A {@code refresh()} while one runs starts no second one, whose answer could
   * overtake the first.
   */
  @Test
  void tellsNothingAfterShutdownAndResolvesOnceAtATime() {
    List<Runnable> offloaded = new CopyOnWriteArrayList<>();
    List<Object> told = new CopyOnWriteArrayList<>();
    NameResolver resolver =
        new ProxiedEtcdResolverProvider()
            .newNameResolver(
                URI.create(
                    ProxiedEtcdResolverProvider.target(
                        List.of(new EtcdAddress("127.0.0.1", 2379, true)))),
                args(target -> null, offloaded::add));
    resolver.start(
        new NameResolver.Listener2() {
          @Override
          public void onResult(NameResolver.ResolutionResult result) {
            told.add(result);
          }

          @Override
          public void onError(Status error) {
            told.add(error);
          }
        });
    resolver.refresh();
    assertThat(offloaded).as("resolutions started").hasSize(1);
    offloaded.remove(0).run();
    assertThat(told).hasSize(1);

    resolver.refresh();
    assertThat(offloaded).hasSize(1);
    resolver.shutdown();
    resolver.refresh();
    offloaded.forEach(Runnable::run);

    assertThat(offloaded).as("resolutions started").hasSize(1);
    assertThat(told).as("what the listener was told").hasSize(1);
  }

  /**
   * An endpoint whose proxy could not be looked up (the proxy's name did not resolve) was dropped
   * from the result without a word, and nothing looked it up again until gRPC next asked, which it
   * does not while another endpoint is connected. It is logged once and resolved again after a
   * backoff until it resolves, not dialled around the proxy.
   */
  @Test
  void looksAnEndpointWhoseProxyLookupFailedUpAgainAndLogsItOnce() throws Exception {
    LogCapture log = LogCapture.of(ProxiedEtcdResolver.class);
    AtomicInteger lookups = new AtomicInteger();
    ProxyDetector flaky =
        target -> {
          InetSocketAddress address = (InetSocketAddress) target;
          if (address.getPort() == 2380 && lookups.incrementAndGet() <= 2) {
            throw new UnknownHostException("proxy.internal");
          }
          return null;
        };
    BlockingQueue<List<EquivalentAddressGroup>> results = new LinkedBlockingQueue<>();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    NameResolver resolver =
        new ProxiedEtcdResolverProvider()
            .newNameResolver(
                URI.create(
                    ProxiedEtcdResolverProvider.target(
                        List.of(
                            new EtcdAddress("127.0.0.1", 2379, true),
                            new EtcdAddress("127.0.0.1", 2380, true)))),
                args(flaky, Runnable::run, timer));
    try {
      resolver.start(
          new NameResolver.Listener2() {
            @Override
            public void onResult(NameResolver.ResolutionResult result) {
              results.add(result.getAddresses());
            }

            @Override
            public void onError(Status error) {
              throw new AssertionError(error);
            }
          });

      assertThat(results.poll(10, TimeUnit.SECONDS)).hasSize(1);
      assertThat(results.poll(10, TimeUnit.SECONDS)).as("first retry").hasSize(1);
      List<EquivalentAddressGroup> recovered = results.poll(10, TimeUnit.SECONDS);
      assertThat(recovered).as("second retry").hasSize(2);
      assertThat(recovered.get(1).getAddresses())
          .containsExactly(new InetSocketAddress("127.0.0.1", 2380));
      assertThat(log.warnings())
          .singleElement()
          .asString()
          .contains("127.0.0.1:2380", "proxy.internal");
    } finally {
      resolver.shutdown();
      timer.shutdownNow();
      log.close();
    }
  }

  /**
   * When no endpoint's proxy can be looked up, every call fails, and the caller (the rule source,
   * the status reporter) warns that etcd is unreachable: the resolver's own warning said the same
   * cause a second time. It now says nothing above FINE and gives the call's failure its one-line
   * reason, which {@link EtcdRefusal#proxyNotLookedUp} finds for the caller's warning.
   */
  @Test
  void leavesSayingThatNoEndpointsProxyCouldBeLookedUpToTheCaller() {
    ProxyDetector failing =
        target -> {
          throw new UnknownHostException("proxy.internal");
        };
    try (LogCapture log = LogCapture.of(ProxiedEtcdResolver.class)) {
      Resolved one = resolve(List.of(new EtcdAddress("127.0.0.1", 2379, false)), failing);
      Resolved two =
          resolve(
              List.of(
                  new EtcdAddress("127.0.0.1", 2379, false),
                  new EtcdAddress("127.0.0.1", 2380, false)),
              failing);

      assertThat(log.warnings()).as("the resolver's warnings").isEmpty();
      String said =
          "cannot look up the proxy for etcd endpoint 127.0.0.1:2379"
              + " (UnknownHostException: proxy.internal); it is not dialled around the"
              + " proxy";
      assertThat(one.error.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(one.error.getDescription()).isEqualTo(said);
      assertThat(EtcdRefusal.proxyNotLookedUp(new RuntimeException(one.error.asRuntimeException())))
          .isEqualTo(said);
      assertThat(EtcdRefusal.proxyNotLookedUp(two.error.asRuntimeException()))
          .isEqualTo(
              "cannot look up the proxy for any etcd endpoint: 127.0.0.1:2379"
                  + " (UnknownHostException: proxy.internal), 127.0.0.1:2380"
                  + " (UnknownHostException: proxy.internal); they are not dialled"
                  + " around the proxy");
      assertThat(EtcdRefusal.proxyNotLookedUp(Status.UNAVAILABLE.asRuntimeException())).isNull();
    }
  }

  /** What the resolver told its listener, at once (resolution on the calling thread). */
  static Resolved resolve(List<EtcdAddress> addresses, ProxyDetector proxyDetector) {
    Resolved resolved = new Resolved();
    NameResolver resolver =
        new ProxiedEtcdResolverProvider()
            .newNameResolver(
                URI.create(ProxiedEtcdResolverProvider.target(addresses)), args(proxyDetector));
    resolver.start(
        new NameResolver.Listener2() {
          @Override
          public void onResult(NameResolver.ResolutionResult result) {
            resolved.groups = result.getAddresses();
          }

          @Override
          public void onError(Status error) {
            resolved.error = error;
          }
        });
    resolver.shutdown();
    return resolved;
  }

  static NameResolver.Args args(ProxyDetector proxyDetector) {
    return args(proxyDetector, Runnable::run);
  }

  static NameResolver.Args args(ProxyDetector proxyDetector, Executor offload) {
    return args(proxyDetector, offload, null);
  }

  static NameResolver.Args args(
      ProxyDetector proxyDetector, Executor offload, ScheduledExecutorService timer) {
    NameResolver.Args.Builder args = NameResolver.Args.newBuilder();
    if (timer != null) {
      args.setScheduledExecutorService(timer);
    }
    return args.setDefaultPort(2379)
        .setProxyDetector(proxyDetector)
        .setSynchronizationContext(
            new SynchronizationContext(
                (thread, e) -> {
                  throw new AssertionError(e);
                }))
        .setServiceConfigParser(
            new NameResolver.ServiceConfigParser() {
              @Override
              public ConfigOrError parseServiceConfig(Map<String, ?> rawServiceConfig) {
                return ConfigOrError.fromConfig(rawServiceConfig);
              }
            })
        .setOffloadExecutor(offload)
        .build();
  }

  static final class Resolved {
    List<EquivalentAddressGroup> groups = List.of();
    Status error;
  }
}
