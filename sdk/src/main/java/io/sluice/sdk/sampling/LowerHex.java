package io.sluice.sdk.sampling;

import java.util.Arrays;

/**
 * Reads the lowercase hex digits of W3C trace ids and of OpenTelemetry's tracestate probability
 * values ({@code th}, {@code rv}), which allow no uppercase: one definition for the ratio decision
 * and the threshold check, which must agree on what a digit is.
 *
 * <p>A digit is looked up in a table rather than told by range checks: trace ids are random, so
 * whether a digit is a number or a letter is a coin toss the processor cannot predict, and every
 * mispredicted branch cost more than the lookup.
 */
final class LowerHex {

  private static final byte[] DIGITS = digits();

  private LowerHex() {}

  /** The value of {@code c} as a lowercase hex digit, or -1 when it is none. */
  static int digit(char c) {
    return c < DIGITS.length ? DIGITS[c] : -1;
  }

  private static byte[] digits() {
    byte[] digits = new byte['f' + 1];
    Arrays.fill(digits, (byte) -1);
    for (char c = '0'; c <= '9'; c++) {
      digits[c] = (byte) (c - '0');
    }
    for (char c = 'a'; c <= 'f'; c++) {
      digits[c] = (byte) (c - 'a' + 10);
    }
    return digits;
  }
}
