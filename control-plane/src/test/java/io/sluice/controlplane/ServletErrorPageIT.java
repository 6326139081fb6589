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
 * Errors the servlet container answers itself are problem documents like every other error, and say
 * what was wrong. Those it sends to its error page ({@code /error}) rather than to the API's
 * advice: Tomcat refuses a {@code TRACE} itself, and the error page is a path anyone can ask for.
 * Before, both were answered with Spring Boot's own error body ({@code {"timestamp", "status",
 * "error", "path"}} as {@code application/json}), the {@code TRACE} without the security headers
 * every other answer carries.
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
    assertThat(trace.header("Cache-Control")).isEqualTo("private, no-cache");
  }

  /**
   * A header Tomcat refuses to read, before the error page or the API sees the request (a control
   * character such as ESC in a comment, a space in a header's name), is said to be such: the detail
   * named only a malformed URL and headers over the limit, neither of which the request had.
   */
  @Test
  void aHeaderTomcatCannotReadIsNamedAsTheReasonForThe400() throws Exception {
    Map<String, String> raw = new java.util.LinkedHashMap<>();
    raw.put("an escape in a value", "X-Sluice-Comment: \u001b[31mred\r\n");
    raw.put("a delete in a value", "X-Sluice-Comment: a\u007fb\r\n");
    raw.put("a space in a name", "X Sluice: 1\r\n");
    for (Map.Entry<String, String> header : raw.entrySet()) {
      String answer =
          RawHttp.exchange(
              controlPlane.port(),
              ("PUT /api/v1/services/raw-header/rules HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      + header.getValue()
                      + "Content-Length: 0\r\nConnection: close\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

      assertThat(answer)
          .as(header.getKey())
          .startsWith("HTTP/1.1 400")
          .contains("\"type\":\"urn:sluice:problem:invalid-request\"")
          .contains("a header with a character HTTP does not allow");
    }
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
