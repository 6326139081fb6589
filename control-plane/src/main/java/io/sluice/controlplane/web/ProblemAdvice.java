package io.sluice.controlplane.web;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.controlplane.etcd.EtcdOutageLog;
import io.sluice.controlplane.etcd.EtcdRefusedException;
import io.sluice.controlplane.etcd.EtcdUnavailableException;
import io.sluice.controlplane.security.RequiresRole;
import io.sluice.controlplane.security.Role;
import io.sluice.etcd.Causes;
import io.sluice.rules.OneLineText;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import org.springframework.web.util.DisconnectedClientHelper;

/**
 * The one place that turns failures into RFC 9457 problem details: a stable {@code type} per kind
 * of problem ({@link ProblemType}), the right status, never a class name, stack trace or rule
 * content. Spring MVC's own exceptions (unknown path, wrong method, unreadable body...) get the
 * same treatment. 5xx are logged with their stack trace, except etcd's failures: an outage fails
 * every call alike, so those get one line and the stack trace at FINE; for 503 {@code
 * etcd-unavailable} (the gateway's, and a mirror's not read yet) that line is at WARNING once per
 * stretch of unavailability, not once per call, and is {@link EtcdOutageLog}'s, as is the line that
 * ends the stretch. A client that went away while its answer was written (a reload, a closed tab,
 * an aborted fetch) is no failure of ours: one line at FINE, and nothing written to a connection
 * that is gone.
 */
@RestControllerAdvice
class ProblemAdvice extends ResponseEntityExceptionHandler {

  private static final Logger LOG = Logger.getLogger(ProblemAdvice.class.getName());

  /** A whole number as the API takes one, whatever its size. */
  private static final Pattern WHOLE_NUMBER = Pattern.compile("[0-9]+");

  /** A whole number in a form the API does not take: with a sign, or in another script's digits. */
  private static final Pattern OTHER_WHOLE_NUMBER = Pattern.compile("[+-]?\\p{Nd}+");

  /** The class of Spring Boot's health endpoint that resolves a path to a health component. */
  private static final String HEALTH_ENDPOINT_SUPPORT =
      "org.springframework.boot.health.actuate.endpoint.HealthEndpointSupport";

  private final EtcdOutageLog outageLog;

  private final CompactedReadLog compactedReads;

  /**
   * @param outageLog counts the 503s of an etcd outage, so that only the first is a WARNING; its
   *     clock also times the WARNINGs of reads etcd's compaction overtook, one a minute
   */
  ProblemAdvice(EtcdOutageLog outageLog) {
    this.outageLog = outageLog;
    this.compactedReads = new CompactedReadLog(outageLog::now, LOG);
  }

