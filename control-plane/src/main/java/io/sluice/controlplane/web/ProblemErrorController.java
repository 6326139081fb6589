package io.sluice.controlplane.web;

import io.sluice.controlplane.ProblemType;
import io.sluice.rules.OneLineText;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The servlet container's error page as problem details, in place of Spring Boot's own error
 * controller. Errors the API's code meets are answered by {@link ProblemAdvice}, and the ones
 * Tomcat answers before any application runs by {@link ProblemErrorReportValve}; what is left goes
 * to this page: the container's own refusals of a request it did route to the application (a {@code
 * TRACE}, which Tomcat never lets through), an error sent by code outside Spring MVC's handlers (a
 * static file's 416). Spring Boot's controller answered those as {@code {"timestamp", "status",
 * "error", "path"}} in {@code application/json}, without the security headers (a {@code TRACE}
 * never passes the filter that sets them), and the page itself, asked for directly, as a 500 of
 * status 999.
 *
 * <p>The document is the API's: a stable {@code type} for the status, the original request's path
 * as {@code instance}, a detail that names the call, never the container's message or an
 * exception's (a 5xx says to look in the server log, where the container logged the exception).
 */
@RestController
final class ProblemErrorController implements ErrorController {

  @RequestMapping("${server.error.path:${error.path:/error}}")
  ResponseEntity<ProblemDetail> error(HttpServletRequest request, HttpServletResponse response) {
    // the request that failed may never have passed the filter that sets them
    SecurityHeadersFilter.setHeaders(response);
    response.setHeader("Cache-Control", SecurityHeadersFilter.API_CACHE_CONTROL);
    String method = request.getMethod();
    if (!(request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer status)) {
      // asked for directly: as for any path that names nothing
      return answer(
          ProblemType.NOT_FOUND,
          HttpStatus.NOT_FOUND.value(),
          ProblemAdvice.noSuchCall(method, request.getRequestURI(), request.getContextPath()),
          request.getRequestURI());
    }
    String path =
        request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) instanceof String uri
            ? uri
            : request.getRequestURI();
    // the error page is dispatched to as a GET whatever the request's method was
    if (request.getAttribute(RequestDispatcher.ERROR_METHOD) instanceof String original) {
      method = original;
    }
    ProblemType type = typeOf(status);
    String call = OneLineText.escape(method + " " + path);
    String detail =
        switch (type) {
          case INTERNAL -> "an internal error occurred; see the server log";
          case METHOD_NOT_ALLOWED ->
              call + " is not supported: the server answers no " + OneLineText.escape(method);
          case NOT_FOUND -> ProblemAdvice.noSuchCall(method, path, request.getContextPath());
          default -> call + " was refused by the server's HTTP layer: " + reason(status);
        };
    return answer(type, status, detail, path);
  }

  /**
   * The general problem of a status: that of the same status the API answers, else a client's
   * invalid request or an internal error. Not {@code etcd-unavailable} for a 503 the container
   * answers: that type says etcd is unreachable.
   */
  static ProblemType typeOf(int status) {
    ProblemType known = ProblemType.forStatus(status);
    if (known != ProblemType.INTERNAL && known != ProblemType.ETCD_UNAVAILABLE) {
      return known;
    }
    return status >= 400 && status < 500 ? ProblemType.INVALID_REQUEST : ProblemType.INTERNAL;
  }

  private static String reason(int status) {
    HttpStatus known = HttpStatus.resolve(status);
    return status + (known == null ? "" : " " + known.getReasonPhrase());
  }

  private static ResponseEntity<ProblemDetail> answer(
      ProblemType type, int status, String detail, String instance) {
    // an error page is for errors: anything else the container could pass is answered as a 500
    int code = status >= 400 && status <= 599 ? status : 500;
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatusCode.valueOf(code), detail);
    problem.setType(type.type());
    problem.setTitle(type.title());
    try {
      problem.setInstance(URI.create(instance));
    } catch (IllegalArgumentException e) {
      // a path the container took but no URI holds: the document goes without its instance
    }
    // set, so that no Accept can turn the error into a 406
    return ResponseEntity.status(code)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem);
  }
}
