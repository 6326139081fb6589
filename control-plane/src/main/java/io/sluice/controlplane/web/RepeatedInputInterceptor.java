package io.sluice.controlplane.web;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.rules.OneLineText;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.util.MultiValueMap;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.util.UriComponentsBuilder;
import org.springframework.web.util.UriUtils;

/**
 * Refuses API requests that say one thing twice: a query parameter given more than once ({@code
 * rollback?to=2&to=4}) or more than one {@code Authorization}, {@code X-Sluice-Comment} or {@code
 * X-Sluice-Comment-Encoding} header. Spring and the token check would quietly take the first, so a
 * rollback could go to another revision than the client meant, and a request would run as whichever
 * token came first. No API parameter takes a list.
 */
final class RepeatedInputInterceptor implements HandlerInterceptor {

  /**
   * Headers a request gives once. Servlet containers hand a repeated one over joined with commas
   * ({@code one,two}) or as its first value alone: two comments were recorded as one, and a second
   * {@code X-Sluice-Comment-Encoding} was ignored.
   */
  private static final List<String> SINGLE_HEADERS =
      List.of("Authorization", "X-Sluice-Comment", "X-Sluice-Comment-Encoding");

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    for (String header : SINGLE_HEADERS) {
      List<String> values = Collections.list(request.getHeaders(header));
      if (values.size() > 1) {
        throw new ApiException(
            ProblemType.INVALID_REQUEST,
            "the request has " + values.size() + " " + header + " headers; send one");
      }
    }
    Set<String> repeated = repeatedParameters(request.getQueryString());
    if (!repeated.isEmpty()) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "the query gives "
              + OneLineText.escape(String.join(", ", repeated))
              + " more than once; give each parameter once");
    }
    return true;
  }

  /** The names (decoded, sorted) that occur more than once in {@code query}. */
  static Set<String> repeatedParameters(String query) {
    if (query == null || query.isEmpty()) {
      return Set.of();
    }
    Set<String> seen = new HashSet<>();
    Set<String> repeated = new TreeSet<>();
    MultiValueMap<String, String> parameters =
        UriComponentsBuilder.newInstance().query(query).build().getQueryParams();
    parameters.forEach(
        (raw, values) -> {
          // names as written: %74o and to are one parameter to the server
          String name = decoded(raw);
          if (!seen.add(name) || values.size() > 1) {
            repeated.add(name);
          }
        });
    return repeated;
  }

  private static String decoded(String raw) {
    try {
      return UriUtils.decode(raw, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException malformed) {
      return raw; // Tomcat refuses such a query itself when the parameters are read
    }
  }
}
