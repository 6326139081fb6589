package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.sluice.etcd.EtcdRefusal;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.etcd.ConnectProxy;
import io.sluice.testing.etcd.NotEtcdHttpServer;
import io.sluice.testing.logging.LogCapture;
import io.sluice.testing.net.RefusedPorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Something that is not etcd (an HTTP/2 proxy, an Envoy) answering the control plane's calls with
 * an HTTP 403: gRPC makes that PERMISSION_DENIED, which was taken for etcd refusing the control
 * plane's credentials or permissions (500 {@code etcd-refused}, health's {@code action}: check
 * {@code sluice.etcd.user}). It is what stands in front of etcd to fix, said as such, and tried
 * again as an outage is.
 */
class EtcdBehindAProxyTest {

  @Test
  void anHttp403FromSomethingThatIsNotEtcdIsNoRefusalByEtcd() throws Exception {
    try (NotEtcdHttpServer proxy = NotEtcdHttpServer.answering(403, "RBAC: access denied")) {
      // the first jetcd call of the JVM loads gRPC
      EtcdSettings settings =
          PlainEtcdSettings.of(List.of(proxy.endpoint()), Duration.ofSeconds(10));
      try (Client client = EtcdConfiguration.clientBuilder(settings, settings.endpoints()).build();
          LogCapture log = LogCapture.of(EtcdWarmUp.class)) {
        EtcdGateway etcd = TestGateways.on(client, settings.timeout());

        assertThatThrownBy(
                () -> etcd.get("/sluice/", GetOption.builder().withCountOnly(true).build()))
            .isInstanceOf(EtcdUnavailableException.class)
            .hasMessageContaining(
                "etcd answered with HTTP 403 from something that is not etcd (a proxy?)")
            .hasMessageNotContaining("\n");

        // and the start says so, not that etcd refused the credentials
        new EtcdWarmUp(
                client, etcd, new EndpointProbe(List.of(), settings.timeout()), new StartFindings())
            .start();
        assertThat(log.messages())
            .singleElement()
            .asString()
            .contains("answered with HTTP 403 from something that is not etcd")
            .doesNotContain("credentials")
            .doesNotContain("\n");
      }
      assertThat(proxy.answered()).isPositive();
    }
  }

  /**
   * A reverse proxy in front of etcd that cannot reach it answers 502, 503 or 504 (Envoy's "no
   * healthy upstream"): etcd is down or cut off behind it, an outage, said as such. It read as an
   * answer "from something that is not etcd (a proxy?)", a mistake to fix in front of etcd.
   */
  @ParameterizedTest(name = "HTTP {0}")
  @CsvSource({"502, Bad Gateway", "503, no healthy upstream", "504, upstream request timeout"})
  void aProxysGatewayErrorIsEtcdUnreachableBehindIt(int status, String body) throws Exception {
    try (NotEtcdHttpServer proxy = NotEtcdHttpServer.answering(status, body)) {
      EtcdSettings settings =
          PlainEtcdSettings.of(List.of(proxy.endpoint()), Duration.ofSeconds(10));
      try (Client client = EtcdConfiguration.clientBuilder(settings, settings.endpoints()).build();
          LogCapture log = LogCapture.of(EtcdWarmUp.class)) {
        EtcdGateway etcd = TestGateways.on(client, settings.timeout());
        String said =
            "etcd answered with HTTP "
                + status
                + " from a proxy in front of it, which could not reach etcd (etcd down or cut off"
                + " behind the proxy: an outage)";

        assertThatThrownBy(
                () -> etcd.get("/sluice/", GetOption.builder().withCountOnly(true).build()))
            .isInstanceOf(EtcdUnavailableException.class)
            .hasMessageContaining(said)
            .hasMessageNotContaining("not etcd (a proxy?)")
            .hasMessageNotContaining("\n");

        new EtcdWarmUp(
                client, etcd, new EndpointProbe(List.of(), settings.timeout()), new StartFindings())
            .start();
        assertThat(log.messages()).singleElement().asString().contains(said);
      }
      assertThat(proxy.answered()).isPositive();
    }
  }

