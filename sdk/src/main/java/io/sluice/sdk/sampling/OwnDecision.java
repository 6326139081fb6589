package io.sluice.sdk.sampling;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.TraceStateBuilder;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;

/**
 * The immutable result of a decision {@link RuleBasedSampler} made itself (a rule or the default
 * ratio, not the parent's flag). Such a decision is not described by a parent's consistent
 * probability threshold ({@code th} in the {@code ot} tracestate entry), so, as OpenTelemetry's
 * tracestate probability sampling requires of stages whose probability {@code th} does not
 * describe, the {@code th} sub-key is erased; every other sub-key ({@code rv} included) and entry
 * is kept. A parent tracestate without an {@code ot} entry is returned as it is (no allocation).
 */
final class OwnDecision implements SamplingResult {

  private static final String OT = "ot";

  static final SamplingResult DROP = new OwnDecision(SamplingDecision.DROP, Attributes.empty());

  private final SamplingDecision decision;
  private final Attributes attributes;

  private OwnDecision(SamplingDecision decision, Attributes attributes) {
    this.decision = decision;
    this.attributes = attributes;
  }

  /** A kept span with these attributes. */
  static SamplingResult keep(Attributes attributes) {
    return new OwnDecision(SamplingDecision.RECORD_AND_SAMPLE, attributes);
  }

  @Override
  public SamplingDecision getDecision() {
    return decision;
  }

  @Override
  public Attributes getAttributes() {
    return attributes;
  }

  @Override
  public TraceState getUpdatedTraceState(TraceState parentTraceState) {
    String ot = parentTraceState.get(OT);
    if (ot == null) {
      return parentTraceState;
    }
    String rest = withoutThreshold(ot);
    if (rest.equals(ot)) {
      return parentTraceState;
    }
    // removed before it is put back: at W3C's 32 entries OpenTelemetry's builder ignores a put
    // (even of a key it holds), and the threshold would stay
    TraceStateBuilder builder = parentTraceState.toBuilder().remove(OT);
    return rest.isEmpty() ? builder.build() : builder.put(OT, rest).build();
  }

  /** The {@code ot} value without its {@code th} sub-key ({@code key:value;key:value}). */
  static String withoutThreshold(String ot) {
    StringBuilder out = new StringBuilder(ot.length());
    int start = 0;
    while (start <= ot.length()) {
      int end = ot.indexOf(';', start);
      if (end < 0) {
        end = ot.length();
      }
      String member = ot.substring(start, end);
      if (!member.startsWith("th:") && !member.isEmpty()) {
        if (out.length() > 0) {
          out.append(';');
        }
        out.append(member);
      }
      start = end + 1;
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return "OwnDecision{" + decision + ", " + attributes + "}";
  }
}
