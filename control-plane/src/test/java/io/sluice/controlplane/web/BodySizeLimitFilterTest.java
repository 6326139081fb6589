package io.sluice.controlplane.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpServletRequest;
import java.io.BufferedReader;
import java.util.HashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BodySizeLimitFilterTest {

  private static final byte[] TOO_LARGE = new byte[BodySizeLimitFilter.MAX_BYTES + 1];
  private static final byte[] AT_THE_CAP = new byte[BodySizeLimitFilter.MAX_BYTES];

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "at the root, '', /api/v1/services/orders/rules",
    "under a context path, /sluice, /sluice/api/v1/services/orders/rules",
    "a path parameter under a context path, /sluice, /sluice/api;x=1/v1/services/orders/rules",
  })
  void capsApiBodiesWithOrWithoutAContextPath(String name, String contextPath, String uri)
      throws Exception {
    assertThatThrownBy(() -> readThroughTheFilter(contextPath, uri, TOO_LARGE))
        .isInstanceOf(BodySizeLimitFilter.BodyTooLargeException.class)
        .hasMessage(BodySizeLimitFilter.DETAIL);
    assertThat(readThroughTheFilter(contextPath, uri, AT_THE_CAP)).isEqualTo(AT_THE_CAP.length);
  }

  /**
   * Under {@code spring.mvc.servlet.path} the DispatcherServlet is mapped at a prefix, and Spring
   * MVC matches the API's mappings after it: the cap applies there too.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "a servlet path, '', /mvc, /mvc/api/v1/services/orders/rules/evaluate",
    "a servlet path under a context path, /sluice, /mvc, /sluice/mvc/api/v1/services/o/rules",
  })
  void capsApiBodiesUnderAServletPath(
      String name, String contextPath, String servletPath, String uri) throws Exception {
    HttpServletRequest request =
        FakeServlet.request("POST", contextPath, servletPath, uri, TOO_LARGE);
    AtomicLong read = new AtomicLong();
    FilterChain handler = (req, res) -> read.set(req.getInputStream().readAllBytes().length);
    assertThatThrownBy(
            () ->
                new BodySizeLimitFilter()
                    .doFilter(request, FakeServlet.response(new HashMap<>()), handler))
        .isInstanceOf(BodySizeLimitFilter.BodyTooLargeException.class);
  }

  /**
   * A handler that reads the body as text ({@code getReader()}) reads it through the cap too: it
   * read the container's reader, and with it a body of any size.
   */
  @Test
  void capsBodiesReadAsText() throws Exception {
    String uri = "/api/v1/services/orders/rules";
    assertThatThrownBy(() -> readTextThroughTheFilter(uri, TOO_LARGE))
        .isInstanceOf(BodySizeLimitFilter.BodyTooLargeException.class)
        .hasMessage(BodySizeLimitFilter.DETAIL);
    assertThat(readTextThroughTheFilter(uri, AT_THE_CAP)).isEqualTo(AT_THE_CAP.length);
  }

  /** As the container's reader does, one way of reading the body per request. */
  @Test
  void readsTheBodyEitherAsBytesOrAsText() throws Exception {
    FilterChain both =
        (req, res) -> {
          req.getReader();
          req.getInputStream();
        };
    assertThatThrownBy(
            () ->
                new BodySizeLimitFilter()
                    .doFilter(
                        FakeServlet.request("POST", "", "/api/v1/services/o/rules", AT_THE_CAP),
                        FakeServlet.response(new HashMap<>()),
                        both))
        .isInstanceOf(IllegalStateException.class);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "the UI at the root, '', /index.html",
    "the UI under a context path, /sluice, /sluice/index.html",
    // the context path is not the API's, even where it reads like it
    "a context path named api, /api, /api/index.html",
  })
  void leavesOtherRequestsAlone(String name, String contextPath, String uri) throws Exception {
    assertThat(readThroughTheFilter(contextPath, uri, TOO_LARGE)).isEqualTo(TOO_LARGE.length);
  }

  /**
   * Sends a POST through the filter to a handler that reads the body as text; answers its length.
   */
  private static long readTextThroughTheFilter(String uri, byte[] body) throws Exception {
    HttpServletRequest request = FakeServlet.request("POST", "", uri, body);
    AtomicLong read = new AtomicLong();
    FilterChain handler =
        (req, res) -> {
          BufferedReader text = req.getReader();
          char[] buffer = new char[8192];
          for (int n = text.read(buffer); n >= 0; n = text.read(buffer)) {
            read.addAndGet(n);
          }
        };
    new BodySizeLimitFilter().doFilter(request, FakeServlet.response(new HashMap<>()), handler);
    return read.get();
  }

  /** Sends a POST through the filter to a handler that reads the whole body; answers its length. */
  private static long readThroughTheFilter(String contextPath, String uri, byte[] body)
      throws Exception {
    HttpServletRequest request = FakeServlet.request("POST", contextPath, uri, body);
    AtomicLong read = new AtomicLong();
    FilterChain handler = (req, res) -> read.set(req.getInputStream().readAllBytes().length);
    new BodySizeLimitFilter().doFilter(request, FakeServlet.response(new HashMap<>()), handler);
    return read.get();
  }
}
