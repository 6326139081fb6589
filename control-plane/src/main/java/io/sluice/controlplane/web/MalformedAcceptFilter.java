package io.sluice.controlplane.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Disregards an {@code Accept} header that does not parse ({@code application/json;q=2}), as RFC
 * 9110 lets a server do, so the request is answered as one without it. Spring's content negotiation
 * failed on it while writing the answer: an invalid document's 400 went out with an empty body
 * instead of its problem details, and a read of rules that do not exist answered 406 instead of
 * 404.
 */
final class MalformedAcceptFilter extends OncePerRequestFilter {

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    chain.doFilter(parses(request) ? request : new WithoutAccept(request), response);
  }

  private static boolean parses(HttpServletRequest request) {
    for (Enumeration<String> values = request.getHeaders(HttpHeaders.ACCEPT);
        values.hasMoreElements(); ) {
      try {
        MediaType.parseMediaTypes(values.nextElement());
      } catch (IllegalArgumentException e) { // InvalidMediaTypeException among them
        return false;
      }
    }
    return true;
  }

  /** The request as if it had no {@code Accept} header. */
  private static final class WithoutAccept extends HttpServletRequestWrapper {

    WithoutAccept(HttpServletRequest request) {
      super(request);
    }

    @Override
    public String getHeader(String name) {
      return HttpHeaders.ACCEPT.equalsIgnoreCase(name) ? null : super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      return HttpHeaders.ACCEPT.equalsIgnoreCase(name)
          ? Collections.emptyEnumeration()
          : super.getHeaders(name);
    }

    @Override
    public Enumeration<String> getHeaderNames() {
      return Collections.enumeration(
          Collections.list(super.getHeaderNames()).stream()
              .filter(name -> !HttpHeaders.ACCEPT.equalsIgnoreCase(name))
              .toList());
    }
  }
}
