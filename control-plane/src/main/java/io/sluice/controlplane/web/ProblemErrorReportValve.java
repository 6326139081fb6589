package io.sluice.controlplane.web;

import io.sluice.controlplane.ProblemType;
import java.io.IOException;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.Container;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes the errors Tomcat answers by itself, before Spring sees the request (a URL with an encoded
 * {@code /} or a broken {@code %} escape, a header with a character HTTP does not allow, headers
 * over the limit), as RFC 9457 problem details like every other error of the API, instead of
 * Tomcat's HTML page: a script reading the API's errors must not meet markup. Like theirs, the
 * document names the request's path as its {@code instance} when Tomcat read that far. Installed on
 * the host in place of Tomcat's own error report valve.
 *
 * <p>A 404 the application answered with no body gets the same document: Spring Boot's actuator
 * answers so for a path below an endpoint that names nothing ({@code /actuator/health/nothing}, an
 * unknown logger or property), on a separate management port too, where a client reading the API's
 * errors met an empty body where every other 404 is a problem document. Other empty answers are
 * left as they are.
 */
final class ProblemErrorReportValve extends ErrorReportValve {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static final String NOTHING_HERE = "there is nothing at this path";

  /** Replaces every other error report valve of {@code host} with this one. */
  static void install(Container host) {
    boolean installed = false;
    for (Valve valve : host.getPipeline().getValves()) {
      if (valve instanceof ProblemErrorReportValve) {
        installed = true;
      } else if (valve instanceof ErrorReportValve) {
        host.getPipeline().removeValve(valve);
      }
    }
    if (!installed) {
      host.getPipeline().addValve(new ProblemErrorReportValve());
    }
  }

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    if (status < 400 || response.getContentWritten() > 0) {
      return; // not an error, or one the application already answered
    }
    boolean empty = !response.isError();
    if (empty) {
      if (status != 404 || response.isCommitted()) {
        return; // an empty answer of another status, or one already on its way
      }
      response.setError(); // as sendError would have, so that it is reported once
    }
    if (!response.setErrorReported()) {
      return; // reported already
    }
    AtomicBoolean ioAllowed = new AtomicBoolean();
    response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
    if (!ioAllowed.get()) {
      return; // the connection is gone: nothing can be written
    }
    // Tomcat answers a few statuses no Sluice code does (408, 411, 414, 417, 501, 505): a client
    // error is a request it could not read, a server error says what status it was
    ProblemType type =
        status == 404 || status == 413
            ? ProblemType.forStatus(status)
            : status < 500 ? ProblemType.INVALID_REQUEST : ProblemType.INTERNAL;
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put("type", type.type().toString());
    problem.put("title", type.title());
    problem.put("status", status);
    problem.put("detail", empty ? NOTHING_HERE : detail(status));
    String instance = instance(request);
    if (instance != null) {
      problem.put("instance", instance);
    }
    try {
      response.setContentType("application/problem+json");
      response.setCharacterEncoding("UTF-8");
      // the request never reached SecurityHeadersFilter
      SecurityHeadersFilter.setHeaders(response);
      Writer writer = response.getReporter();
      if (writer != null) {
        writer.write(JSON.writeValueAsString(problem));
        response.finishResponse();
      }
    } catch (IOException | IllegalStateException e) {
      // the client is gone, or the answer was committed after all: nothing left to tell it
      container.getLogger().debug("could not write an error answer", e);
    }
  }

  /**
   * The request's path as it was sent, as Spring MVC's problem documents carry it; {@code null}
   * when Tomcat could not read the request line as far as the path (a character no request target
   * may hold, say), or a request target that is no path ({@code OPTIONS *}).
   */
  private static String instance(Request request) {
    String uri;
    try {
      uri = request.getRequestURI();
    } catch (RuntimeException e) {
      return null; // a request line read only in part
    }
    return uri != null && uri.startsWith("/") ? uri : null;
  }

  private static String detail(int status) {
    return status == 400
        ? "the request could not be read: a malformed URL (an encoded '/' or a broken %-escape in"
            + " the path), a header with a character HTTP does not allow (a control character"
            + " such as ESC or DEL in a value, a space in a name), or"
            + " headers over the server's limit"
        : "the server's HTTP layer answered " + status + " before the API saw the request";
  }
}
