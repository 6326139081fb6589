package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.net.RefusedPorts;
import io.sluice.testing.otlp.OtlpReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.assertj.core.api.AbstractStringAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The behaviour every instrumented HTTP client must show under the Sluice agent, run once per
 * client style (a subclass names it). One forked app JVM, one etcd, one downstream server and one
 * OTLP receiver per client: scenarios share them and leave them as they found them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractHttpClientIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  Downstream downstream;
  OtlpReceiver otlp;
  AgentApp app;

  EtcdStatus status;

  /** The rule document {@link #applyRules} wrote last, by service. */
  private final Map<String, String> appliedDocuments = new HashMap<>();

  /** The test app's name for the client style under test. */
  abstract String client();

  /** The exception class a rejected call fails with in this client ({@code onOpen.mode=error}). */
  abstract String rejectionErrorType();

  /** The forked app's class path: test classes and the HTTP clients it drives. */
  String appClassPath() {
    return System.getProperty("test.app.classpath");
  }

  String service() {
    return "it-" + client();
  }

  @BeforeAll
  void startApp(@TempDir Path stateDir) throws Exception {
    downstream = Downstream.start();
    otlp = OtlpReceiver.start();
    app =
        AgentApp.start(
            AgentApp.sluiceAgentJar(), appProperties(service(), stateDir), appClassPath());
    status = new EtcdStatus(etcd.endpoint());
    status.awaitAgent(service(), app);
    // a server of its own, so that no test's count of requests that reached downstream includes it
    try (Downstream warmUp = Downstream.start()) {
      app.warmUp(client(), warmUp.url("/warm-up"));
    }
  }

  /**
   * The system properties of an app of {@code service} under the agent: this suite's etcd and OTLP
   * receiver, its last-known-good snapshot in {@code stateDir}.
   */
  Map<String, String> appProperties(String service, Path stateDir) {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("otel.service.name", service);
    properties.put("otel.exporter.otlp.endpoint", otlp.endpoint());
    properties.put("otel.exporter.otlp.protocol", "http/protobuf");
    properties.put("otel.metrics.exporter", "none");
    properties.put("otel.logs.exporter", "none");
    properties.put("otel.bsp.schedule.delay", "100");
    properties.put("sluice.etcd.endpoints", etcd.endpoint());
    properties.put("sluice.state.dir", stateDir.toString());
    return properties;
  }

  @AfterEach
  void downstreamHealthyAgain() {
    downstream.answer(200);
    downstream.releaseSlowRequests();
  }

  @AfterAll
  void stopApp() {
    if (status != null) {
      status.close();
    }
    if (app != null) {
      app.close();
    }
    if (otlp != null) {
      otlp.close();
    }
    if (downstream != null) {
      downstream.close();
    }
  }

  static Stream<Arguments> incomingTraceHeaders() {
    return Stream.of(
        Arguments.of(
            Named.of(
                "B3 multi-header",
                (HeaderFormat)
                    (trace, span) ->
                        Map.of("X-B3-TraceId", trace, "X-B3-SpanId", span, "X-B3-Sampled", "1"))),
        Arguments.of(
            Named.of(
                "B3 single-header",
                (HeaderFormat) (trace, span) -> Map.of("b3", trace + "-" + span + "-1"))),
        Arguments.of(
            Named.of(
                "W3C trace context",
                (HeaderFormat)
                    (trace, span) -> Map.of("traceparent", "00-" + trace + "-" + span + "-01"))),
        Arguments.of(
            Named.of(
                "W3C and a disagreeing B3 (W3C wins)",
                (HeaderFormat)
                    (trace, span) ->
                        Map.of(
                            "traceparent",
                            "00-" + trace + "-" + span + "-01",
                            "X-B3-TraceId",
                            randomHex(16),
                            "X-B3-SpanId",
                            randomHex(8),
                            "X-B3-Sampled",
                            "1"))));
  }

  /** How a caller passes its trace context. */
  interface HeaderFormat {
    Map<String, String> headers(String traceId, String spanId);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("incomingTraceHeaders")
  void outgoingCallCarriesIncomingTraceInW3cAndB3(HeaderFormat format) throws Exception {
    String traceId = randomHex(16);
    AppAnswer answer =
        app.call(
            client(), "GET", downstream.url("/propagation"), format.headers(traceId, randomHex(8)));

    assertThat(answer.failed()).as("call failed: %s\n%s", answer.error(), app.log()).isFalse();
    assertThat(answer.status()).isEqualTo(200);
    assertThat(downstream.lastHeader("traceparent")).startsWith("00-" + traceId + "-");
    assertThat(downstream.lastHeader("X-B3-TraceId")).isEqualTo(traceId);
  }

  /** A GET through the app's client, in a sampled trace the test chose. */
  AppAnswer callInTrace(String url, String traceId) throws Exception {
    return app.call(
        client(), "GET", url, Map.of("traceparent", "00-" + traceId + "-" + randomHex(8) + "-01"));
  }

  static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    ThreadLocalRandom.current().nextBytes(random);
    random[0] |= 1; // never all zero: an invalid id would be ignored
    return HexFormat.of().formatHex(random);
  }

  @Test
  void openBreakerKeepsCallsInTheProcessAndFollowsPolicyChangesLive() throws Exception {
    String policy = "breaker-" + client();
    String url = downstream.url("/breaker/orders");
    // A wait far longer than the test's steps, so the breaker cannot go half-open on its own on
    // a slow machine; it is shortened (which applies at once) before the recovery step.
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/breaker/**", "120s", Rules.ERROR, false)));
    downstream.answer(500);

    AppAnswer rejected =
        callUntilRejected(client(), url, "breaker opens after the configured failures");
    assertThat(downstream.requestCount())
        .as("calls that reached the server")
        .isGreaterThanOrEqualTo(4);
    assertThat(rejected.error())
        .startsWith(rejectionErrorType())
        .contains("Sluice circuit breaker '" + policy + "'")
        .contains("OPEN");

    // Rejected calls never leave the process, and keep their CLIENT span with an error.
    int reached = downstream.requestCount();
    String traceId = randomHex(16);
    for (int i = 0; i < 3; i++) {
      AppAnswer answer = callInTrace(url, traceId);
      assertThat(answer.error()).as("rejected call %d", i).contains("Sluice circuit breaker");
    }
    assertThat(downstream.requestCount()).isEqualTo(reached);
    await("the rejected calls' spans are exported")
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              List<OtlpReceiver.ReceivedSpan> spans = otlp.spans(traceId);
              // once per rejected call: not on the call's span and again on its parent
              assertThat(
                      spans.stream()
                          .flatMap(span -> span.events().stream())
                          .filter("sluice.breaker.rejected"::equals)
                          .count())
                  .as("rejection events in the trace: %s", spans)
                  .isEqualTo(3);
              // The agent's own CLIENT span where it starts one before the call leaves (JDK,
              // Apache, OkHttp's connection-error span), else Sluice's (Vert.x).
              assertThat(spans)
                  .as("the rejected call has an error CLIENT span")
                  .anySatisfy(
                      span -> {
                        assertThat(span.kind()).isEqualTo(OtlpReceiver.ReceivedSpan.KIND_CLIENT);
                        assertThat(span.statusCode())
                            .isEqualTo(OtlpReceiver.ReceivedSpan.STATUS_ERROR);
                      });
            });

    // The same policy, now answering with a synthetic response: applies without restart.
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(
                policy, downstream.port(), "/breaker/**", "120s", Rules.RESPONSE, false)));
    checkRejectionInResponseMode(policy, url, reached);

    // Once the server recovers and the wait passed, a trial call closes the breaker again. A
    // shortened wait counts from when the breaker opened, so it has passed already.
    downstream.answer(200);
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/breaker/**", "1s", Rules.RESPONSE, false)));
    await("calls flow again after recovery")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              AppAnswer answer = app.call(client(), "GET", url, Map.of());
              return !answer.failed() && answer.status() == 200;
            });
    // Asynchronous clients may count the trial call's outcome just after the app got its answer:
    // the next calls go through once it is counted.
    // 30 s: each try is a call through the app's JVM, slow on a loaded two-core machine
    await("calls reach the server again")
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              int before = downstream.requestCount();
              assertThat(app.call(client(), "GET", url, Map.of()).status()).isEqualTo(200);
              assertThat(downstream.requestCount()).isEqualTo(before + 1);
            });
  }

  /**
   * A call the open policy rejects in {@code onOpen.mode: response} (switched live from {@code
   * error}) answers the synthetic response, keeps its CLIENT span, and never leaves the process:
   * {@code reached} calls reached the server so far. A client that cannot answer with a synthetic
   * response overrides this to check what it documents instead.
   */
  void checkRejectionInResponseMode(String policy, String url, int reached) throws Exception {
    String syntheticTrace = randomHex(16);
    AppAnswer synthetic = callInTrace(url, syntheticTrace);
    assertThat(synthetic.failed()).as("synthetic response: %s", synthetic.error()).isFalse();
    assertThat(synthetic.status()).isEqualTo(503);
    assertThat(synthetic.headers()).containsEntry("x-sluice", "open");
    assertThat(synthetic.body()).isEqualTo("fallback");
    assertThat(downstream.requestCount()).isEqualTo(reached);
    await("the synthetic answer's CLIENT span is exported")
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(otlp.spans(syntheticTrace))
                    .anySatisfy(
                        span -> {
                          assertThat(span.kind()).isEqualTo(OtlpReceiver.ReceivedSpan.KIND_CLIENT);
                          assertThat(span.attributes())
                              .containsEntry("http.response.status_code", "503");
                        }));
    checkOneClientSpan(syntheticTrace);
  }

  /**
   * Checks that the trace {@code traceId}, whose app made one call, holds exactly one CLIENT span:
   * a rejected call is traced by the agent's span or by Sluice's, never by both. It first waits for
   * the app's SERVER span, which ends after the call it made, so the call's spans were exported
   * with it or before.
   */
  void checkOneClientSpan(String traceId) {
    await("the app's SERVER span is exported")
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                otlp.spans(traceId).stream()
                    .anyMatch(span -> span.kind() == OtlpReceiver.ReceivedSpan.KIND_SERVER));
    assertThat(otlp.spans(traceId))
        .as("the CLIENT spans of the one rejected call")
        .filteredOn(span -> span.kind() == OtlpReceiver.ReceivedSpan.KIND_CLIENT)
        .hasSize(1);
  }

  @Test
  void shadowBreakerNeverRejectsButReportsWouldBeState() throws Exception {
    String policy = "shadow-" + client();
    String url = downstream.url("/shadow/orders");
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/shadow/**", "30s", Rules.ERROR, true)));
    downstream.answer(500);
    int before = downstream.requestCount();
    for (int i = 0; i < 8; i++) {
      AppAnswer answer = app.call(client(), "GET", url, Map.of());
      assertThat(answer.failed()).as("shadow call %d: %s", i, answer.error()).isFalse();
      assertThat(answer.status()).isEqualTo(500);
    }
    assertThat(downstream.requestCount()).isEqualTo(before + 8);

    String target = "127.0.0.1:" + downstream.port();
    await("status shows the would-be state, the applied revision and the top targets")
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              AgentStatus current = status.of(service()).orElseThrow();
              assertThat(current.breakers())
                  .anySatisfy(
                      breaker -> {
                        assertThat(breaker.policy()).isEqualTo(policy);
                        assertThat(breaker.shadow()).isTrue();
                        assertThat(breaker.state()).isEqualTo("OPEN");
                      });
              assertThat(current.topTargets())
                  .anySatisfy(stats -> assertThat(stats.target()).isEqualTo(target));
            });
  }

  @Test
  void aRedirectTheClientFollowsIsPartOfTheAppsCallNotASecondGuardedCall() throws Exception {
    checkARedirectIsPartOfTheAppsCall(client());
  }

  /**
   * A redirect the test app style {@code style} follows is part of the app's call, not a second
   * guarded call: a breaker open on the redirect's target (a policy the first URL does not match)
   * lets the follow-up through, and the app gets the final response.
   */
  void checkARedirectIsPartOfTheAppsCall(String style) throws Exception {
    String policy = "landing-" + style;
    String landing = downstream.url("/landing/" + style);
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/landing/**", "120s", Rules.ERROR, false)));
    downstream.answer(500);
    await("the breaker on /landing/** opens")
        .atMost(Duration.ofSeconds(30))
        .until(() -> app.call(client(), "GET", landing, Map.of()).failed());
    downstream.answer(200);
    assertThat(app.call(client(), "GET", landing, Map.of()).failed())
        .as("a direct call to /landing/** is rejected")
        .isTrue();

    // the app calls /moved/landing/..., which no policy covers; the server redirects it to
    // /landing/..., which the client follows as part of the same call
    int before = downstream.requestCount();
    AppAnswer answer = app.call(style, "GET", downstream.url("/moved/landing/" + style), Map.of());
    assertThat(answer.failed()).as("%s: %s", answer.error(), app.log()).isFalse();
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("downstream /landing/" + style);
    assertThat(downstream.requestCount()).as("both hops reached the server").isEqualTo(before + 2);
  }

  @Test
  void aCallToTheBareHostIsGuardedAsACallToTheRootPath() throws Exception {
    // http://host:port has an empty path (URI#getRawPath); the request asks for "/", and a policy
    // on "/**" must cover it whichever client makes the call
    String policy = "root-" + client();
    String bareHost = "http://127.0.0.1:" + downstream.port();
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/**", "120s", Rules.ERROR, false)));
    try {
      downstream.answer(500);
      AppAnswer rejected =
          callUntilRejected(
              client(), bareHost, "the breaker on /** opens on calls to the bare host");
      assertThat(rejected.error()).contains("Sluice circuit breaker '" + policy + "'");
    } finally {
      // a breaker on every path of the downstream would reject the other scenarios' calls
      applyRules(Rules.document(service()));
    }
  }

  /**
   * Another style of this client (test app style {@code style}) is guarded like the suite's: its
   * failures open the breaker, rejected calls never reach the server, and mode {@code response}
   * answers with the synthetic response.
   */
  void checkAnotherClientStyleIsGuarded(String style) throws Exception {
    String policy = "style-" + style;
    String url = downstream.url("/style/" + style);
    try {
      applyRules(
          Rules.document(
              service(),
              Rules.breaker(policy, downstream.port(), "/style/**", "120s", Rules.ERROR, false)));
      assertThat(app.call(style, "GET", url, Map.of()).status())
          .as("a call through the closed breaker")
          .isEqualTo(200);
      downstream.answer(500);

      AppAnswer rejected = callUntilRejected(style, url, "the breaker opens on " + style);
      assertThat(downstream.requestCount()).as("calls that reached the server").isGreaterThan(4);
      assertThat(rejected.error())
          .startsWith(rejectionErrorType())
          .contains("Sluice circuit breaker '" + policy + "'");
      int reached = downstream.requestCount();
      assertThat(app.call(style, "GET", url, Map.of()).error())
          .contains("Sluice circuit breaker '" + policy + "'");

      applyRules(
          Rules.document(
              service(),
              Rules.breaker(
                  policy, downstream.port(), "/style/**", "120s", Rules.RESPONSE, false)));
      AppAnswer synthetic = app.call(style, "GET", url, Map.of());
      assertThat(synthetic.failed()).as("synthetic response: %s", synthetic.error()).isFalse();
      assertThat(synthetic.status()).isEqualTo(503);
      assertThat(synthetic.body()).isEqualTo("fallback");
      assertThat(downstream.requestCount()).as("no rejected call left").isEqualTo(reached);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /** Connections nobody accepts (a target down) are failures of the target and open the breaker. */
  @Test
  void refusedConnectionsOpenTheBreaker() throws Exception {
    int closedPort = RefusedPorts.any();
    String policy = "refused-" + client();
    String url = "http://127.0.0.1:" + closedPort + "/refused/" + client();
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, closedPort, "/refused/**", "120s", Rules.ERROR, false)));
    try {
      AtomicInteger refused = new AtomicInteger();
      await("the breaker opens on refused connections")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                AppAnswer answer = app.call(client(), "GET", url, Map.of());
                assertThat(answer.failed()).as("a call to a closed port: %s", app.log()).isTrue();
                if (answer.error().contains("Sluice circuit breaker '" + policy + "'")) {
                  return true;
                }
                refused.incrementAndGet();
                return false;
              });
      assertThat(refused)
          .as("calls refused before the breaker opened")
          .hasValueGreaterThanOrEqualTo(4);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * Calls the client's own call timeout ends while the target keeps them waiting are failures of
   * the target and open the breaker, also when the app's interceptors used up part of that timeout
   * before the request left (test app style {@code timingOutClient}: 300 ms of an 800 ms timeout).
   * Taken for the app's own cancels, they would count neither way and a hanging target would never
   * open the breaker. The breaker opens after 2 calls, not the usual 4: each call waits out the
   * timeout.
   */
  void checkCallTimeoutsOpenTheBreaker(String timingOutClient) {
    String policy = "timeout-" + client();
    String slowUrl = downstream.url("/timeout" + Downstream.SLOW + client());
    applyRules(
        Rules.document(
            service(),
            Rules.breakerOpeningAfter(
                2, policy, downstream.port(), "/timeout/**", "120s", Rules.ERROR)));
    try {
      AtomicInteger timedOut = new AtomicInteger();
      await("the breaker opens on calls that time out")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                AppAnswer answer = app.call(timingOutClient, "GET", slowUrl, Map.of());
                downstream.releaseSlowRequests(); // frees the server's thread
                assertThat(answer.failed()).as("a call that times out: %s", app.log()).isTrue();
                if (answer.error().contains("Sluice circuit breaker '" + policy + "'")) {
                  return true;
                }
                timedOut.incrementAndGet();
                return false;
              });
      assertThat(timedOut)
          .as("calls timed out before the breaker opened")
          .hasValueGreaterThanOrEqualTo(2);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * A call the app cancels counts neither as a success nor as a failure: as a half-open breaker's
   * only trial call it gives its permission back, and the next call, a success, closes the breaker.
   * Counted as a failure it would open the breaker again. For the clients whose test app style
   * {@code cancellingClient} cancels its call (answering the body {@code cancelled}).
   */
  void checkCancelledTrialCallCountsNeitherWay(String cancellingClient) throws Exception {
    checkTrialCallCountsNeitherWay("cancel", cancellingClient, "cancelled");
  }

  /**
   * A half-open breaker's only trial call, made with the test app style {@code trialClient} (which
   * answers the body {@code trialBody} when its call ends without an outcome about the target),
   * counts neither way: the next call, a success, closes the breaker. The breaker's policy covers
   * {@code /<scenario>/**}.
   */
  void checkTrialCallCountsNeitherWay(String scenario, String trialClient, String trialBody)
      throws Exception {
    String policy = scenario + "-" + client();
    String paths = "/" + scenario + "/**";
    String url = downstream.url("/" + scenario + "/" + client());
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), paths, "120s", Rules.ERROR, false)));
    downstream.answer(500);
    await("the breaker on " + paths + " opens")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> app.call(client(), "GET", url, Map.of()).failed());
    downstream.answer(200);
    // half-open 1 s after it opened, with one trial call; a failed trial opens it for 1 s again,
    // far longer than the one call to the app that follows the trial (tens of milliseconds)
    applyRules(
        Rules.document(
            service(), Rules.breaker(policy, downstream.port(), paths, "1s", Rules.ERROR, false)));

    String slowUrl = downstream.url("/" + scenario + Downstream.SLOW + client());
    await("the half-open breaker lets a trial call through, which ends without an outcome")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              AppAnswer answer = app.call(trialClient, "GET", slowUrl, Map.of());
              if (answer.failed()) {
                assertThat(answer.error()).as(app.log()).contains("Sluice circuit breaker");
                return false;
              }
              assertThat(answer.body()).as(app.log()).isEqualTo(trialBody);
              return true;
            });

    AppAnswer next = app.call(client(), "GET", url, Map.of());
    assertThat(next.failed())
        .as("the call right after the %s trial call: %s", trialBody, next.error())
        .isFalse();
    assertThat(next.status()).isEqualTo(200);
    await("the successful trial call closed the breaker: calls reach the server")
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              int before = downstream.requestCount();
              assertThat(app.call(client(), "GET", url, Map.of()).status()).isEqualTo(200);
              assertThat(downstream.requestCount()).isEqualTo(before + 1);
            });
  }

  /**
   * Calls the app cancels never open a closed breaker: six calls cancelled on a slow server, more
   * than the 4 calls after which the breaker opens when half of them failed, leave it closed with
   * no failure in its window, and the next call reaches the server. Counted as failures, they would
   * have opened it and that call would have been rejected. For the clients whose test app style
   * {@code cancellingClient} cancels its call (answering the body {@code cancelled}).
   */
  void checkCancelledCallsLeaveAClosedBreakerClosed(String cancellingClient) throws Exception {
    String policy = "cancels-" + client();
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/cancels/**", "120s", Rules.ERROR, false)));

    String slowUrl = downstream.url("/cancels" + Downstream.SLOW + client());
    for (int i = 0; i < 6; i++) {
      AppAnswer answer = app.call(cancellingClient, "GET", slowUrl, Map.of());
      assertThat(answer.failed())
          .as("cancelled call %d: %s\n%s", i, answer.error(), app.log())
          .isFalse();
      assertThat(answer.body()).as("cancelled call %d", i).isEqualTo("cancelled");
      downstream.releaseSlowRequests(); // frees the server's thread for the next calls
    }

    AppAnswer next = app.call(client(), "GET", downstream.url("/cancels/" + client()), Map.of());
    assertThat(next.failed()).as("the call after the cancelled calls: %s", next.error()).isFalse();
    assertThat(next.status()).isEqualTo(200);
    assertThat(next.body()).isEqualTo("downstream /cancels/" + client());
    awaitClosedWithoutFailures(policy);
  }

  /**
   * Requests whose body the app itself fails to produce say nothing about the server: six of them
   * leave a closed breaker closed, with no failure in its window, and the next call reaches the
   * server. Counted as failures, they opened the breaker and that call was rejected. The test app's
   * style {@code failingBodyClient} sends such a request, failing with {@code the app's request
   * body failed}.
   */
  void checkRequestsWhoseBodyTheAppFailsLeaveTheBreakerClosed(String failingBodyClient)
      throws Exception {
    checkAppBodyFailuresLeaveTheBreakerClosed(
        failingBodyClient,
        "the app's request body failed",
        failingBodyClient,
        "the app's request body failed");
  }

  /**
   * Requests whose body breaks the length it declared are the app's mistake, which the client
   * library refuses while sending: three shorter ({@code client() + "-short-body"}, failing with
   * {@code shortError}) and three longer ({@code client() + "-long-body"}, {@code longError}) leave
   * a closed breaker closed, with no failure in its window. Counted as failures, they opened the
   * breaker and the fifth call was rejected.
   */
  void checkRequestsWhoseBodyBreaksItsLengthLeaveTheBreakerClosed(
      String shortError, String longError) throws Exception {
    checkAppBodyFailuresLeaveTheBreakerClosed(
        client() + "-short-body", shortError, client() + "-long-body", longError);
  }

  /** Six calls, alternating the two styles, each failing with its error and none rejected. */
  void checkAppBodyFailuresLeaveTheBreakerClosed(
      String oneClient, String oneError, String otherClient, String otherError) throws Exception {
    String policy = "appfail-" + client();
    String url = downstream.url("/appfail/" + client());
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/appfail/**", "120s", Rules.ERROR, false)));
    try {
      for (int i = 0; i < 6; i++) {
        String style = i % 2 == 0 ? oneClient : otherClient;
        AppAnswer answer = app.call(style, "POST", url, Map.of());
        assertThat(answer.failed()).as("call %d with the body of %s", i, style).isTrue();
        assertThat(answer.error())
            .as("call %d with the body of %s\n%s", i, style, app.log())
            .contains(i % 2 == 0 ? oneError : otherError)
            .doesNotContain("Sluice circuit breaker");
      }

      // a URL the server holds back (Downstream.SLOW) is asked again without that: answered at once
      AppAnswer next = app.call(client(), "GET", url.replace(Downstream.SLOW, "/"), Map.of());
      assertThat(next.failed()).as("the call after the failed bodies: %s", next.error()).isFalse();
      assertThat(next.status()).isEqualTo(200);
      awaitClosedWithoutFailures(policy);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * Calls {@code raw} with the test app style {@code client} under a breaker on the path's first
   * segment failing on {@code failureStatusCodes}: every call fails in the app with {@code
   * appError} until the breaker rejects, with at least the 4 calls after which it opens reaching
   * the server, and none after.
   */
  void checkFailedSendsOpenTheBreaker(
      RawDownstream raw, String client, String path, String failureStatusCodes, String appError)
      throws Exception {
    String policy = "send-" + client() + path.replace('/', '-');
    String paths = path.substring(0, path.indexOf('/', 1)) + "/**";
    String url = raw.url(path);
    try {
      applyRules(
          Rules.document(
              service(),
              Rules.breaker(
                  policy, raw.port(), paths, "120s", Rules.ERROR, false, failureStatusCodes)));
      await("the breaker on " + paths + " opens on calls whose sending failed")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                AppAnswer answer = app.call(client, "POST", url, Map.of());
                assertThat(answer.failed()).as("%s\n%s", answer, app.log()).isTrue();
                if (answer.error().contains("Sluice circuit breaker '" + policy + "'")) {
                  return true;
                }
                assertThat(answer.error()).as(app.log()).contains(appError);
                return false;
              });
      assertThat(raw.requestCount()).as("calls that reached the server").isGreaterThanOrEqualTo(4);
      int reached = raw.requestCount();
      assertThat(app.call(client, "POST", url, Map.of()).error())
          .contains("Sluice circuit breaker '" + policy + "'");
      assertThat(raw.requestCount()).as("a rejected call stays in the process").isEqualTo(reached);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * Six {@code method} calls of the test app's {@code style} to {@code url} under the breaker
   * policy {@code name} ({@code policy}, a {@link Rules#breaker} document part), each failed by the
   * app's own side as {@code error} checks (never by the breaker), then a plain call, which must
   * reach the target (at {@code url}, without its {@link Downstream#SLOW} segment if it has one),
   * and the agent reports the breaker closed with no failure in its window: the app's failures did
   * not count against it. {@code why} names the failures in messages.
   */
  void checkAppFailuresLeaveTheBreakerClosed(
      String name,
      String policy,
      String style,
      String method,
      String url,
      String why,
      Consumer<AbstractStringAssert<?>> error)
      throws Exception {
    checkAppFailuresLeaveTheBreakerClosed(
        app, service(), name, policy, style, method, url, why, error);
  }

  /**
   * As {@link #checkAppFailuresLeaveTheBreakerClosed(String, String, String, String, String,
   * String, Consumer)}, in {@code app}, another app of this suite's, which runs as {@code service}.
   */
  void checkAppFailuresLeaveTheBreakerClosed(
      AgentApp app,
      String service,
      String name,
      String policy,
      String style,
      String method,
      String url,
      String why,
      Consumer<AbstractStringAssert<?>> error)
      throws Exception {
    applyRules(app, service, Rules.document(service, policy));
    try {
      for (int i = 0; i < 6; i++) {
        AppAnswer answer = app.call(style, method, url, Map.of());
        downstream.releaseSlowRequests(); // frees the server's thread, if a call held it
        error.accept(
            assertThat(answer.error())
                .as("call %d %s\n%s", i, why, app.log())
                .doesNotContain("Sluice circuit breaker"));
      }

      // a URL the server holds back (Downstream.SLOW) or answers 401 (UNAUTHORIZED) is asked again
      // without that: answered at once
      AppAnswer next =
          app.call(
              client(),
              "GET",
              url.replace(Downstream.SLOW, "/").replace(Downstream.UNAUTHORIZED, "/"),
              Map.of());
      assertThat(next.failed()).as("the call after: %s", next.error()).isFalse();
      assertThat(next.status()).isEqualTo(200);
      awaitClosedWithoutFailures(app, service, name);
    } finally {
      applyRules(app, service, Rules.document(service));
    }
  }

  /**
   * Requests the app's own pool has no connection for within its wait say nothing about the target:
   * they never left. Test app style {@code poolClient} holds its pool's one connection (a response
   * it has not closed) and asks again; the app gets the pool's {@code poolError}. Counted as the
   * target's failures, an app that left response bodies open, or a burst past its pool's size,
   * opened a healthy target's breaker.
   */
  void checkRequestsTheAppsExhaustedPoolRefusesLeaveTheBreakerClosed(
      String poolClient, String poolError) throws Exception {
    String policy = "pool-" + client();
    checkAppFailuresLeaveTheBreakerClosed(
        policy,
        Rules.breaker(policy, downstream.port(), "/pool/**", "120s", Rules.ERROR, false),
        poolClient,
        "GET",
        downstream.url("/pool/" + client()),
        "refused by the app's own pool",
        error -> error.contains(poolError));
  }

  /**
   * Calls the app gave up on by interrupting the thread that makes them ({@code
   * Future.cancel(true)} of the task, an executor's {@code shutdownNow}) say nothing about the
   * target. Test app style {@code interruptedClient} calls with its thread's interrupt flag set;
   * the app gets {@code error}. Counted as the target's failures, a time limiter's cancellations of
   * calls waiting for the app's own pool opened an idle target's breaker.
   */
  void checkCallsTheAppInterruptsLeaveTheBreakerClosed(
      String interruptedClient, Consumer<AbstractStringAssert<?>> error) throws Exception {
    String policy = "interrupted-" + client();
    checkAppFailuresLeaveTheBreakerClosed(
        policy,
        Rules.breaker(policy, downstream.port(), "/interrupted/**", "120s", Rules.ERROR, false),
        interruptedClient,
        "GET",
        downstream.url("/interrupted/" + client()),
        "interrupted by the app",
        error);
  }

  /**
   * A call's wait for a connection of the app's own pool says nothing about the target's speed: the
   * test app style {@code poolWaitClient} holds its pool's one connection for a second while it
   * asks again, so every other call waits that long before it leaves, and is then answered at once.
   * Under a policy that opens when half of four calls were slower than 500 ms, eight such calls
   * leave the breaker closed, and every one reaches the server. Before, the wait counted as the
   * target's latency: the breaker opened after the fourth, and the next was rejected.
   */
  void checkAWaitForTheAppsOwnPoolIsNotTheTargetsSlowness(String poolWaitClient) throws Exception {
    String policy = "poolwait-" + poolWaitClient;
    String url = downstream.url("/poolwait/" + poolWaitClient);
    applyRules(
        Rules.document(
            service(), Rules.slowBreaker(policy, downstream.port(), "/poolwait/**", "500ms")));
    try {
      int reached = downstream.requestCount();
      for (int i = 0; i < 4; i++) {
        long started = System.nanoTime();
        AppAnswer answer = app.call(poolWaitClient, "GET", url, Map.of());
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(answer.failed())
            .as("call pair %d: %s\n%s", i, answer.error(), app.log())
            .isFalse();
        assertThat(answer.status()).isEqualTo(200);
        // a lower bound, not a speed: the second call did wait for the held connection
        assertThat(tookMillis).as("call pair %d took", i).isGreaterThanOrEqualTo(900);
      }
      assertThat(downstream.requestCount() - reached)
          .as("calls that reached the server")
          .isEqualTo(8);
      awaitClosedWithoutFailures(policy);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * Requests that fail in the app's own code the client runs for them say nothing about the target:
   * an interceptor of the app's that throws an unchecked exception (test app style {@code
   * failingInterceptorClient}: {@code IllegalStateException: the app's interceptor failed}, which
   * reaches the app as it is). See {@link #checkRequestsTheAppsOwnCodeFailsLeaveTheBreakerClosed}.
   */
  void checkRequestsTheAppsInterceptorFailsLeaveTheBreakerClosed(String failingInterceptorClient)
      throws Exception {
    checkRequestsTheAppsOwnCodeFailsLeaveTheBreakerClosed(
        failingInterceptorClient, "java.lang.IllegalStateException: the app's interceptor failed");
  }

  /**
   * Calls of test app style {@code refusingClient}, whose response interceptor, the app's own code,
   * refuses every response by throwing, are judged by the status the server answered: with the
   * server answering 500, the breaker of a policy on those calls opens and the next call is
   * rejected. The app's check that turns a 5xx into an exception is common; had its failure been
   * taken for the app's alone, a target answering only 500s never opened its breaker.
   */
  void checkResponsesTheAppRefusesAreJudgedByTheirStatus(String refusingClient) throws Exception {
    String policy = "refused-" + client();
    String url = downstream.url("/refused/" + client());
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/refused/**", "120s", Rules.ERROR, false)));
    try {
      downstream.answer(500);
      await("the breaker opens on the 500s the app's interceptor refused")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                AppAnswer answer = app.call(refusingClient, "GET", url, Map.of());
                assertThat(answer.failed())
                    .as("the app's interceptor refuses every response\n%s", app.log())
                    .isTrue();
                return answer.error().contains("Sluice circuit breaker '" + policy + "'");
              });
    } finally {
      downstream.answer(200);
      applyRules(Rules.document(service()));
    }
  }

  /**
   * The suite's client is guarded, and the agent never names it as a client it does not guard (see
   * {@link UnguardedClientsIT}): the line comes when a client is made, so one call made it.
   */
  @Test
  void theClientIsNotNamedUnguarded() throws Exception {
    AppAnswer answer = app.call(client(), "GET", downstream.url("/guarded/" + client()), Map.of());
    assertThat(answer.failed()).as("%s\n%s", answer.error(), app.log()).isFalse();
    assertThat(app.log()).doesNotContain(UnguardedClientsIT.UNGUARDED_LINE);
  }

  /**
   * Six requests of test app style {@code okhttp-failing-authenticator} to a path the server
   * answers 401, whose authenticator throws an {@code IOException} of the app's, leave the breaker
   * of a policy on that path closed; the next call, without the 401, reaches the server.
   */
  void checkRequestsTheAppsAuthenticatorFailsLeaveTheBreakerClosed() throws Exception {
    String policy = "authenticator-" + client();
    checkAppFailuresLeaveTheBreakerClosed(
        policy,
        Rules.breaker(policy, downstream.port(), "/appauth/**", "120s", Rules.ERROR, false),
        "okhttp-failing-authenticator",
        "GET",
        downstream.url("/appauth" + Downstream.UNAUTHORIZED + client()),
        "failed by the app's own authenticator",
        error -> error.contains("java.io.IOException: the app's token refresh failed"));
  }

  /**
   * Six requests of the test app style {@code failingClient}, which fail in the app's own code the
   * client runs for them (the app gets an error containing {@code appError}), leave a closed
   * breaker closed, with no failure in its window, and the next call reaches the server. Counted as
   * the target's failures, they opened the breaker of a healthy target and the fifth was rejected.
   */
  void checkRequestsTheAppsOwnCodeFailsLeaveTheBreakerClosed(String failingClient, String appError)
      throws Exception {
    String policy = "appcode-" + client();
    checkAppFailuresLeaveTheBreakerClosed(
        policy,
        Rules.breaker(policy, downstream.port(), "/appcode/**", "120s", Rules.ERROR, false),
        failingClient,
        "GET",
        downstream.url("/appcode/" + client()),
        "failed by the app's own code",
        error -> error.contains(appError));
  }

  /**
   * A request the app allows only from its own cache ({@code only-if-cached}) that the cache cannot
   * answer gets the client's own {@code 504}, made up in the process (test app style {@code
   * cacheOnlyClient}): six of them leave a closed breaker on {@code 5xx} closed, with no failure in
   * its window, and nothing reaches the server. Counted as the target's 504s, they opened the
   * breaker of a healthy target and the app's next call was rejected.
   */
  void checkCacheOnlyRequestsTheCacheCannotAnswerLeaveTheBreakerClosed(String cacheOnlyClient)
      throws Exception {
    String policy = "cache-only-" + client();
    String url = downstream.url("/cache-only/" + client());
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(
                policy, downstream.port(), "/cache-only/**", "120s", Rules.ERROR, false)));
    try {
      int before = downstream.requestCount();
      for (int i = 0; i < 6; i++) {
        AppAnswer answer = app.call(cacheOnlyClient, "GET", url, Map.of());
        assertThat(answer.failed())
            .as("cache-only call %d: %s\n%s", i, answer, app.log())
            .isFalse();
        assertThat(answer.status()).as("the client's own answer to a cache miss").isEqualTo(504);
      }
      assertThat(downstream.requestCount()).as("calls that left the process").isEqualTo(before);

      // a URL the server holds back (Downstream.SLOW) is asked again without that: answered at once
      AppAnswer next = app.call(client(), "GET", url.replace(Downstream.SLOW, "/"), Map.of());
      assertThat(next.failed()).as("the call after the cache misses: %s", next.error()).isFalse();
      assertThat(next.status()).isEqualTo(200);
      awaitClosedWithoutFailures(policy);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * A half-open breaker's trial call that the app's cache answers never asked the target (test app
   * style {@code cachingClient}, whose body starts with {@code network:} or {@code cache:} to say
   * which answered; it caches every response for ten minutes): it counts neither way, so the
   * breaker stays half-open and the next call, which the failing target answers with a 500, is its
   * trial and opens it again. Counted as a success, the cached answer closed the breaker on a
   * target still failing, and the calls after it all reached the server.
   */
  void checkTrialCallTheAppsCacheAnswersCountsNeitherWay(String cachingClient) throws Exception {
    String policy = "cached-" + client();
    String paths = "/cached/**";
    String cachedUrl = downstream.url("/cached/" + client() + "/page");
    String url = downstream.url("/cached/" + client());
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), paths, "120s", Rules.ERROR, false)));
    try {
      AppAnswer first = app.call(cachingClient, "GET", cachedUrl, Map.of());
      assertThat(first.body()).as("%s\n%s", first, app.log()).startsWith("network:");
      downstream.answer(500);
      await("the breaker on " + paths + " opens")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> app.call(client(), "GET", url, Map.of()).failed());
      // half-open 1 s after it opened, with one trial call; a failed trial opens it for 1 s again
      applyRules(
          Rules.document(
              service(),
              Rules.breaker(policy, downstream.port(), paths, "1s", Rules.ERROR, false)));

      await("the half-open breaker lets a trial call through, which the app's cache answers")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                AppAnswer answer = app.call(cachingClient, "GET", cachedUrl, Map.of());
                if (answer.failed()) {
                  assertThat(answer.error()).as(app.log()).contains("Sluice circuit breaker");
                  return false;
                }
                assertThat(answer.body()).as(app.log()).startsWith("cache:");
                return true;
              });

      int reached = downstream.requestCount();
      AppAnswer trial = app.call(client(), "GET", url, Map.of());
      assertThat(trial.status()).as("the trial call: %s", trial).isEqualTo(500);
      AppAnswer after = app.call(client(), "GET", url, Map.of());
      assertThat(after.error())
          .as("the call after the failed trial (%s)", after)
          .contains("Sluice circuit breaker '" + policy + "'");
      assertThat(downstream.requestCount())
          .as("calls that reached the server")
          .isEqualTo(reached + 1);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * Waits until the agent reports {@code policy}'s breaker closed, with no failure in its window.
   */
  void awaitClosedWithoutFailures(String policy) {
    awaitClosedWithoutFailures(app, service(), policy);
  }

  /**
   * As {@link #awaitClosedWithoutFailures(String)}, for {@code app}, which runs as {@code service}.
   */
  void awaitClosedWithoutFailures(AgentApp app, String service, String policy) {
    // The same document again: a new revision, which the agent applies keeping an unchanged
    // policy's breakers as they are, window included, and reports at once with its breakers
    // instead of at its next status refresh (every 5 s).
    applyRules(app, service, appliedDocuments.get(service));
    awaitBreakerReported(
        service,
        "the agent reports the breaker closed, with no failure in its window",
        breaker -> {
          assertThat(breaker.policy()).isEqualTo(policy);
          assertThat(breaker.state()).isEqualTo("CLOSED");
          assertThat(breaker.failureRate()).isLessThanOrEqualTo(0.0);
        });
  }

  /**
   * Waits (15 s at most) until the status of {@code service}'s agent lists a breaker that satisfies
   * {@code breaker}; {@code what} names the wait.
   */
  void awaitBreakerReported(
      String service, String what, Consumer<AgentStatus.BreakerState> breaker) {
    await(what)
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () ->
                assertThat(status.of(service).orElseThrow().breakers())
                    .anySatisfy(breaker::accept));
  }

  /**
   * Calls {@code url} with {@code client} until a call is rejected (every call before must reach
   * the downstream and answer 500), within 30 s; answers the rejected call.
   */
  /**
   * For clients without a synthetic response: in mode {@code response} the rejected call fails as
   * in mode {@code error}, still in the process, with an error CLIENT span and the rejection event.
   */
  void checkRejectionFailsInResponseMode(String policy, String url, int reached) throws Exception {
    String traceId = randomHex(16);
    AppAnswer rejected = callInTrace(url, traceId);
    assertThat(rejected.error())
        .startsWith(rejectionErrorType())
        .contains("Sluice circuit breaker '" + policy + "'")
        .contains("OPEN");
    assertThat(downstream.requestCount()).isEqualTo(reached);
    await("the rejected call's error CLIENT span is exported")
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              List<OtlpReceiver.ReceivedSpan> spans = otlp.spans(traceId);
              assertThat(spans)
                  .anySatisfy(
                      span -> assertThat(span.events()).contains("sluice.breaker.rejected"));
              assertThat(spans)
                  .anySatisfy(
                      span -> {
                        assertThat(span.kind()).isEqualTo(OtlpReceiver.ReceivedSpan.KIND_CLIENT);
                        assertThat(span.statusCode())
                            .isEqualTo(OtlpReceiver.ReceivedSpan.STATUS_ERROR);
                        assertThat(span.attributes())
                            .doesNotContainKey("http.response.status_code");
                      });
            });
    checkOneClientSpan(traceId);
  }

  /**
   * Connections the server closes before it answers are the target's failures and open the breaker,
   * unlike requests the app gives up on itself.
   */
  void checkConnectionsTheServerClosesOpenTheBreaker() {
    String policy = "dropped-" + client();
    String url = downstream.url(Downstream.DROP + client());
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(policy, downstream.port(), "/drop/**", "120s", Rules.ERROR, false)));
    int before = downstream.requestCount();

    await("the breaker on /drop/** opens on connections the server closes")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              AppAnswer answer = app.call(client(), "GET", url, Map.of());
              assertThat(answer.failed())
                  .as("a call whose connection the server closed: %s", app.log())
                  .isTrue();
              return answer.error().contains("Sluice circuit breaker '" + policy + "'");
            });
    assertThat(downstream.requestCount() - before)
        .as("calls the server dropped before the breaker opened")
        .isGreaterThanOrEqualTo(4);
  }

  /**
   * A synthetic response whose policy sets {@code Content-Type: application/json} ({@link
   * Rules#RESPONSE_JSON}) has that header, and a body of that media type: test app style {@code
   * bodyTypeClient} answers the body's own media type ({@code type/subtype}, or {@code none}) as
   * its body. Calls answering 500 open the breaker first.
   */
  void checkSyntheticBodyHasThePolicysContentType(String bodyTypeClient) throws Exception {
    String policy = "body-type-" + client();
    String url = downstream.url("/body-type/" + client());
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(
                policy, downstream.port(), "/body-type/**", "120s", Rules.RESPONSE_JSON, false)));
    downstream.answer(500);
    try {
      AtomicReference<AppAnswer> synthetic = new AtomicReference<>();
      await("the breaker opens and answers its synthetic response")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                AppAnswer answer = app.call(bodyTypeClient, "GET", url, Map.of());
                assertThat(answer.failed()).as("%s\n%s", answer.error(), app.log()).isFalse();
                if (answer.status() == 503) {
                  synthetic.set(answer);
                  return true;
                }
                assertThat(answer.status()).isEqualTo(500);
                return false;
              });
      assertThat(synthetic.get().headers()).containsEntry("content-type", "application/json");
      assertThat(synthetic.get().body()).as("the body's media type").isEqualTo("application/json");
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * GETs {@code url} with the test app's style {@code client} until a call fails, which it returns
   * (the open breaker's rejection); every call before it must be answered 500.
   */
  AppAnswer callUntilRejected(String client, String url, String what) {
    return callUntilRejected(app, client, url, what);
  }

  /**
   * As {@link #callUntilRejected(String, String, String)}, in {@code app}, another app of this
   * suite's.
   */
  AppAnswer callUntilRejected(AgentApp app, String client, String url, String what) {
    AtomicReference<AppAnswer> rejected = new AtomicReference<>();
    await(what)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              AppAnswer answer = app.call(client, "GET", url, Map.of());
              if (answer.failed()) {
                rejected.set(answer);
                return true;
              }
              assertThat(answer.status()).as(app.log()).isEqualTo(500);
              return false;
            });
    return rejected.get();
  }

  /** Writes the service's rule document and waits until the agent reports it applied. */
  void applyRules(String document) {
    applyRules(app, service(), document);
  }

  /** As {@link #applyRules(String)}, for {@code app}, which runs as {@code service}. */
  void applyRules(AgentApp app, String service, String document) {
    appliedDocuments.put(service, document);
    long revision = etcd.server().put(EtcdKeys.defaults().rules(service), document);
    status.awaitApplied(service, revision, app);
  }
}
