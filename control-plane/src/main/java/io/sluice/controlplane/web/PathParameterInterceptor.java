package io.sluice.controlplane.web;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses API paths with a path parameter ({@code ;}). Tomcat and Spring MVC both drop what follows
 * a {@code ;} in a path segment before matching, so {@code PUT /api/v1/services/a;b/rules} would
 * write the rules of service {@code a} and answer 200: a write to another service than the one the
 * URL names. No Sluice URL has path parameters. A service name that has a {@code ;} (no document
 * can have one, but an agent may report one) is sent with it percent-encoded, {@code %3B}, as the
 * web UI sends every name: the API answers for that name then.
 */
final class PathParameterInterceptor implements HandlerInterceptor {

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    if (request.getRequestURI().indexOf(';') >= 0) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "the path has a ';', which would cut the segment it is in short (a;b would be read as"
              + " a): no Sluice URL has path parameters; send a ';' in a service name"
              + " percent-encoded, %3B");
    }
    return true;
  }
}
