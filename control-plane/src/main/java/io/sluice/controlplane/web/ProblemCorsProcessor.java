package io.sluice.controlplane.web;

import io.sluice.controlplane.ProblemType;
import io.sluice.rules.OneLineText;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.DefaultCorsProcessor;
import tools.jackson.databind.json.JsonMapper;

/**
 * Spring's CORS checks with the refusal as a problem document. Spring's own processor answers a
 * cross-origin request its CORS settings refuse (today only the actuator has any: {@code
 * management.endpoints.web.cors.*}) with 403 and the plain text {@code Invalid CORS request}, the
 * one error of the control plane that was no {@code application/problem+json}; this one answers 403
 * {@code cors-refused} naming what the settings do not allow: the origin, the method, the request
 * headers. What it allows is answered by Spring, unchanged. Like every other problem document of
 * the control plane, its {@code instance} is the request's path (without the query).
 */
final class ProblemCorsProcessor extends DefaultCorsProcessor {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Override
  protected boolean handleInternal(
      ServerHttpRequest request,
      ServerHttpResponse response,
      CorsConfiguration config,
      boolean preFlightRequest)
      throws IOException {
    List<String> refused = refused(request, config, preFlightRequest);
    if (!refused.isEmpty()) {
      refuse(response, path(request), String.join("; ", refused));
      return false;
    }
    return super.handleInternal(request, response, config, preFlightRequest);
  }

  /** What Spring refuses without a reason given: an {@code Origin} that is no origin, say. */
  @Override
  protected void rejectRequest(ServerHttpResponse response) throws IOException {
    refuse(response, currentPath(), "the request's Origin is malformed");
  }

  /** Every part of the request the settings do not allow, checked as Spring checks them. */
  private List<String> refused(
      ServerHttpRequest request, CorsConfiguration config, boolean preFlightRequest) {
    List<String> refused = new ArrayList<>();
    HttpHeaders headers = request.getHeaders();
    String origin = headers.getOrigin();
    if (checkOrigin(config, origin) == null) {
      refused.add("the origin '" + OneLineText.escape(String.valueOf(origin)) + "' is not allowed");
    }
    HttpMethod method =
        preFlightRequest ? headers.getAccessControlRequestMethod() : request.getMethod();
    if (checkMethods(config, method) == null) {
      refused.add("the method " + OneLineText.escape(String.valueOf(method)) + " is not allowed");
    }
    if (preFlightRequest) {
      // Spring refuses only when none of the asked headers is allowed; with some allowed it
      // answers those, and the browser decides
      List<String> asked = headers.getAccessControlRequestHeaders();
      if (checkHeaders(config, asked) == null) {
        List<String> notAllowed = new ArrayList<>();
        for (String header : asked) {
          if (checkHeaders(config, List.of(header)) == null) {
            notAllowed.add(OneLineText.escape(header));
          }
        }
        refused.add(
            (notAllowed.size() == 1 ? "the request header " : "the request headers ")
                + String.join(", ", notAllowed)
                + (notAllowed.size() == 1 ? " is" : " are")
                + " not allowed");
      }
    }
    return refused;
  }

  /** The request's path as the client sent it, without the query: Spring MVC's {@code instance}. */
  private static String path(ServerHttpRequest request) {
    return request instanceof ServletServerHttpRequest servlet
        ? servlet.getServletRequest().getRequestURI()
        : request.getURI().getRawPath();
  }

  /** The path of the request being answered, or {@code null} outside one. */
  private static String currentPath() {
    return RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes request
        ? request.getRequest().getRequestURI()
        : null;
  }

  private static void refuse(ServerHttpResponse response, String instance, String reasons)
      throws IOException {
    ProblemType type = ProblemType.CORS_REFUSED;
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put("type", type.type().toString());
    problem.put("title", type.title());
    problem.put("status", type.status().value());
    problem.put(
        "detail",
        "the CORS settings (management.endpoints.web.cors.*) do not allow this cross-origin"
            + " request: "
            + reasons);
    if (instance != null) {
      problem.put("instance", instance);
    }
    response.setStatusCode(type.status());
    response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
    response.getBody().write(JSON.writeValueAsBytes(problem));
    response.flush();
  }
}
