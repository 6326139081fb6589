package io.sluice.controlplane.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import org.springframework.http.HttpMethod;

/**
 * Says so whenever the event stream is opened with the deprecated {@code ?access_token=}, so that
 * an operator can find the scripts that still use it before it goes: the response carries RFC
 * 9745's {@code Deprecation} header and a {@code Link} to the ticket endpoint that replaces it, and
 * the first such stream of each token logs a warning naming the token (by its configured name,
 * never the token itself).
 *
 * <p>Once per token name, not per stream: a script reconnects all day, and one line per token is
 * what an operator needs to act on, without flooding the log. The names are the configured tokens',
 * so the set of those warned about stays as small as the configuration.
 */
final class DeprecatedAccessToken {

  private static final Logger LOG = Logger.getLogger(DeprecatedAccessToken.class.getName());

  /** The query parameter that is deprecated. */
  static final String PARAMETER = "access_token";

  /**
   * When {@code ?access_token=} was deprecated (the day event stream tickets came), as RFC 9745's
   * structured field date: {@code @} and seconds since the epoch.
   */
  static final String DEPRECATION = "@" + Instant.parse("2026-11-29T00:00:00Z").getEpochSecond();

  /**
   * What replaces it: streams opened with a ticket minted at this endpoint. A relative reference,
   * resolved against the stream's own URL ({@code .../api/v1/events}, RFC 8288 section 3.2), so it
   * names the ticket endpoint wherever the stream is: at the root, under {@code
   * server.servlet.context-path}, or behind a proxy that adds or strips a path prefix.
   */
  static final String LINK = "<events/tickets>; rel=\"alternate\"";

  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  /**
   * Marks the response to a stream {@code caller} opened with {@code ?access_token=} (or to its
   * {@code HEAD}).
   */
  void opened(Caller caller, HttpServletRequest request, HttpServletResponse response) {
    response.setHeader("Deprecation", DEPRECATION);
    response.addHeader("Link", LINK);
    boolean head = HttpMethod.HEAD.matches(request.getMethod());
    // per method: an uptime monitor's HEAD must not use up the line about the token's streams
    if (warned.add(caller.name() + (head ? " HEAD" : " GET"))) {
      LOG.warning(
          "the token '"
              + caller.name()
              + (head ? "' sent HEAD " : "' opened GET ")
              + TokenInterceptor.EVENTS_PATH
              + " with the deprecated ?"
              + PARAMETER
              + "=, which puts the token in URLs and so in proxies' access logs; use a single-use"
              + " ticket instead (POST /api/v1/events/tickets, then ?ticket=) or the Authorization"
              + " header. Logged once per token");
    }
  }
}
