package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.etcd.EtcdExtension;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Errors the servlet container sends to its error page ({@code /error}) rather than to the API's
 * advice are problem documents like every other error: Tomcat refuses a {@code TRACE} itself, and
 * the error page is a path anyone can ask for. Before, both were answered with Spring Boot's own
 * error body ({@code {"timestamp", "status", "error", "path"}} as {@code application/json}), the
 * {@code TRACE} without the security headers every other answer carries.
 */
class ServletErrorPageIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  static RunningControlPlane controlPlane;

  @BeforeAll
  static void start() {
    controlPlane =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints",
                etcd.endpoint(),
                "sluice.security.tokens.reader.token",
                ControlPlaneApiIT.READER,
                "sluice.security.tokens.reader.role",
                "reader"));
  }

  @AfterAll
  static void stop() {
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void aTraceIsRefusedWithAProblemDocumentAndTheSecurityHeaders() {
    ApiClient.Answer trace =
        controlPlane
            .api()
            .call("TRACE", "/api/v1/services", ControlPlaneApiIT.READER, null, Map.of());

    assertThat(trace.status()).isEqualTo(405);
    assertThat(trace.header("Content-Type")).startsWith("application/problem+json");
    JsonNode problem = trace.json();
    assertThat(problem.get("type").asString()).isEqualTo("urn:sluice:problem:method-not-allowed");
    assertThat(problem.get("status").asInt()).isEqualTo(405);
    assertThat(problem.get("instance").asString()).isEqualTo("/api/v1/services");
    assertThat(problem.get("detail").asString()).contains("TRACE");
    assertThat(problem.has("timestamp")).isFalse();
    assertThat(trace.header("Allow")).isNotBlank();
    assertThat(trace.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(trace.header("Content-Security-Policy")).contains("default-src 'self'");
    assertThat(trace.header("Cache-Control")).isEqualTo("no-cache");
  }

  @Test
  void theErrorPageAskedForDirectlyIsNotFoundLikeAnyPathThatNamesNothing() {
    for (String token : new String[] {null, ControlPlaneApiIT.READER}) {
      ApiClient.Answer error = controlPlane.api().call("GET", "/error", token, null, Map.of());

      assertThat(error.status()).as("token %s", token).isEqualTo(404);
      assertThat(error.header("Content-Type")).startsWith("application/problem+json");
      JsonNode problem = error.json();
      assertThat(problem.get("type").asString()).isEqualTo("urn:sluice:problem:not-found");
      assertThat(problem.get("status").asInt()).isEqualTo(404);
      assertThat(problem.get("instance").asString()).isEqualTo("/error");
      assertThat(problem.has("timestamp")).isFalse();
    }
  }
}
