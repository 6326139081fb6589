package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.grpc.ConnectivityState;
import io.sluice.etcd.EtcdAddress;
import io.sluice.etcd.EtcdChannels;
import io.sluice.etcd.EtcdRefusal;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.etcd.ConnectProxy;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.net.HeldPort;
import io.sluice.testing.net.RefusedPorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The control plane's etcd client behind an HTTP {@code CONNECT} proxy named by the JVM's {@link
 * ProxySelector}, a real proxy on loopback in front of a real etcd: it reads through the tunnel,
 * and a proxy that refuses the tunnel is not gone around. Before, its {@code ip:///} target never
 * asked gRPC's proxy detector and dialled etcd directly. Also what the control plane says of that
 * way while etcd has never answered: the 503s' hints ({@link FirstContact}) and the start's
 * findings ({@link EtcdWarmUp}), for proxied endpoints and for direct ones beside them.
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
   * etcd down behind a proxy that tunnels: the proxy answers each CONNECT with 502. The hint said
   * nothing (the read "did not answer within" its time, the proxy's answer unnamed); it now says
   * the proxy could not reach etcd, an outage behind it, as the agent does.
   */
  @Test
  void etcdDownBehindTheProxyIsNamedInThe503sHint() throws Exception {
    try (ConnectProxy proxy = ConnectProxy.tunnelling()) {
      ProxySelector.setDefault(proxyForEtcd(proxy));
      etcd.server().stop();
      try {
        String hint = hintOfAFailedRead(Duration.ofSeconds(3));

        assertThat(hint)
            .isEqualTo(
                "etcd at "
                    + etcd.endpoint()
                    + " answered with HTTP 502 from the HTTP proxy it is reached through, which"
                    + " could not reach etcd (etcd down or cut off behind the proxy: an outage)");
      } finally {
        etcd.server().start();
      }
    }
  }

  /**
   * A proxy the JVM names for etcd whose name does not resolve: no endpoint is dialled, and the
   * resolver says so at FINE only, leaving it to its callers. The hint said nothing (the read "did
   * not answer within" its time); it now names the failed lookup.
   */
  @Test
  void aProxyWhoseNameDoesNotResolveIsNamedInThe503sHint() throws Exception {
    Proxy unresolved =
        new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("proxy.invalid", 3128));
    ProxySelector.setDefault(selectorFor(etcdAddress(), () -> List.of(unresolved)));
    String hint = hintOfAFailedRead(Duration.ofSeconds(3));

    // the JDK's first lookup adds the resolver's words (": Name or service not known"), a cached
    // one does not
    assertThat(hint)
        .startsWith(
            "cannot look up the proxy for etcd endpoint "
                + etcdAddress()
                + " (UnknownHostException: proxy.invalid")
        .endsWith("); it is not dialled around the proxy");
  }

  /** The JVM's selector failing for etcd (a broken PAC file) is named in the hint too. */
  @Test
  void aProxySelectorThatFailsIsNamedInThe503sHint() throws Exception {
    ProxySelector.setDefault(
        selectorFor(
            etcdAddress(),
            () -> {
              throw new IllegalStateException("the PAC file failed");
            }));
    String hint = hintOfAFailedRead(Duration.ofSeconds(3));

    assertThat(hint)
        .isEqualTo(
            "cannot look up the proxy for etcd endpoint "
                + etcdAddress()
                + " (IllegalStateException: the PAC file failed); it is not dialled around the"
                + " proxy");
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
      StartFindings findings = startFindings(List.of(etcd.endpoint()));

      assertThat(findings.found()).isNotNull();
      assertThat(findings.found().verdict())
          .doesNotContain("no quorum")
          .contains("did not answer through the HTTP proxy")
          .contains("HTTP 407");
      // not probed, named as dialled through the proxy
      assertThat(findings.found().endpoints())
          .singleElement()
          .satisfies(f -> assertThat(f.seen()).isEqualTo(EndpointProbe.Seen.THROUGH_PROXY));
    }
  }

  /**
   * The proxy is named by a host name whose first lookup by the control plane has not answered (DNS
   * slow: here a lookup that answers only once the test lets it), while the client, through it,
   * gets its 407: the start named the proxy as one whose name resolves. It now says its name is
   * still being looked up, in the verdict and for the endpoint, with the proxy's 407 still said.
   */
  @Test
  void theStartSaysTheProxysNameIsStillBeingLookedUp() throws Exception {
    CountDownLatch dnsAnswers = new CountDownLatch(1);
    ExecutorService lookups = Executors.newCachedThreadPool();
    ProxyNames slowDns =
        new ProxyNames(
            host -> {
              try {
                dnsAnswers.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            lookups,
            ProxyNames.FRESH_FOR,
            ProxyNames.FIRST_WAIT,
            System::nanoTime);
    try (ConnectProxy proxy = ConnectProxy.refusing()) {
      // by name, as -Dhttps.proxyHost=localhost gives it: gRPC looks it up itself, and dials it
      Proxy named =
          new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("localhost", proxy.port()));
      ProxySelector.setDefault(selectorFor(etcdAddress(), () -> List.of(named)));
      StartFindings findings = startFindings(List.of(etcd.endpoint()), slowDns);

      assertThat(findings.found()).isNotNull();
      assertThat(findings.found().verdict())
          .startsWith(
              "etcd did not answer through the HTTP proxy localhost:"
                  + proxy.port()
                  + " (its name is still being looked up) within")
          .contains("HTTP 407");
      assertThat(findings.found().endpoints())
          .singleElement()
          .satisfies(
              f ->
                  assertThat(f.shown())
                      .isEqualTo(
                          "not probed: dialled through the HTTP proxy localhost:"
                              + proxy.port()
                              + ", whose name is still being looked up"));
      assertThat(proxy.connects()).as("the client's way, through the proxy").isNotEmpty();
    } finally {
      dnsAnswers.countDown();
      lookups.shutdownNow();
    }
  }

  /**
   * One endpoint through a proxy that refuses the tunnel, one dialled directly where nothing
   * listens: the start skipped the probe of both and said only that etcd did not answer through the
   * proxy. It now probes the direct one, says nothing listens there, and still names the proxy's
   * way for the other.
   */
  @Test
  void theStartProbesTheDirectEndpointsBesideAProxiedOne() throws Exception {
    String nowhere = "http://127.0.0.1:" + RefusedPorts.any();
    try (ConnectProxy proxy = ConnectProxy.refusing()) {
      ProxySelector.setDefault(proxyForEtcd(proxy));
      StartFindings findings = startFindings(List.of(etcd.endpoint(), nowhere));

      assertThat(findings.found()).isNotNull();
      assertThat(findings.found().verdict())
          .contains("nothing listens at etcd's direct endpoints")
          .contains(etcdAddress() + " (not probed) did not answer through the HTTP proxy");
      assertThat(findings.found().details().get("endpoints"))
          .asInstanceOf(InstanceOfAssertFactories.MAP)
          .containsEntry(URI.create(nowhere).getAuthority(), "connection refused")
          .containsKey(etcdAddress());
      assertThat(findings.found().endpoints())
          .filteredOn(f -> f.address().equals(etcdAddress()))
          .singleElement()
          .satisfies(
              f -> assertThat(f.shown()).startsWith("not probed: dialled through the HTTP proxy"));
    }
  }

  /**
   * A direct endpoint's refused connection, with another endpoint behind a proxy: the hint named
   * the proxy (its refusal of the connection, or its 407), whatever failed. It now says nothing
   * listens at the direct endpoint.
   */
  @Test
  void aDirectEndpointsRefusalIsNotTheProxys() throws Exception {
    String nowhere = "http://127.0.0.1:" + RefusedPorts.any();
    Throwable refused = CallFailures.refusedConnectionTo(nowhere);
    try (ConnectProxy proxy = ConnectProxy.refusing()) {
      ProxySelector.setDefault(proxyForEtcd(proxy));
      assertThat(hintFor(refused, List.of(etcd.endpoint(), nowhere)))
          .startsWith("nothing listens at " + nowhere)
          .doesNotContain("HTTP proxy");
    }
  }

  /**
   * Endpoints through two proxies, one more dialled directly: the start named every proxied
   * endpoint as not answering through the first proxy. Each is now named with its own.
   */
  @Test
  void theStartNamesTheProxyEachEndpointGoesThrough() throws Exception {
    String direct = "http://127.0.0.1:" + RefusedPorts.any();
    String behindTheSecond = "http://127.0.0.1:" + RefusedPorts.any();
    try (ConnectProxy first = ConnectProxy.refusing();
        ConnectProxy second = ConnectProxy.refusing()) {
      ProxySelector.setDefault(
          proxiesFor(
              Map.of(etcdAddress(), first, URI.create(behindTheSecond).getAuthority(), second)));
      StartFindings findings = startFindings(List.of(etcd.endpoint(), behindTheSecond, direct));

      assertThat(findings.found()).isNotNull();
      List<EndpointProbe.Finding> proxied =
          findings.found().endpoints().stream()
              .filter(f -> f.seen() == EndpointProbe.Seen.THROUGH_PROXY)
              .toList();
      assertThat(proxied)
          .extracting(EndpointProbe.Finding::detail)
          .containsExactly("localhost:" + first.port(), "localhost:" + second.port());
      for (EndpointProbe.Finding f : proxied) {
        assertThat(findings.found().verdict())
            .contains(
                f.address() + " (not probed) did not answer through the HTTP proxy " + f.detail());
      }
    }
  }

  /**
   * Every endpoint through a proxy, two proxies: the start said etcd did not answer through the
   * first proxy found. It names both.
   */
  @Test
  void theStartNamesEveryProxyWhenNoEndpointIsDialledDirectly() throws Exception {
    String behindTheSecond = "http://127.0.0.1:" + RefusedPorts.any();
    try (ConnectProxy first = ConnectProxy.refusing();
        ConnectProxy second = ConnectProxy.refusing()) {
      ProxySelector.setDefault(
          proxiesFor(
              Map.of(etcdAddress(), first, URI.create(behindTheSecond).getAuthority(), second)));
      StartFindings findings = startFindings(List.of(etcd.endpoint(), behindTheSecond));

      assertThat(findings.found()).isNotNull();
      assertThat(findings.found().verdict())
          .startsWith(
              "etcd did not answer through the HTTP proxies localhost:"
                  + first.port()
                  + ", localhost:"
                  + second.port()
                  + " within");
    }
  }

  /**
   * A proxy's refusal of the tunnel (its 407), with another endpoint dialled directly beside: the
   * hint named every endpoint as answered with the 407, the direct one too. It names those behind
   * the proxy.
   */
  @Test
  void aTunnelRefusalNamesOnlyTheEndpointsBehindTheProxy() throws Exception {
    String nowhere = "http://127.0.0.1:" + RefusedPorts.any();
    try (ConnectProxy proxy = ConnectProxy.refusing()) {
      ProxySelector.setDefault(proxyForEtcd(proxy));
      Throwable refused =
          CallFailures.ofACallTo(etcd.endpoint(), t -> EtcdRefusal.notEtcd(t, List.of()) != null);
      assertThat(hintFor(refused, List.of(etcd.endpoint(), nowhere)))
          .startsWith("etcd at " + etcd.endpoint() + " answered with HTTP 407")
          .doesNotContain(nowhere);
    }
  }

  /**
   * A direct endpoint whose name ends with the proxy's ({@code localhost} beside a proxy named
   * {@code host}, on the same port): its refused connection was told as the proxy's, the message
   * {@code localhost/127.0.0.1:port} holding {@code host/}. It gets the direct hint.
   */
  @Test
  void aDirectEndpointNamedLikeTheProxyIsNotTakenForIt() throws Exception {
    int port = RefusedPorts.any();
    String direct = "http://localhost:" + port;
    Throwable refused = CallFailures.refusedConnectionTo(direct);
    // a proxy the selector gives by address: a name gRPC would look up ("host") does not resolve
    Proxy named =
        new Proxy(
            Proxy.Type.HTTP,
            new InetSocketAddress(
                InetAddress.getByAddress("host", InetAddress.getLoopbackAddress().getAddress()),
                port));
    ProxySelector.setDefault(selectorFor(etcdAddress(), () -> List.of(named)));

    assertThat(hintFor(refused, List.of(etcd.endpoint(), direct)))
        .startsWith("nothing listens at " + direct)
        .doesNotContain("HTTP proxy");
  }

  /**
   * A proxy answering 502 (etcd stopped behind it) answers at once: each failure before etcd ever
   * answered sent one more call, where an etcd that does not answer gets a quiet period. It gets
   * the same quiet now.
   */
  @Test
  void aProxysBadGatewayIsFollowedByTheSameQuietAsAnUnansweringEtcd() throws Exception {
    String stopped = "http://127.0.0.1:" + RefusedPorts.any();
    FailFastCalls counting = new FailFastCalls();
    try (ConnectProxy proxy = ConnectProxy.tunnelling()) {
      ProxySelector.setDefault(proxyFor(proxy, URI.create(stopped).getAuthority()));
      Duration timeout = Duration.ofSeconds(3);
      try (Client client =
          EtcdConfiguration.clientBuilder(
                  PlainEtcdSettings.of(List.of(stopped), timeout), List.of(stopped))
              .interceptor(counting)
              .build()) {
        client.getKVClient().get(ByteSequence.from("/sluice/".getBytes()));
        Awaitility.await("the proxy's 502 as the connection's failure")
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    EtcdChannels.channel(client) != null
                        && EtcdChannels.channel(client).getState(false)
                            == ConnectivityState.TRANSIENT_FAILURE);
        FirstContact firstContact = new FirstContact(client, List.of(URI.create(stopped)), timeout);

        for (int failure = 0; failure < 3; failure++) {
          assertThat(firstContact.hint(new TimeoutException()))
              .as("failure %d", failure)
              .contains("answered with HTTP 502 from the HTTP proxy it is reached through");
        }

        assertThat(counting.sent()).as("calls sent that do not wait for a connection").isEqualTo(1);
      }
    }
  }

  /**
   * One endpoint behind a proxy answering 502 (nothing behind it), one dialled directly where
   * nothing listens: once the proxy's 502 began its 30 s quiet, every hint told only the 502, and
   * the direct endpoint's "nothing listens" was hidden for as long. The quiet holds back calls for
   * the proxy's part only: the direct endpoint is still told of, beside the proxy's answer.
   */
  @Test
  void theProxysQuietDoesNotHideTheDirectEndpointsHint() throws Exception {
    String stopped = "http://127.0.0.1:" + RefusedPorts.any();
    String nowhere = "http://127.0.0.1:" + RefusedPorts.any();
    List<String> endpoints = List.of(stopped, nowhere);
    try (ConnectProxy proxy = ConnectProxy.tunnelling()) {
      ProxySelector.setDefault(proxyFor(proxy, URI.create(stopped).getAuthority()));
      Duration timeout = Duration.ofSeconds(3);
      try (Client client = PlainEtcdSettings.client(endpoints, timeout)) {
        FirstContact firstContact = inTheProxysQuiet(client, endpoints, timeout);

        // well within the proxy's quiet of 30 s
        AtomicReference<String> hint = new AtomicReference<>();
        Awaitility.await("a hint telling nothing listens at the direct endpoint")
            .atMost(Duration.ofSeconds(15))
            .until(
                () -> {
                  hint.set(firstContact.hint(new TimeoutException()));
                  return hint.get() != null && hint.get().contains("nothing listens at " + nowhere);
                });
        assertThat(hint.get())
            .contains(
                "etcd at "
                    + stopped
                    + " answered with HTTP 502 from the HTTP proxy it is reached through");
      }
    }
  }

  /**
   * The proxy's 502 began its quiet; then the endpoint dialled directly beside takes connections
   * and answers no call, and a call to it waits out its time, which begins the quiet after no
   * answer. The two are kept apart: the hints still tell the proxy's 502 (the quiet after no answer
   * took the proxy's place, and the 502 went unsaid for 30 s).
   */
  @Test
  void aCallGettingNoAnswerDuringTheProxysQuietLeavesTheProxysAnswerSaid() throws Exception {
    String stopped = "http://127.0.0.1:" + RefusedPorts.any();
    // refused until the silent endpoint listens on it, and given to no other process meanwhile
    HeldPort direct = HeldPort.any();
    int port = direct.port();
    List<String> endpoints = List.of(stopped, "http://127.0.0.1:" + port);
    String proxys =
        "etcd at " + stopped + " answered with HTTP 502 from the HTTP proxy it is reached through";
    try (direct;
        ConnectProxy proxy = ConnectProxy.tunnelling()) {
      ProxySelector.setDefault(proxyFor(proxy, URI.create(stopped).getAuthority()));
      Duration timeout = Duration.ofSeconds(3);
      try (Client client = PlainEtcdSettings.client(endpoints, timeout)) {
        FirstContact firstContact = inTheProxysQuiet(client, endpoints, timeout);

        try (UnansweringEndpoint silent = UnansweringEndpoint.settingsOnly(port)) {
          // the direct endpoint dialled again at once, not after its backoff
          EtcdChannels.channel(client).resetConnectBackoff();
          Awaitility.await("the direct endpoint connected, the only one a call can go to")
              .atMost(Duration.ofSeconds(15))
              .until(() -> EtcdChannels.channel(client).getState(false) == ConnectivityState.READY);

          assertThat(firstContact.hint(new TimeoutException()))
              .as("the hint of the call that got no answer")
              .contains(proxys);
          assertThat(firstContact.hint(new TimeoutException()))
              .as("a hint in the quiet after it")
              .contains(proxys);
        }
      }
    }
  }

  /**
   * etcd answered through the proxy, then stopped behind it: the proxy answers 502. A failed call
   * read only "etcd did not answer within … ms", as a hint is given only until etcd first answers;
   * the failure now says what the proxy added, and still carries no hint (etcd did answer).
   */
  @Test
  void aProxysAnswerAfterEtcdAnsweredIsSaidInTheFailure() throws Exception {
    try (ConnectProxy proxy = ConnectProxy.tunnelling()) {
      ProxySelector.setDefault(proxyForEtcd(proxy));
      Duration timeout = Duration.ofSeconds(3);
      try (Client client = PlainEtcdSettings.client(List.of(etcd.endpoint()), timeout)) {
        EtcdGateway gateway = gatewayNaming(client, timeout, List.of(etcd.endpoint()));
        // connected through the proxy first, past the gateway: a fresh client's first call (the
        // JVM's first loads gRPC and Netty) can take more than the gateway's 3 s on a loaded
        // machine, and the read that must be answered failed as etcd not answering
        client
            .getKVClient()
            .get(ByteSequence.from("/sluice/".getBytes(StandardCharsets.UTF_8)))
            .get(30, TimeUnit.SECONDS);
        gateway.get("/sluice/v1/rules/", GetOption.builder().isPrefix(true).build());
        assertThat(gateway.answeredOnce()).isTrue();
        etcd.server().stop();
        try {
          awaitTransientFailure(client);
          Throwable failure =
              catchThrowable(
                  () ->
                      gateway.get("/sluice/v1/rules/", GetOption.builder().isPrefix(true).build()));

          assertThat(failure)
              .isInstanceOf(EtcdUnavailableException.class)
              .hasMessageContaining(
                  "etcd at "
                      + etcd.endpoint()
                      + " answered with HTTP 502 from the HTTP proxy it is reached through");
          EtcdUnavailableException unavailable = (EtcdUnavailableException) failure;
          assertThat(unavailable.hint()).isNull();
          assertThat(unavailable.proxysAnswer())
              .as("what the 503's detail says of it")
              .startsWith(
                  "etcd at "
                      + etcd.endpoint()
                      + " answered with HTTP 502 from the HTTP proxy it is reached through");
        } finally {
          etcd.server().start();
        }
      }
    }
  }

  /**
   * No probe round done (the deadline left no time for one), one endpoint through a proxy and one
   * dialled directly: the start said only "etcd did not answer through the HTTP proxy …", as if
   * every endpoint went through it. It names the direct endpoints too.
   */
  @Test
  void theStartWithoutAProbeRoundNamesTheDirectEndpointsToo() throws Exception {
    String nowhere = "http://127.0.0.1:" + RefusedPorts.any();
    List<String> endpoints = List.of(etcd.endpoint(), nowhere);
    StartFindings findings = new StartFindings();
    try (ConnectProxy proxy = ConnectProxy.refusing()) {
      ProxySelector.setDefault(proxyForEtcd(proxy));
      try (Client client = PlainEtcdSettings.client(endpoints, Duration.ofSeconds(3))) {
        // a deadline of nothing: the warm-up gives up before any probe round
        EtcdGateway gateway = gatewayNaming(client, Duration.ZERO, endpoints);
        List<EtcdAddress> addresses =
            endpoints.stream().map(e -> EtcdAddress.of(URI.create(e))).toList();
        new EtcdWarmUp(
                client,
                gateway,
                new EndpointProbe(addresses, Duration.ofSeconds(3), true),
                findings)
            .start();
      }

      assertThat(findings.found()).isNotNull();
      assertThat(findings.found().verdict())
          .startsWith(
              "etcd answered neither at its direct endpoints "
                  + URI.create(nowhere).getAuthority()
                  + " (not probed) nor through the HTTP proxy localhost:"
                  + proxy.port()
                  + " within 0 ms");
    }
  }

  /**
   * A first contact of {@code client}, dialling {@code endpoints}, once a hint told the proxy's
   * 502, which begins the proxy's quiet.
   */
  private static FirstContact inTheProxysQuiet(
      Client client, List<String> endpoints, Duration timeout) {
    awaitTransientFailure(client);
    FirstContact firstContact =
        new FirstContact(client, endpoints.stream().map(URI::create).toList(), timeout);
    Awaitility.await("a hint telling the proxy's 502, which begins its quiet")
        .atMost(Duration.ofSeconds(10))
        .until(() -> String.valueOf(firstContact.hint(new TimeoutException())).contains("502"));
    return firstContact;
  }

  /** Waits until every connection of {@code client}'s channel failed, its first call made. */
  private static void awaitTransientFailure(Client client) {
    client.getKVClient().get(ByteSequence.from("/sluice/".getBytes()));
    Awaitility.await("the channel in transient failure")
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                EtcdChannels.channel(client) != null
                    && EtcdChannels.channel(client).getState(false)
                        == ConnectivityState.TRANSIENT_FAILURE);
  }

  /**
   * What the start found for {@code endpoints}: the warm-up of a client dialling them, each probed
   * unless the client dials it through a proxy or leaves it out.
   */
  private static StartFindings startFindings(List<String> endpoints) throws Exception {
    return startFindings(endpoints, JvmProxy.jvmsNames());
  }

  /**
   * As {@link #startFindings(List)}, the names of the proxies the JVM names for the endpoints
   * looked up by {@code proxyNames}.
   */
  private static StartFindings startFindings(List<String> endpoints, ProxyNames proxyNames)
      throws Exception {
    Duration timeout = Duration.ofSeconds(3);
    StartFindings findings = new StartFindings();
    try (Client client = PlainEtcdSettings.client(endpoints, timeout)) {
      EtcdGateway gateway = gatewayNaming(client, timeout, endpoints);
      List<EtcdAddress> addresses =
          endpoints.stream().map(e -> EtcdAddress.of(URI.create(e))).toList();
      new EtcdWarmUp(
              client,
              gateway,
              new EndpointProbe(addresses, timeout, true, InetAddress::getAllByName, proxyNames),
              findings)
          .start();
    }
    return findings;
  }

  /**
   * The hint for {@code failure} of a client dialling {@code endpoints} that etcd never answered.
   */
  private static String hintFor(Throwable failure, List<String> endpoints) throws Exception {
    Duration timeout = Duration.ofSeconds(3);
    try (Client client = PlainEtcdSettings.client(endpoints, timeout)) {
      return new FirstContact(client, endpoints.stream().map(URI::create).toList(), timeout)
          .hint(failure);
    }
  }

  /** A gateway told the endpoints it dials, so a failed call before etcd answers carries a hint. */
  private static EtcdGateway gatewayNaming(
      Client client, Duration timeout, List<String> endpoints) {
    return EtcdGateway.builder(client, new EtcdKeys("/sluice"), timeout)
        .endpoints(endpoints.stream().map(URI::create).toList())
        .build();
  }

  private static String hintOfAFailedRead(Duration timeout) throws Exception {
    try (Client client = PlainEtcdSettings.client(List.of(etcd.endpoint()), timeout)) {
      EtcdGateway gateway = gatewayNaming(client, timeout, List.of(etcd.endpoint()));
      Throwable failure =
          catchThrowable(
              () -> gateway.get("/sluice/v1/rules/", GetOption.builder().isPrefix(true).build()));
      assertThat(failure).isInstanceOf(EtcdUnavailableException.class);
      return ((EtcdUnavailableException) failure).hint();
    }
  }

  private static String etcdAddress() {
    return "127.0.0.1:" + etcd.server().port();
  }

  /** The JVM's selector for these tests: {@code proxy} for etcd's address, no proxy elsewhere. */
  private static ProxySelector proxyForEtcd(ConnectProxy proxy) {
    return proxyFor(proxy, etcdAddress());
  }

  /** The JVM's selector for these tests: each proxy for its {@code ip:port}, none elsewhere. */
  private static ProxySelector proxiesFor(Map<String, ConnectProxy> proxies) {
    return selector(
        address -> {
          ConnectProxy proxy = proxies.get(address);
          return proxy == null ? null : List.of(http(proxy));
        });
  }

  /** The JVM's selector for these tests: {@code proxy} for {@code ip:port}, no proxy elsewhere. */
  private static ProxySelector proxyFor(ConnectProxy proxy, String address) {
    Proxy http = http(proxy);
    return selectorFor(address, () -> List.of(http));
  }

  /** A selector answering {@code forEtcd} for {@code ip:port}, no proxy elsewhere. */
  private static ProxySelector selectorFor(String address, Supplier<List<Proxy>> forEtcd) {
    return selector(asked -> address.equals(asked) ? forEtcd.get() : null);
  }

  /** {@code proxy} on loopback, as the JVM's selector names an HTTP proxy. */
  private static Proxy http(ConnectProxy proxy) {
    return new Proxy(
        Proxy.Type.HTTP, new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port()));
  }

  /**
   * A selector answering what {@code byAddress} gives for the {@code ip:port} asked, no proxy where
   * it gives {@code null}.
   */
  private static ProxySelector selector(Function<String, List<Proxy>> byAddress) {
    return new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        List<Proxy> proxies = byAddress.apply(uri.getHost() + ":" + uri.getPort());
        return proxies == null ? List.of(Proxy.NO_PROXY) : proxies;
      }

      @Override
      public void connectFailed(URI uri, SocketAddress address, IOException e) {}
    };
  }
}
