package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.etcd.EtcdExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The behaviour every instrumented HTTP client must show under the Sluice agent, run once per
 * client style (a subclass names it). One forked app JVM, one etcd, one downstream server and one
 * OTLP receiver per client: scenarios share them and leave them as they found them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractHttpClientIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  Downstream downstream;
  OtlpReceiver otlp;
  AgentApp app;
  Path stateDir;

  /** The test app's name for the client style under test. */
  abstract String client();

  String service() {
    return "it-" + client();
  }

  @BeforeAll
  void startApp() throws Exception {
    downstream = Downstream.start();
    otlp = OtlpReceiver.start();
    stateDir = Files.createTempDirectory("sluice-state");
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("otel.service.name", service());
    properties.put("otel.exporter.otlp.endpoint", otlp.endpoint());
    properties.put("otel.exporter.otlp.protocol", "http/protobuf");
    properties.put("otel.metrics.exporter", "none");
    properties.put("otel.logs.exporter", "none");
    properties.put("otel.bsp.schedule.delay", "100");
    properties.put("sluice.etcd.endpoints", etcd.endpoint());
    properties.put("sluice.state.dir", stateDir.toString());
    app = AgentApp.start(AgentApp.sluiceAgentJar(), properties);
  }

  @AfterAll
  void stopApp() {
    if (app != null) {
      app.close();
    }
    if (otlp != null) {
      otlp.close();
    }
    if (downstream != null) {
      downstream.close();
    }
  }

  static Stream<Arguments> incomingTraceHeaders() {
    return Stream.of(
        Arguments.of(
            Named.of(
                "B3 multi-header",
                (HeaderFormat)
                    (trace, span) ->
                        Map.of("X-B3-TraceId", trace, "X-B3-SpanId", span, "X-B3-Sampled", "1"))),
        Arguments.of(
            Named.of(
                "B3 single-header",
                (HeaderFormat) (trace, span) -> Map.of("b3", trace + "-" + span + "-1"))),
        Arguments.of(
            Named.of(
                "W3C trace context",
                (HeaderFormat)
                    (trace, span) -> Map.of("traceparent", "00-" + trace + "-" + span + "-01"))));
  }

  /** How a caller passes its trace context. */
  interface HeaderFormat {
    Map<String, String> headers(String traceId, String spanId);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("incomingTraceHeaders")
  void outgoingCallCarriesIncomingTraceInW3cAndB3(HeaderFormat format) throws Exception {
    String traceId = randomHex(16);
    AppAnswer answer =
        app.call(
            client(), "GET", downstream.url("/propagation"), format.headers(traceId, randomHex(8)));

    assertThat(answer.failed()).as("call failed: %s\n%s", answer.error(), app.log()).isFalse();
    assertThat(answer.status()).isEqualTo(200);
    assertThat(downstream.lastHeader("traceparent")).startsWith("00-" + traceId + "-");
    assertThat(downstream.lastHeader("X-B3-TraceId")).isEqualTo(traceId);
  }

  static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    ThreadLocalRandom.current().nextBytes(random);
    random[0] |= 1; // never all zero: an invalid id would be ignored
    return HexFormat.of().formatHex(random);
  }
}
