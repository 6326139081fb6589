package io.sluice.controlplane.security;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.FlagParameters;
import io.sluice.controlplane.ProblemType;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpMethod;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.util.ServletRequestPathUtils;

/**
 * Checks the bearer token of every API call against the role its handler needs ({@link
 * RequiresRole}, {@link Role#READER} by default). Runs inside Spring MVC, so its 401 and 403 are
 * problem details from the same advice as every other error, and it runs before the body is read.
 *
 * <p>The event stream, which browsers' EventSource opens without headers, also takes a single-use
 * {@code ?ticket=} ({@link EventTickets}), which stands for the caller who minted it. The older
 * {@code ?access_token=} still works there for existing scripts, but is deprecated: a long-lived
 * token in a URL ends up in proxies' access logs. Streams opened with it say so ({@link
 * DeprecatedAccessToken}).
 *
 * <p>A bearer {@code Authorization} header, when sent, is the credential: one that holds no token
 * ({@code Bearer} with nothing after it, {@code Bearer} followed by anything but a space, such as
 * {@code Bearer,tok}, or a blank header) is refused with 401, also where reads are open, rather
 * than read past to {@code ?access_token=} or to no token at all. A header of another scheme is not
 * Sluice's: a reverse proxy that asks for {@code Basic} credentials passes them on, and a browser
 * sends them with every request behind it, its event stream's too. It counts as no token (an
 * anonymous read where reads are open), and a ticket or {@code ?access_token=} beside it is the
 * credential.
 */
final class TokenInterceptor implements HandlerInterceptor {

  static final String EVENTS_PATH = "/api/v1/events";

  static final String UNKNOWN_TICKET =
      "the event stream ticket is unknown, used or expired; POST /api/v1/events/tickets for a"
          + " new one";

  static final String MALFORMED_HEADER =
      "the Authorization header holds no bearer token; send Authorization: Bearer <token>, or no"
          + " bearer header where reads are open";

  private final TokenRegistry tokens;
  private final EventTickets tickets;
  private final boolean openReads;
  private final DeprecatedAccessToken deprecatedAccessToken = new DeprecatedAccessToken();

  TokenInterceptor(TokenRegistry tokens, EventTickets tickets, boolean openReads) {
    this.tokens = tokens;
    this.tickets = tickets;
    this.openReads = openReads;
  }

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    if (!(handler instanceof HandlerMethod method)) {
      return true;
    }
    if (request.getDispatcherType() == DispatcherType.ASYNC) {
      // An event stream that ends comes back through the dispatcher on the same request, which
      // was let in when it opened: its single-use ticket is spent by then, so checking again
      // would refuse a finished stream and log a failure for every stream that ends.
      return true;
    }
    RequiresRole annotation = method.getMethodAnnotation(RequiresRole.class);
    Role required = annotation == null ? Role.READER : annotation.value();
    String ticket = isEventsPath(request) ? request.getParameter("ticket") : null;
    Caller caller;
    boolean tokenInUrl = false;
    if (ticket != null) {
      caller = ticketCaller(request, ticket);
      if (caller == Caller.ANONYMOUS) {
        // minted without a token, which only open reads allow
        return anonymousMayRead(required);
      }
    } else {
      String header = BearerHeader.of(request);
      String presented;
      if (header != null) {
        // the header is the credential sent: one that holds no token is refused, never read
        // past to ?access_token= (or to open reads), which would let it stand for another caller
        presented = BearerHeader.token(header);
        if (presented == null) {
          throw new ApiException(ProblemType.UNAUTHORIZED, MALFORMED_HEADER);
        }
        String inUrl = urlToken(request);
        if (inUrl != null && !inUrl.equals(presented)) {
          // two tokens could stand for two callers: say which one counts rather than pick one
          throw new ApiException(
              ProblemType.INVALID_REQUEST,
              "the request gives one token in the Authorization header and another in"
                  + " ?access_token=; send only the header");
        }
      } else {
        presented = urlToken(request);
        tokenInUrl = presented != null;
      }
      if (presented == null) {
        return anonymousMayRead(required);
      }
      caller = tokens.authenticate(presented);
      if (caller == null) {
        throw new ApiException(ProblemType.UNAUTHORIZED, "the bearer token is not valid");
      }
    }
    if (!caller.role().includes(required)) {
      throw new ApiException(
          ProblemType.FORBIDDEN,
          "the token '"
              + caller.name()
              + "' has role "
              + caller.role()
              + "; this needs "
              + required);
    }
    request.setAttribute(Caller.ATTRIBUTE, caller);
    if (tokenInUrl) {
      deprecatedAccessToken.opened(caller, request, response);
    }
    return true;
  }

  /**
   * The caller a ticket stands for. A stream's request spends the ticket it looks up, whatever the
   * answer; one refused before that (sent together with a token, or with a malformed {@code
   * ?agentStatus=}, which would only have the caller mint another) and a {@code HEAD}, which opens
   * no stream, leave it valid.
   */
  private Caller ticketCaller(HttpServletRequest request, String ticket) {
    // two credentials could stand for two callers: say which one counts rather than pick one
    if (BearerHeader.of(request) != null || request.getParameter("access_token") != null) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "the request gives a ticket and a token; send only the ticket (?ticket=)");
    }
    // the stream's own check of its parameter (EventsController), made before the ticket is spent
    FlagParameters.parse("agentStatus", request.getParameter("agentStatus"), true);
    Caller caller =
        HttpMethod.HEAD.matches(request.getMethod())
            ? tickets.holder(ticket)
            : tickets.redeem(ticket);
    if (caller == null) {
      throw new ApiException(ProblemType.UNAUTHORIZED, UNKNOWN_TICKET);
    }
    return caller;
  }

  /**
   * Lets a caller without a token in when it only reads and reads are open.
   *
   * @throws ApiException 401 otherwise
   */
  private boolean anonymousMayRead(Role required) {
    if (required == Role.READER && openReads) {
      return true;
    }
    throw new ApiException(
        ProblemType.UNAUTHORIZED, "send Authorization: Bearer <token> with this request");
  }

  /**
   * Whether {@code request} is for the event stream: its path within the application, the one the
   * handler mappings matched (after {@code server.servlet.context-path} and a servlet prefix), not
   * the raw request URI, which starts with the context path where one is set.
   */
  private static boolean isEventsPath(HttpServletRequest request) {
    return EVENTS_PATH.equals(ServletRequestPathUtils.getCachedPathValue(request));
  }

  /**
   * The event stream's {@code ?access_token=}: the credential when no bearer header is sent; beside
   * one, only compared with the header's token (a different one is refused).
   */
  private static String urlToken(HttpServletRequest request) {
    if (isEventsPath(request)) {
      // deprecated (see the class comment), kept for the scripts that use it
      String token = request.getParameter(DeprecatedAccessToken.PARAMETER);
      return token == null || token.isBlank() ? null : token;
    }
    return null;
  }
}
