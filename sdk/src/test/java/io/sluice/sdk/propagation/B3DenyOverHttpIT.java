package io.sluice.sdk.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.SamplingPolicy;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.sampling.RuleSampler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * B3's bare "deny" over real HTTP on loopback: a caller sends a request whose only trace header is
 * a sampling decision to an app wired as {@code sdk/README.md} wires it (rules that keep every span
 * and respect the parent's decision), which starts a SERVER span in the context it extracts and
 * calls a dependency with the headers injected. A deny keeps the span out of the export, and the
 * dependency receives an unsampled trace of fresh ids in W3C and B3 alike, so the deny holds
 * downstream; what is not a deny is kept and goes on sampled.
 */
class B3DenyOverHttpIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final String CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c";

  private static final TextMapGetter<Headers> HEADERS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers carrier) {
          return carrier.keySet();
        }

        @Override
        public String get(Headers carrier, String key) {
          return carrier.getFirst(key); // Headers compares names without case
        }
      };

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final List<Headers> dependencyReceived = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

  private OpenTelemetrySdk otel;
  private HttpServer dependency;
  private HttpServer app;

  @BeforeEach
  void start() throws IOException {
    ActiveRulesHolder rules =
        new ActiveRulesHolder(
            new ActiveRules(
                CompiledRules.compile(
                    new RuleDocument(
                        1, "orders", new SamplingPolicy(1.0, true, List.of()), List.of())),
                1,
                ActiveRules.Source.ETCD));
    otel =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .setSampler(RuleSampler.create(rules))
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .setPropagators(SluicePropagators.create())
            .build();
    dependency = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    dependency.createContext(
        "/",
        exchange -> {
          dependencyReceived.add(exchange.getRequestHeaders());
          answer(exchange, 200);
        });
    dependency.start();
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext("/", this::serve);
    app.start();
  }

  @AfterEach
  void stop() {
    if (app != null) {
      app.stop(0);
    }
    if (dependency != null) {
      dependency.stop(0);
    }
    if (otel != null) {
      otel.close();
    }
  }

  /** The app: a SERVER span in the extracted context, and one call to the dependency in it. */
  private void serve(HttpExchange exchange) throws IOException {
    TextMapPropagator propagator = otel.getPropagators().getTextMapPropagator();
    Context extracted = propagator.extract(Context.root(), exchange.getRequestHeaders(), HEADERS);
    Tracer tracer = otel.getTracer("b3-deny");
    Span server =
        tracer
            .spanBuilder("GET /orders")
            .setSpanKind(SpanKind.SERVER)
            .setParent(extracted)
            .startSpan();
    int status;
    try (Scope ignored = server.makeCurrent()) {
      HttpRequest.Builder call =
          HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + dependency.getAddress().getPort() + "/stock"))
              .timeout(TIMEOUT);
      propagator.inject(Context.current(), call, HttpRequest.Builder::header);
      status = http.send(call.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status = 500;
    } finally {
      server.end();
    }
    answer(exchange, status);
  }

  private static void answer(HttpExchange exchange, int status) throws IOException {
    exchange.sendResponseHeaders(status, -1);
    exchange.close();
  }

  static Stream<Arguments> requests() {
    String sampledTraceparent = "00-" + CALLER_TRACE + "-b7ad6b7169203331-01";
    return Stream.of(
        Arguments.of("b3: 0", Map.of("b3", "0"), false),
        Arguments.of("X-B3-Sampled: 0", Map.of("X-B3-Sampled", "0"), false),
        Arguments.of("X-B3-Sampled: false", Map.of("X-B3-Sampled", "false"), false),
        Arguments.of("no trace headers", Map.of(), true),
        Arguments.of("b3: 1 (the rules decide)", Map.of("b3", "1"), true),
        Arguments.of("b3: d (the rules decide)", Map.of("b3", "d"), true),
        Arguments.of(
            "b3: 0 beside a sampled traceparent (W3C wins)",
            Map.of("b3", "0", "traceparent", sampledTraceparent),
            true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requests")
  void aBareB3DenyIsHonouredAndCarriedDownstream(
      String name, Map<String, String> headers, boolean kept) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.getAddress().getPort() + "/"))
            .timeout(TIMEOUT);
    headers.forEach(request::header);

    int status = http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();

    assertThat(status).isEqualTo(200);
    // the app answers once its span ended, and SimpleSpanProcessor exports at the end
    List<SpanData> exported = spans.getFinishedSpanItems();
    assertThat(exported).as("spans exported").hasSize(kept ? 1 : 0);
    assertThat(dependencyReceived).hasSize(1);
    Headers downstream = dependencyReceived.get(0);
    String traceparent = downstream.getFirst("traceparent");
    String[] parts = traceparent.split("-");
    String traceId = parts[1];
    // the flags' lowest bit is "sampled" (a new trace's ids also set 02, "random")
    assertThat(Integer.parseInt(parts[3], 16) & 1)
        .as("sampled flag of traceparent %s sent downstream", traceparent)
        .isEqualTo(kept ? 1 : 0);
    assertThat(downstream.getFirst("X-B3-TraceId")).isEqualTo(traceId);
    assertThat(downstream.getFirst("X-B3-Sampled")).isEqualTo(kept ? "1" : "0");
    if (kept) {
      assertThat(exported.get(0).getTraceId()).isEqualTo(traceId);
    }
    if (headers.containsKey("traceparent")) {
      assertThat(traceId).isEqualTo(CALLER_TRACE);
    } else {
      assertThat(TraceId.isValid(traceId)).as("a new trace: %s", traceId).isTrue();
    }
  }
}
