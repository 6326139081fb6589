package io.sluice.controlplane.web;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.controlplane.etcd.EtcdUnavailableException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * The one place that turns failures into RFC 9457 problem details: a stable {@code type} per kind
 * of problem ({@link ProblemType}), the right status, never a class name, stack trace or rule
 * content. Spring MVC's own exceptions (unknown path, wrong method, unreadable body...) get the
 * same treatment. 5xx are logged with their stack trace.
 */
@RestControllerAdvice
class ProblemAdvice extends ResponseEntityExceptionHandler {

  private static final Logger LOG = Logger.getLogger(ProblemAdvice.class.getName());

  @ExceptionHandler(ApiException.class)
  ResponseEntity<Object> api(ApiException e) {
    ProblemDetail problem = problem(e.problem(), e.getMessage());
    e.properties().forEach(problem::setProperty);
    HttpHeaders headers = new HttpHeaders();
    if (e.problem() == ProblemType.UNAUTHORIZED) {
      headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"sluice\"");
    }
    return ResponseEntity.status(e.problem().status()).headers(headers).body(problem);
  }

  @ExceptionHandler(EtcdUnavailableException.class)
  ResponseEntity<Object> etcd(EtcdUnavailableException e, HttpServletRequest request) {
    LOG.log(Level.WARNING, "answering 503: " + e.getMessage(), e);
    boolean write =
        !"GET".equalsIgnoreCase(request.getMethod())
            && !"HEAD".equalsIgnoreCase(request.getMethod());
    String detail =
        !write
            ? "etcd did not answer in time. Try again shortly."
            : e.outcomeUnknown()
                ? "etcd did not answer in time, so whether the change was made is unknown:"
                    + " read the rules and their history before trying again."
                : "etcd is unavailable; nothing was changed. Try again shortly.";
    return ResponseEntity.status(ProblemType.ETCD_UNAVAILABLE.status())
        .header(HttpHeaders.RETRY_AFTER, "5")
        .body(problem(ProblemType.ETCD_UNAVAILABLE, detail));
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<Object> unexpected(Exception e) {
    LOG.log(Level.SEVERE, "answering 500", e);
    return ResponseEntity.status(ProblemType.INTERNAL.status())
        .body(problem(ProblemType.INTERNAL, "an internal error occurred; see the server log"));
  }

  /** Spring MVC's own exceptions: keep the status, set our type, title and a safe detail. */
  @Override
  protected ResponseEntity<Object> handleExceptionInternal(
      Exception e, Object body, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    if (e instanceof HttpMessageNotReadableException && tooLarge(e)) {
      return ResponseEntity.status(ProblemType.PAYLOAD_TOO_LARGE.status())
          .body(problem(ProblemType.PAYLOAD_TOO_LARGE, BodySizeLimitFilter.DETAIL));
    }
    ProblemType type =
        switch (status.value()) {
          case 400 -> ProblemType.INVALID_REQUEST;
          case 404 -> ProblemType.NOT_FOUND;
          case 405 -> ProblemType.METHOD_NOT_ALLOWED;
          case 406 -> ProblemType.NOT_ACCEPTABLE;
          case 413 -> ProblemType.PAYLOAD_TOO_LARGE;
          case 415 -> ProblemType.UNSUPPORTED_MEDIA_TYPE;
          case 503 -> ProblemType.ETCD_UNAVAILABLE;
          default -> ProblemType.INTERNAL;
        };
    if (status.is5xxServerError()) {
      LOG.log(Level.SEVERE, "answering " + status.value(), e);
    }
    ProblemDetail problem =
        body instanceof ProblemDetail p ? p : ProblemDetail.forStatus(status.value());
    problem.setType(type.type());
    problem.setTitle(type.title());
    if (e instanceof HttpMessageNotReadableException) {
      // Jackson's messages can quote the input; say only what kind of thing is wrong.
      problem.setDetail("the request body is not valid JSON of the expected shape");
    } else if (type == ProblemType.INTERNAL) {
      problem.setDetail("an internal error occurred; see the server log");
    }
    return ResponseEntity.status(status).headers(headers).body(problem);
  }

  private static boolean tooLarge(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BodySizeLimitFilter.BodyTooLargeException) {
        return true;
      }
    }
    return false;
  }

  private static ProblemDetail problem(ProblemType type, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(type.status(), detail);
    problem.setType(type.type());
    problem.setTitle(type.title());
    return problem;
  }
}
