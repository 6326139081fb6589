package io.sluice.controlplane.web;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.controlplane.etcd.EtcdGateway;
import io.sluice.controlplane.etcd.EtcdOutageLog;
import io.sluice.controlplane.etcd.EtcdUnavailableException;
import io.sluice.controlplane.etcd.TestEtcdFailures;
import io.sluice.controlplane.etcd.TestGateways;
import io.sluice.controlplane.etcd.TestPrefixWatches;
import io.sluice.controlplane.rules.RulesWatch;
import io.sluice.controlplane.rules.TestRulesWatches;
import io.sluice.testing.logging.LogCapture;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import org.apache.catalina.connector.ClientAbortException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotWritableException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

class ProblemAdviceTest {

  /** The outage log's clock, on which the test's etcd calls are sent. */
  private final AtomicLong clock = new AtomicLong(1_000);

  private final EtcdOutageLog outageLog = new EtcdOutageLog(clock::get);
  private final ProblemAdvice advice = new ProblemAdvice(outageLog);
  private LogCapture log;
  private LogCapture outages;

  @BeforeEach
  void captureTheLog() {
    log = LogCapture.of(ProblemAdvice.class);
    outages = LogCapture.of(EtcdOutageLog.class);
  }

  @AfterEach
  void releaseTheLog() {
    log.close();
    outages.close();
  }

  /**
   * An etcd outage fails every API call alike, and a polling browser tab keeps calling: each 503
   * was one WARNING. The first of a stretch is, with its detail; the rest are not; etcd answering
   * again is one INFO line with their number, and a 503 after it begins a new stretch. Every line
   * is {@link EtcdOutageLog}'s: the WARNING was {@code ProblemAdvice}'s, the INFO line ending its
   * stretch the outage log's, so no one logger name filtered both.
   */
  @Test
  void logsOneWarningPerStretchOfEtcdUnavailable() {
    for (int i = 0; i < 4; i++) {
      assertThat(advice.etcd(unavailable(), get()).getStatusCode().value()).isEqualTo(503);
    }
    assertThat(outages.messages())
        .containsExactly(
            "answering 503 to GET /api/v1/services: etcd did not answer within 3000 ms (read"
                + " /sluice/v1/rules/) (until etcd answers again, further 503s are logged at"
                + " FINE)");
    assertThat(outages.warnings()).hasSize(1);

    sendsAfter();
    outageLog.etcdAnswered();
    outageLog.etcdAnswered();
    assertThat(outages.messages())
        .last()
        .isEqualTo(
            "etcd answers again; 4 API calls were answered 503 etcd-unavailable meanwhile (the"
                + " first logged at WARNING, the rest at FINE)");
    assertThat(outages.messages()).hasSize(2);

    sendsAfter();
    advice.etcd(unavailable(), get());
    advice.etcd(unavailable(), get());
    assertThat(outages.warnings()).hasSize(2);
    assertThat(log.records())
        .as("nothing of the stretch in ProblemAdvice's log above FINE")
        .allMatch(record -> record.getLevel().intValue() <= Level.FINE.intValue());
  }

  /**
   * A call sent while etcd was away, still on its way when etcd answered again (the stretch ended,
   * its INFO line said), fails after: it opened a new stretch, one more WARNING and INFO pair for
   * an outage that was over. It is logged at FINE; a call sent after etcd answered again still
   * opens a new stretch.
   */
  @Test
  void aCallSentBeforeEtcdAnsweredAgainThatFailsAfterOpensNoStretch() {
    advice.etcd(unavailable(), get());
    EtcdUnavailableException inFlight = unavailable();
    sendsAfter();
    outageLog.etcdAnswered();
    assertThat(outages.records()).filteredOn(r -> r.getLevel() == Level.INFO).hasSize(1);

    sendsAfter();
    advice.etcd(inFlight, get());
    outageLog.etcdAnswered();

    assertThat(outages.warnings()).as("the first stretch's only").hasSize(1);
    assertThat(outages.records())
        .as("no second stretch to end")
        .filteredOn(r -> r.getLevel() == Level.INFO)
        .hasSize(1);
    advice.etcd(unavailable(), get());
    assertThat(outages.warnings()).as("a call sent after etcd answered again").hasSize(2);
  }

