package io.sluice.javaagent;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.instrumentation.api.instrumenter.AttributesExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpClientAttributesExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpClientAttributesGetter;
import io.sluice.sdk.FirstFailureLog;
import io.sluice.sdk.breaker.BreakerSpans;
import io.sluice.sdk.breaker.Rejection;
import java.util.List;
import java.util.logging.Logger;

/**
 * The CLIENT span of a call a breaker rejected, for HTTP clients whose agent instrumentation starts
 * its span only when the request leaves the process (Vert.x; OkHttp's synthetic responses). Named
 * and attributed like the agent's HTTP client spans, by the agent's own HTTP client attributes
 * extractor ({@code {method}}, {@code http.request.method}, {@code server.address}, {@code
 * server.port}, {@code url.full} without credentials and with signed query parameters redacted, and
 * {@code error.type} or {@code http.response.status_code}), a child of the current span, with an
 * error status, so a rejected call shows in the trace where the call would have been. It carries
 * the {@code sluice.breaker.rejected} event only when the current span does not: the registry
 * records the rejection on the span current when it rejects (a recording one), and each rejected
 * call is one event in the trace, not two.
 */
final class RejectedCallSpan {

  private static final Logger logger = Logger.getLogger(RejectedCallSpan.class.getName());
  private static final String SCOPE = "io.sluice.javaagent";
  private static final FirstFailureLog failureLog =
      new FirstFailureLog(logger, "could not record a rejected call's span");

  private final Rejection rejection;
  private final String host;
  private final int port;
  private final String method;

  RejectedCallSpan(Rejection rejection, String host, int port, String method) {
    this.rejection = rejection;
    this.host = host;
    this.port = port;
    this.method = method;
  }

  /**
   * Starts and ends the span. Never throws.
   *
   * @param url the call's full URL
   * @param status the synthetic response's status, or 0 when the call fails
   * @param errorType the exception type the call fails with, or {@code null}
   */
  void record(String url, int status, String errorType) {
    try {
      RejectedRequest request = new RejectedRequest(method, url, host, port, errorType);
      Integer response = status > 0 ? status : null;
      Context parent = Context.current();
      AttributesBuilder attributes = Attributes.builder();
      Extractor.ATTRIBUTES.onStart(attributes, parent, request);
      Extractor.ATTRIBUTES.onEnd(attributes, parent, request, response, null);
      Span span =
          GlobalOpenTelemetry.getTracer(SCOPE)
              .spanBuilder(method)
              .setParent(parent)
              .setSpanKind(SpanKind.CLIENT)
              .setAllAttributes(attributes.build())
              .startSpan();
      BreakerSpans.recordRejectedCall(span, Span.fromContext(parent), rejection);
      span.end();
    } catch (RuntimeException | LinkageError e) {
      failureLog.log(e);
    }
  }

  /** What the attributes extractor reads of a rejected call. */
  private record RejectedRequest(
      String method, String url, String host, int port, String errorType) {}

  /** Built on first use, so that a failure to build it is caught where it is used. */
  private static final class Extractor {
    static final AttributesExtractor<RejectedRequest, Integer> ATTRIBUTES =
        HttpClientAttributesExtractor.create(new Getter());
  }

  /** A rejected call as the agent's HTTP client attributes see a request; the response a status. */
  private static final class Getter
      implements HttpClientAttributesGetter<RejectedRequest, Integer> {

    @Override
    public String getUrlFull(RejectedRequest request) {
      return request.url();
    }

    @Override
    public String getServerAddress(RejectedRequest request) {
      return request.host();
    }

    @Override
    public Integer getServerPort(RejectedRequest request) {
      return request.port();
    }

    @Override
    public String getHttpRequestMethod(RejectedRequest request) {
      return request.method();
    }

    @Override
    public List<String> getHttpRequestHeader(RejectedRequest request, String name) {
      return List.of();
    }

    @Override
    public Integer getHttpResponseStatusCode(
        RejectedRequest request, Integer status, Throwable error) {
      return status;
    }

    @Override
    public List<String> getHttpResponseHeader(
        RejectedRequest request, Integer status, String name) {
      return List.of();
    }

    @Override
    public String getErrorType(RejectedRequest request, Integer status, Throwable error) {
      return request.errorType();
    }
  }
}