  /**
   * A mirror whose read a proxy answers says why on one line, in its health state and its warning,
   * as the gateway does: it added gRPC's whole description of the answer, over several lines (the
   * proxy's headers and body), to health's {@code watches} component and to the log.
   */
  @Test
  void aMirrorReadAProxyAnsweredSaysWhyOnOneLine() throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (NotEtcdHttpServer proxy = NotEtcdHttpServer.answering(503, "no healthy upstream");
        Client client =
            PlainEtcdSettings.client(List.of(proxy.endpoint()), Duration.ofSeconds(10));
        LogCapture log = LogCapture.of(PrefixWatch.class)) {
      EtcdGateway etcd = TestGateways.on(client, Duration.ofSeconds(10));
      try (PrefixWatch watch =
          new PrefixWatch(etcd, "/sluice/v1/agents/", new IgnoredChanges(), scheduler)) {
        watch.start();
        // 30 s: the first call of a JVM loads gRPC and Netty; the warning is logged just after
        // the state is set, so both are awaited
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> watch.state().failedReads() >= 1 && !log.messages().isEmpty());

        assertThat(watch.state().failure())
            .contains("etcd answered with HTTP 503 from a proxy in front of it")
            .contains("HTTP status code 503")
            .doesNotContain("\n");
        assertThat(log.messages())
            .singleElement()
            .asString()
            .contains("etcd answered with HTTP 503 from a proxy in front of it")
            .doesNotContain("\n");
      }
    } finally {
      scheduler.shutdownNow();
    }
  }

  /**
   * etcd never answered, and the failure is the JVM's HTTP proxy answering the tunnel's CONNECT
   * with 502: the message said the proxy's answer twice, once from the failure ("etcd answered with
   * HTTP 502 …") and once in the hint naming the endpoint ("etcd at … answered with HTTP 502 …").
   * It says it once, in the hint's words.
   */
  @Test
  void aProxysBadGatewayIsSaidOnceBesideItsHint() throws Exception {
    String endpoint = "http://127.0.0.1:" + RefusedPorts.any();
    ProxySelector before = ProxySelector.getDefault();
    try (ConnectProxy proxy = ConnectProxy.tunnelling()) {
      ProxySelector.setDefault(proxyFor(URI.create(endpoint).getAuthority(), proxy));
      Throwable badGateway = CallFailures.ofACallTo(endpoint, EtcdRefusal::proxyCouldNotReachEtcd);
      Duration timeout = Duration.ofSeconds(3);
      try (Client client = PlainEtcdSettings.client(List.of(endpoint), timeout)) {
        EtcdGateway etcd =
            EtcdGateway.builder(client, new EtcdKeys("/sluice"), timeout)
                .endpoints(List.of(URI.create(endpoint)))
                .build();

        Throwable failure =
            catchThrowable(
                () -> etcd.await(CompletableFuture.failedFuture(badGateway), "read /sluice/"));

        assertThat(failure)
            .isInstanceOf(EtcdUnavailableException.class)
            .hasMessage(
                "etcd call failed (read /sluice/): etcd at "
                    + endpoint
                    + " answered with HTTP 502 from the HTTP proxy it is reached through, which"
                    + " could not reach etcd (etcd down or cut off behind the proxy: an outage)");
      }
    } finally {
      ProxySelector.setDefault(before);
    }
  }

  /** The JVM's selector: {@code proxy} on loopback for {@code address}, none elsewhere. */
  private static ProxySelector proxyFor(String address, ConnectProxy proxy) {
    Proxy http =
        new Proxy(
            Proxy.Type.HTTP, new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port()));
    return new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        return address.equals(uri.getHost() + ":" + uri.getPort())
            ? List.of(http)
            : List.of(Proxy.NO_PROXY);
      }

      @Override
      public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
    };
  }
}
