package io.sluice.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.AgentStatusCodec;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.breaker.BreakerRegistry;
import io.sluice.sdk.breaker.GuardedCall;
import io.sluice.sdk.breaker.Rejection;
import io.sluice.sdk.config.ConfiguredRules;
import io.sluice.sdk.config.EtcdClientFactory;
import io.sluice.sdk.config.SluiceConfig;
import io.sluice.sdk.propagation.SluicePropagators;
import io.sluice.sdk.sampling.RuleSampler;
import io.sluice.testing.etcd.EtcdExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK wired as {@code sdk/README.md} wires it ("Sampling, propagation and breakers by hand"),
 * in an app that calls a real HTTP server on loopback with the JDK client, its rules from a real
 * etcd: one rule document written to etcd decides which spans are kept, opens a breaker over a
 * failing dependency, and shows in the app's status key; the outgoing calls carry W3C and B3
 * headers of the same trace. Each part has its own tests; this one checks they work together the
 * way the README tells a user to put them together.
 */
class SdkQuickStartIT {

  private static final Duration AWAIT = Duration.ofSeconds(30);
  private static final String SERVICE = "quickstart";

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  @TempDir Path stateDir;

  private final AtomicInteger answer = new AtomicInteger(200);
  private final List<Map<String, String>> received = new CopyOnWriteArrayList<>();
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final InMemoryMetricReader metrics = InMemoryMetricReader.create();
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpServer server;
  private ActiveRulesHolder rules;
  private OpenTelemetrySdk otel;
  private BreakerRegistry breakers;
  private ConfiguredRules live;

