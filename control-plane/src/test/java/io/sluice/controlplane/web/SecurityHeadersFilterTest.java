package io.sluice.controlplane.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SecurityHeadersFilterTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "at the root, '', /api/v1/services",
    "under a context path, /sluice, /sluice/api/v1/services",
    "the event stream under a context path, /sluice, /sluice/api/v1/events",
  })
  void apiAnswersMustBeRevalidatedWithOrWithoutAContextPath(
      String name, String contextPath, String uri) throws Exception {
    Map<String, String> headers = headersFor(contextPath, uri);
    assertThat(headers).containsEntry("Cache-Control", "private, no-cache");
    assertThat(headers)
        .containsEntry("Content-Security-Policy", SecurityHeadersFilter.CONTENT_SECURITY_POLICY)
        .containsEntry("X-Content-Type-Options", "nosniff")
        .containsEntry("Referrer-Policy", "no-referrer");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "the UI at the root, '', /index.html",
    "the UI under a context path, /sluice, /sluice/js/app.js",
    "a context path named api, /api, /api/index.html",
  })
  void theUisFilesGetTheSecurityHeadersOnly(String name, String contextPath, String uri)
      throws Exception {
    Map<String, String> headers = headersFor(contextPath, uri);
    // the UI's files get theirs from Spring's resource handling (spring.web.resources.cache)
    assertThat(headers).doesNotContainKey("Cache-Control");
    assertThat(headers)
        .containsEntry("Content-Security-Policy", SecurityHeadersFilter.CONTENT_SECURITY_POLICY)
        .containsEntry("Referrer-Policy", "no-referrer");
  }

  /** Under {@code spring.mvc.servlet.path} the API is after the servlet's prefix. */
  @Test
  void apiAnswersUnderAServletPathMustBeRevalidatedToo() throws Exception {
    Map<String, String> headers = new HashMap<>();
    new SecurityHeadersFilter()
        .doFilter(
            FakeServlet.request(
                "GET", "/sluice", "/mvc", "/sluice/mvc/api/v1/services", new byte[0]),
            FakeServlet.response(headers),
            (req, res) -> {});
    assertThat(headers).containsEntry("Cache-Control", "private, no-cache");
  }

  private static Map<String, String> headersFor(String contextPath, String uri) throws Exception {
    Map<String, String> headers = new HashMap<>();
    new SecurityHeadersFilter()
        .doFilter(
            FakeServlet.request("GET", contextPath, uri, new byte[0]),
            FakeServlet.response(headers),
            (req, res) -> {});
    return headers;
  }
}
