package io.sluice.rules;

/**
 * Reads a span's start attribute for {@link CompiledRules#samplingRuleIndex}, in whatever
 * representation the caller holds its attributes.
 *
 * <p>Keys are passed by index into {@link CompiledRules#attributeKeys()}, so a reader can resolve
 * each key once per compiled snapshot (e.g. to an OpenTelemetry {@code AttributeKey}) and look
 * values up on the hot path without allocating.
 *
 * @param <A> the caller's attribute container
 */
@FunctionalInterface
public interface AttributeReader<A> {

  /**
   * The attribute's value as a string, or {@code null} when absent.
   *
   * @param attributes the span's attributes
   * @param keyIndex index of the key in {@link CompiledRules#attributeKeys()}
   */
  String read(A attributes, int keyIndex);
}
