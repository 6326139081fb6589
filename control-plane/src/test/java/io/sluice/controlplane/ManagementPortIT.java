package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.etcd.EtcdExtension;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * A separate management port ({@code management.server.port}) is a second Tomcat, served by a
 * context of its own: what the application's port does for every answer must hold there too.
 */
class ManagementPortIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  private static RunningControlPlane controlPlane;

  @BeforeAll
  static void start() {
    controlPlane =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints",
                etcd.endpoint(),
                "management.server.port",
                "0",
                "management.server.address",
                "127.0.0.1",
                "management.endpoints.web.cors.allowed-origins",
                "https://ops.example",
                "management.endpoints.web.cors.allowed-methods",
                "GET",
                "management.endpoints.web.exposure.include",
                "health,prometheus,env,loggers",
                "sluice.security.tokens.writer.token",
                ControlPlaneApiIT.WRITER,
                "sluice.security.tokens.writer.role",
                "writer",
                "sluice.security.tokens.admin.token",
                ControlPlaneApiIT.ADMIN,
                "sluice.security.tokens.admin.role",
                "admin"));
  }

  @AfterAll
  static void stop() {
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void answersOnTheManagementPortCarryTheSecurityHeaders() {
    ApiClient management = new ApiClient(controlPlane.managementPort());
    Map<String, ApiClient.Answer> answers = new LinkedHashMap<>();
    answers.put("health", management.get("/actuator/health", null));
    answers.put("prometheus", management.get("/actuator/prometheus", null));
    answers.put("a 404", management.get("/actuator/nothing-here", null));
    assertThat(answers.get("health").status()).isEqualTo(200);
    answers.forEach(
        (what, answer) -> {
          assertThat(answer.header("X-Content-Type-Options")).as(what).isEqualTo("nosniff");
          assertThat(answer.header("Referrer-Policy")).as(what).isEqualTo("no-referrer");
          assertThat(answer.header("Content-Security-Policy"))
              .as(what)
              .contains("default-src 'self'")
              .contains("frame-ancestors 'none'");
        });
  }

  /**
   * The management port binds where the application's does unless told otherwise, so whoever
   * reaches the API reaches it too: an endpoint exposed beyond health and Prometheus ({@code env},
   * {@code loggers}; a heap dump holds the tokens) needs an admin token there as on the
   * application's port. It answered anyone.
   */
  @Test
  void exposedEndpointsOnTheManagementPortNeedAnAdminToken() {
    ApiClient management = new ApiClient(controlPlane.managementPort());
    for (String open : List.of("/actuator/health", "/actuator/prometheus", "/actuator")) {
      assertThat(management.get(open, null).status()).as(open).isEqualTo(200);
    }
    for (String guarded :
        List.of("/actuator/env", "/actuator/loggers", "/actuator/env/", "/actuator;x=y/env")) {
      ApiClient.Answer anonymous = management.get(guarded, null);
      assertThat(anonymous.status()).as(guarded).isEqualTo(401);
      assertThat(anonymous.header("Content-Type")).startsWith("application/problem+json");
      assertThat(anonymous.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"sluice\"");
      assertThat(anonymous.header("X-Content-Type-Options")).isEqualTo("nosniff");
      assertThat(management.get(guarded, "not-a-token-of-anyone").status())
          .as(guarded)
          .isEqualTo(401);
      assertThat(management.get(guarded, ControlPlaneApiIT.WRITER).status())
          .as(guarded)
          .isEqualTo(403);
    }
    assertThat(management.get("/actuator/env", ControlPlaneApiIT.ADMIN).status()).isEqualTo(200);
    assertThat(management.get("/actuator/loggers", ControlPlaneApiIT.ADMIN).status())
        .isEqualTo(200);
  }

  /**
   * With the actuator on its own port, an actuator path on the application's port leads nowhere:
   * 404 to any caller. The admin token check answered an anonymous caller 401 there (and a reader's
   * token 403), as if something were behind it, and an admin 404.
   */
  @Test
  void actuatorPathsOnTheApplicationsPortAreNotFoundToAnyCaller() {
    ApiClient application = controlPlane.api();
    for (String path : List.of("/actuator/env", "/actuator/loggers", "/actuator/heapdump")) {
      for (String token :
          java.util.Arrays.asList(
              null, "not-a-token-of-anyone", ControlPlaneApiIT.WRITER, ControlPlaneApiIT.ADMIN)) {
        ApiClient.Answer answer = application.get(path, token);
        assertThat(answer.status()).as(path + " with " + token).isEqualTo(404);
        assertThat(answer.header("Content-Type"))
            .as(path + " with " + token)
            .startsWith("application/problem+json");
      }
    }
  }

  /**
   * A health component that does not exist is a 404 problem document on the management port too
   * (Spring Boot's answer was an empty body), as is any path there that leads nowhere.
   */
  @Test
  void anUnknownHealthComponentOnTheManagementPortIsAProblemDocument() {
    ApiClient management = new ApiClient(controlPlane.managementPort());
    for (String path : List.of("/actuator/health/nothing", "/actuator/health/nothing/x")) {
      ApiClient.Answer answer = management.get(path, null);
      assertThat(answer.status()).as(path).isEqualTo(404);
      assertThat(answer.header("Content-Type")).as(path).startsWith("application/problem+json");
      assertThat(answer.json().get("type").asString())
          .as(path)
          .isEqualTo("urn:sluice:problem:not-found");
      assertThat(answer.json().get("instance").asString()).as(path).isEqualTo(path);
    }
    assertThat(management.get("/actuator/health/etcd", null).status()).isEqualTo(200);
  }

  /**
   * Under a management base path ({@code management.server.base-path}, the management server's
   * context path) and an endpoints' base path of its own, the check follows both, and the
   * Kubernetes probes below health stay open: they carry no token.
   */
  @Test
  void theCheckFollowsTheManagementBasePaths() {
    try (RunningControlPlane moved =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints",
                etcd.endpoint(),
                "management.server.port",
                "0",
                "management.server.address",
                "127.0.0.1",
                "management.server.base-path",
                "/manage",
                "management.endpoints.web.base-path",
                "/ops",
                "management.endpoints.web.exposure.include",
                "health,prometheus,env",
                "management.endpoint.health.probes.enabled",
                "true",
                "sluice.security.tokens.admin.token",
                ControlPlaneApiIT.ADMIN,
                "sluice.security.tokens.admin.role",
                "admin"))) {
      ApiClient management = new ApiClient(moved.managementPort());
      for (String open :
          List.of(
              "/manage/ops/health",
              "/manage/ops/health/liveness",
              "/manage/ops/health/readiness",
              "/manage/ops/prometheus",
              "/manage/ops")) {
        assertThat(management.get(open, null).status()).as(open).isEqualTo(200);
      }
      for (String guarded :
          List.of("/manage/ops/env", "/manage;x=y/ops/env", "/manage/ops;x=y/env/")) {
        assertThat(management.get(guarded, null).status()).as(guarded).isEqualTo(401);
      }
      assertThat(management.get("/manage/ops/env", ControlPlaneApiIT.ADMIN).status())
          .isEqualTo(200);
    }
  }

  /**
   * Its CORS refusals are the same problem document as on the application's port (they were
   * Spring's plain text {@code Invalid CORS request}), and what the settings allow is answered as
   * before.
   */
  @Test
  void aCorsRefusalOnTheManagementPortIsTheSameProblemDocument() {
    ApiClient management = new ApiClient(controlPlane.managementPort());
    ControlPlaneApiIT.assertCorsRefused(
        management.call(
            "OPTIONS",
            "/actuator/health",
            null,
            null,
            Map.of("Origin", "https://elsewhere.example", "Access-Control-Request-Method", "GET")),
        "/actuator/health",
        "the origin 'https://elsewhere.example' is not allowed");
    ApiClient.Answer allowed =
        management.call(
            "GET", "/actuator/health", null, null, Map.of("Origin", "https://ops.example"));
    assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo("https://ops.example");
  }

  /** Tomcat's own refusals there are the same problem documents, not Tomcat's HTML page. */
  @Test
  void tomcatsOwnRefusalsOnTheManagementPortAreProblemDocuments() throws IOException {
    String path = "/actuator/a%2Fb";
    String answer =
        RawHttp.exchange(controlPlane.managementPort(), "GET " + path + " HTTP/1.1\r\n");

    assertThat(answer).startsWith("HTTP/1.1 400").doesNotContain("<html").doesNotContain("Tomcat");
    int body = answer.indexOf("\r\n\r\n");
    assertThat(answer.substring(0, body).toLowerCase())
        .contains("content-type: application/problem+json");
    JsonNode problem = ApiClient.JSON.readTree(answer.substring(body + 4));
    assertThat(problem.get("type").asString()).isEqualTo("urn:sluice:problem:invalid-request");
    assertThat(problem.get("status").asInt()).isEqualTo(400);
    assertThat(problem.get("instance").asString()).isEqualTo(path);
  }
}
