package io.sluice.sdk.sampling;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;

/**
 * The immutable result of a decision {@link RuleBasedSampler} made itself (a rule or the default
 * ratio, not the parent's flag), or of following a sampled parent whose threshold does not hold
 * ({@link ParentThreshold}). Such a decision is not described by a parent's consistent probability
 * threshold ({@code th} in the {@code ot} tracestate entry), so, as OpenTelemetry's tracestate
 * probability sampling requires of stages whose probability {@code th} does not describe, the
 * {@code th} sub-key is erased; every other sub-key ({@code rv} included) and entry is kept, and
 * the modified {@code ot} entry moves to the front, as W3C asks of a modified entry. A parent
 * tracestate without a threshold is returned as it is (no allocation).
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
    if (ot == null || !hasThreshold(ot)) {
      return parentTraceState; // nothing to erase: no allocation
    }
    String rest = withoutThreshold(ot);
    TraceState without = parentTraceState.toBuilder().remove(OT).build();
    // put into a state without it, so that it goes first, as W3C asks of a modified entry (a put
    // over the key in the same builder keeps its place), and so that at W3C's 32 entries
    // OpenTelemetry's builder does not ignore the put, which would leave the threshold in place
    return rest.isEmpty() ? without : without.toBuilder().put(OT, rest).build();
  }

  /**
   * Whether the {@code ot} value holds a {@code th} sub-key, also after a space W3C's value allows
   * ({@code rv:...; th:8}), as {@link #withoutThreshold} reads it.
   */
  private static boolean hasThreshold(String ot) {
    return ot.startsWith("th:") || ot.contains(";th:") || ot.contains(" th:");
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
      // stripped: a value W3C allows may hold spaces that ot's grammar does not, and the value
      // put back may not end with one (OpenTelemetry would ignore the put, losing rv)
      String member = ot.substring(start, end).strip();
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
