package io.sluice.controlplane.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.controlplane.RawHttp;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The errors Tomcat answers before any servlet sees the request, from a real embedded Tomcat on
 * loopback with the valve installed as {@link WebConfiguration} installs it (the whole control
 * plane: {@code ControlPlaneApiIT#requestsTomcatRefusesBeforeSpringAreAnsweredAsProblemsToo}).
 */
class ProblemErrorReportValveTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir static Path base;
  private static Tomcat tomcat;

  @BeforeAll
  static void startTomcat() throws LifecycleException {
    tomcat = new Tomcat();
    tomcat.setBaseDir(base.toString());
    tomcat.setPort(0);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    Context context = tomcat.addContext("", base.toString());
    context.addLifecycleListener(
        event -> {
          if (Lifecycle.BEFORE_START_EVENT.equals(event.getType())) {
            ProblemErrorReportValve.install(context.getParent());
          }
        });
    tomcat.start();
  }

  @AfterAll
  static void stopTomcat() throws LifecycleException {
    if (tomcat != null) {
      tomcat.stop();
      tomcat.destroy();
    }
  }

  /** A problem names the request's path as its instance, as Spring MVC's problems do. */
  @Test
  void aRefusedPathIsTheProblemsInstance() throws IOException {
    for (String path : new String[] {"/api/v1/services/a%2Fb/rules", "/api/v1/services/a%zz/x"}) {
      JsonNode problem =
          problem(
              RawHttp.exchange(
                  tomcat.getConnector().getLocalPort(), "GET " + path + " HTTP/1.1\r\n"),
              path);

      assertThat(problem.get("type").asString())
          .as(path)
          .isEqualTo("urn:sluice:problem:invalid-request");
      assertThat(problem.get("status").asInt()).as(path).isEqualTo(400);
      assertThat(problem.get("instance").asString()).as(path).isEqualTo(path);
    }
  }

  @Test
  void headersOverTheLimitNameThePathTheyCameWith() throws IOException {
    String answer =
        RawHttp.exchange(
            tomcat.getConnector().getLocalPort(),
            "GET /api/v1/services HTTP/1.1\r\nX-Padding: " + "x".repeat(20_000) + "\r\n");

    assertThat(problem(answer, "headers").get("instance").asString()).isEqualTo("/api/v1/services");
  }

  /** Tomcat stops reading at a character no request target may hold: there is no path to name. */
  @Test
  void aRequestLineReadOnlyInPartHasNoInstance() throws IOException {
    JsonNode problem =
        problem(
            RawHttp.exchange(tomcat.getConnector().getLocalPort(), "GET /api/{x} HTTP/1.1\r\n"),
            "a '{'");

    assertThat(problem.get("status").asInt()).isEqualTo(400);
    assertThat(problem.has("instance")).isFalse();
  }

  private static JsonNode problem(String answer, String what) {
    assertThat(answer).as(what).startsWith("HTTP/1.1 400");
    int body = answer.indexOf("\r\n\r\n");
    assertThat(answer.substring(0, body).toLowerCase())
        .as(what)
        .contains("content-type: application/problem+json")
        // as every other answer, though the request never reached SecurityHeadersFilter
        .contains("x-content-type-options: nosniff")
        .contains("referrer-policy: no-referrer")
        .contains(
            "content-security-policy: "
                + SecurityHeadersFilter.CONTENT_SECURITY_POLICY.toLowerCase());
    return JSON.readTree(answer.substring(body + 4));
  }
}