  /**
   * The mirrors' own 503s (the agents or the rules not read from etcd yet, while etcd is away at
   * the start) were not logged at all, nor counted in the stretch: a polling tab on the agents page
   * showed nothing in the log. They are counted as every 503 etcd-unavailable: the first of a
   * stretch a WARNING, the rest FINE, all in the INFO line's number.
   */
  @Test
  void theMirrorsOwn503sAreCountedInTheStretch() {
    ApiException notRead =
        new ApiException(
            ProblemType.ETCD_UNAVAILABLE,
            "the live agents have not been read from etcd yet (/actuator/health shows which part"
                + " is behind, the log says why). Try again shortly.");
    for (int i = 0; i < 3; i++) {
      assertThat(advice.api(notRead, get()).getStatusCode().value()).isEqualTo(503);
    }
    advice.etcd(unavailable(), get());

    assertThat(outages.warnings())
        .containsExactly(
            "answering 503 to GET /api/v1/services: the live agents have not been read from etcd"
                + " yet (/actuator/health shows which part is behind, the log says why). Try again"
                + " shortly. (until etcd answers again, further 503s are logged at FINE)");
    sendsAfter();
    outageLog.etcdAnswered();
    assertThat(outages.messages())
        .last()
        .asString()
        .startsWith("etcd answers again; 4 API calls were answered 503");
  }

  /**
   * A request that needs the rules' mirror before its first read waits for that read, up to the
   * etcd deadline, then answers 503. Etcd answering again during that wait (the stretch ended, its
   * INFO line said) did not keep the 503 from opening a new stretch: it was dated from when it was
   * answered, after the recovery, and made one more WARNING and INFO pair for an outage that was
   * over. It is dated from when its wait began, as a failed call is from when it was sent.
   */
  @Test
  void aMirrors503WhoseWaitBeganBeforeEtcdAnsweredAgainOpensNoStretch() throws Exception {
    advice.etcd(unavailable(), get());
    // the mirror's reads never run: its first read does not come within the deadline
    ScheduledThreadPoolExecutor neverReads =
        new ScheduledThreadPoolExecutor(1) {
          @Override
          public void execute(Runnable command) {}
        };
    EtcdGateway etcd = TestGateways.on(null, Duration.ofSeconds(1), clock::get);
    RulesWatch rules = TestRulesWatches.of(etcd, TestPrefixWatches.on(etcd, neverReads));
    AtomicReference<Throwable> notRead = new AtomicReference<>();
    Thread request = new Thread(() -> notRead.set(catchThrowable(rules::servicesWithADocument)));
    try {
      rules.start();
      sendsAfter();
      request.start();
      await("the request waits for the rules' first read")
          .atMost(Duration.ofSeconds(10))
          .until(() -> request.getState() == Thread.State.TIMED_WAITING);
      sendsAfter();
      outageLog.etcdAnswered(); // meanwhile
      request.join(Duration.ofSeconds(10).toMillis());
      sendsAfter();

      assertThat(notRead.get()).isInstanceOf(ApiException.class);
      assertThat(advice.api((ApiException) notRead.get(), get()).getStatusCode().value())
          .isEqualTo(503);
    } finally {
      rules.stop();
      neverReads.shutdownNow();
    }
    outageLog.etcdAnswered();

    assertThat(outages.warnings()).as("the first stretch's only").hasSize(1);
    assertThat(outages.records())
        .as("no second stretch to end")
        .filteredOn(r -> r.getLevel() == Level.INFO)
        .hasSize(1);
    assertThat(outages.messages())
        .as("the first stretch's WARNING and INFO, nothing above FINE after")
        .hasSize(2)
        .last()
        .asString()
        .startsWith("etcd answers again; 1 API call was answered 503");
  }

