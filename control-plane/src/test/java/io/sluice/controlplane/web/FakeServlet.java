package io.sluice.controlplane.web;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.MappingMatch;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * A servlet request and response as the container would hand them to a filter, for the filters' own
 * unit tests: only what a filter and Spring's path helpers read is answered (the request URI, the
 * context and servlet paths, the body, attributes; headers set on the response), everything else is
 * null, zero or false.
 */
final class FakeServlet {

  private FakeServlet() {}

  /**
   * A request for {@code uri} under {@code contextPath} ({@code ""} for the root), with {@code
   * body}. Its servlet path is the rest of the URI, as for Spring's DispatcherServlet mapped at
   * {@code /}.
   */
  static HttpServletRequest request(String method, String contextPath, String uri, byte[] body) {
    return request(method, contextPath, "", uri, body);
  }

  /**
   * A request for {@code uri} under {@code contextPath} to a servlet mapped at {@code servletPath +
   * "/*"} (Spring's DispatcherServlet under {@code spring.mvc.servlet.path}), or, for an empty
   * {@code servletPath}, at {@code /}.
   */
  static HttpServletRequest request(
      String method, String contextPath, String servletPath, String uri, byte[] body) {
    if (!uri.startsWith(contextPath + servletPath + "/")) {
      throw new IllegalArgumentException(uri + " is not under the context path " + contextPath);
    }
    Map<String, Object> attributes = new HashMap<>();
    ServletInputStream in = inputStream(body);
    return (HttpServletRequest)
        Proxy.newProxyInstance(
            FakeServlet.class.getClassLoader(),
            new Class<?>[] {HttpServletRequest.class},
            (proxy, m, args) ->
                switch (m.getName()) {
                  case "getMethod" -> method;
                  case "getRequestURI" -> uri;
                  case "getContextPath" -> contextPath;
                  case "getServletPath" ->
                      servletPath.isEmpty() ? uri.substring(contextPath.length()) : servletPath;
                  case "getPathInfo" ->
                      servletPath.isEmpty()
                          ? null
                          : uri.substring(contextPath.length() + servletPath.length());
                  case "getHttpServletMapping" -> mapping(servletPath, uri, contextPath);
                  case "getDispatcherType" -> DispatcherType.REQUEST;
                  case "getInputStream" -> in;
                  // the container's own reader, over the same body and uncapped
                  case "getReader" ->
                      new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1));
                  case "getContentLengthLong" -> (long) body.length;
                  case "getContentLength" -> body.length;
                  case "getAttribute" -> attributes.get((String) args[0]);
                  case "getAttributeNames" -> Collections.enumeration(attributes.keySet());
                  case "setAttribute" -> attributes.put((String) args[0], args[1]);
                  case "removeAttribute" -> attributes.remove((String) args[0]);
                  case "toString" -> method + " " + uri;
                  default -> defaultValue(m.getReturnType());
                });
  }

  /** The servlet mapping a container reports for a request to a servlet at {@code servletPath}. */
  private static HttpServletMapping mapping(String servletPath, String uri, String contextPath) {
    boolean prefix = !servletPath.isEmpty();
    return new HttpServletMapping() {
      @Override
      public String getMatchValue() {
        return prefix ? uri.substring(contextPath.length() + servletPath.length() + 1) : "";
      }

      @Override
      public String getPattern() {
        return prefix ? servletPath + "/*" : "/";
      }

      @Override
      public String getServletName() {
        return "dispatcherServlet";
      }

      @Override
      public MappingMatch getMappingMatch() {
        return prefix ? MappingMatch.PATH : MappingMatch.DEFAULT;
      }
    };
  }

  /** A response that keeps the headers set on it in {@code headers}. */
  static HttpServletResponse response(Map<String, String> headers) {
    return (HttpServletResponse)
        Proxy.newProxyInstance(
            FakeServlet.class.getClassLoader(),
            new Class<?>[] {HttpServletResponse.class},
            (proxy, m, args) ->
                switch (m.getName()) {
                  case "setHeader", "addHeader" -> headers.put((String) args[0], (String) args[1]);
                  case "getHeader" -> headers.get((String) args[0]);
                  case "containsHeader" -> headers.containsKey((String) args[0]);
                  case "toString" -> "response " + headers;
                  default -> defaultValue(m.getReturnType());
                });
  }

  private static Object defaultValue(Class<?> type) {
    if (type == boolean.class) {
      return false;
    }
    if (type == int.class) {
      return 0;
    }
    if (type == long.class) {
      return 0L;
    }
    return null;
  }

  private static ServletInputStream inputStream(byte[] body) {
    ByteArrayInputStream bytes = new ByteArrayInputStream(body);
    return new ServletInputStream() {
      @Override
      public int read() {
        return bytes.read();
      }

      @Override
      public int read(byte[] buffer, int offset, int length) {
        return bytes.read(buffer, offset, length);
      }

      @Override
      public boolean isFinished() {
        return bytes.available() == 0;
      }

      @Override
      public boolean isReady() {
        return true;
      }

      @Override
      public void setReadListener(ReadListener listener) {
        throw new UnsupportedOperationException("blocking reads only");
      }
    };
  }
}
