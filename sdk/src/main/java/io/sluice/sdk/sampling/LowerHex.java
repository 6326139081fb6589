package io.sluice.sdk.sampling;

/**
 * Reads the lowercase hex digits of W3C trace ids and of OpenTelemetry's tracestate probability
 * values ({@code th}, {@code rv}), which allow no uppercase: one definition for the ratio decision
 * and the threshold check, which must agree on what a digit is.
 */
final class LowerHex {

  private LowerHex() {}

  /** The value of {@code c} as a lowercase hex digit, or -1 when it is none. */
  static int digit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
  }
}
