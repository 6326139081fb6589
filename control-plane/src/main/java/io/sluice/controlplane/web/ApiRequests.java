package io.sluice.controlplane.web;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.util.UrlPathHelper;

/**
 * Tells API requests from the web UI's by their path within the application: after {@code
 * server.servlet.context-path}, which the raw request URI starts with where one is set (the control
 * plane behind a path-routing proxy, at {@code /sluice/...}). Filters run before Spring MVC has
 * parsed the path, so this asks Spring's {@link UrlPathHelper}, which also drops {@code
 * ;parameters} and decodes, as the servlet container does to match a filter's URL pattern.
 */
final class ApiRequests {

  /** Where the API starts, within the application. */
  static final String PREFIX = "/api/";

  private ApiRequests() {}

  /** Whether {@code request} is for the API, with or without a context path. */
  static boolean isApi(HttpServletRequest request) {
    return UrlPathHelper.defaultInstance.getPathWithinApplication(request).startsWith(PREFIX);
  }
}
