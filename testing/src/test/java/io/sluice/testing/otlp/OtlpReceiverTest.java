package io.sluice.testing.otlp;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The receiver decodes what the OpenTelemetry SDK's own OTLP/HTTP exporter sends. */
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
    }
  }
}
