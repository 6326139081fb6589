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

  /**
   * The text a double attribute is matched by, the same a rule's number becomes: a whole number in
   * the range of {@code long} as an integer ({@code 2.0} is {@code "2"}, as a long attribute 2 and
   * the rule values {@code 2}, {@code 2.0} and {@code 2e0} are), anything else as {@link
   * Double#toString(double)} ({@code "0.25"}, {@code "1.5E-7"}).
   */
  static String doubleText(double value) {
    // The range of a long is [-2^63, 2^63): -2^63 is Long.MIN_VALUE, 2^63 is past Long.MAX_VALUE
    if (value == Math.rint(value) && value >= -0x1p63 && value < 0x1p63) {
      return Long.toString((long) value);
    }
    return Double.toString(value);
  }
}
