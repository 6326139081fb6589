package io.sluice.javaagent;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.sluice.sdk.breaker.BreakerSpans;
import io.sluice.sdk.breaker.Rejection;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The CLIENT span of a call a breaker rejected, for HTTP clients whose agent instrumentation starts
 * its span only when the request leaves the process (Vert.x; OkHttp's synthetic responses). Named
 * and attributed like the agent's HTTP client spans ({@code {method}}, {@code http.request.method},
 * {@code server.address}, {@code server.port}, {@code url.full}, and {@code error.type} or {@code
 * http.response.status_code}), a child of the current span, carrying the {@code
 * sluice.breaker.rejected} event and an error status, so a rejected call shows in the trace where
 * the call would have been.
 */
final class RejectedCallSpan {

  private static final Logger logger = Logger.getLogger(RejectedCallSpan.class.getName());
  private static final String SCOPE = "io.sluice.javaagent";
  private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<String> ADDRESS = AttributeKey.stringKey("server.address");
  private static final AttributeKey<Long> PORT = AttributeKey.longKey("server.port");
  private static final AttributeKey<String> URL = AttributeKey.stringKey("url.full");
  private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  private static final AttributeKey<Long> STATUS =
      AttributeKey.longKey("http.response.status_code");
  private static volatile boolean failureLogged;

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
      Span span =
          GlobalOpenTelemetry.getTracer(SCOPE)
              .spanBuilder(method)
              .setSpanKind(SpanKind.CLIENT)
              .setAttribute(METHOD, method)
              .setAttribute(ADDRESS, host)
              .setAttribute(PORT, (long) port)
              .setAttribute(URL, url)
              .startSpan();
      if (status > 0) {
        span.setAttribute(STATUS, (long) status);
        if (status >= 400) {
          span.setAttribute(ERROR_TYPE, Integer.toString(status));
        }
      } else if (errorType != null) {
        span.setAttribute(ERROR_TYPE, errorType);
      }
      BreakerSpans.recordRejection(span, rejection);
      span.end();
    } catch (RuntimeException | LinkageError e) {
      if (!failureLogged) {
        failureLogged = true;
        logger.log(Level.WARNING, "could not record a rejected call's span", e);
      }
    }
  }
}
