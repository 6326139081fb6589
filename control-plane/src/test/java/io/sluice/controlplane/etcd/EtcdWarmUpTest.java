package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.sluice.etcd.EtcdAddress;
import io.sluice.testing.logging.LogCapture;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EtcdWarmUpTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  /**
   * An endpoint that drops connects, or accepts and never answers: the warm-up stops waiting after
   * about the etcd deadline (it waited 60 s), and says which endpoint did what, in the log and for
   * health ({@link StartFindings}). The bound leaves room for the first jetcd call of the JVM,
   * which loads gRPC.
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
   * Warms up against {@code endpoint} alone and checks that it stops waiting within the bound,
   * saying {@code verdict} with what the endpoint showed ({@code seen}) in one log line, and the
   * same for health.
   */
  private static void stopsWaitingSaying(UnansweringEndpoint endpoint, String verdict, String seen)
      throws Exception {
    StartFindings start = new StartFindings();
    try (LogCapture log = LogCapture.of(EtcdWarmUp.class)) {
      assertThat(warmUp(List.of(endpoint), List.of(endpoint), start))
          .isLessThan(Duration.ofSeconds(20));
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
   * Ten endpoints that drop connects or stay silent: the warm-up still stops waiting after about
   * the etcd deadline, as for one. It probed them one after the other, the deadline for each (over
   * 10 s here; the bound leaves room for the JVM's first jetcd call on a loaded machine).
   */
  @Test
  void stopsWaitingAfterTheDeadlineHoweverManyEndpointsDoNotAnswer() throws Exception {
    List<UnansweringEndpoint> endpoints = new ArrayList<>();
    StartFindings start = new StartFindings();
    try (LogCapture log = LogCapture.of(EtcdWarmUp.class)) {
      for (int i = 0; i < 5; i++) {
        endpoints.add(UnansweringEndpoint.dropping());
        endpoints.add(UnansweringEndpoint.silent());
      }
      // room for the first jetcd call of the JVM, which loads gRPC before the wait begins
      assertThat(warmUp(endpoints, endpoints, start)).isLessThan(Duration.ofSeconds(7));
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
   * the warm-up stops waiting after the etcd deadline, and says the endpoint answered but served no
   * read, in the log and for health. It waited 60 s.
   */
  @Test
  void stopsWaitingAfterTheDeadlineWhenAnEndpointAnswersButServesNoRead() throws Exception {
    try (UnansweringEndpoint endpoint = UnansweringEndpoint.settingsOnly()) {
      stopsWaitingSaying(
          endpoint,
          "etcd answered at its endpoints but did not serve a read within 1000 ms: no quorum?",
          "answered");
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
      assertThat(warmUp(List.of(endpoint), List.of(), start)).isLessThan(Duration.ofSeconds(20));
      assertThat(log.messages())
          .singleElement()
          .satisfies(
              message -> assertThat(message).startsWith("etcd did not answer within 1000 ms"));
      assertThat(start.found().details())
          .isEqualTo(Map.of("verdict", "etcd did not answer within 1000 ms"));
    }
  }

  /**
   * Runs a warm-up with the etcd deadline {@link #TIMEOUT}.
   *
   * @param dialled the endpoints the client dials
   * @param probed the endpoints the warm-up probes
   * @param start where it says why it started without etcd
   * @return how long it took
   */
  private static Duration warmUp(
      List<UnansweringEndpoint> dialled, List<UnansweringEndpoint> probed, StartFindings start)
      throws Exception {
    EtcdSettings settings =
        PlainEtcdSettings.of(dialled.stream().map(UnansweringEndpoint::endpoint).toList(), TIMEOUT);
    try (Client client = EtcdConfiguration.clientBuilder(settings, settings.endpoints()).build()) {
      EtcdGateway etcd = TestGateways.on(client, TIMEOUT);
      EtcdWarmUp warmUp =
          new EtcdWarmUp(
              client,
              etcd,
              new EndpointProbe(
                  probed.stream().map(e -> new EtcdAddress("127.0.0.1", e.port(), true)).toList(),
                  TIMEOUT),
              start);
      long started = System.nanoTime();
      warmUp.start();
      return Duration.ofNanos(System.nanoTime() - started);
    }
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
      EtcdWarmUp.failed(new ClosedChannelException());
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
