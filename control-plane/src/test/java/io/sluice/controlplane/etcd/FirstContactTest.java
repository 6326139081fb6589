package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.ConnectivityState;
import io.sluice.etcd.EtcdChannels;
import io.sluice.etcd.EtcdRefusal;
import io.sluice.testing.etcd.ConnectProxy;
import io.sluice.testing.etcd.NotEtcdHttpServer;
import io.sluice.testing.net.RefusedPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link FirstContact}'s extra call, against an endpoint that takes connections and answers no call
 * (an etcd member without a quorum, a hung one): the connection neither fails nor answers, so the
 * call that does not wait for a connection waits out its whole second and tells nothing. And the
 * hint of a refused connection through an IPv6 proxy on loopback, beside a direct endpoint.
 */
class FirstContactTest {

  /**
   * Once the extra call waited out its time without an answer, the failures after it do not send
   * another one for a while: each API call and health check failing while etcd is silent took a
   * second more and sent one more read to that etcd, for no hint.
   */
  @Test
  void afterACallThatGotNoAnswerTheNextFailuresDoNotWaitForAnother() throws Exception {
    FailFastCalls counting = new FailFastCalls();
    try (UnansweringEndpoint silentEtcd = UnansweringEndpoint.settingsOnly();
        Client client = countingClient(silentEtcd.endpoint(), counting)) {
      FirstContact firstContact = afterACallWaitingOn(silentEtcd, client);

      assertThat(firstContact.hint(new TimeoutException())).isNull();
      assertThat(counting.sent()).as("the call that got no answer").isEqualTo(1);
      for (int failure = 0; failure < 3; failure++) {
        assertThat(firstContact.hint(new TimeoutException())).isNull();
      }

      // well within the quiet's 30 s: each would have sent a call and waited out its second
      assertThat(counting.sent())
          .as("calls sent that do not wait for a connection, after three more failures")
          .isEqualTo(1);
    }
  }

  /**
   * Failures that come together while the extra call is on its way (API calls and health checks
   * failing at once) share that call: each sent one of its own, to the same silent etcd.
   */
  @Test
  void failuresThatComeTogetherShareOneCall() throws Exception {
    FailFastCalls counting = new FailFastCalls();
    int together = 4;
    ExecutorService failures = Executors.newFixedThreadPool(together);
    try (UnansweringEndpoint silentEtcd = UnansweringEndpoint.settingsOnly();
        Client client = countingClient(silentEtcd.endpoint(), counting)) {
      FirstContact firstContact = afterACallWaitingOn(silentEtcd, client);
      CyclicBarrier atOnce = new CyclicBarrier(together);

      List<CompletableFuture<String>> hints = new ArrayList<>();
      for (int i = 0; i < together; i++) {
        hints.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    atOnce.await(10, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                  return firstContact.hint(new TimeoutException());
                },
                failures));
      }

