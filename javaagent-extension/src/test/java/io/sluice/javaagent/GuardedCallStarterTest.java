package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.javaagent.bridge.SluiceCall;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.RuleCodec;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.breaker.BreakerRegistry;
import io.sluice.sdk.breaker.CallGuard;
import io.sluice.sdk.breaker.GuardedCall;
import io.sluice.sdk.breaker.Rejection;
import io.sluice.testing.logging.LogCapture;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The extension's side of the bridge: what the advice gets back from the SDK's breakers, the
 * rejected call's own CLIENT span, and that nothing from Sluice reaches the client.
 */
class GuardedCallStarterTest {

  private static final String RULES =
      """
      {"schemaVersion": 1, "service": "orders",
       "breakers": [{"name": "payments", "match": {"host": "payments", "port": 8080},
                     "slidingWindow": {"type": "COUNT", "size": 2}, "minimumCalls": 2,
                     "waitInOpenState": "1m",
                     "onOpen": {"mode": "response", "status": 503, "headers": {"x-sluice": "open"},
                                "body": "fallback"}}]}
      """;

  private final BreakerRegistry registry =
      BreakerRegistry.builder(
              new ActiveRulesHolder(
                  new ActiveRules(
                      CompiledRules.compile(RuleCodec.parse(RULES).orElseThrow()),
                      7,
                      ActiveRules.Source.ETCD)))
          .build();
  private final GuardedCallStarter starter = new GuardedCallStarter(() -> registry);
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();

  /** As in the agent, Sluice's spans go through GlobalOpenTelemetry. */
  private void exportSpansToMemory() {
    GlobalOpenTelemetry.set(
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .build());
  }

  @AfterEach
  void tearDown() {
    registry.close();
    GlobalOpenTelemetry.resetForTest();
  }

  @Test
  void aCallNoPolicyCoversProceedsAndShowsAsAnUnprotectedTarget() {
    SluiceCall call = starter.start("inventory", 8080, "GET", "/stock");
    assertThat(call.rejected()).isFalse();
    call.onResponse(200);
    assertThat(registry.topTargets(5))
        .singleElement()
        .satisfies(
            target -> {
              assertThat(target.target()).isEqualTo("inventory:8080");
              assertThat(target.callsPerMinute()).isEqualTo(1);
              assertThat(target.coveredBy()).isNull();
            });
  }

