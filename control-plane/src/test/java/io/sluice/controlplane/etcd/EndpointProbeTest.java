package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.sluice.etcd.EtcdAddress;
import io.sluice.testing.net.RefusedPorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Real sockets on loopback: a port nothing listens at, one that drops connects, one that accepts
 * and says nothing, one that answers. A real etcd answering, over plain TCP and TLS: {@code
 * EtcdGatewayIT}, {@code EtcdTlsIT}.
 */
class EndpointProbeTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  /** For the probes that wait it out. */
  private static final Duration SHORT = Duration.ofMillis(700);

  /**
   * For the probes that must not wait it out: one that did would still be waiting when {@link
   * #RETURNS_WITHIN} is up.
   */
  private static final Duration LONG = Duration.ofMinutes(1);

  /**
   * How long a probe that must end, as it ends by its own timeout or its caller's word, is given to
   * have ended: far more than its timeout and a loaded machine's scheduling need, far less than
   * what it would take had it waited for what it must not (a connect or a read that never ends by
   * itself, or {@link #LONG}).
   */
  private static final Duration RETURNS_WITHIN = Duration.ofSeconds(20);

  @Test
  void aPortNothingListensAtIsRefused() throws IOException {
    EtcdAddress closed = new EtcdAddress("127.0.0.1", RefusedPorts.any(), true);
    EndpointProbe.Probed probed = new EndpointProbe(List.of(closed), TIMEOUT).probe();
    assertThat(probed.refusedEverywhere()).isTrue();
    assertThat(probed.nothingAnswered()).isTrue();
    assertThat(probed).hasToString(closed.target() + ": connection refused");
  }

  /**
   * An endpoint for which the JVM's proxy selector throws is left out by the client (gRPC's proxy
   * detector fails for it): it is not probed, a direct connect telling nothing of it, and is named
   * as left out. It was taken as dialled directly and probed.
   */
  @Test
  void anEndpointTheClientLeavesOutIsNotProbed() throws IOException {
    EtcdAddress direct = new EtcdAddress("127.0.0.1", RefusedPorts.any(), true);
    EtcdAddress leftOut = new EtcdAddress("127.0.0.1", RefusedPorts.any(), true);
    ProxySelector before = ProxySelector.getDefault();
    ProxySelector.setDefault(
        new ProxySelector() {
          @Override
          public List<Proxy> select(URI uri) {
            if (uri.getPort() == leftOut.port()) {
              throw new IllegalStateException("no proxy configuration yet");
            }
            return List.of(Proxy.NO_PROXY);
          }

          @Override
          public void connectFailed(URI uri, SocketAddress address, IOException e) {}
        });
    try {
      EndpointProbe probe = new EndpointProbe(List.of(direct, leftOut), TIMEOUT);

      assertThat(probe.probe()).hasToString(direct.target() + ": connection refused");
      assertThat(probe.notProbed())
          .singleElement()
          .satisfies(
              f -> {
                assertThat(f.address()).isEqualTo(leftOut.target());
                assertThat(f.seen()).isEqualTo(EndpointProbe.Seen.LEFT_OUT);
                assertThat(f.shown())
                    .startsWith("not probed: the client leaves it out (the JVM's ProxySelector");
              });
    } finally {
      ProxySelector.setDefault(before);
    }
  }

  /**
   * Over plain text, etcd answers the preface with its SETTINGS frame; an endpoint that closes the
   * connection instead answers as an etcd serving only TLS does, which the probe tells apart.
   */
  @Test
  void overPlainTextAnAnswerThatIsNoHttp2FrameIsTakenForTls() throws Exception {
    try (ServerSocket closing = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        UnansweringEndpoint http2 = UnansweringEndpoint.settingsOnly()) {
      Thread closer =
          new Thread(
              () -> {
                try (Socket accepted = closing.accept()) {
                  accepted.getInputStream().read();
                } catch (IOException ignored) {
                  // the test failed elsewhere
                }
              });
      closer.start();
      EtcdAddress closes = new EtcdAddress("127.0.0.1", closing.getLocalPort(), true);
      EtcdAddress frames = new EtcdAddress("127.0.0.1", http2.port(), true);

      EndpointProbe.Probed tlsOnly = new EndpointProbe(List.of(closes), TIMEOUT, true).probe();
      closer.join(TIMEOUT.toMillis());
      EndpointProbe.Probed plainEtcd = new EndpointProbe(List.of(frames), TIMEOUT, true).probe();

      assertThat(tlsOnly.nothingAnswered()).isFalse();
      assertThat(tlsOnly.answeredOnlyOverTls()).isTrue();
      assertThat(tlsOnly)
          .hasToString(
              closes.target()
                  + ": answered, but not in plain-text HTTP/2 (etcd there speaks only TLS?)");
      assertThat(plainEtcd.answeredOnlyOverTls()).isFalse();
      assertThat(plainEtcd).hasToString(frames.target() + ": answered");
    }
  }

  @Test
  void oneAnsweringEndpointAmongRefusedOnesIsAnAnswer() throws Exception {
    try (ServerSocket answering = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      // answers by closing the connection, as an etcd serving TLS does
      Thread closer =
          new Thread(
              () -> {
                try (Socket accepted = answering.accept()) {
                  accepted.getInputStream().read();
                } catch (IOException ignored) {
                  // the test failed elsewhere
                }
              });
      closer.start();
      EndpointProbe.Probed probed =
          new EndpointProbe(
                  List.of(
                      new EtcdAddress("127.0.0.1", RefusedPorts.any(), true),
                      new EtcdAddress("127.0.0.1", answering.getLocalPort(), true)),
                  TIMEOUT)
              .probe();
      closer.join(TIMEOUT.toMillis());
      assertThat(probed.nothingAnswered()).isFalse();
      assertThat(probed.findings())
          .extracting(EndpointProbe.Finding::seen)
          .containsExactly(EndpointProbe.Seen.REFUSED, EndpointProbe.Seen.ANSWERED);
    }
  }

  /**
   * A connect that never completes (SYNs dropped) ends at the timeout, as no answer: the probe
   * returns, where the OS alone would keep the connect going for two minutes (six SYN retries).
   */
  @Test
  void anEndpointThatDropsConnectsDidNotAnswer() {
    try (UnansweringEndpoint dropping = UnansweringEndpoint.dropping()) {
      EndpointProbe probe =
          new EndpointProbe(List.of(new EtcdAddress("127.0.0.1", dropping.port(), true)), SHORT);
      EndpointProbe.Probed probed = returned(onItsOwnThread(probe::probe));
      assertThat(probed.nothingAnswered()).isTrue();
      assertThat(probed.refusedEverywhere()).isFalse();
      assertThat(probed).hasToString("127.0.0.1:" + dropping.port() + ": connect timed out");
    }
  }

  /**
   * A socket that accepts and says nothing is no etcd: etcd answers a gRPC client's preface. The
   * probe returns although the socket would never answer.
   */
  @Test
  void anEndpointThatAcceptsAndSaysNothingDidNotAnswer() {
    try (UnansweringEndpoint silent = UnansweringEndpoint.silent()) {
      EndpointProbe probe =
          new EndpointProbe(List.of(new EtcdAddress("127.0.0.1", silent.port(), true)), SHORT);
      EndpointProbe.Probed probed = returned(onItsOwnThread(probe::probe));
      assertThat(probed.nothingAnswered()).isTrue();
      assertThat(probed)
          .hasToString("127.0.0.1:" + silent.port() + ": accepted but did not answer");
    }
  }

  /**
   * Endpoints that do not answer are probed all at once, and are listed in the order given: with a
   * minute's timeout, the silent endpoints that come after ones that drop connects are connected to
   * while the first connect still waits, and both are held together, waiting for an answer. Probed
   * one after the other, the second endpoint waited for the first's whole timeout (four endpoints
   * took four times the timeout).
   */
  @Test
  void probesEveryEndpointAtOnce() {
    try (UnansweringEndpoint dropping = UnansweringEndpoint.dropping();
        UnansweringEndpoint silent = UnansweringEndpoint.silentAccepting();
        UnansweringEndpoint dropping2 = UnansweringEndpoint.dropping();
        UnansweringEndpoint silent2 = UnansweringEndpoint.silentAccepting()) {
      List<UnansweringEndpoint> endpoints = List.of(dropping, silent, dropping2, silent2);
      EndpointProbe probe =
          new EndpointProbe(
              endpoints.stream().map(e -> new EtcdAddress("127.0.0.1", e.port(), true)).toList(),
              LONG);
      CompletableFuture<Void> enough = new CompletableFuture<>();
      CompletableFuture<EndpointProbe.Probed> probing =
          onItsOwnThread(() -> probe.probe(LONG, enough));

      // the probe writes to a connection once it counts it as accepted and silent so far
      await("both silent endpoints connected to and written to, within a first connect's timeout")
          .atMost(RETURNS_WITHIN)
          .until(() -> silent.heardFrom() == 1 && silent2.heardFrom() == 1);
      assertThat(probing).as("the probe, a minute from its end").isNotDone();
      assertThat(silent.endedByTheClient() + silent2.endedByTheClient())
          .as("connections the probe let go of while still probing")
          .isZero();

      enough.complete(null); // no need to wait out the minute
      assertThat(returned(probing).findings())
          .extracting(EndpointProbe.Finding::address, EndpointProbe.Finding::seen)
          .containsExactly(
              tuple("127.0.0.1:" + dropping.port(), EndpointProbe.Seen.CONNECT_TIMED_OUT),
              tuple("127.0.0.1:" + silent.port(), EndpointProbe.Seen.SILENT),
              tuple("127.0.0.1:" + dropping2.port(), EndpointProbe.Seen.CONNECT_TIMED_OUT),
              tuple("127.0.0.1:" + silent2.port(), EndpointProbe.Seen.SILENT));
    }
  }

  /**
   * A probe ends at once when its caller no longer needs it (etcd answered the read), with what it
   * knows, and lets go of its connection, although its timeout is a minute away.
   */
  @Test
  void endsWhenTheCallerHasHadEnough() {
    try (UnansweringEndpoint silent = UnansweringEndpoint.silentAccepting()) {
      EndpointProbe probe =
          new EndpointProbe(List.of(new EtcdAddress("127.0.0.1", silent.port(), true)), LONG);
      CompletableFuture<Void> enough = new CompletableFuture<>();
      CompletableFuture<EndpointProbe.Probed> probing =
          onItsOwnThread(() -> probe.probe(LONG, enough));
      await("the probe connected and sent the preface")
          .atMost(RETURNS_WITHIN)
          .until(() -> silent.heardFrom() == 1);
      assertThat(probing).as("the probe, a minute from its end").isNotDone();

      enough.complete(null);

      assertThat(returned(probing))
          .hasToString("127.0.0.1:" + silent.port() + ": accepted but did not answer");
      await("the probe's connection closed")
          .atMost(RETURNS_WITHIN)
          .until(() -> silent.endedByTheClient() == 1);
    }
  }

  @Test
  void aHostThatDoesNotResolveDidNotAnswer() {
    EndpointProbe.Probed probed =
        new EndpointProbe(List.of(new EtcdAddress("no-such-host.invalid", 2379, true)), TIMEOUT)
            .probe();
    assertThat(probed.nothingAnswered()).isTrue();
    assertThat(probed).hasToString("no-such-host.invalid:2379: does not resolve");
  }

  /**
   * A name still resolving when the time is up (a slow or unreachable DNS server) is no proof that
   * it does not resolve: it is said to have not resolved in time. It was said not to resolve at
   * all.
   */
  @Test
  void aHostStillResolvingWhenTheTimeIsUpDidNotResolveWithinIt() {
    CountDownLatch released = new CountDownLatch(1);
    EndpointProbe.Resolver slowDns =
        host -> {
          try {
            released.await(); // until the probe has given up on it
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the probe's threads are stopped when it ends
          }
          throw new UnknownHostException(host);
        };
    try {
      EndpointProbe.Probed probed =
          new EndpointProbe(
                  List.of(new EtcdAddress("etcd.slow.example", 2379, false)), SHORT, false, slowDns)
              .probe();
      assertThat(probed.nothingAnswered()).isTrue();
      assertThat(probed).hasToString("etcd.slow.example:2379: did not resolve within 700 ms");
    } finally {
      released.countDown();
    }
  }

  /**
   * The whole probe, answers awaited included, ends with its time ({@code sluice.etcd.timeout}),
   * not when a silent endpoint's read would end by itself (never, here): its reads end 200 ms
   * before the timeout and the probe waits for them until the timeout at most, cutting any still
   * going. It returns, says the endpoint did not answer, and has closed the connection it held.
   */
  @Test
  void endsWithinItsTime() {
    try (UnansweringEndpoint silent = UnansweringEndpoint.silentAccepting()) {
      EndpointProbe probe =
          new EndpointProbe(List.of(new EtcdAddress("127.0.0.1", silent.port(), true)), TIMEOUT);
      EndpointProbe.Probed probed = returned(onItsOwnThread(probe::probe));
      assertThat(probed)
          .hasToString("127.0.0.1:" + silent.port() + ": accepted but did not answer");
      await("the probe's connection closed")
          .atMost(RETURNS_WITHIN)
          .until(() -> silent.endedByTheClient() == 1);
      assertThat(silent.connections()).isOne();
    }
  }

  @Test
  void nothingToProbeIsNoProofEitherWay() {
    EndpointProbe.Probed probed = new EndpointProbe(List.of(), TIMEOUT).probe();
    assertThat(probed.nothingAnswered()).isFalse();
    assertThat(probed.refusedEverywhere()).isFalse();
  }

  /**
   * Runs {@code probe} on a daemon thread of its own, so that the test sees whether it returned
   * (and is not held by one that does not).
   */
  private static CompletableFuture<EndpointProbe.Probed> onItsOwnThread(
      Supplier<EndpointProbe.Probed> probe) {
    return CompletableFuture.supplyAsync(
        probe,
        task -> {
          Thread thread = new Thread(task, "probe-under-test");
          thread.setDaemon(true);
          thread.start();
        });
  }

  /** What {@code probing} found, once it returned, within {@link #RETURNS_WITHIN}. */
  private static EndpointProbe.Probed returned(CompletableFuture<EndpointProbe.Probed> probing) {
    await("the probe returned").atMost(RETURNS_WITHIN).until(probing::isDone);
    return probing.join();
  }
}
