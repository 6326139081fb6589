package io.sluice.controlplane.security;

import io.sluice.controlplane.ProblemType;
import io.sluice.controlplane.web.ApiRequests;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.http.HttpHeaders;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Asks for an {@code admin} token at every actuator endpoint an operator exposes beyond {@code
 * health} and {@code prometheus}, which probes and scrapers read without one. Actuator endpoints
 * are not Spring MVC handlers the API's token check sees, and some hold what no anonymous caller
 * may read: a heap dump holds the tokens themselves, {@code env} and {@code configprops} the
 * configuration. Admin, as the tokens are. The endpoints' paths come from the actuator itself
 * ({@link PathMappedEndpoints}), so a changed base path or an endpoint's own path is followed.
 *
 * <p>A separate management port ({@code management.server.port}) is checked the same way ({@link
 * ManagementTokenConfiguration}): it binds where the application's port does unless told otherwise,
 * so whoever reaches the API reaches it too.
 *
 * <p>A CORS preflight ({@code OPTIONS} with {@code Origin} and {@code
 * Access-Control-Request-Method}) passes unchecked: browsers send it without credentials by design,
 * so asking it for a token would make every cross-origin read of a guarded endpoint fail before the
 * real request (which carries the token) is sent. Spring answers it from the actuator's CORS
 * settings ({@code management.endpoints.web.cors.*}), without running the endpoint; without such
 * settings it grants nothing, and the real request is checked as any other.
 */
final class ActuatorTokenFilter extends OncePerRequestFilter {

  /** The endpoints any caller reads; every other one an admin only. */
  static final Set<String> OPEN = Set.of("health", "prometheus");

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final TokenRegistry tokens;
  private final Supplier<PathMappedEndpoints> endpoints;
  private volatile List<String> guarded;

  /**
   * @param endpoints the actuator's endpoints, {@code null} where there are none; asked for at the
   *     first request, when the actuator has made them all
   */
  ActuatorTokenFilter(TokenRegistry tokens, Supplier<PathMappedEndpoints> endpoints) {
    this.tokens = tokens;
    this.endpoints = endpoints;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String path = ApiRequests.path(request);
    for (String root : guarded()) {
      // the endpoint's root or a path below it, without building a string for every request
      if (path.startsWith(root)
          && (path.length() == root.length() || path.charAt(root.length()) == '/')) {
        return false;
      }
    }
    return true;
  }

  private List<String> guarded() {
    List<String> paths = guarded;
    if (paths == null) {
      PathMappedEndpoints all = endpoints.get();
      if (all == null) {
        paths = List.of();
      } else {
        Set<String> open = new HashSet<>();
        OPEN.forEach(id -> open.add(all.getPath(EndpointId.of(id))));
        paths = all.getAllPaths().stream().filter(p -> !open.contains(p)).toList();
      }
      guarded = paths;
    }
    return paths;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if (CorsUtils.isPreFlightRequest(request)) {
      chain.doFilter(request, response);
      return;
    }
    String header = BearerHeader.of(request);
    String token = header == null ? null : BearerHeader.token(header);
    if (token == null) {
      refuse(
          request,
          response,
          ProblemType.UNAUTHORIZED,
          "actuator endpoints other than health and prometheus need an admin token: send"
              + " Authorization: Bearer <token>");
      return;
    }
    Caller caller = tokens.authenticate(token);
    if (caller == null) {
      refuse(request, response, ProblemType.UNAUTHORIZED, "the bearer token is not valid");
    } else if (!caller.role().includes(Role.ADMIN)) {
      refuse(
          request,
          response,
          ProblemType.FORBIDDEN,
          "the token '"
              + caller.name()
              + "' has role "
              + caller.role()
              + "; actuator endpoints other than health and prometheus need "
              + Role.ADMIN);
    } else {
      chain.doFilter(request, response);
    }
  }

  private static void refuse(
      HttpServletRequest request, HttpServletResponse response, ProblemType type, String detail)
      throws IOException {
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put("type", type.type().toString());
    problem.put("title", type.title());
    problem.put("status", type.status().value());
    problem.put("detail", detail);
    problem.put("instance", request.getRequestURI()); // as Spring MVC's problem documents
    response.setStatus(type.status().value());
    if (type == ProblemType.UNAUTHORIZED) {
      response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"sluice\"");
    }
    response.setContentType("application/problem+json");
    response.setCharacterEncoding("UTF-8");
    response.getWriter().write(JSON.writeValueAsString(problem));
  }
}
