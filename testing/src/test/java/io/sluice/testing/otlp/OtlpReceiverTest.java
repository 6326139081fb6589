package io.sluice.testing.otlp;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The receiver decodes what the OpenTelemetry SDK's own OTLP/HTTP exporter sends, and makes an
 * export it cannot read impossible to miss.
 */
class OtlpReceiverTest {

  @Test
  void decodesSpansTheSdkExports() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      OtlpHttpSpanExporter exporter =
          OtlpHttpSpanExporter.builder()
              .setEndpoint(receiver.endpoint() + "/v1/traces")
              .setCompression("gzip")
              .build();
      String traceId;
      String parentId;
      try (SdkTracerProvider tracing =
          SdkTracerProvider.builder()
              .setResource(
                  Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "orders")))
              .addSpanProcessor(SimpleSpanProcessor.create(exporter))
              .build()) {
        Tracer tracer = tracing.get("test");
        Span parent = tracer.spanBuilder("POST /orders").setSpanKind(SpanKind.SERVER).startSpan();
        traceId = parent.getSpanContext().getTraceId();
        parentId = parent.getSpanContext().getSpanId();
        try (Scope ignored = parent.makeCurrent()) {
          Span child =
              tracer
                  .spanBuilder("POST")
                  .setSpanKind(SpanKind.CLIENT)
                  .setAttribute("http.request.method", "POST")
                  .setAttribute("server.port", 8080L)
                  .setAttribute("sluice.sampling.probability", 0.25)
                  .setAttribute(AttributeKey.booleanKey("retried"), true)
                  .setAttribute(
                      AttributeKey.stringArrayKey("http.request.header.x-b3-traceid"),
                      List.of("abc"))
                  .startSpan();
          child.addEvent("sluice.breaker.rejected");
          child.setStatus(StatusCode.ERROR, "open");
          child.end();
        }
        parent.end();
        tracing.forceFlush().join(10, TimeUnit.SECONDS);
      }

      assertThat(receiver.spans()).hasSize(2);
      OtlpReceiver.ReceivedSpan client =
          receiver.spans(traceId).stream()
              .filter(s -> s.kind() == OtlpReceiver.ReceivedSpan.KIND_CLIENT)
              .findFirst()
              .orElseThrow();
      assertThat(client.service()).isEqualTo("orders");
      assertThat(client.name()).isEqualTo("POST");
      assertThat(client.parentSpanId()).isEqualTo(parentId);
      assertThat(client.spanId()).hasSize(16);
      assertThat(client.startEpochNanos()).isPositive();
      assertThat(client.statusCode()).isEqualTo(OtlpReceiver.ReceivedSpan.STATUS_ERROR);
      assertThat(client.events()).containsExactly("sluice.breaker.rejected");
      assertThat(client.attributes())
          .containsEntry("http.request.method", "POST")
          .containsEntry("server.port", "8080")
          .containsEntry("sluice.sampling.probability", "0.25")
          .containsEntry("retried", "true");
      assertThat(client.requestHeader("x-b3-traceid")).isEqualTo("abc");

      OtlpReceiver.ReceivedSpan server =
          receiver.spans(s -> s.kind() == OtlpReceiver.ReceivedSpan.KIND_SERVER).get(0);
      assertThat(server.parentSpanId()).isEmpty();
      assertThat(server.statusCode()).isZero();
      assertThat(receiver.count(s -> s.traceId().equals(traceId))).isEqualTo(2);

      receiver.clear();
      assertThat(receiver.spans()).isEmpty();
      assertThat(receiver.errors()).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unreadableExports")
  void answers400ToAnUnreadableExportAndFailsEveryReadOfSpansWithTheReason(
      String encoding, byte[] body, String reason) throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(receiver.endpoint() + "/v1/traces"))
              .header("Content-Type", "application/x-protobuf")
              .POST(HttpRequest.BodyPublishers.ofByteArray(body));
      if (encoding != null) {
        request.header("Content-Encoding", encoding);
      }
      HttpResponse<Void> response =
          HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.discarding());

      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(receiver.errors()).singleElement(as(STRING)).contains(reason);
      assertThatThrownBy(receiver::spans)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("spans are missing")
          .hasMessageContaining(reason);
      assertThatThrownBy(() -> receiver.count(span -> true)).hasMessageContaining(reason);
      receiver.clear();
      assertThatThrownBy(() -> receiver.spans("0af7651916cd43dd8448eb211c80319c"))
          .as("clear() does not bring back the lost spans")
          .hasMessageContaining(reason);
    }
  }

  static Stream<Arguments> unreadableExports() {
    // field 1 (resource_spans), length-delimited, announcing 100 bytes and sending 1
    byte[] truncated = {0x0a, 0x64, 0x00};
    return Stream.of(
        Arguments.of(Named.of("protobuf cut short", null), truncated, "InvalidProtocolBuffer"),
        Arguments.of(Named.of("gzip that is not gzip", "gzip"), truncated, "ZipException"));
  }
}
