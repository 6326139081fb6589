package io.sluice.controlplane.web;

import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.MappingMatch;
import org.springframework.web.util.UrlPathHelper;

/**
 * Tells API requests from the web UI's by the path Spring MVC matches its mappings against: after
 * {@code server.servlet.context-path}, which the raw request URI starts with where one is set (the
 * control plane behind a path-routing proxy, at {@code /sluice/...}), and after the
 * DispatcherServlet's prefix where it is mapped at one ({@code spring.mvc.servlet.path=/mvc}:
 * Spring MVC then matches {@code /api/v1/...} within {@code /mvc/api/v1/...}, as the token check's
 * path patterns do). Filters run before Spring MVC has parsed the path, so this asks Spring's
 * {@link UrlPathHelper}, which also drops {@code ;parameters} and decodes, as the servlet container
 * does to match a filter's URL pattern.
 */
public final class ApiRequests {

  /** Where the API starts, within the application. */
  static final String PREFIX = "/api/";

  private ApiRequests() {}

  /** Whether {@code request} is for the API, with or without a context path or servlet prefix. */
  static boolean isApi(HttpServletRequest request) {
    return path(request).startsWith(PREFIX);
  }

  /**
   * The path Spring MVC matches {@code request} against, the API's and the actuator's mappings
   * alike: within the application and within the DispatcherServlet's prefix if it has one.
   */
  public static String path(HttpServletRequest request) {
    HttpServletMapping mapping = request.getHttpServletMapping();
    if (mapping != null
        && mapping.getMappingMatch() == MappingMatch.PATH
        && !"/*".equals(mapping.getPattern())) {
      // a servlet mapped at a prefix: the container's path info is the path within it, decoded,
      // without ;parameters, as Spring MVC's own lookup takes it
      String pathInfo = request.getPathInfo();
      return pathInfo == null ? "" : pathInfo;
    }
    return UrlPathHelper.defaultInstance.getPathWithinApplication(request);
  }
}
