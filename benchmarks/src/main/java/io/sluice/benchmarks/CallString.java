package io.sluice.benchmarks;

import org.openjdk.jmh.infra.Blackhole;

/**
 * A string a benchmark hands to the code it measures on every call, made as a {@code constant} or
 * {@code per-call} parameter says: one string literal (its hash cached, and often the very key a
 * lookup stored, so the lookup can succeed on identity), or a new equal string each time, as an app
 * builds a span name or parses a host from each request. A fresh string escapes to the blackhole,
 * so that neither side of a comparison can have its allocation optimized away.
 */
final class CallString {

  private final String constant;
  private final char[] chars;
  private final boolean perCall;

  private CallString(String constant, boolean perCall) {
    this.constant = constant;
    this.chars = constant.toCharArray();
    this.perCall = perCall;
  }

  /**
   * {@code value} as the parameter {@code param} says how: {@code constant} or {@code per-call}.
   *
   * @throws IllegalArgumentException for any other {@code how}
   */
  static CallString of(String param, String how, String value) {
    return switch (how) {
      case "constant" -> new CallString(value, false);
      case "per-call" -> new CallString(value, true);
      default ->
          throw new IllegalArgumentException(param + " must be constant or per-call, not " + how);
    };
  }

  /** The string for this call. */
  String next(Blackhole blackhole) {
    if (!perCall) {
      return constant;
    }
    String fresh = new String(chars);
    blackhole.consume(fresh);
    return fresh;
  }
}
