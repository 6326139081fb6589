package io.sluice.controlplane.web;

import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.MappingMatch;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.ServletRequestPathUtils;
import org.springframework.web.util.UrlPathHelper;

/**
 * Tells API requests from the web UI's by the path Spring MVC matches its mappings against: after
 * {@code server.servlet.context-path}, which the raw request URI starts with where one is set (the
 * control plane behind a path-routing proxy, at {@code /sluice/...}), and after the
 * DispatcherServlet's prefix where it is mapped at one ({@code spring.mvc.servlet.path=/mvc}:
 * Spring MVC then matches {@code /api/v1/...} within {@code /mvc/api/v1/...}, as the token check's
 * path patterns do). Filters run before Spring MVC has parsed the path, so this parses it as Spring
 * MVC does ({@link ServletRequestPathUtils}): each segment decoded and without its {@code
 * ;parameters}, the context path as the container gives it.
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
   * alike: within the application and within the DispatcherServlet's prefix if it has one, each
   * segment decoded and without its {@code ;parameters}, as its path patterns compare them.
   *
   * <p>Spring MVC's own parse of the request URI gives it: the container's context path is the URI
   * as sent up to the application, {@code ;parameters} included ({@code /sluice;x=y}), which {@link
   * UrlPathHelper} does not find again in the URI it cleans of them, and then answered the whole
   * URI ({@code /sluice/actuator/...}) while Spring MVC served what is behind it.
   */
  public static String path(HttpServletRequest request) {
    Object parsedBefore = request.getAttribute(ServletRequestPathUtils.PATH_ATTRIBUTE);
    try {
      StringBuilder path = new StringBuilder();
      for (PathContainer.Element element :
          ServletRequestPathUtils.parseAndCache(request).pathWithinApplication().elements()) {
        path.append(
            element instanceof PathContainer.PathSegment segment
                ? segment.valueToMatch()
                : element.value());
      }
      return path.toString();
    } catch (RuntimeException e) {
      // a URI Spring MVC cannot parse either, which it answers with an error and no handler
      return fallback(request);
    } finally {
      // the DispatcherServlet parses it again, as if no filter had
      request.setAttribute(ServletRequestPathUtils.PATH_ATTRIBUTE, parsedBefore);
    }
  }

  private static String fallback(HttpServletRequest request) {
    HttpServletMapping mapping = request.getHttpServletMapping();
    if (mapping != null
        && mapping.getMappingMatch() == MappingMatch.PATH
        && !"/*".equals(mapping.getPattern())) {
      String pathInfo = request.getPathInfo();
      return pathInfo == null ? "" : pathInfo;
    }
    return UrlPathHelper.defaultInstance.getPathWithinApplication(request);
  }
}
