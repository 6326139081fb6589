package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Vert.x suite on the module's Vert.x 5.1 (jetcd's), whose client keeps its default host and
 * port in fields of its own, in an app of Vert.x core alone: {@code vertx-web-client} (on the
 * module's test class path for {@link Vertx50HttpClientIT}, with the jars it brings) is left off
 * the app's class path, so that the {@code WebClient} advice, whose helpers every Vert.x app gets,
 * is shown to cost a core-only app nothing: its breakers, and the redirects core follows, work as
 * before.
 */
class VertxHttpClientIT extends VertxHttpClientSuite {

  /**
   * The test class path without any Vert.x jar but core's ({@code vertx-core}, {@code
   * vertx-core-logging}): {@code vertx-web-client} and what it brings ({@code vertx-web-common},
   * {@code vertx-uri-template}, {@code vertx-auth-common}) are left out.
   */
  @Override
  String appClassPath() {
    List<String> entries = new ArrayList<>();
    for (String entry : super.appClassPath().split(File.pathSeparator)) {
      String file = fileName(entry);
      if (!file.startsWith("vertx-") || file.startsWith("vertx-core-")) {
        entries.add(entry);
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  /**
   * Guards against a suite that tests core with {@code WebClient} on the path by mistake (a build
   * that puts it back, a filter that misses a jar): the app has Vert.x core and nothing else of
   * Vert.x, so {@code WebClient} is missing in it. A redirect core follows, in that app, passes the
   * agent's {@code HttpClientImpl} advice and its helpers, {@code WebClientExchange} included; the
   * agent logs no class-loading failure, and neither does any wait on its status during the suite
   * ({@link EtcdStatus} fails at once on one).
   */
  @Test
  void theAppRunsOnVertxCoreAloneAndTheAgentLogsNoClassLoadingFailure() throws Exception {
    assertThat(
            Arrays.stream(appClassPath().split(File.pathSeparator))
                .map(VertxHttpClientIT::fileName)
                .filter(file -> file.startsWith("vertx-")))
        .as("the Vert.x jars on the app's class path")
        .isNotEmpty()
        .allMatch(file -> file.startsWith("vertx-core-"));
    AppAnswer webClient = app.call("vertx-webclient", "GET", downstream.url("/version"), Map.of());
    assertThat(webClient.error())
        .as("the app has no WebClient")
        .contains("NoClassDefFoundError")
        .contains("io/vertx/ext/web/client/WebClient");

    AppAnswer redirected =
        app.call(client(), "GET", downstream.url("/moved/landing/core-alone"), Map.of());
    assertThat(redirected.failed()).as("%s\n%s", redirected.error(), app.log()).isFalse();
    assertThat(redirected.body()).isEqualTo("downstream /landing/core-alone");
    assertThat(ClassLoadingFailures.in(app.log())).as(app.log()).isEmpty();
  }

  /**
   * Requests Vert.x refuses for the app's own reasons before they leave the process say nothing
   * about the target: six requests for HTTP/3 from a client built without it (Vert.x 5.1 fails them
   * at once with {@code Handle me}) leave a closed breaker closed with no failure in its window, as
   * requests the app's own pool refuses do. Counted as failures, the fifth call would be rejected.
   */
  @Test
  void requestsVertxRefusesForTheAppsOwnReasonsCountNeitherWay() throws Exception {
    String policy = "refusedbyvertx-" + client();
    checkAppFailuresLeaveTheBreakerClosed(
        policy,
        Rules.breaker(policy, downstream.port(), "/refusedbyvertx/**", "120s", Rules.ERROR, false),
        "vertx-http3",
        "GET",
        downstream.url("/refusedbyvertx/" + client()),
        "for HTTP/3",
        error -> error.contains("Handle me"));
  }

  /** The app cancels a request on the wire ({@code HttpClientRequest#cancel}, Vert.x 5.1). */
  @Test
  void aTrialCallTheAppCancelsCountsNeitherWay() throws Exception {
    checkCancelledTrialCallCountsNeitherWay("vertx-cancel");
  }

  private static String fileName(String entry) {
    return Path.of(entry).getFileName().toString();
  }
}