      for (CompletableFuture<String> hint : hints) {
        assertThat(hint.get(10, TimeUnit.SECONDS)).isNull();
      }
      assertThat(counting.sent()).as("calls sent that do not wait for a connection").isEqualTo(1);
    } finally {
      failures.shutdownNow();
    }
  }

  /**
   * An IPv6 proxy ({@code [::1]:port}) that refuses the connection, with an endpoint dialled
   * directly beside the one behind it: its refusal was told as the direct endpoint's ("nothing
   * listens at …"), as the proxy's address, in brackets in the refusal's message, was never
   * recognised. It names the proxy, whether the JVM's selector gives it as an address or as a name.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("ipv6Proxies")
  void anIpv6ProxysRefusalIsTheProxysNotTheDirectEndpoints(
      String named, InetSocketAddress proxy, String shown) throws Exception {
    String behind = "http://127.0.0.1:" + RefusedPorts.any();
    String direct = "http://127.0.0.1:" + RefusedPorts.any();
    ProxySelector before = ProxySelector.getDefault();
    ProxySelector.setDefault(proxyFor(URI.create(behind).getAuthority(), proxy));
    try {
      Throwable refused = CallFailures.refusedConnectionTo(behind);
      try (Client client = PlainEtcdSettings.client(List.of(behind, direct), SECONDS_5)) {
        String hint =
            new FirstContact(client, List.of(URI.create(behind), URI.create(direct)), SECONDS_5)
                .hint(refused);

        assertThat(hint)
            .startsWith(
                "the HTTP proxy "
                    + shown.replace("PORT", String.valueOf(proxy.getPort()))
                    + " that the JVM's proxy settings name for etcd refused the connection")
            .doesNotContain(direct);
      }
    } finally {
      ProxySelector.setDefault(before);
    }
  }

  /**
   * etcd answered before; then a reverse proxy in front of an endpoint dialled directly answers
   * 502, while the JVM names an HTTP proxy for another endpoint. The 502 was said of the proxied
   * endpoint only, though it came on the direct one's connection; the failure does not say which
   * endpoint it came from (gRPC words an HTTP answer without the address), so it names every
   * endpoint dialled.
   */
  @Test
  void aReverseProxysBadGatewayBesideAJvmProxyIsNotSaidOfTheProxiedEndpointsOnly()
      throws Exception {
    String behind = "http://127.0.0.1:" + RefusedPorts.any();
    ProxySelector before = ProxySelector.getDefault();
    ProxySelector.setDefault(
        proxyFor(
            URI.create(behind).getAuthority(),
            new InetSocketAddress(InetAddress.getLoopbackAddress(), RefusedPorts.any())));
    try (NotEtcdHttpServer reverseProxy = NotEtcdHttpServer.answering(502, "Bad Gateway")) {
      String direct = reverseProxy.endpoint();
      Throwable badGateway = CallFailures.ofACallTo(direct, EtcdRefusal::proxyCouldNotReachEtcd);
      try (Client client = PlainEtcdSettings.client(List.of(behind, direct), SECONDS_5)) {
        FirstContact contact =
            new FirstContact(client, List.of(URI.create(behind), URI.create(direct)), SECONDS_5);
        contact.answered();

        assertThat(contact.proxysPart(badGateway))
            .isEqualTo(
                "etcd at "
                    + behind
                    + ", "
                    + direct
                    + " answered with HTTP 502 from a proxy in front of it, which could not reach"
                    + " etcd (etcd down or cut off behind the proxy: an outage)");
      }
    } finally {
      ProxySelector.setDefault(before);
    }
  }

  /**
   * A reverse proxy in front of an endpoint dialled directly answers 502 (etcd down behind it),
   * etcd never answered, and the JVM names no HTTP proxy. Its 502 began the 30 s quiet meant for
   * the JVM's HTTP proxy answering {@code CONNECT}, so no call was sent for a hint at the next
   * failures: they were told the 502 again, whatever the endpoint had become. The 502 is an answer
   * to the call at a direct endpoint, which answers at once: each failure still sends its call.
   */
  @Test
  void aReverseProxysBadGatewayAtADirectEndpointBeginsNoQuiet() throws Exception {
    FailFastCalls counting = new FailFastCalls();
    try (NotEtcdHttpServer reverseProxy = NotEtcdHttpServer.answering(502, "Bad Gateway")) {
      String direct = reverseProxy.endpoint();
      try (Client client = countingClient(direct, counting)) {
        answeredOnItsConnection(client, reverseProxy);
        FirstContact firstContact =
            new FirstContact(client, List.of(URI.create(direct)), SECONDS_5);

        for (int failure = 0; failure < 3; failure++) {
          firstContact.hint(new TimeoutException());
        }

        // well within 30 s: without a JVM proxy, the quiet held back the second and third
        assertThat(counting.sent())
            .as("calls sent that do not wait for a connection, one per failure")
            .isEqualTo(3);
      }
    }
  }

  /**
   * A reverse proxy answers 502 (etcd down behind it) behind the open tunnel of the JVM's HTTP
   * proxy, through which every endpoint is dialled, and etcd never answered: the answer came from
   * behind the proxy at once, as the proxy's own 502 to {@code CONNECT} does, but began no quiet,
   * so each failure sent one more call for the same 502. It begins the proxy's quiet now, and the
   * hints meanwhile still tell the 502.
   */
  @Test
  void aReverseProxysBadGatewayBehindTheJvmsProxysTunnelBeginsTheProxysQuiet() throws Exception {
    FailFastCalls counting = new FailFastCalls();
    ProxySelector before = ProxySelector.getDefault();
    try (NotEtcdHttpServer reverseProxy = NotEtcdHttpServer.answering(502, "Bad Gateway");
        ConnectProxy tunnel = ConnectProxy.tunnelling()) {
      String behind = reverseProxy.endpoint();
      ProxySelector.setDefault(
          proxyFor(
              URI.create(behind).getAuthority(),
              new InetSocketAddress(InetAddress.getLoopbackAddress(), tunnel.port())));
      try (Client client = countingClient(behind, counting)) {
        answeredOnItsConnection(client, reverseProxy);
        FirstContact firstContact =
            new FirstContact(client, List.of(URI.create(behind)), SECONDS_5);

        for (int failure = 0; failure < 3; failure++) {
          assertThat(firstContact.hint(new TimeoutException()))
              .as("failure %d", failure)
              .isEqualTo(
                  "etcd at "
                      + behind
                      + " answered with HTTP 502 from a proxy in front of it, which could not"
                      + " reach etcd (etcd down or cut off behind the proxy: an outage)");
        }

        // well within the quiet's 30 s
        assertThat(counting.sent()).as("calls sent that do not wait for a connection").isEqualTo(1);
      }
      assertThat(tunnel.connects())
          .as("through the tunnel")
          .contains(URI.create(behind).getAuthority());
    } finally {
      ProxySelector.setDefault(before);
    }
  }

  /**
   * The reverse proxy's 502 behind the JVM proxy's tunnel began the proxy's quiet; then the JVM's
   * proxy selector stops naming any proxy for etcd (the settings were changed, a PAC file now says
   * DIRECT). The proxy's quiet still held back every call for its 30 s, telling the proxy's 502
   * again, though no endpoint went through a proxy any more. With no proxy named, the quiet is
   * cleared and each failure sends its call on the direct route.
   */
  @Test
  void theProxysQuietEndsWhenTheJvmNoLongerNamesAProxy() throws Exception {
    FailFastCalls counting = new FailFastCalls();
    ProxySelector before = ProxySelector.getDefault();
    AtomicBoolean proxied = new AtomicBoolean(true);
    try (NotEtcdHttpServer reverseProxy = NotEtcdHttpServer.answering(502, "Bad Gateway");
        ConnectProxy tunnel = ConnectProxy.tunnelling()) {
      String behind = reverseProxy.endpoint();
      ProxySelector throughTunnel =
          proxyFor(
              URI.create(behind).getAuthority(),
              new InetSocketAddress(InetAddress.getLoopbackAddress(), tunnel.port()));
      ProxySelector.setDefault(
          new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
              return proxied.get() ? throughTunnel.select(uri) : List.of(Proxy.NO_PROXY);
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
          });
      try (Client client = countingClient(behind, counting)) {
        answeredOnItsConnection(client, reverseProxy);
        FirstContact firstContact =
            new FirstContact(client, List.of(URI.create(behind)), SECONDS_5);
        firstContact.hint(new TimeoutException());
        assertThat(counting.sent()).as("the call that began the proxy's quiet").isEqualTo(1);

        proxied.set(false);
        for (int failure = 0; failure < 3; failure++) {
          firstContact.hint(new TimeoutException());
        }

        // well within the quiet's 30 s: with no proxy named, it held back all three
        assertThat(counting.sent())
            .as("calls sent that do not wait for a connection, one per failure once no proxy")
            .isEqualTo(4);
      }
    } finally {
      ProxySelector.setDefault(before);
    }
  }

  /**
   * Sends {@code client}'s first call and waits until {@code reverseProxy} answered it on a
   * connection that is ready: the extra call then gets the proxy's answer within its second.
   * Waiting for the channel alone, the first extra call could still be connecting (and loading
   * classes) on a loaded machine, wait out its second, and begin the quiet after no answer, which
   * held back the calls counted.
   */
  private static void answeredOnItsConnection(Client client, NotEtcdHttpServer reverseProxy) {
    client.getKVClient().get(ByteSequence.from("/sluice/", StandardCharsets.UTF_8));
    await("the reverse proxy's answer on a ready connection")
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                reverseProxy.answered() > 0
                    && EtcdChannels.channel(client) != null
                    && EtcdChannels.channel(client).getState(false) == ConnectivityState.READY);
  }

  static Stream<Arguments> ipv6Proxies() throws IOException {
    int closed = closedIpv6Port();
    return Stream.of(
        Arguments.of(
            "an IPv6 address",
            new InetSocketAddress(InetAddress.getByName("::1"), closed),
            "[0:0:0:0:0:0:0:1]:PORT"),
        Arguments.of(
            "an IPv6 literal as a name",
            InetSocketAddress.createUnresolved("::1", closed),
            "[::1]:PORT"));
  }

  /**
   * A port on {@code ::1} that refuses connections for as long as the JVM runs ({@link
   * RefusedPorts}): one that was free a moment ago and closed again could be given to another
   * process of the build before the test dials it.
   */
  private static int closedIpv6Port() throws IOException {
    try {
      return RefusedPorts.on(InetAddress.getByName("::1"));
    } catch (UncheckedIOException e) {
      if (!(e.getCause() instanceof SocketException noIpv6)) {
        throw e;
      }
      // a container with IPv6 off (Docker's default network): nothing to dial a proxy on
      return Assumptions.abort("no IPv6 loopback here: " + noIpv6.getMessage());
    }
  }

  /** The JVM's selector: an HTTP proxy at {@code proxy} for {@code address}, none elsewhere. */
  private static ProxySelector proxyFor(String address, InetSocketAddress proxy) {
    return new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        return address.equals(uri.getHost() + ":" + uri.getPort())
            ? List.of(new Proxy(Proxy.Type.HTTP, proxy))
            : List.of(Proxy.NO_PROXY);
      }

      @Override
      public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
    };
  }

  private static final Duration SECONDS_5 = Duration.ofSeconds(5);

  /**
   * The control plane's client of {@code endpoint}, its calls that do not wait for a connection
   * (the extra call's) counted by {@code counting}.
   */
  private static Client countingClient(String endpoint, FailFastCalls counting)
      throws SSLException {
    return EtcdConfiguration.clientBuilder(
            PlainEtcdSettings.of(List.of(endpoint), SECONDS_5), List.of(endpoint))
        .interceptor(counting)
        .build();
  }

  /**
   * A first contact of {@code client} once jetcd has made its channel, which it makes at the first
   * call: one waiting for ever on {@code silentEtcd}.
   */
  private static FirstContact afterACallWaitingOn(UnansweringEndpoint silentEtcd, Client client) {
    client.getKVClient().get(ByteSequence.from("/sluice/", StandardCharsets.UTF_8));
    await("the client's channel")
        .atMost(Duration.ofSeconds(10))
        .until(() -> EtcdChannels.channel(client) != null);
    return new FirstContact(client, List.of(URI.create(silentEtcd.endpoint())), SECONDS_5);
  }
}
