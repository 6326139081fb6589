package io.sluice.controlplane.security;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Checks the bearer token of every API call against the role its handler needs ({@link
 * RequiresRole}, {@link Role#READER} by default). Runs inside Spring MVC, so its 401 and 403 are
 * problem details from the same advice as every other error, and it runs before the body is read.
 *
 * <p>The event stream also accepts the token as {@code ?access_token=}, because browsers'
 * EventSource cannot send headers.
 */
final class TokenInterceptor implements HandlerInterceptor {

  private final TokenRegistry tokens;
  private final boolean openReads;

  TokenInterceptor(TokenRegistry tokens, boolean openReads) {
    this.tokens = tokens;
    this.openReads = openReads;
  }

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    if (!(handler instanceof HandlerMethod method)) {
      return true;
    }
    RequiresRole annotation = method.getMethodAnnotation(RequiresRole.class);
    Role required = annotation == null ? Role.READER : annotation.value();
    String presented = presentedToken(request);
    if (presented == null) {
      if (required == Role.READER && openReads) {
        return true;
      }
      throw new ApiException(
          ProblemType.UNAUTHORIZED, "send Authorization: Bearer <token> with this request");
    }
    Caller caller = tokens.authenticate(presented);
    if (caller == null) {
      throw new ApiException(ProblemType.UNAUTHORIZED, "the bearer token is not valid");
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
    return true;
  }

  private static String presentedToken(HttpServletRequest request) {
    String header = request.getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String token = header.substring(7).strip();
      return token.isEmpty() ? null : token;
    }
    if ("/api/v1/events".equals(request.getRequestURI())) {
      String token = request.getParameter("access_token");
      return token == null || token.isBlank() ? null : token;
    }
    return null;
  }
}