  /**
   * The API's own problems. A 503 {@code etcd-unavailable} of its own (a mirror that has not read
   * etcd yet: the agents, the rules) is one of the stretch's 503s ({@link EtcdOutageLog}), as the
   * gateway's are: it was neither logged nor counted. One that waited for the mirror's read is
   * dated from when its wait began ({@link ApiException#etcdWaitBegan()}), as a failed call is from
   * when it was sent: etcd answering again meanwhile ends the outage it tells of.
   */
  @ExceptionHandler(ApiException.class)
  ResponseEntity<Object> api(ApiException e, HttpServletRequest request) {
    if (e.problem() == ProblemType.ETCD_UNAVAILABLE) {
      // waited on nothing: it failed now
      long since = e.etcdWaitBegan().orElseGet(outageLog::now);
      outageLog.unavailable(
          () -> "answering 503 to " + call(request) + ": " + e.getMessage(), since);
    }
    ProblemDetail problem = problem(e.problem(), e.getMessage());
    e.properties().forEach(problem::setProperty);
    HttpHeaders headers = new HttpHeaders();
    if (e.problem() == ProblemType.UNAUTHORIZED) {
      headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"sluice\"");
    }
    if (e.problem() == ProblemType.ETCD_UNAVAILABLE) {
      headers.set(HttpHeaders.RETRY_AFTER, "5");
    }
    return ResponseEntity.status(e.problem().status()).headers(headers).body(problem);
  }

  /**
   * 503 with a retry hint. What it says about the change depends on when etcd failed: a read-only
   * call says nothing about changes; a write that failed before its transaction was sent changed
   * nothing; one whose transaction was in flight may or may not have been applied. An outage makes
   * every call fail alike, and a polling browser tab keeps calling: the first 503 since etcd last
   * answered is logged at WARNING, the others at FINE ({@link EtcdOutageLog}, which logs when etcd
   * answers again), the stack trace only at FINE. While etcd has never answered, endpoints of the
   * wrong scheme or where nothing listens are said as such ({@link
   * EtcdUnavailableException#hint()}): trying again will not help until they are fixed. Once it has
   * answered, what the HTTP proxy in the way said is ({@link
   * EtcdUnavailableException#proxysAnswer()}): it showed only in health and the log. While the
   * embedded etcd does not run, why ({@link EtcdUnavailableException#embeddedTrouble()}: its client
   * port taken, which it names, or a restart under way). Once the etcd client is closed (the
   * control plane stops under a request still running), or the request's wait interrupted by the
   * stop, that, at FINE only: it is no etcd outage ({@link #stopping}). A paged read that etcd's
   * compaction overtook each time it was read says so ({@link
   * EtcdUnavailableException#compactions()}), and is logged at WARNING under this class's name, not
   * as a stretch of the outage log: etcd answered each time ({@link
   * EtcdUnavailableException#compacted()}); once a minute, the others at FINE ({@link
   * CompactedReadLog}).
   */
  @ExceptionHandler(EtcdUnavailableException.class)
  ResponseEntity<Object> etcd(EtcdUnavailableException e, HttpServletRequest request) {
    if (e.clientClosed() || e.interrupted()) {
      return stopping(e, request);
    }
    if (e.compacted()) {
      // etcd answered every time: no outage to open a stretch of (its gateway ended any open one);
      // at WARNING once a minute, however often a compacting etcd overtakes the reads
      compactedReads.answered(() -> "answering 503 to " + call(request) + ": " + describe(e));
      LOG.log(Level.FINE, "etcd compacted the read's revision away", e);
    } else {
      // at WARNING once per stretch, under the outage log's name with the INFO line ending it
      outageLog.unavailable(
          () -> "answering 503 to " + call(request) + ": " + describe(e), e.sentNanos());
      LOG.log(Level.FINE, "etcd unavailable", e);
    }
    String detail =
        e.outcomeUnknown()
            ? "etcd did not confirm the change (no answer in time, or the connection failed while"
                + " it was being committed), so whether it was made is unknown: read the rules and"
                + " their history before trying again."
            : e.compacted()
                // etcd answered, but compacted the paged read's revision away each time
                ? EtcdUnavailableException.compactedAway(
                    Math.max(1, e.compactions()), writes(request))
                : writes(request)
                    ? "etcd is unavailable or did not answer in time; nothing was changed. Try again"
                        + " shortly."
                    : "etcd is unavailable or did not answer in time. Try again shortly.";
    // etcd never answered: waiting will not help until the endpoints are fixed
    detail += EtcdUnavailableException.neverAnswered(e.hint());
    // etcd answered before: what the proxy in the way says of the outage (its 502, its 407)
    detail += EtcdUnavailableException.throughItsProxy(e.proxysAnswer());
    // the embedded etcd does not run: what answers on its port (another etcd?) was not asked
    detail += EtcdUnavailableException.embeddedNotRunning(e.embeddedTrouble());
    return ResponseEntity.status(ProblemType.ETCD_UNAVAILABLE.status())
        .header(HttpHeaders.RETRY_AFTER, "5")
        .body(problem(ProblemType.ETCD_UNAVAILABLE, detail));
  }

  /**
   * 503 for a call the control plane's etcd client no longer sends, or that failed on its way as
   * the client closed ({@link EtcdUnavailableException#clientClosed()}), or whose wait the web
   * server's stop interrupted once the graceful shutdown's time was up ({@link
   * EtcdUnavailableException#interrupted()}): the control plane is stopping. Not counted in a
   * stretch of etcd's unavailability ({@link EtcdOutageLog}): etcd did nothing wrong, and a WARNING
   * then would tell of an outage at every stop. One line at FINE. The retry hint stands: a control
   * plane started again (or another behind the same address) answers. The interrupted thread keeps
   * its interrupt flag: nothing here waits.
   */
  private static ResponseEntity<Object> stopping(
      EtcdUnavailableException e, HttpServletRequest request) {
    LOG.log(Level.FINE, "answering 503 to " + call(request) + ": " + e.getMessage(), e);
    String why =
        e.interrupted()
            ? "the control plane is stopping and stopped waiting for etcd"
            : "the etcd client is closed: the control plane is stopping";
    String whileCommitting =
        e.interrupted()
            ? ", and it stopped waiting while the change was being committed"
            : ", and the client closed while the change was being committed";
    String detail =
        why
            + (e.outcomeUnknown()
                ? whileCommitting
                    + ", so whether it was made is unknown: read the rules and their history"
                    + " before trying again."
                : writes(request)
                    ? "; nothing was changed. Try again shortly."
                    : ". Try again shortly.");
    return ResponseEntity.status(ProblemType.ETCD_UNAVAILABLE.status())
        .header(HttpHeaders.RETRY_AFTER, "5")
        .body(problem(ProblemType.ETCD_UNAVAILABLE, detail));
  }

  /**
   * etcd refused the call for good, before applying anything: no retry hint. A write too large for
   * etcd is the caller's to shrink (413); anything else needs an operator (500), and a refusal of
   * the control plane's credentials or permissions says so: it is the operator's etcd users and
   * roles that must change, not the client's request.
   */
  @ExceptionHandler(EtcdRefusedException.class)
  ResponseEntity<Object> etcdRefused(EtcdRefusedException e, HttpServletRequest request) {
    boolean writes = writes(request);
    ProblemType type =
        e.tooLarge() && writes ? ProblemType.PAYLOAD_TOO_LARGE : ProblemType.ETCD_REFUSED;
    LOG.warning(
        () -> "answering " + type.status().value() + " to " + call(request) + ": " + describe(e));
    LOG.log(Level.FINE, "etcd refused the call", e);
    String detail =
        "etcd refused the "
            + (writes ? "change" : "call")
            + " ("
            + e.reason()
            + ")"
            + (writes ? "; nothing was changed" : "")
            + refusalAdvice(e, type);
    return ResponseEntity.status(type.status()).body(problem(type, detail));
  }

  /** What the answer to etcd's refusal {@code e}, of {@code type}, says to do about it. */
  private static String refusalAdvice(EtcdRefusedException e, ProblemType type) {
    if (type == ProblemType.PAYLOAD_TOO_LARGE) {
      return ". Make the document smaller, or raise etcd's --max-request-bytes together with"
          + " sluice.etcd.max-request-bytes.";
    }
    if (e.authenticationNotEnabled()) {
      return ": etcd refused the control plane's credentials: "
          + EtcdRefusedException.AUTHENTICATION_NOT_ENABLED_ACTION
          + ". See the server log.";
    }
    if (e.notPermitted()) {
      return ": etcd refused the control plane's credentials or permissions. The etcd user it"
          + " connects as (sluice.etcd.user, or its client certificate's common name) needs read"
          + " and write access to every key under its namespace (sluice.etcd.namespace); trying"
          + " again will not help until an operator fixes that. See the server log.";
    }
    return ". Trying again will not help; see the server log.";
  }

  /**
   * A query string Tomcat cannot decode ({@code ?service=%ff}: bytes that are not UTF-8, or a
   * broken {@code %} escape). Tomcat parses parameters lazily, when a handler (or the token check,
   * for the event stream's {@code ?ticket=} or {@code ?access_token=}) first asks for one, so this
   * surfaces here rather than in {@link ProblemErrorReportValve}; it is the client's mistake, not a
   * 500. The detail does not quote the value: Tomcat's message carries it garbled.
   *
   * <p>Tomcat parses the body of a form POST ({@code curl -d} sends that type) as parameters too,
   * and fails the same way on a {@code %} that is no escape, say in JSON ({@code "100%"}). When the
   * query string decodes, that body is the culprit, and no Sluice endpoint takes a form: it is
   * refused as what it is, a body that is not JSON sent as JSON (415, as the same body without a
   * {@code %} is), not blamed on a query string the client got right.
   */
  @ExceptionHandler(InvalidParameterException.class)
  ResponseEntity<Object> undecodableQuery(InvalidParameterException e, HttpServletRequest request) {
    if (formPost(request) && decodes(request.getQueryString())) {
      return ResponseEntity.status(ProblemType.UNSUPPORTED_MEDIA_TYPE.status())
          .body(
              problem(
                  ProblemType.UNSUPPORTED_MEDIA_TYPE,
                  "the request body is not JSON: send it as application/json, not "
                      + request.getContentType()));
    }
    return ResponseEntity.status(ProblemType.INVALID_REQUEST.status())
        .body(
            problem(
                ProblemType.INVALID_REQUEST,
                "the query string could not be decoded: a broken %-escape, or bytes that are not"
                    + " UTF-8; percent-encode parameters as UTF-8"));
  }

  /** A POST whose body Tomcat reads as form parameters. */
  private static boolean formPost(HttpServletRequest request) {
    String type = request.getContentType();
    return "POST".equalsIgnoreCase(request.getMethod())
        && type != null
        && type.strip().toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
  }

  /** Whether a raw query string percent-decodes to UTF-8, as Tomcat decodes it. */
  private static boolean decodes(String query) {
    if (query == null) {
      return true;
    }
    try {
      // ISO-8859-1 keeps each decoded byte as one char; '&' and '=' are ASCII, so the whole
      // string is valid UTF-8 exactly when each name and value is
      byte[] bytes =
          URLDecoder.decode(query.replace("+", "%2B"), StandardCharsets.ISO_8859_1)
              .getBytes(StandardCharsets.ISO_8859_1);
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (IllegalArgumentException | CharacterCodingException e) {
      return false;
    }
  }

  /**
   * A health path below a component that does not exist ({@code /actuator/health/nothing/x}, also
   * as {@code /actuator/health/..;/x}, which Spring MVC reads as {@code health/../x}): Spring
   * Boot's health endpoint fails an assertion for it (it answers 404 when the unknown component is
   * the last segment), which was a 500 and a stack trace in the log at every such request. A 404 as
   * for any other path that leads nowhere; anything else is unexpected.
   */
  @ExceptionHandler(IllegalStateException.class)
  ResponseEntity<Object> illegalState(IllegalStateException e) {
    if (!noSuchHealthComponent(e)) {
      return unexpected(e);
    }
    return ResponseEntity.status(ProblemType.NOT_FOUND.status())
        .body(problem(ProblemType.NOT_FOUND, "there is no health component at this path"));
  }

  /** Whether {@code e} is the health endpoint's assertion that a path's component exists. */
  static boolean noSuchHealthComponent(IllegalStateException e) {
    if (!"'contributor' must not be null".equals(e.getMessage())) {
      return false;
    }
    StackTraceElement[] trace = e.getStackTrace();
    // thrown by Spring's Assert.state, called by the endpoint
    for (int i = 0; i < Math.min(trace.length, 3); i++) {
      if (HEALTH_ENDPOINT_SUPPORT.equals(trace[i].getClassName())
          && "getContributor".equals(trace[i].getMethodName())) {
        return true;
      }
    }
    return false;
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<Object> unexpected(Exception e) {
    if (DisconnectedClientHelper.isClientDisconnectedException(e)) {
      return clientGone(e);
    }
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
    if (status.is5xxServerError() && DisconnectedClientHelper.isClientDisconnectedException(e)) {
      return clientGone(e);
    }
    if (e instanceof HttpRequestMethodNotSupportedException unsupported) {
      HttpHeaders allow = new HttpHeaders();
      allow.putAll(headers);
      allow.setAllow(allowed(unsupported));
      headers = allow;
    }
    ProblemType type = ProblemType.forStatus(status.value());
    if (status.is5xxServerError()) {
      LOG.log(Level.SEVERE, "answering " + status.value(), e);
    }
    // Spring's own detail ("Required parameter 'to' is not present.") comes with the exception
    // when the body is left to this method
    if (body == null && e instanceof ErrorResponse response) {
      body = response.getBody();
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
    } else if (e instanceof NoResourceFoundException missing) {
      problem.setDetail(noSuchCall(missing, request));
    } else if (e instanceof HttpRequestMethodNotSupportedException unsupported) {
      problem.setDetail(methodNotAllowed(unsupported, request));
    } else if (e instanceof MethodArgumentTypeMismatchException mismatch
        && wholeNumber(mismatch.getRequiredType())) {
      problem.setDetail(notAWholeNumber(mismatch));
    } else if (problem.getDetail() != null) {
      // Spring's details quote request text ("Failed to convert 'limit' with value: '...'"):
      // hidden characters in it as escapes, as every other detail writes them
      problem.setDetail(OneLineText.escape(problem.getDetail()));
    }
    return ResponseEntity.status(status).headers(headers).body(problem);
  }

  /**
   * The detail of a 404 for a path nothing serves, as a mistyped API call ({@code GET
   * /api/v1/service}) gets it: Spring's own ("No static resource api/v1/service.") reads as if the
   * API were files, and says nowhere where the calls are listed.
   */
  static String noSuchCall(NoResourceFoundException e, WebRequest request) {
    String path = "/" + e.getResourcePath();
    String contextPath = "";
    if (request instanceof ServletWebRequest servlet) {
      path = servlet.getRequest().getRequestURI();
      contextPath = servlet.getRequest().getContextPath();
    }
    return noSuchCall(e.getHttpMethod().name(), path, contextPath);
  }

  /**
   * The detail of a 404 for {@code method} on {@code path} (the request URI, the context path
   * included), which nothing serves; also the servlet container's error page asked for directly
   * ({@link ProblemErrorController}).
   */
  static String noSuchCall(String method, String path, String contextPath) {
    return OneLineText.escape(method + " " + path)
        + " is neither a call of the API nor a file of the web UI; the API's calls are listed in "
        + OneLineText.escape(contextPath)
        + "/api/v1/openapi.json";
  }

  /**
   * The detail of a 405 ({@code PATCH /api/v1/services/orders/rules}): Spring's own ("Method
   * 'PATCH' is not supported.") says neither for which path nor what the path takes. The methods
   * are those of the {@code Allow} header ({@link #allowed}).
   */
  static String methodNotAllowed(HttpRequestMethodNotSupportedException e, WebRequest request) {
    String call = e.getMethod();
    if (request instanceof ServletWebRequest servlet) {
      call += " " + servlet.getRequest().getRequestURI();
    }
    Set<HttpMethod> allowed = allowed(e);
    return OneLineText.escape(call)
        + " is not supported: "
        + (allowed == null || allowed.isEmpty()
            ? "this path takes no method"
            : "this path takes "
                + allowed.stream().map(HttpMethod::name).collect(Collectors.joining(", ")));
  }

  /**
   * Every method the path takes, as a 405's {@code Allow} must list them (RFC 9110 section 15.5.6)
   * and as {@code OPTIONS} answers them: the mapped ones, {@code HEAD} after {@code GET} (Spring
   * answers a {@code HEAD} wherever it answers a {@code GET}) and {@code OPTIONS} (every path
   * answers it). Spring's own list left the last two out.
   */
  static Set<HttpMethod> allowed(HttpRequestMethodNotSupportedException e) {
    Set<HttpMethod> allowed = new java.util.LinkedHashSet<>();
    Set<HttpMethod> mapped = e.getSupportedHttpMethods();
    if (mapped == null || mapped.isEmpty()) {
      return allowed;
    }
    for (HttpMethod method : mapped) {
      allowed.add(method);
      if (method.equals(HttpMethod.GET)) {
        allowed.add(HttpMethod.HEAD);
      }
    }
    allowed.add(HttpMethod.OPTIONS);
    return allowed;
  }

  /**
   * The detail for a number parameter that is not one ({@code ?to=abc}, {@code /history/7a}):
   * Spring's own ("Failed to convert 'to' with value: 'abc'") says neither where the value was nor
   * what was expected. A whole number too large for the parameter's type is said to be out of
   * range, not "not a whole number". The value is quoted with hidden characters as escapes.
   */
  static String notAWholeNumber(MethodArgumentTypeMismatchException e) {
    String where =
        e.getParameter().hasParameterAnnotation(PathVariable.class)
            ? "the " + e.getName() + " in the path"
            : "?" + e.getName() + "=";
    String value = String.valueOf(e.getValue());
    String quoted = "'" + OneLineText.escape(value) + "'";
    // digits that did not convert (see WholeNumberParameters) are a whole number too
    // large for the parameter, which is no typo to look for
    if (WHOLE_NUMBER.matcher(value).matches()) {
      boolean small = e.getRequiredType() == int.class || e.getRequiredType() == Integer.class;
      return where
          + " is out of range: "
          + quoted
          + " is more than "
          + (small ? Integer.MAX_VALUE : Long.MAX_VALUE);
    }
    if (OTHER_WHOLE_NUMBER.matcher(value).matches()) {
      // no parameter is negative, and a revision is written in 0-9 alone, as in an ETag
      return where + " must be written in digits 0-9 only, without a sign, not " + quoted;
    }
    return where + " must be a whole number, not " + quoted;
  }

  private static boolean wholeNumber(Class<?> type) {
    return type == long.class || type == Long.class || type == int.class || type == Integer.class;
  }

  /** No answer: the client is gone (writing one would fail the same way). */
  private static ResponseEntity<Object> clientGone(Exception e) {
    LOG.fine(() -> "the client went away before its answer was written: " + describe(e));
    return null;
  }

  /**
   * Whether the call is one that changes rules: writes, and only writes, need the writer role
   * ({@link RequiresRole}). A POST such as {@code evaluate} does not.
   */
  private static boolean writes(HttpServletRequest request) {
    if (!(request.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE)
        instanceof HandlerMethod handler)) {
      return false;
    }
    RequiresRole role = handler.getMethodAnnotation(RequiresRole.class);
    return role != null && role.value().includes(Role.WRITER);
  }

  private static String call(HttpServletRequest request) {
    return request.getMethod() + " " + request.getRequestURI();
  }

  /** The exception's message and its cause's, on one line. */
  private static String describe(Throwable e) {
    Throwable cause = e.getCause();
    return cause == null
            || cause.getMessage() == null
            || e.getMessage().contains(cause.getMessage())
        ? e.getMessage()
        : e.getMessage()
            + " ("
            + cause.getClass().getSimpleName()
            + ": "
            + cause.getMessage()
            + ")";
  }

  private static boolean tooLarge(Throwable e) {
    for (Throwable t : Causes.of(e)) {
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