  @Test
  void anOpenBreakerAnswersWithThePolicysSyntheticResponseAndItsOwnClientSpan() {
    exportSpansToMemory();
    for (int i = 0; i < 2; i++) {
      SluiceCall call = starter.start("payments", 8080, "POST", "/pay");
      assertThat(call.rejected()).isFalse();
      call.onError(new IOException("connection reset"));
    }

    SluiceCall rejected = starter.start("payments", 8080, "POST", "/pay");
    assertThat(rejected.rejected()).isTrue();
    assertThat(rejected.respond()).isTrue();
    assertThat(rejected.status()).isEqualTo(503);
    assertThat(rejected.headers()).containsEntry("x-sluice", "open");
    assertThat(rejected.body()).isEqualTo("fallback");
    assertThat(rejected.message()).contains("payments", "OPEN");

    rejected.traceRejection("http://payments:8080/pay", null);
    SpanData span = spans.getFinishedSpanItems().get(0);
    assertThat(span.getName()).isEqualTo("POST");
    assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT);
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(span.getAttributes().get(AttributeKey.stringKey("url.full")))
        .isEqualTo("http://payments:8080/pay");
    assertThat(span.getAttributes().get(AttributeKey.longKey("server.port"))).isEqualTo(8080L);
    assertThat(span.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
        .isEqualTo(503L);
    assertThat(span.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("503");
    assertThat(span.getEvents())
        .extracting(e -> e.getName())
        .containsExactly("sluice.breaker.rejected");
  }

  /**
   * A call rejected under a recording span (the app's SERVER span) has its rejection recorded once
   * in the trace: the registry's event on that span, and the rejected call's own CLIENT span with
   * an error status but no second event. Both carried the event, so every rejection counted twice.
   */
  @Test
  void aRejectionUnderARecordingSpanIsOneEventInTheTrace() {
    exportSpansToMemory();
    for (int i = 0; i < 2; i++) {
      starter.start("payments", 8080, "POST", "/pay").onError(new IOException("connection reset"));
    }
    Span server =
        GlobalOpenTelemetry.getTracer("test")
            .spanBuilder("GET /checkout")
            .setSpanKind(SpanKind.SERVER)
            .startSpan();
    try (Scope ignored = server.makeCurrent()) {
      SluiceCall rejected = starter.start("payments", 8080, "POST", "/pay");
      assertThat(rejected.rejected()).isTrue();
      rejected.traceRejection("http://payments:8080/pay", null);
    } finally {
      server.end();
    }

    List<SpanData> finished = spans.getFinishedSpanItems();
    assertThat(finished)
        .flatExtracting(span -> span.getEvents().stream().map(e -> e.getName()).toList())
        .containsExactly("sluice.breaker.rejected");
    assertThat(finished)
        .filteredOn(span -> span.getKind() == SpanKind.SERVER)
        .singleElement()
        .satisfies(span -> assertThat(span.getEvents()).hasSize(1));
    assertThat(finished)
        .filteredOn(span -> span.getKind() == SpanKind.CLIENT)
        .singleElement()
        .satisfies(
            span -> {
              assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
              assertThat(span.getParentSpanId()).isEqualTo(server.getSpanContext().getSpanId());
            });
  }

  /**
   * Calls that fail because the app's own request body failed (as the clients' advice notes it)
   * count neither way: a breaker that opens after two failures lets a third call through after four
   * of them, and two real failures still open it.
   */
  @Test
  void callsWhoseBodyTheAppFailedCountNeitherWay() {
    for (int i = 0; i < 4; i++) {
      SluiceCall call = starter.start("payments", 8080, "POST", "/pay");
      assertThat(call.rejected()).as("call %d", i).isFalse();
      IOException appsOwn = new IOException("the app's request body failed");
      io.sluice.javaagent.bridge.RequestBodyFailures.appBodyFailed(appsOwn);
      call.onError(new IOException("send failed", appsOwn));
    }
    for (int i = 0; i < 2; i++) {
      starter.start("payments", 8080, "POST", "/pay").onError(new IOException("reset"));
    }

    assertThat(starter.start("payments", 8080, "POST", "/pay").rejected()).isTrue();
  }

  /**
   * A call whose body the app failed counts neither way however long it ran: under a policy that
   * opens when half of two calls were slower than 100 ms, four such calls failing after 200 ms
   * leave it closed, and two slow responses still open it. Before, they were closed as given up on,
   * which counts a call past the slow-call duration as slow, and opened it.
   */
  @Test
  void callsWhoseBodyTheAppFailedAfterTheSlowCallDurationCountNeitherWay() {
    long[] now = {0};
    String rules =
        """
        {"schemaVersion": 1, "service": "orders",
         "breakers": [{"name": "uploads", "match": {"host": "uploads"},
                       "slowCallRateThreshold": 50, "slowCallDuration": "100ms",
                       "slidingWindow": {"type": "COUNT", "size": 2}, "minimumCalls": 2,
                       "waitInOpenState": "1m"}]}
        """;
    try (BreakerRegistry slow =
        BreakerRegistry.builder(
                new ActiveRulesHolder(
                    new ActiveRules(
                        CompiledRules.compile(RuleCodec.parse(rules).orElseThrow()),
                        1,
                        ActiveRules.Source.ETCD)))
            .nanoTime(() -> now[0])
            .build()) {
      GuardedCallStarter uploads = new GuardedCallStarter(() -> slow);
      for (int i = 0; i < 4; i++) {
        SluiceCall call = uploads.start("uploads", 80, "POST", "/files");
        assertThat(call.rejected()).as("call %d", i).isFalse();
        now[0] += 200_000_000L;
        IOException appsOwn = new IOException("the app's file went away");
        io.sluice.javaagent.bridge.RequestBodyFailures.appBodyFailed(appsOwn);
        call.onError(appsOwn);
      }
      assertThat(slow.breakerStates())
          .singleElement()
          .extracting(b -> b.state())
          .isEqualTo("CLOSED");

      for (int i = 0; i < 2; i++) {
        SluiceCall call = uploads.start("uploads", 80, "POST", "/files");
        now[0] += 200_000_000L;
        call.onResponse(200);
      }
      assertThat(uploads.start("uploads", 80, "POST", "/files").rejected()).isTrue();
    }
  }

  /**
   * The rejected call's span keeps credentials and signed query parameters out of {@code url.full},
   * as the agent's own HTTP client spans do.
   */
  @Test
  void aRejectedCallsSpanRedactsTheUrlAsTheAgentDoes() {
    exportSpansToMemory();
    for (int i = 0; i < 2; i++) {
      starter.start("payments", 8080, "GET", "/files").onError(new IOException("reset"));
    }
    SluiceCall rejected = starter.start("payments", 8080, "GET", "/files");
    assertThat(rejected.rejected()).isTrue();

    rejected.traceRejection(
        "http://alice:s3cret@payments:8080/files?X-Amz-Signature=abc&sig=def&page=2", null);
    SpanData span = spans.getFinishedSpanItems().get(0);
    assertThat(span.getAttributes().get(AttributeKey.stringKey("url.full")))
        .isEqualTo(
            "http://REDACTED:REDACTED@payments:8080/files"
                + "?X-Amz-Signature=REDACTED&sig=REDACTED&page=2");
    assertThat(span.getAttributes().get(AttributeKey.stringKey("server.address")))
        .isEqualTo("payments");
    assertThat(span.getAttributes().get(AttributeKey.stringKey("http.request.method")))
        .isEqualTo("GET");
  }

  @Test
  void aPermittedCallRecordsNoSpanOfItsOwn() {
    exportSpansToMemory();
    SluiceCall call = starter.start("payments", 8080, "POST", "/pay");
    call.traceRejection("http://payments:8080/pay", "java.io.IOException");
    call.onResponse(200);
    assertThat(spans.getFinishedSpanItems()).isEmpty();
  }

  /** Counts what reaches the SDK's call. */
  private static final class CountingCall implements GuardedCall {
    final List<String> reported = new ArrayList<>();

    @Override
    public boolean permitted() {
      return true;
    }

    @Override
    public Rejection rejection() {
      return null;
    }

    @Override
    public void onResponse(int status) {
      reported.add("response " + status);
    }

    @Override
    public void onError(Throwable error) {
      reported.add("error");
    }

    @Override
    public void close() {
      reported.add("closed");
    }

    @Override
    public void discard() {
      reported.add("discarded");
    }
  }

  @Test
  void onlyTheFirstOutcomeOrAbandonmentReachesTheSdk() {
    CountingCall abandonedFirst = new CountingCall();
    SluiceCall call = new GuardedCallStarter.GuardedSluiceCall(abandonedFirst);
    call.abandon();
    call.onError(new IOException("Canceled"));
    call.onResponse(200);
    call.abandon();
    assertThat(abandonedFirst.reported).containsExactly("closed");

    CountingCall answeredFirst = new CountingCall();
    call = new GuardedCallStarter.GuardedSluiceCall(answeredFirst);
    assertThat(call.ended()).as("before any outcome").isFalse();
    call.onResponse(200);
    assertThat(call.ended()).as("after its outcome").isTrue();
    call.abandon();
    call.onError(new IOException("reset"));
    call.discard();
    assertThat(answeredFirst.reported).containsExactly("response 200");

    CountingCall discardedFirst = new CountingCall();
    call = new GuardedCallStarter.GuardedSluiceCall(discardedFirst);
    call.discard();
    assertThat(call.ended()).as("once discarded").isTrue();
    call.onResponse(200);
    call.abandon();
    assertThat(discardedFirst.reported).containsExactly("discarded");
  }

  @Test
  void aJdkCallFailingWithoutAnIoErrorIsDiscardedNotCountedAsAFailure() {
    // the JDK client fails a call with an IOException for what the target did
    CountingCall refused = new CountingCall();
    new GuardedCallStarter.GuardedSluiceCall(refused)
        .accept(null, new CompletionException(new java.net.ConnectException("refused")));
    assertThat(refused.reported).containsExactly("error");

    // anything else is the app's own code the client ran for the call (its BodyHandler)
    CountingCall handlerFailed = new CountingCall();
    new GuardedCallStarter.GuardedSluiceCall(handlerFailed)
        .accept(null, new CompletionException(new IllegalStateException("the app's handler")));
    assertThat(handlerFailed.reported).containsExactly("discarded");
  }

  @Test
  void aJdkCallTheAppCancelledIsAbandonedNotCountedAsAFailure() {
    CountingCall counting = new CountingCall();
    new GuardedCallStarter.GuardedSluiceCall(counting)
        .accept(null, new CompletionException(new CancellationException("Request cancelled")));
    assertThat(counting.reported).containsExactly("closed");

    // two failures open the payments breaker; two cancelled calls leave it closed
    for (int i = 0; i < 2; i++) {
      starter
          .start("payments", 8080, "POST", "/pay")
          .accept(null, new CompletionException(new CancellationException()));
    }
    assertThat(starter.start("payments", 8080, "POST", "/pay").rejected()).isFalse();
  }

  @Test
  void failuresInsideSluiceNeverReachTheClient() {
    CallGuard broken =
        (host, port, method, path) -> {
          throw new IllegalStateException("broken guard");
        };
    SluiceBridge.CallStarter previous = SluiceBridge.starter;
    SluiceBridge.starter = new GuardedCallStarter(() -> broken);
    try {
      assertThat(SluiceBridge.start("payments", 8080, "POST", "/pay")).isNull();
    } finally {
      SluiceBridge.starter = previous;
    }

    GuardedCall throwing =
        new GuardedCall() {
          @Override
          public boolean permitted() {
            return true;
          }

          @Override
          public Rejection rejection() {
            return null;
          }

          @Override
          public void onResponse(int status) {
            throw new IllegalStateException("broken outcome");
          }

          @Override
          public void onError(Throwable error) {
            throw new IllegalStateException("broken outcome");
          }
        };
    GuardedCallStarter.GuardedSluiceCall call = new GuardedCallStarter.GuardedSluiceCall(throwing);
    call.onResponse(200);
    call.onError(new IOException("reset"));
    call.accept(null, new java.util.concurrent.CompletionException(new IOException("reset")));
  }

  /**
   * A guarded call Sluice fails to hand to the client (here the rejection cannot be read) goes
   * unguarded rather than failing the app's call: what the breaker granted is given back at once,
   * and the failure is logged once however many calls meet it. Before, the failure left the
   * starter, the bridge returned nothing, and a half-open breaker's trial permission stayed taken.
   */
  @Test
  void aCallThatCannotBeHandedOverGoesUnguardedAndGivesItsPermissionBack() {
    AtomicInteger closed = new AtomicInteger();
    GuardedCall unreadable =
        new GuardedCall() {
          @Override
          public boolean permitted() {
            return false;
          }

          @Override
          public Rejection rejection() {
            throw new IllegalStateException("a bug: the rejection cannot be read");
          }

          @Override
          public void onResponse(int status) {}

          @Override
          public void onError(Throwable error) {}

          @Override
          public void close() {
            closed.incrementAndGet();
          }
        };
    GuardedCallStarter broken =
        new GuardedCallStarter(() -> (host, port, method, path) -> unreadable);

    try (LogCapture log = LogCapture.of(GuardedCallStarter.class)) {
      assertThat(broken.start("payments", 8080, "GET", "/pay")).isNull();
      assertThat(broken.start("payments", 8080, "GET", "/pay")).isNull();

      assertThat(closed).hasValue(2);
      assertThat(log.messages())
          .filteredOn(m -> m.startsWith("a guarded call could not be handed to the HTTP client"))
          .hasSize(1);
    }
  }

  /**
   * An open breaker's synthetic response that the client refuses is logged once, also when two
   * calls meet it at the same time: the second used to log it again while the first was still
   * logging (the "logged" flag was set only once the line was written).
   */
  @Test
  void aRefusedSyntheticResponseIsLoggedOnceWhenCallsRace() throws Exception {
    GuardedCallStarter.GuardedSluiceCall call =
        new GuardedCallStarter.GuardedSluiceCall(GuardedCall.UNGUARDED);
    Logger logger = Logger.getLogger(GuardedCallStarter.class.getName());
    HeldFirstLine held = new HeldFirstLine();
    logger.addHandler(held);
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      Future<?> first = other.submit(() -> call.responseRefused(new IllegalStateException("1")));
      assertThat(held.awaitFirst()).isTrue();

      call.responseRefused(new IllegalStateException("2")); // while the first is being logged
      held.release();
      first.get(10, TimeUnit.SECONDS);
      call.responseRefused(new IllegalStateException("3"));

      assertThat(held.lines()).isEqualTo(1);
    } finally {
      held.release();
      logger.removeHandler(held);
      other.shutdownNow();
    }
  }
}
