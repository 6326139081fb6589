package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testing.net.RefusedPorts;
import io.sluice.testing.otlp.OtlpReceiver;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Vert.x suite on Vert.x 5.0 (the demo's) in place of 5.1 on the test app's class path: its
 * {@code HttpClientImpl} keeps the client's default host and port in its {@code HttpClientOptions}
 * (in {@code HttpClientBase}), which the advice for that layout reads. 5.0 has no {@code
 * HttpClientRequest#cancel}: giving up is {@code reset}, which the suite covers.
 */
class Vertx50HttpClientIT extends VertxHttpClientSuite {

  /** The test app's Vert.x {@code WebClient} style. */
  private static final String WEB_CLIENT = "vertx-webclient";

  /** The test app's style with an IPv6 host without brackets. */
  private static final String BARE_HOST = "vertx-bare-host";

  @Override
  String service() {
    return "it-vertx50";
  }

  @Override
  String appClassPath() {
    List<String> entries = new ArrayList<>();
    for (String entry : System.getProperty("test.app.classpath").split(File.pathSeparator)) {
      if (!fileName(entry).startsWith("vertx-core-")) {
        entries.add(entry);
      }
    }
    Path libs = Path.of(System.getProperty("vertx50.app.libs", "target/vertx50-app-libs"));
    try (Stream<Path> jars = Files.list(libs)) {
      List<String> added = jars.map(Path::toString).sorted().toList();
      if (added.stream().noneMatch(jar -> fileName(jar).equals(coreJar()))) {
        throw new IllegalStateException(coreJar() + " missing: " + added);
      }
      entries.addAll(added);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return String.join(File.pathSeparator, entries);
  }

  /**
   * Vert.x {@code WebClient} (5.0, the release of its {@code vertx-web-client} on the app's class
   * path) follows redirects itself, each hop a request of its own through {@code
   * HttpClientImpl#request}: still one call of the app's. Before, the follow-up was a second
   * guarded call, and the breaker open on its target rejected it in the middle of the app's call.
   */
  @Test
  void aRedirectWebClientFollowsIsPartOfTheAppsCall() throws Exception {
    checkARedirectIsPartOfTheAppsCall(WEB_CLIENT);
  }

  /**
   * The call a {@code WebClient} redirect is part of counts the final response, not the 302: calls
   * to {@code /moved/**} that end in a 500 open the breaker on {@code /moved/**}. Before, the 302
   * was the call's outcome, a success, and the breaker never opened.
   */
  @Test
  void aRedirectWebClientFollowsCountsItsFinalResponse() throws Exception {
    checkARedirectCountsItsFinalResponse(WEB_CLIENT);
  }

  /**
   * A synthetic 3xx ({@code onOpen.mode: response} with a {@code Location}) that {@code WebClient}
   * follows never takes the app's call out of the process unguarded: the follow-up asks the
   * breakers itself. Redirected to the open target (a relative {@code Location}), it is rejected
   * again, each time, until {@code WebClient}'s {@code maxRedirects}, and the app gets the
   * synthetic 302; redirected to another target, that target's breaker decides: rejected while it
   * is open, let through to the server when it is closed. Before, the follow-up of a rejected hop
   * passed unguarded: the first two calls reached the server.
   */
  @Test
  void aSyntheticRedirectWebClientFollowsIsGuardedAgain() throws Exception {
    int port = downstream.port();
    String loop = "synth-loop";
    String away = "synth-away";
    String landing = "synth-landing";
    String free = "synth-free";
    String loopUrl = downstream.url("/synth-loop/" + WEB_CLIENT);
    String awayUrl = downstream.url("/synth-away/" + WEB_CLIENT);
    String landingUrl = downstream.url("/synth-landing/" + WEB_CLIENT);
    String freeUrl = downstream.url("/synth-free/" + WEB_CLIENT);
    String elsewhere = downstream.url("/synth-elsewhere/" + WEB_CLIENT);
    applyRules(
        Rules.document(
            service(),
            Rules.breaker(loop, port, "/synth-loop/**", "120s", Rules.ERROR, false),
            Rules.breaker(away, port, "/synth-away/**", "120s", Rules.ERROR, false),
            Rules.breaker(landing, port, "/synth-landing/**", "120s", Rules.ERROR, false),
            Rules.breaker(free, port, "/synth-free/**", "120s", Rules.ERROR, false)));
    try {
      downstream.answer(500);
      for (String url : List.of(loopUrl, awayUrl, landingUrl, freeUrl)) {
        callUntilRejected(client(), url, "the breaker on " + url + " opens");
      }
      downstream.answer(200);
      // the same breakers, now answering with a synthetic redirect (applies without restart)
      applyRules(
          Rules.document(
              service(),
              Rules.breaker(
                  loop, port, "/synth-loop/**", "120s", redirect(302, "/synth-loop/again"), false),
              Rules.breaker(away, port, "/synth-away/**", "120s", redirect(307, landingUrl), false),
              Rules.breaker(landing, port, "/synth-landing/**", "120s", Rules.ERROR, false),
              Rules.breaker(
                  free, port, "/synth-free/**", "120s", redirect(303, elsewhere), false)));
      int reached = downstream.requestCount();

      AppAnswer looped = app.call(WEB_CLIENT, "GET", loopUrl, Map.of());
      assertThat(looped.failed()).as("%s\n%s", looped.error(), app.log()).isFalse();
      assertThat(looped.status()).as("the synthetic answer, past maxRedirects").isEqualTo(302);
      assertThat(looped.headers()).containsEntry("x-sluice", "open");
      assertThat(downstream.requestCount())
          .as("follow-ups to the open target stay in the process")
          .isEqualTo(reached);

      AppAnswer redirected = app.call(WEB_CLIENT, "GET", awayUrl, Map.of());
      assertThat(redirected.error())
          .as("a follow-up to another open target\n%s", app.log())
          .contains("Sluice circuit breaker '" + landing + "'");
      assertThat(downstream.requestCount())
          .as("a follow-up to another open target stays in the process")
          .isEqualTo(reached);

      AppAnswer through = app.call(WEB_CLIENT, "GET", freeUrl, Map.of());
      assertThat(through.failed()).as("%s\n%s", through.error(), app.log()).isFalse();
      assertThat(through.status()).isEqualTo(200);
      assertThat(through.body()).isEqualTo("downstream /synth-elsewhere/" + WEB_CLIENT);
      assertThat(downstream.requestCount())
          .as("a follow-up to a target no open breaker covers reaches it")
          .isEqualTo(reached + 1);
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  /**
   * {@code WebClient#sendStream} with a body stream that fails (test app style {@code
   * vertx-webclient-failing-stream}), while an open breaker answers with a synthetic response,
   * fails the app's call with the stream's failure: {@code WebClient} resets the request where the
   * stream failed instead of ending it, and the reset fails the synthetic request's response as it
   * fails a real one's. Before, the reset did nothing and the call never completed: the app's own
   * 10 s wait gave up on it.
   */
  @Test
  void aWebClientBodyStreamThatFailsFailsTheCallAnOpenBreakerAnswers() throws Exception {
    checkARequestResetWhereItsBodyStreamFailedFails(WEB_CLIENT + "-failing-stream");
  }

  /** Mode {@code response} answering {@code status} with {@code location} and the mark header. */
  private static String redirect(int status, String location) {
    return "{\"mode\":\"response\",\"status\":"
        + status
        + ",\"headers\":{\"Location\":\""
        + location
        + "\",\"X-Sluice\":\"open\"},\"body\":\"open\"}";
  }

  /**
   * Guards against testing 5.1 by mistake: 5.0's core is the only Vert.x core on the path. The
   * release comes from the build ({@code vertx50.version}, the demo's {@code vertx.version}), so it
   * is checked to be a 5.0 one: a demo moved to 5.1 would otherwise turn this suite into a second
   * 5.1 run, leaving the 5.0 advice untested with every check passing.
   */
  @Test
  void theAppRunsOnVertx50() throws Exception {
    assertThat(coreJar()).as("the release this suite is for").startsWith("vertx-core-5.0.");
    assertThat(
            Arrays.stream(appClassPath().split(File.pathSeparator))
                .map(Vertx50HttpClientIT::fileName)
                .filter(file -> file.startsWith("vertx-core-") && !file.startsWith("vertx-core-l")))
        .containsExactly(coreJar());
    AppAnswer answer = app.call(client(), "GET", downstream.url("/version"), Map.of());
    assertThat(answer.failed()).as("%s\n%s", answer.error(), app.log()).isFalse();
    assertThat(app.log()).doesNotContain("NoSuchMethodError").doesNotContain("NoSuchFieldError");
  }

  /**
   * Calls to the IPv6 loopback address in four spellings, its host without brackets as Vert.x 5.0
   * takes it ({@code setHost("0:0:0:0:0:0:0:1")}), are one target with one breaker, keyed {@code
   * [::1]:port} in the agent status and covered by a policy naming the host {@code
   * 0:0:0:0:0:0:0:1}: four refused calls open it. The rejected call's CLIENT span has the host in
   * brackets in {@code url.full}. Before, every spelling had a breaker of its own (the policy
   * covered one spelling, whose breaker never saw four calls), and the URL was {@code
   * http://::1:port/...}, which names no host.
   */
  @Test
  void anIpv6TargetInAnySpellingIsOneBreakerAndItsRejectedSpanHasAWellFormedUrl() throws Exception {
    int closedPort = RefusedPorts.on(InetAddress.getByName("::1"));
    String policy = "ipv6-" + client();
    applyRules(
        Rules.document(
            service(), Rules.targetBreaker(policy, "0:0:0:0:0:0:0:1", closedPort, "/v6/**")));
    try {
      for (String host : List.of("::1", "0:0:0:0:0:0:0:1", "0000::0001", "::0:1")) {
        String url = "http://[" + host + "]:" + closedPort + "/v6/" + client();
        AppAnswer refused = app.call(BARE_HOST, "GET", url, Map.of());
        assertThat(refused.error())
            .as("a call to %s\n%s", url, app.log())
            .contains("Connection refused")
            .doesNotContain("Sluice circuit breaker");
      }

      String traceId = randomHex(16);
      String url = "http://[::1]:" + closedPort + "/v6/" + client();
      AppAnswer rejected =
          app.call(
              BARE_HOST,
              "GET",
              url,
              Map.of("traceparent", "00-" + traceId + "-" + randomHex(8) + "-01"));
      assertThat(rejected.error())
          .as(app.log())
          .contains("Sluice circuit breaker '" + policy + "' for [::1]:" + closedPort);
      await("the agent reports one breaker for the address")
          .atMost(Duration.ofSeconds(15))
          .untilAsserted(
              () ->
                  assertThat(status.of(service()).orElseThrow().breakers())
                      .filteredOn(breaker -> breaker.policy().equals(policy))
                      .singleElement()
                      .satisfies(
                          breaker -> {
                            assertThat(breaker.key()).isEqualTo("[::1]:" + closedPort);
                            assertThat(breaker.state()).isEqualTo("OPEN");
                          }));
      await("the rejected call's CLIENT span is exported")
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(otlp.spans(traceId))
                      .anySatisfy(
                          span -> {
                            assertThat(span.kind())
                                .isEqualTo(OtlpReceiver.ReceivedSpan.KIND_CLIENT);
                            assertThat(span.statusCode())
                                .isEqualTo(OtlpReceiver.ReceivedSpan.STATUS_ERROR);
                            assertThat(span.attributes()).containsEntry("url.full", url);
                          })
                      // once, on the span current when it was rejected (the app's SERVER span)
                      .filteredOn(span -> span.events().contains("sluice.breaker.rejected"))
                      .hasSize(1));
    } finally {
      applyRules(Rules.document(service()));
    }
  }

  private static String coreJar() {
    return "vertx-core-" + System.getProperty("vertx50.version", "5.0.7") + ".jar";
  }

  private static String fileName(String entry) {
    return Path.of(entry).getFileName().toString();
  }
}
