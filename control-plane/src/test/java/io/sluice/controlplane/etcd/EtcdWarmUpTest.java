package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.sluice.etcd.EtcdAddress;
import io.sluice.testing.logging.LogCapture;
import io.sluice.testing.net.RefusedPorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EtcdWarmUpTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  /**
   * How long a warm-up that must stop waiting is given to have returned: room for its deadline and
   * for the first jetcd call of the JVM, which loads gRPC (over ten seconds on a loaded two-core
   * machine), and far less than a warm-up that waited for what it must not would take: the read,
   * which here never ends by itself (the test sets it no deadline), or a minute.
   */
  private static final Duration RETURNS_WITHIN = Duration.ofSeconds(20);

  /**
   * An endpoint that drops connects, or accepts and never answers: the warm-up stops waiting after
   * the etcd deadline (it waited 60 s), although the read it waits for is never answered, and says
   * which endpoint did what, in the log and for health ({@link StartFindings}).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("unansweringEndpoints")
  void stopsWaitingAfterTheDeadlineWhenNoEndpointAnswers(
      String seen, Supplier<UnansweringEndpoint> kind) throws Exception {
    try (UnansweringEndpoint endpoint = kind.get()) {
      stopsWaitingSaying(endpoint, "etcd did not answer at its endpoints for 1000 ms", seen);
    }
  }

  /**
   * Warms up against {@code endpoint} alone and checks that it stops waiting, saying {@code
   * verdict} with what the endpoint showed ({@code seen}) in one log line, and the same for health.
   */
  private static void stopsWaitingSaying(UnansweringEndpoint endpoint, String verdict, String seen)
      throws Exception {
    StartFindings start = new StartFindings();
    try (LogCapture log = LogCapture.of(EtcdWarmUp.class)) {
      warmUp(List.of(endpoint), List.of(endpoint), start);
      assertThat(log.messages())
          .singleElement()
          .satisfies(
              message ->
                  assertThat(message)
                      .contains(verdict, "127.0.0.1:" + endpoint.port() + ": " + seen));
      // and health shows the same
      assertThat(start.found().details())
          .isEqualTo(
              Map.of(
                  "verdict", verdict, "endpoints", Map.of("127.0.0.1:" + endpoint.port(), seen)));
    }
  }

  /**
   * Thirty endpoints that drop connects or stay silent, with a deadline of 2 s: the warm-up still
   * stops waiting after the deadline, as for one, and names each endpoint. It probed them one after
   * the other, the deadline for each: a minute here, which the warm-up would still be in when
   * {@link #RETURNS_WITHIN} is up.
   */
  @Test
  void stopsWaitingAfterTheDeadlineHoweverManyEndpointsDoNotAnswer() throws Exception {
    List<UnansweringEndpoint> endpoints = new ArrayList<>();
    StartFindings start = new StartFindings();
    try (LogCapture log = LogCapture.of(EtcdWarmUp.class)) {
      for (int i = 0; i < 5; i++) {
        endpoints.add(UnansweringEndpoint.dropping());
        for (int j = 0; j < 5; j++) {
          endpoints.add(UnansweringEndpoint.silent());
        }
      }
      warmUp(endpoints, endpoints, Duration.ofSeconds(2), start);
      assertThat(log.messages())
          .singleElement()
          .satisfies(
              message -> assertThat(message).contains("etcd did not answer at its endpoints"));
      assertThat(start.found().endpoints())
          .extracting(EndpointProbe.Finding::address)
          .containsExactlyElementsOf(endpoints.stream().map(e -> "127.0.0.1:" + e.port()).toList());
    } finally {
      endpoints.forEach(UnansweringEndpoint::close);
    }
  }

  /**
   * An endpoint that answers HTTP/2's preface and never a read (an etcd member without a quorum):
   * the warm-up stops waiting after the etcd deadline (it waited 60 s) and says the endpoint
   * answered but served no read, for health and in an INFO line, as a slow first call on a busy
   * machine does the same; the warning comes once the read is still unserved at its own deadline
   * (twice the timeout). It warned of a missing quorum at once, which on a busy machine was at
   * every start, and then said the read was served after all.
   */
  @Test
  void anEndpointThatAnswersButServesNoReadIsWarnedOfAtTheReadsDeadline() throws Exception {
    StartFindings start = new StartFindings();
    OutstandingCalls calls = new OutstandingCalls(TIMEOUT);
    calls.start();
    try (UnansweringEndpoint endpoint = UnansweringEndpoint.settingsOnly();
        LogCapture log = LogCapture.of(EtcdWarmUp.class)) {
      EtcdSettings settings = PlainEtcdSettings.of(List.of(endpoint.endpoint()), TIMEOUT);
      String address = "127.0.0.1:" + endpoint.port();
      try (Client client =
          EtcdConfiguration.clientBuilder(settings, settings.endpoints())
              .interceptor(calls)
              .build()) {
        warmUp(client, List.of(endpoint), start).start();
        String verdict =
            "etcd answered at its endpoints but did not serve a read within 1000 ms: a slow first"
                + " call, or no quorum?";
        assertThat(start.found().details())
            .isEqualTo(Map.of("verdict", verdict, "endpoints", Map.of(address, "answered")));
        // said first, and not as a warning
        assertThat(log.records().get(0).getLevel()).isEqualTo(Level.INFO);
        assertThat(log.records().get(0).getMessage())
            .contains(verdict, address + ": answered", "awaited until 2000 ms after it was sent");

        await("the warning at the read's deadline")
            .atMost(Duration.ofSeconds(15))
            .until(log::warnings, warnings -> !warnings.isEmpty());
        assertThat(log.warnings())
            .singleElement()
            .satisfies(
                warning ->
                    assertThat(warning)
                        .startsWith(
                            "etcd answered at its endpoints but did not serve the start's read in"
                                + " the ")
                        .contains("no quorum?", address + ": answered"));
      } finally {
        calls.stop();
      }
    }
  }

  /**
   * With nothing to probe (no endpoint the probe can parse), an answered probe was assumed: the
   * warm-up must not say that etcd answered.
   */
  @Test
  void withNothingToProbeSaysOnlyThatEtcdDidNotAnswer() throws Exception {
    StartFindings start = new StartFindings();
    try (UnansweringEndpoint endpoint = UnansweringEndpoint.settingsOnly();
        LogCapture log = LogCapture.of(EtcdWarmUp.class)) {
      warmUp(List.of(endpoint), List.of(), start);
      assertThat(log.messages())
          .singleElement()
          .satisfies(
              message -> assertThat(message).startsWith("etcd did not answer within 1000 ms"));
      assertThat(start.found().details())
          .isEqualTo(Map.of("verdict", "etcd did not answer within 1000 ms"));
    }
  }

  /**
   * Two endpoints, each through its own HTTP proxy the JVM names: one by its address, one by a host
   * name whose first lookup has not answered (a slow DNS, here one that answers only once the test
   * lets it). The verdict names both proxies, and says "still being looked up" of the second only:
   * not of both, nor of neither. Health names each endpoint's way likewise.
   */
  @Test
  void aProxyWhoseNameIsStillBeingLookedUpIsSaidSoBesideOneWhoseNameResolved() throws Exception {
    String first = "http://127.0.0.1:" + RefusedPorts.any();
    String second = "http://127.0.0.1:" + RefusedPorts.any();
    int byAddressPort = RefusedPorts.any();
    int byNamePort = RefusedPorts.any();
    Map<String, Proxy> proxies =
        Map.of(
            URI.create(first).getAuthority(),
            new Proxy(
                Proxy.Type.HTTP,
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), byAddressPort)),
            URI.create(second).getAuthority(),
            new Proxy(
                Proxy.Type.HTTP, InetSocketAddress.createUnresolved("localhost", byNamePort)));
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
    ProxySelector before = ProxySelector.getDefault();
    ProxySelector.setDefault(
        new ProxySelector() {
          @Override
          public List<Proxy> select(URI uri) {
            return List.of(
                proxies.getOrDefault(uri.getHost() + ":" + uri.getPort(), Proxy.NO_PROXY));
          }

          @Override
          public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
        });
    StartFindings start = new StartFindings();
    EtcdSettings settings = PlainEtcdSettings.of(List.of(first, second), TIMEOUT);
    try (Client client = EtcdConfiguration.clientBuilder(settings, settings.endpoints()).build()) {
      new EtcdWarmUp(
              client,
              TestGateways.on(client, TIMEOUT),
              new EndpointProbe(
                  List.of(EtcdAddress.of(URI.create(first)), EtcdAddress.of(URI.create(second))),
                  TIMEOUT,
                  true,
                  InetAddress::getAllByName,
                  slowDns),
              start)
          .start();

      assertThat(start.found()).isNotNull();
      assertThat(start.found().verdict())
          .startsWith(
              "etcd did not answer through the HTTP proxies 127.0.0.1:"
                  + byAddressPort
                  + ", localhost:"
                  + byNamePort
                  + " (its name is still being looked up) within 1000 ms");
      assertThat(start.found().endpoints())
          .extracting(EndpointProbe.Finding::shown)
          .containsExactly(
              "not probed: dialled through the HTTP proxy 127.0.0.1:" + byAddressPort,
              "not probed: dialled through the HTTP proxy localhost:"
                  + byNamePort
                  + ", whose name is still being looked up");
    } finally {
      ProxySelector.setDefault(before);
      dnsAnswers.countDown();
      lookups.shutdownNow();
    }
  }

  /**
   * Runs a warm-up with the etcd deadline {@link #TIMEOUT}, and checks that it returned.
   *
   * @param dialled the endpoints the client dials
   * @param probed the endpoints the warm-up probes
   * @param start where it says why it started without etcd
   */
  private static void warmUp(
      List<UnansweringEndpoint> dialled, List<UnansweringEndpoint> probed, StartFindings start)
      throws Exception {
    warmUp(dialled, probed, TIMEOUT, start);
  }

  /**
   * Runs a warm-up with the etcd deadline {@code timeout} on a thread of its own, and checks that
   * it returned within {@link #RETURNS_WITHIN}: the read it waits for never ends by itself.
   */
  private static void warmUp(
      List<UnansweringEndpoint> dialled,
      List<UnansweringEndpoint> probed,
      Duration timeout,
      StartFindings start)
      throws Exception {
    EtcdSettings settings =
        PlainEtcdSettings.of(dialled.stream().map(UnansweringEndpoint::endpoint).toList(), timeout);
    try (Client client = EtcdConfiguration.clientBuilder(settings, settings.endpoints()).build()) {
      EtcdWarmUp warmUp = warmUp(client, probed, timeout, start);
      CompletableFuture<Void> started =
          CompletableFuture.runAsync(
              warmUp::start,
              task -> {
                Thread thread = new Thread(task, "warm-up-under-test");
                thread.setDaemon(true);
                thread.start();
              });
      await("the warm-up stopped waiting").atMost(RETURNS_WITHIN).until(started::isDone);
      started.join();
    }
  }

  /**
   * The warm-up of {@code client}, probing {@code probed}, with the etcd deadline {@link #TIMEOUT}.
   */
  private static EtcdWarmUp warmUp(
      Client client, List<UnansweringEndpoint> probed, StartFindings start) {
    return warmUp(client, probed, TIMEOUT, start);
  }

  /**
   * The warm-up of {@code client}, probing {@code probed}, with the etcd deadline {@code timeout}.
   */
  private static EtcdWarmUp warmUp(
      Client client, List<UnansweringEndpoint> probed, Duration timeout, StartFindings start) {
    return new EtcdWarmUp(
        client,
        TestGateways.on(client, timeout),
        new EndpointProbe(
            probed.stream().map(e -> new EtcdAddress("127.0.0.1", e.port(), true)).toList(),
            timeout),
        start);
  }

  static Stream<Arguments> unansweringEndpoints() {
    return Stream.of(
        Arguments.of(
            "connect timed out", (Supplier<UnansweringEndpoint>) UnansweringEndpoint::dropping),
        Arguments.of(
            "accepted but did not answer",
            (Supplier<UnansweringEndpoint>) UnansweringEndpoint::silent));
  }

  /**
   * A failure without a message (gRPC fails a call on a closed channel with a bare {@code
   * ClosedChannelException}) is named by its class: the warning said "etcd could not be read
   * (null)".
   */
  @Test
  void aFailureWithoutAMessageIsNamedByItsClass() {
    try (LogCapture log = LogCapture.of(EtcdWarmUp.class)) {
      EtcdWarmUp.failed(
          new ClosedChannelException(),
          EtcdRefusedException.notPermittedAction(io.sluice.etcd.EtcdCredentials.PASSWORD));
      assertThat(log.messages())
          .singleElement()
          .satisfies(
              message ->
                  assertThat(message)
                      .contains("(java.nio.channels.ClosedChannelException)")
                      .doesNotContain("null"));
    }
  }
}
