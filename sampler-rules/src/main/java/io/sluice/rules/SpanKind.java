package io.sluice.rules;

/**
 * The kind of a span, as OpenTelemetry defines it. Kept here so the rule language depends on
 * nothing but Jackson; the SDK maps it one to one.
 */
public enum SpanKind {
  INTERNAL,
  SERVER,
  CLIENT,
  PRODUCER,
  CONSUMER
}