  @BeforeEach
  void startAppAndDependency() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          received.add(
              Map.of(
                  "traceparent", headerOf(exchange.getRequestHeaders().getFirst("traceparent")),
                  "X-B3-TraceId", headerOf(exchange.getRequestHeaders().getFirst("X-B3-TraceId"))));
          exchange.sendResponseHeaders(answer.get(), -1);
          exchange.close();
        });
    server.start();

    // as the README shows it
    rules = new ActiveRulesHolder(ActiveRules.defaults(SERVICE));
    SdkMeterProvider meters = SdkMeterProvider.builder().registerMetricReader(metrics).build();
    SdkTracerProvider tracing =
        SdkTracerProvider.builder()
            .setSampler(RuleSampler.create(rules))
            .addSpanProcessor(SimpleSpanProcessor.create(spans))
            .build();
    otel =
        OpenTelemetrySdk.builder()
            .setTracerProvider(tracing)
            .setMeterProvider(meters)
            .setPropagators(SluicePropagators.create())
            .build();
    breakers = BreakerRegistry.builder(rules).meterProvider(meters).build();
    SluiceConfig config =
        SluiceConfig.fromProperties(
            Map.of(
                    "sluice.etcd.endpoints", etcd.endpoint(),
                    "sluice.state.dir", stateDir.toString(),
                    "otel.service.name", SERVICE)
                ::get);
    live =
        ConfiguredRules.builder(config, rules)
            .instanceId("quickstart-1")
            .breakers(breakers::breakerStates)
            .topTargets(() -> breakers.topTargets(10))
            .build();
    breakers.addTransitionListener(live::requestStatusUpdate);
    live.start();
  }

  @AfterEach
  void stop() {
    if (live != null) {
      live.close();
    }
    if (breakers != null) {
      breakers.close();
    }
    if (otel != null) {
      otel.close();
    }
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void oneDocumentInEtcdSamplesGuardsAndReportsTheAppsCalls() throws Exception {
    int port = server.getAddress().getPort();
    long revision =
        etcd.server()
            .put(
                new EtcdKeys(EtcdKeys.DEFAULT_NAMESPACE).rules(SERVICE),
                """
                {"schemaVersion": 1, "service": "quickstart",
                 "sampling": {"defaultRatio": 0.0,
                   "rules": [{"name": "checkouts", "match": {"spanName": "checkout*"}, \
                "ratio": 1.0}]},
                 "breakers": [{"name": "stock", "match": {"host": "127.0.0.1", "port": %s},
                   "failureRateThreshold": 50, "slidingWindow": {"type": "COUNT", "size": 4},
                   "minimumCalls": 4, "waitInOpenState": "5m", "failureStatusCodes": ["5xx"],
                   "onOpen": {"mode": "error"}}]}
                """
                    .formatted(port));
    await().atMost(AWAIT).until(() -> rules.current().revision() == revision);
    Tracer tracer = otel.getTracer("quickstart");
    URI stock = URI.create("http://127.0.0.1:" + port + "/stock/42");

    // a checkout is kept by its rule, and its call carries both header sets of its trace
    Span checkout = tracer.spanBuilder("checkout order").setSpanKind(SpanKind.SERVER).startSpan();
    try (Scope ignored = checkout.makeCurrent()) {
      assertThat(call(stock)).isEqualTo(200);
    } finally {
      checkout.end();
    }
    String traceId = checkout.getSpanContext().getTraceId();
    assertThat(checkout.getSpanContext().isSampled()).isTrue();
    assertThat(received.get(0).get("traceparent")).contains(traceId);
    assertThat(received.get(0).get("X-B3-TraceId")).isEqualTo(traceId);
    // anything else falls to the default ratio 0: not kept
    Span other = tracer.spanBuilder("GET /health").setSpanKind(SpanKind.SERVER).startSpan();
    other.end();
    assertThat(other.getSpanContext().isSampled()).isFalse();

    // the dependency fails: with three failures in its window of four calls (75 % > 50 %) the
    // breaker opens and refuses the next call
    answer.set(503);
    for (int i = 0; i < 3; i++) {
      assertThat(call(stock)).isEqualTo(503);
    }
    int before = received.size();
    Span refused = tracer.spanBuilder("checkout refused").setSpanKind(SpanKind.SERVER).startSpan();
    Rejection rejection;
    try (Scope ignored = refused.makeCurrent();
        GuardedCall call = breakers.start(stock, "GET")) {
      assertThat(call.permitted()).isFalse();
      rejection = call.rejection();
    } finally {
      refused.end();
    }
    assertThat(received).as("a refused call never leaves the app").hasSize(before);
    assertThat(rejection.policy()).isEqualTo("stock");
    assertThat(rejection.breakerKey()).isEqualTo("127.0.0.1:" + port);
    assertThat(rejection.message()).contains("stock");
    SpanData refusedData = exported("checkout refused");
    assertThat(refusedData.getEvents())
        .extracting(event -> event.getName())
        .contains("sluice.breaker.rejected");
    assertThat(
            exported("checkout order")
                .getAttributes()
                .get(AttributeKey.stringKey("sluice.sampling.rule")))
        .isEqualTo("checkouts");

    // the breaker's state is a metric, and the status key in etcd shows it and the target
    assertThat(breakerStateGauge("127.0.0.1:" + port)).contains(1L);
    try (Client reader =
        EtcdClientFactory.create(
            SluiceConfig.builder().addEtcdEndpoint(etcd.endpoint()).serviceName("x").build())) {
      ByteSequence key =
          ByteSequence.from(
              new EtcdKeys(EtcdKeys.DEFAULT_NAMESPACE).agent(SERVICE, "quickstart-1"),
              StandardCharsets.UTF_8);
      await()
          .atMost(AWAIT)
          .until(
              () ->
                  status(reader, key)
                      .filter(s -> s.appliedRevision() == revision)
                      .filter(
                          s ->
                              s.breakers().stream()
                                  .anyMatch(
                                      b -> b.policy().equals("stock") && b.state().equals("OPEN")))
                      .filter(
                          s ->
                              s.topTargets().stream()
                                  .anyMatch(
                                      t ->
                                          t.target().equals("127.0.0.1:" + port)
                                              && "stock".equals(t.coveredBy())
                                              && t.errorsPerMinute() >= 3))
                      .isPresent());
    }
  }

  /** One outgoing call as the README writes it: guarded, with the trace headers injected. */
  private int call(URI url) throws IOException, InterruptedException {
    try (GuardedCall call = breakers.start(url, "GET")) {
      if (!call.permitted()) {
        throw new IOException(call.rejection().message());
      }
      HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10));
      otel.getPropagators()
          .getTextMapPropagator()
          .inject(Context.current(), request, HttpRequest.Builder::header);
      try {
        int status =
            http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        call.onResponse(status);
        return status;
      } catch (IOException | RuntimeException e) {
        call.onError(e);
        throw e;
      }
    }
  }

  private SpanData exported(String name) {
    return spans.getFinishedSpanItems().stream()
        .filter(span -> span.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no span " + name + " exported"));
  }

  private Optional<Long> breakerStateGauge(String key) {
    for (MetricData metric : metrics.collectAllMetrics()) {
      if (metric.getName().equals("sluice.breaker.state")) {
        return metric.getLongGaugeData().getPoints().stream()
            .filter(
                p ->
                    key.equals(p.getAttributes().get(AttributeKey.stringKey("sluice.breaker.key"))))
            .map(LongPointData::getValue)
            .findFirst();
      }
    }
    return Optional.empty();
  }

  private static Optional<AgentStatus> status(Client reader, ByteSequence key) throws Exception {
    return reader.getKVClient().get(key).get(AWAIT.toSeconds(), TimeUnit.SECONDS).getKvs().stream()
        .flatMap(kv -> AgentStatusCodec.parse(kv.getValue().getBytes()).stream())
        .findFirst();
  }

  private static String headerOf(String value) {
    return value == null ? "" : value;
  }
}
