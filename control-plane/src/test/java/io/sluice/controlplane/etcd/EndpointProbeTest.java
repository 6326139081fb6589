package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

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
import java.util.concurrent.TimeUnit;
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

  /** A connect that never completes (SYNs dropped) ends at the timeout, as no answer. */
  @Test
  void anEndpointThatDropsConnectsDidNotAnswer() {
    try (UnansweringEndpoint dropping = UnansweringEndpoint.dropping()) {
      EndpointProbe probe =
          new EndpointProbe(List.of(new EtcdAddress("127.0.0.1", dropping.port(), true)), SHORT);
      long started = System.nanoTime();
      EndpointProbe.Probed probed = probe.probe();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(SHORT.multipliedBy(3));
      assertThat(probed.nothingAnswered()).isTrue();
      assertThat(probed.refusedEverywhere()).isFalse();
      assertThat(probed).hasToString("127.0.0.1:" + dropping.port() + ": connect timed out");
    }
  }

  /** A socket that accepts and says nothing is no etcd: etcd answers a gRPC client's preface. */
  @Test
  void anEndpointThatAcceptsAndSaysNothingDidNotAnswer() {
    try (UnansweringEndpoint silent = UnansweringEndpoint.silent()) {
      EndpointProbe probe =
          new EndpointProbe(List.of(new EtcdAddress("127.0.0.1", silent.port(), true)), SHORT);
      long started = System.nanoTime();
      EndpointProbe.Probed probed = probe.probe();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(SHORT.multipliedBy(3));
      assertThat(probed.nothingAnswered()).isTrue();
      assertThat(probed)
          .hasToString("127.0.0.1:" + silent.port() + ": accepted but did not answer");
    }
  }

  /**
   * Endpoints that do not answer are probed all at once: four that drop connects or stay silent
   * take the timeout once, not four times (they were probed one after the other), and are listed in
   * the order given.
   */
  @Test
  void probesEveryEndpointAtOnce() {
    try (UnansweringEndpoint dropping = UnansweringEndpoint.dropping();
        UnansweringEndpoint silent = UnansweringEndpoint.silent();
        UnansweringEndpoint dropping2 = UnansweringEndpoint.dropping();
        UnansweringEndpoint silent2 = UnansweringEndpoint.silent()) {
      List<UnansweringEndpoint> endpoints = List.of(dropping, silent, dropping2, silent2);
      EndpointProbe probe =
          new EndpointProbe(
              endpoints.stream().map(e -> new EtcdAddress("127.0.0.1", e.port(), true)).toList(),
              SHORT);
      long started = System.nanoTime();
      EndpointProbe.Probed probed = probe.probe();
      // one after the other, the four take four times SHORT at least; three times leaves a loaded
      // machine's scheduling room (twice was 0.7 s over the wait)
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(SHORT.multipliedBy(3));
      assertThat(probed.findings())
          .extracting(EndpointProbe.Finding::address, EndpointProbe.Finding::seen)
          .containsExactly(
              tuple("127.0.0.1:" + dropping.port(), EndpointProbe.Seen.CONNECT_TIMED_OUT),
              tuple("127.0.0.1:" + silent.port(), EndpointProbe.Seen.SILENT),
              tuple("127.0.0.1:" + dropping2.port(), EndpointProbe.Seen.CONNECT_TIMED_OUT),
              tuple("127.0.0.1:" + silent2.port(), EndpointProbe.Seen.SILENT));
    }
  }

  /** A probe ends at once when its caller no longer needs it (etcd answered the read). */
  @Test
  void endsWhenTheCallerHasHadEnough() {
    try (UnansweringEndpoint silent = UnansweringEndpoint.silent()) {
      // a long time, so that ending at once and waiting it out are seconds apart: with 2 s, the
      // probe ended 100 ms in had 0.9 s of room to stay under half of it on a loaded machine
      Duration time = Duration.ofSeconds(10);
      EndpointProbe probe =
          new EndpointProbe(List.of(new EtcdAddress("127.0.0.1", silent.port(), true)), time);
      CompletableFuture<Void> enough = new CompletableFuture<>();
      CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS)
          .execute(() -> enough.complete(null));
      long started = System.nanoTime();
      probe.probe(time, enough);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(time.dividedBy(2));
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
   * not when a silent endpoint's read would time out by itself: its reads end 200 ms before the
   * timeout and the probe waits for them until the timeout at most. The bound gives a loaded
   * machine's scheduling a second of room (a strict "less than the timeout" failed on a CI machine
   * at load 18, by 93 ms); a probe that waited for its reads past its time would still miss it.
   */
  @Test
  void endsWithinItsTime() {
    try (UnansweringEndpoint silent = UnansweringEndpoint.silent()) {
      EndpointProbe probe =
          new EndpointProbe(List.of(new EtcdAddress("127.0.0.1", silent.port(), true)), TIMEOUT);
      long started = System.nanoTime();
      EndpointProbe.Probed probed = probe.probe();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT.plusSeconds(1));
      assertThat(probed)
          .hasToString("127.0.0.1:" + silent.port() + ": accepted but did not answer");
    }
  }

  @Test
  void nothingToProbeIsNoProofEitherWay() {
    EndpointProbe.Probed probed = new EndpointProbe(List.of(), TIMEOUT).probe();
    assertThat(probed.nothingAnswered()).isFalse();
    assertThat(probed.refusedEverywhere()).isFalse();
  }
}
