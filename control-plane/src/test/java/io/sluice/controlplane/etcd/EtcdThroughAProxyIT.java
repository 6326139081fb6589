package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.sluice.etcd.EtcdAddress;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.etcd.ConnectProxy;
import io.sluice.testing.etcd.EtcdExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The control plane's etcd client behind an HTTP {@code CONNECT} proxy named by the JVM's {@link
 * ProxySelector}, a real proxy on loopback in front of a real etcd: it reads through the tunnel,
 * and a proxy that refuses the tunnel is not gone around. Before, its {@code ip:///} target never
 * asked gRPC's proxy detector and dialled etcd directly.
 *
 * <p>The JVM-wide selector is replaced for each test, and names the proxy for this etcd's address
 * alone, so that nothing else this JVM dials meanwhile is affected; it is put back after.
 */
class EtcdThroughAProxyIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  /** Generous: the first jetcd client of a JVM loads gRPC and Netty. */
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private ProxySelector before;

  @BeforeEach
  void keepTheJvmsProxySelector() {
    before = ProxySelector.getDefault();
  }

  @AfterEach
  void restoreTheJvmsProxySelector() {
    ProxySelector.setDefault(before);
  }

  @Test
  void readsEtcdThroughTheProxyTheJvmNames() throws Exception {
    etcd.server().put("/sluice/v1/rules/proxied", "{}");
    try (ConnectProxy proxy = ConnectProxy.tunnelling()) {
      ProxySelector.setDefault(proxyForEtcd(proxy));
      try (Client client = PlainEtcdSettings.client(List.of(etcd.endpoint()), TIMEOUT)) {
        long count =
            TestGateways.on(client, TIMEOUT)
                .get("/sluice/v1/rules/", GetOption.builder().isPrefix(true).build())
                .getCount();

        assertThat(count).isEqualTo(1);
      }
      assertThat(proxy.connects()).isNotEmpty().containsOnly(etcdAddress());
    }
  }

  /** A proxy that refuses the tunnel is not gone around: etcd is not read directly. */
  @Test
  void neverDialsEtcdDirectlyWhenTheProxyRefusesTheTunnel() throws Exception {
    etcd.server().put("/sluice/v1/rules/refused", "{}");
    try (ConnectProxy proxy = ConnectProxy.refusing()) {
      ProxySelector.setDefault(proxyForEtcd(proxy));
      Duration timeout = Duration.ofSeconds(3);
      try (Client client = PlainEtcdSettings.client(List.of(etcd.endpoint()), timeout)) {
        EtcdGateway gateway = TestGateways.on(client, timeout);

        assertThatThrownBy(
                () -> gateway.get("/sluice/v1/rules/", GetOption.builder().isPrefix(true).build()))
            .isInstanceOf(EtcdUnavailableException.class);
      }
      assertThat(proxy.connects()).isNotEmpty().containsOnly(etcdAddress());
    }
  }

  /**
   * A 503's hint names the proxy's 407 as the proxy refusing the tunnel: it said nothing of why
   * (the fail-fast call's failure is the proxy's, which no hint read).
   */
  @Test
  void aProxyAskingForCredentialsIsNamedInThe503sHint() throws Exception {
    try (ConnectProxy proxy = ConnectProxy.refusing()) {
      ProxySelector.setDefault(proxyForEtcd(proxy));
      String hint = hintOfAFailedRead(Duration.ofSeconds(3));

      assertThat(hint)
          .contains("HTTP 407")
          .contains("the HTTP proxy it is reached through refused CONNECT");
    }
  }

  /**
   * A proxy that is not there, in front of an etcd that is: the hint said "nothing listens at"
   * etcd's endpoint, read from the refused connection to the proxy; it now names the proxy.
   */
  @Test
  void aProxyThatIsNotThereIsNamedNotEtcd() throws Exception {
    ConnectProxy gone = ConnectProxy.tunnelling();
    gone.close();
    ProxySelector.setDefault(proxyForEtcd(gone));
    String hint = hintOfAFailedRead(Duration.ofSeconds(3));

    assertThat(hint)
        .doesNotContain("nothing listens at " + etcd.endpoint())
        .contains("the HTTP proxy ")
        .contains(":" + gone.port() + " ")
        .contains("refused the connection");
  }

  /**
   * The start's probe connected to etcd directly, which answered, while the proxy the client goes
   * through refused the tunnel: the start said "etcd answered at its endpoints but did not serve a
   * read …: no quorum?". It now says etcd did not answer through the proxy, and the proxy's 407.
   */
  @Test
  void theStartNamesTheProxysRefusalNotAQuorum() throws Exception {
    try (ConnectProxy proxy = ConnectProxy.refusing()) {
      ProxySelector.setDefault(proxyForEtcd(proxy));
      Duration timeout = Duration.ofSeconds(3);
      StartFindings findings = new StartFindings();
      try (Client client = PlainEtcdSettings.client(List.of(etcd.endpoint()), timeout)) {
        EtcdGateway gateway = gatewayNamingItsEndpoint(client, timeout);
        EtcdAddress address = EtcdAddress.of(URI.create(etcd.endpoint()));
        new EtcdWarmUp(
                client, gateway, new EndpointProbe(List.of(address), timeout, true), findings)
            .start();
      }

      assertThat(findings.found()).isNotNull();
      assertThat(findings.found().verdict())
          .doesNotContain("no quorum")
          .contains("did not answer through the HTTP proxy")
          .contains("HTTP 407");
      assertThat(findings.found().endpoints()).isEmpty();
    }
  }

  private static String hintOfAFailedRead(Duration timeout) throws Exception {
    try (Client client = PlainEtcdSettings.client(List.of(etcd.endpoint()), timeout)) {
      EtcdGateway gateway = gatewayNamingItsEndpoint(client, timeout);
      Throwable failure =
          catchThrowable(
              () -> gateway.get("/sluice/v1/rules/", GetOption.builder().isPrefix(true).build()));
      assertThat(failure).isInstanceOf(EtcdUnavailableException.class);
      return ((EtcdUnavailableException) failure).hint();
    }
  }

  /** A gateway told the endpoint it dials, so a failed call before etcd answers carries a hint. */
  private static EtcdGateway gatewayNamingItsEndpoint(Client client, Duration timeout) {
    return new EtcdGateway(
        client,
        new EtcdKeys("/sluice"),
        timeout,
        EtcdSettings.DEFAULT_MAX_REQUEST_BYTES,
        () -> {},
        List.of(URI.create(etcd.endpoint())));
  }

  private static String etcdAddress() {
    return "127.0.0.1:" + etcd.server().port();
  }

  /** The JVM's selector for these tests: {@code proxy} for etcd's address, no proxy elsewhere. */
  private static ProxySelector proxyForEtcd(ConnectProxy proxy) {
    Proxy http =
        new Proxy(
            Proxy.Type.HTTP, new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port()));
    return new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        return etcdAddress().equals(uri.getHost() + ":" + uri.getPort())
            ? List.of(http)
            : List.of(Proxy.NO_PROXY);
      }

      @Override
      public void connectFailed(URI uri, SocketAddress address, IOException e) {}
    };
  }
}