  /**
   * A request still running as the control plane stops, its etcd client closed under it: its 503
   * told of an etcd outage (jetcd's {@code rejected from … Terminated}) and opened a stretch, a
   * WARNING at every stop. It says the client is closed, at FINE, and counts in no stretch.
   */
  @Test
  void aCallAfterTheEtcdClientClosedIsAnsweredAsSuchAndIsNoOutage() {
    EtcdGateway closed =
        TestGateways.closedOn(Client.builder().endpoints("http://127.0.0.1:1").build());
    EtcdUnavailableException e =
        (EtcdUnavailableException) catchThrowable(() -> closed.getPrefix("/sluice/v1/rules/"));

    ResponseEntity<Object> answer = advice.etcd(e, get());

    assertThat(outages.records())
        .as("no stretch opened")
        .extracting(r -> r.getLevel() + " " + r.getMessage())
        .isEmpty();
    assertThat(answer.getStatusCode().value()).isEqualTo(503);
    assertThat(((ProblemDetail) answer.getBody()).getDetail())
        .isEqualTo("the etcd client is closed: the control plane is stopping. Try again shortly.");
    assertThat(log.records())
        .as("nothing in ProblemAdvice's log above FINE")
        .allMatch(record -> record.getLevel().intValue() <= Level.FINE.intValue());
    sendsAfter();
    outageLog.etcdAnswered();
    assertThat(outages.records())
        .as("no stretch to end")
        .extracting(r -> r.getLevel() + " " + r.getMessage())
        .isEmpty();
  }

