package io.sluice.controlplane.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Security headers on every response, the web UI's and the API's alike, and {@code Cache-Control:
 * private, no-cache} on the API's (set before anything else runs, so errors carry them too).
 *
 * <p>The policy fits the UI as it is: one stylesheet and ES modules from the control plane itself,
 * {@code fetch} to its own API, no inline script or style, nothing from elsewhere, never framed.
 * Should the UI ever need more (an inline style, a data: image), widen exactly that directive here;
 * WebUiIT fails on any violation the browser reports.
 */
final class SecurityHeadersFilter extends OncePerRequestFilter {

  static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self';"
          + " connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none';"
          + " form-action 'self'; frame-ancestors 'none'";

  /**
   * The API's {@code Cache-Control}, also on the error page's answers ({@link
   * ProblemErrorController}); an answer may set a stricter one itself (a ticket's {@code
   * no-store}).
   */
  static final String API_CACHE_CONTROL = "private, no-cache";

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    setHeaders(response);
    if (ApiRequests.isApi(request)) {
      // answers change with every write: a cache must ask again each time, which the ETags make
      // cheap (304), and must never serve rules or agents that are out of date. Private: they are
      // read under a caller's token, and a shared cache (a proxy) would hand them to others
      response.setHeader("Cache-Control", API_CACHE_CONTROL);
    }
    chain.doFilter(request, response);
  }

  /**
   * The headers every response carries, also those no filter sees: Tomcat's own error answers
   * ({@link ProblemErrorReportValve}).
   */
  static void setHeaders(HttpServletResponse response) {
    response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    // a JSON answer or a script is never read as anything else
    response.setHeader("X-Content-Type-Options", "nosniff");
    // URLs may carry a credential (the event stream's ?ticket=, or the deprecated ?access_token=):
    // never pass them on
    response.setHeader("Referrer-Policy", "no-referrer");
  }
}