  /**
   * A change whose transaction was on its way when the control plane stopped (cancelled by the
   * stop, or failed by the client's close) may still have been applied: the 503 says its outcome is
   * unknown and what to read before trying again, as for an outage, but as the stop it is, at FINE,
   * counted in no stretch.
   */
  @Test
  void aChangeOnItsWayWhenTheEtcdClientClosedIsOfUnknownOutcomeAndNoOutage() {
    EtcdUnavailableException e =
        TestEtcdFailures.clientClosedUnderACommit("write the rules of checkout", clock.get());

    ResponseEntity<Object> answer =
        advice.etcd(
            e,
            FakeServlet.request(
                "PUT", "", "/api/v1/services/checkout/rules", "{}".getBytes(UTF_8)));

    assertThat(answer.getStatusCode().value()).isEqualTo(503);
    assertThat(answer.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
    assertThat(((ProblemDetail) answer.getBody()).getDetail())
        .isEqualTo(
            "the etcd client is closed: the control plane is stopping, and the client closed while"
                + " the change was being committed, so whether it was made is unknown: read the"
                + " rules and their history before trying again.");
    assertThat(outages.records())
        .as("no stretch opened")
        .extracting(r -> r.getLevel() + " " + r.getMessage())
        .isEmpty();
    assertThat(log.records())
        .as("nothing in ProblemAdvice's log above FINE")
        .allMatch(record -> record.getLevel().intValue() <= Level.FINE.intValue());
  }

  /**
   * A request still waiting for etcd when the graceful shutdown's time is up, its thread
   * interrupted by the web server's stop: its 503 opened a stretch of etcd's unavailability, a
   * WARNING at every such stop. It says the control plane is stopping, at FINE, counts in no
   * stretch, and leaves the thread's interrupt flag alone.
   */
  @Test
  void aRequestTheStopInterruptedIsAnsweredAsSuchAndIsNoOutage() {
    EtcdUnavailableException read =
        TestEtcdFailures.interruptedByTheStop(
            "read /sluice/v1/journal/checkout", false, clock.get());
    EtcdUnavailableException change =
        TestEtcdFailures.interruptedByTheStop("write the rules of checkout", true, clock.get());

    Thread.currentThread().interrupt(); // as the stop left it
    ResponseEntity<Object> readAnswer;
    ResponseEntity<Object> changeAnswer;
    try {
      readAnswer = advice.etcd(read, get());
      changeAnswer =
          advice.etcd(
              change,
              FakeServlet.request(
                  "PUT", "", "/api/v1/services/checkout/rules", "{}".getBytes(UTF_8)));
    } finally {
      assertThat(Thread.interrupted()).as("the thread's interrupt flag kept").isTrue();
    }

    assertThat(readAnswer.getStatusCode().value()).isEqualTo(503);
    assertThat(readAnswer.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
    assertThat(((ProblemDetail) readAnswer.getBody()).getDetail())
        .isEqualTo(
            "the control plane is stopping and stopped waiting for etcd. Try again shortly.");
    assertThat(((ProblemDetail) changeAnswer.getBody()).getDetail())
        .isEqualTo(
            "the control plane is stopping and stopped waiting for etcd, and it stopped waiting"
                + " while the change was being committed, so whether it was made is unknown: read"
                + " the rules and their history before trying again.");
    assertThat(outages.records())
        .as("no stretch opened")
        .extracting(r -> r.getLevel() + " " + r.getMessage())
        .isEmpty();
    assertThat(log.records())
        .as("nothing in ProblemAdvice's log above FINE")
        .allMatch(record -> record.getLevel().intValue() <= Level.FINE.intValue());
  }

  /**
   * A history read that etcd's compaction overtook three times in a row (each time before its last
   * page) answered "etcd is unavailable or did not answer in time", though etcd had answered each
   * time: it says the compactions instead, still a 503 etcd-unavailable with its retry hint.
   */
  @Test
  void aReadCompactedAwayEachTimeSaysSoIn503() {
    EtcdUnavailableException e =
        TestEtcdFailures.readCompactedAwayEachTime("read /sluice/v1/history/orders/");

    ResponseEntity<Object> answer =
        advice.etcd(
            e, FakeServlet.request("GET", "", "/api/v1/services/orders/history", new byte[0]));

    assertThat(answer.getStatusCode().value()).isEqualTo(503);
    assertThat(answer.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
    ProblemDetail problem = (ProblemDetail) answer.getBody();
    assertThat(problem.getType()).isEqualTo(ProblemType.ETCD_UNAVAILABLE.type());
    assertThat(problem.getDetail())
        .isEqualTo(
            "etcd answered, but compacted away the revision the read was at, 3 times in a row,"
                + " each time before the read's last page. Try again shortly.");
  }

  /**
   * While etcd compacts often, every history read a polling tab made answered a 503 logged at
   * WARNING. One WARNING a minute now, the rest at FINE, and the next WARNING says how many were
   * not said.
   */
  @Test
  void readsCompactedAwayAreOneWarningAMinute() {
    EtcdUnavailableException e =
        TestEtcdFailures.readCompactedAwayEachTime("read /sluice/v1/history/orders/");
    HttpServletRequest history =
        FakeServlet.request("GET", "", "/api/v1/services/orders/rules/history", new byte[0]);

    advice.etcd(e, history);
    clock.addAndGet(Duration.ofSeconds(20).toNanos());
    advice.etcd(e, history);
    clock.addAndGet(Duration.ofSeconds(39).toNanos());
    advice.etcd(e, history);
    assertThat(log.warnings()).as("within the minute").hasSize(1);
    clock.addAndGet(Duration.ofSeconds(1).toNanos());
    advice.etcd(e, history);

    assertThat(log.warnings())
        .hasSize(2)
        .allSatisfy(
            line ->
                assertThat(line)
                    .startsWith(
                        "answering 503 to GET /api/v1/services/orders/rules/history: etcd"
                            + " compacted away the revision the read was at"))
        .last()
        .asString()
        .endsWith(
            "(etcd answered each time: no outage; 2 more such 503s were logged at FINE since the"
                + " last of these lines; more within a minute are logged at FINE)");
    assertThat(outages.records()).as("no stretch of the outage log").isEmpty();
  }

  /** Moves the clock on: what is sent from now on was sent after what happened so far. */
  private void sendsAfter() {
    clock.addAndGet(1_000);
  }

  /** A read sent now, on {@link #clock}, that got no answer in time. */
  private EtcdUnavailableException unavailable() {
    return TestEtcdFailures.unavailableSentAt(
        "etcd did not answer within 3000 ms (read /sluice/v1/rules/)", clock.get());
  }

  private static HttpServletRequest get() {
    return FakeServlet.request("GET", "", "/api/v1/services", new byte[0]);
  }

  /**
   * A browser that reloads while a large answer (hundreds of agents) is written drops the
   * connection: that is no error of the control plane's to log with a stack trace, and there is no
   * one left to answer.
   */
  @Test
  void aClientThatWentAwayWhileItsAnswerWasWrittenIsNotLoggedAsAnError() {
    HttpMessageNotWritableException gone =
        new HttpMessageNotWritableException(
            "Could not write JSON: ServletOutputStream failed to write",
            new IOException(new ClientAbortException(new IOException("Broken pipe"))));

    assertThat(advice.unexpected(gone)).isNull();
    assertThat(
            advice.handleExceptionInternal(
                gone, null, new HttpHeaders(), HttpStatus.INTERNAL_SERVER_ERROR, null))
        .isNull();
    assertThat(log.records())
        .noneMatch(record -> record.getLevel().intValue() > Level.FINE.intValue());
  }

  /**
   * Once etcd had answered, what the HTTP proxy in the way said of a later failure (its 502: etcd
   * out of its reach) showed in health and the log only: the 503's detail said "unavailable or did
   * not answer in time", and an API user could not tell an outage behind the proxy from a slow
   * etcd.
   */
  @Test
  void a503SaysWhatTheProxyInTheWayAnswered() {
    String proxys =
        "etcd at http://127.0.0.1:2379 answered with HTTP 502 from the HTTP proxy it is reached"
            + " through, which could not reach etcd (etcd down or cut off behind the proxy: an"
            + " outage)";
    ResponseEntity<Object> answer =
        advice.etcd(
            TestEtcdFailures.unavailableThroughAProxy(
                "etcd did not answer within 3000 ms (get /sluice/v1/rules/): " + proxys, proxys),
            FakeServlet.request("GET", "", "/api/v1/services", new byte[0]));

    assertThat(answer.getStatusCode().value()).isEqualTo(503);
    assertThat(((ProblemDetail) answer.getBody()).getDetail())
        .isEqualTo(
            "etcd is unavailable or did not answer in time. Try again shortly. Through its HTTP"
                + " proxy: "
                + proxys
                + ".");
  }

  /**
   * {@code rollback?to=abc} answered Spring's "Failed to convert 'to' with value: 'abc'", which
   * says neither where the value was nor what it should be: the detail names the parameter, or the
   * path, and that a whole number was expected, with the value's hidden characters escaped.
   */
  @Test
  void aNumberParameterThatIsNotANumberIsNamedWithWhatItShouldBe() throws Exception {
    Method method = Calls.class.getDeclaredMethod("call", Long.class, int.class, long.class);

    assertThat(detailOfMismatch(new MethodParameter(method, 0), "to", "abc"))
        .isEqualTo("?to= must be a whole number, not 'abc'");
    assertThat(detailOfMismatch(new MethodParameter(method, 1), "limit", "1\u202e2"))
        .isEqualTo("?limit= must be a whole number, not '1\\u202e2'");
    assertThat(detailOfMismatch(new MethodParameter(method, 2), "revision", "7a"))
        .isEqualTo("the revision in the path must be a whole number, not '7a'");
  }

  /**
   * A sign, or another script's digits, is no whole number the API takes (WholeNumberParameters
   * refuses them), whatever its size: the detail says what is, not that it is out of range.
   */
  @Test
  void aSignedNumberOrAnotherScriptsDigitsAreSaidToBeWrittenIn0To9Only() throws Exception {
    Method method = Calls.class.getDeclaredMethod("call", Long.class, int.class, long.class);

    assertThat(detailOfMismatch(new MethodParameter(method, 1), "limit", "-3000000000"))
        .isEqualTo("?limit= must be written in digits 0-9 only, without a sign, not '-3000000000'");
    assertThat(detailOfMismatch(new MethodParameter(method, 0), "to", "+5"))
        .isEqualTo("?to= must be written in digits 0-9 only, without a sign, not '+5'");
    assertThat(detailOfMismatch(new MethodParameter(method, 2), "revision", "\u0664\u0662"))
        .isEqualTo(
            "the revision in the path must be written in digits 0-9 only, without a sign, not"
                + " '\u0664\u0662'");
  }

  /**
   * A whole number too large for its parameter's type is a number, out of range: it was said to be
   * "not a whole number". The bound is the type's; digits with a space among them are no whole
   * number (WholeNumberParameters reads decimal digits only).
   */
  @Test
  void aWholeNumberTooLargeForItsParameterIsOutOfRange() throws Exception {
    Method method = Calls.class.getDeclaredMethod("call", Long.class, int.class, long.class);

    assertThat(detailOfMismatch(new MethodParameter(method, 1), "limit", "3000000000"))
        .isEqualTo("?limit= is out of range: '3000000000' is more than 2147483647");
    assertThat(detailOfMismatch(new MethodParameter(method, 1), "limit", "3 0"))
        .isEqualTo("?limit= must be a whole number, not '3 0'");
    assertThat(detailOfMismatch(new MethodParameter(method, 0), "to", "99999999999999999999"))
        .isEqualTo("?to= is out of range: '99999999999999999999' is more than 9223372036854775807");
    assertThat(detailOfMismatch(new MethodParameter(method, 2), "revision", "1.5"))
        .isEqualTo("the revision in the path must be a whole number, not '1.5'");
  }

  private String detailOfMismatch(MethodParameter parameter, String name, String value) {
    MethodArgumentTypeMismatchException mismatch =
        new MethodArgumentTypeMismatchException(
            value,
            parameter.getParameterType(),
            name,
            parameter,
            new NumberFormatException("For input string: \"" + value + "\""));
    ResponseEntity<Object> answer =
        advice.handleExceptionInternal(
            mismatch,
            null,
            new HttpHeaders(),
            HttpStatus.BAD_REQUEST,
            new ServletWebRequest(
                FakeServlet.request("POST", "", "/api/v1/services/q/rules/rollback", new byte[0])));
    assertThat(answer.getStatusCode().value()).isEqualTo(400);
    ProblemDetail problem = (ProblemDetail) answer.getBody();
    assertThat(problem.getType()).hasToString("urn:sluice:problem:invalid-request");
    return problem.getDetail();
  }

  /** Parameters as the controllers declare them. */
  private static final class Calls {
    @SuppressWarnings("unused")
    void call(
        @RequestParam(required = false) Long to,
        @RequestParam(defaultValue = "20") int limit,
        @PathVariable long revision) {}
  }

  /**
   * A mistyped call ({@code /api/v1/service} for {@code /api/v1/services}) got Spring's "No static
   * resource api/v1/service.", as if the API were files; the detail now names the call and where
   * the API's calls are listed, under the context path.
   */
  @Test
  void aPathNothingServesIsNamedWithWhereTheCallsAreListed() {
    NoResourceFoundException missing =
        new NoResourceFoundException(HttpMethod.GET, "/sluice/api/v1/service", "api/v1/service");
    ServletWebRequest request =
        new ServletWebRequest(
            FakeServlet.request("GET", "/sluice", "/sluice/api/v1/service", new byte[0]));

    ResponseEntity<Object> answer =
        advice.handleExceptionInternal(
            missing, null, new HttpHeaders(), HttpStatus.NOT_FOUND, request);

    assertThat(answer.getStatusCode().value()).isEqualTo(404);
    ProblemDetail problem = (ProblemDetail) answer.getBody();
    assertThat(problem.getType()).hasToString("urn:sluice:problem:not-found");
    assertThat(problem.getDetail())
        .isEqualTo(
            "GET /sluice/api/v1/service is neither a call of the API nor a file of the web UI;"
                + " the API's calls are listed in /sluice/api/v1/openapi.json")
        .doesNotContain("static resource");
  }

  /**
   * A call with a method its path does not take got Spring's "Method 'PATCH' is not supported.",
   * which says neither which path nor what it takes: the detail names the call and the methods the
   * {@code Allow} header lists.
   */
  @Test
  void aMethodThePathDoesNotTakeIsAnsweredWithTheMethodsItTakes() {
    HttpRequestMethodNotSupportedException unsupported =
        new HttpRequestMethodNotSupportedException("PATCH", List.of("GET", "PUT"));
    ServletWebRequest request =
        new ServletWebRequest(
            FakeServlet.request("PATCH", "", "/api/v1/services/orders/rules", new byte[0]));

    ResponseEntity<Object> answer =
        advice.handleExceptionInternal(
            unsupported, null, unsupported.getHeaders(), HttpStatus.METHOD_NOT_ALLOWED, request);

    assertThat(answer.getStatusCode().value()).isEqualTo(405);
    assertThat(answer.getHeaders().getAllow())
        .containsExactly(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.PUT, HttpMethod.OPTIONS);
    ProblemDetail problem = (ProblemDetail) answer.getBody();
    assertThat(problem.getType()).hasToString("urn:sluice:problem:method-not-allowed");
    assertThat(problem.getDetail())
        .isEqualTo(
            "PATCH /api/v1/services/orders/rules is not supported: this path takes GET, HEAD,"
                + " PUT, OPTIONS");
  }

  /**
   * A 405's {@code Allow} lists every method the path takes (RFC 9110 section 15.5.6), as {@code
   * OPTIONS} answers them: Spring's left out {@code HEAD}, which every {@code GET} path answers,
   * and {@code OPTIONS}, which every path answers. A path that takes no {@code GET} gains no {@code
   * HEAD}; one whose methods already include them lists each once.
   */
  @Test
  void aMethodNotAllowedListsHeadWithGetAndOptionsAsOptionsAnswers() {
    ServletWebRequest request =
        new ServletWebRequest(
            FakeServlet.request("GET", "", "/api/v1/events/tickets", new byte[0]));
    HttpRequestMethodNotSupportedException postOnly =
        new HttpRequestMethodNotSupportedException("GET", List.of("POST"));
    HttpRequestMethodNotSupportedException withBoth =
        new HttpRequestMethodNotSupportedException("POST", List.of("GET", "HEAD", "OPTIONS"));

    ResponseEntity<Object> post =
        advice.handleExceptionInternal(
            postOnly, null, postOnly.getHeaders(), HttpStatus.METHOD_NOT_ALLOWED, request);
    ResponseEntity<Object> both =
        advice.handleExceptionInternal(
            withBoth, null, withBoth.getHeaders(), HttpStatus.METHOD_NOT_ALLOWED, request);

    assertThat(post.getHeaders().getAllow()).containsExactly(HttpMethod.POST, HttpMethod.OPTIONS);
    assertThat(both.getHeaders().getAllow())
        .containsExactly(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);
    assertThat(both.getHeaders().get(HttpHeaders.ALLOW)).hasSize(1);
  }

  @Test
  void aFailureOfOurOwnIsLoggedAndAnsweredAs500() {
    ResponseEntity<Object> answer = advice.unexpected(new IllegalStateException("a bug"));

    assertThat(answer.getStatusCode().value()).isEqualTo(500);
    assertThat(log.records())
        .anyMatch(record -> record.getLevel() == Level.SEVERE && record.getThrown() != null);
  }

  /**
   * Only the health endpoint's own assertion is a 404: the same words from anywhere else are an
   * internal error, answered 500 and logged with the stack trace as any other.
   */
  @Test
  void anIllegalStateOtherThanTheHealthEndpointsIsStillAnInternalError() {
    IllegalStateException elsewhere = new IllegalStateException("'contributor' must not be null");

    ResponseEntity<Object> answer = advice.illegalState(elsewhere);

    assertThat(answer.getStatusCode().value()).isEqualTo(500);
    assertThat(log.records()).anyMatch(r -> r.getLevel() == Level.SEVERE);
  }
}
