package io.sluice.sdk.sampling;

import io.opentelemetry.api.trace.TraceState;

/**
 * Checks a sampled parent's consistent probability threshold ({@code th} in the {@code ot}
 * tracestate entry) before the sampler follows the parent's flag and passes the entry on. A span
 * kept with threshold {@code T} has a randomness {@code R >= T} ({@code R} is the explicit {@code
 * rv}, else the trace id's lowest 56 bits); a sampled parent whose {@code th} says otherwise, or
 * whose {@code th} is no threshold at all, was not sampled the way it claims, and OpenTelemetry's
 * tracestate probability sampling asks a stage that meets such a {@code th} to erase it rather than
 * let collectors extrapolate counts from it. What cannot be checked (an {@code rv} that is no
 * randomness value) is passed on as it came: only a {@code th} shown wrong is erased.
 *
 * <p>Reads the entry in place: nothing is allocated, whatever the answer.
 */
final class ParentThreshold {

  private static final String OT = "ot";

  /** Hex digits of a threshold or randomness value: 56 bits. */
  private static final int DIGITS = 14;

  private ParentThreshold() {}

  /**
   * Whether the {@code th} of a sampled parent's tracestate may travel on: true without an {@code
   * ot} entry or without a {@code th} in it, and when {@code th} is a threshold its randomness
   * meets; false when {@code th} is malformed or the randomness is below it.
   *
   * @param traceState the parent's tracestate
   * @param traceId the trace id, 32 lowercase hex digits (OpenTelemetry's, already validated)
   */
  static boolean holds(TraceState traceState, String traceId) {
    String ot = traceState.get(OT);
    if (ot == null) {
      return true;
    }
    int th = valueOf(ot, 't', 'h');
    if (th < 0) {
      return true;
    }
    long threshold = threshold(ot, th);
    if (threshold < 0) {
      return false; // no threshold: not the probability the parent was sampled with
    }
    long randomness;
    int rv = valueOf(ot, 'r', 'v');
    if (rv < 0) {
      if (traceId.length() < DIGITS) {
        return true; // no trace id OpenTelemetry made: nothing to check th against
      }
      randomness = hex(traceId, traceId.length() - DIGITS, traceId.length());
      if (randomness < 0) {
        return true;
      }
    } else {
      randomness = valueEnd(ot, rv) - rv == DIGITS ? hex(ot, rv, rv + DIGITS) : -1;
      if (randomness < 0) {
        return true; // an rv that is no randomness value: nothing to check th against
      }
    }
    return randomness >= threshold;
  }

  /**
   * Where the value of the sub-key {@code a b} starts in the {@code ot} value ({@code key:value}
   * members separated by {@code ;}), or -1 without one.
   */
  private static int valueOf(String ot, char a, char b) {
    int member = 0;
    while (member < ot.length()) {
      if (member + 2 < ot.length()
          && ot.charAt(member) == a
          && ot.charAt(member + 1) == b
          && ot.charAt(member + 2) == ':') {
        return member + 3;
      }
      int next = ot.indexOf(';', member);
      if (next < 0) {
        return -1;
      }
      member = next + 1;
    }
    return -1;
  }

  /** Where the value starting at {@code start} ends: the next {@code ;}, or the end. */
  private static int valueEnd(String ot, int start) {
    int end = ot.indexOf(';', start);
    return end < 0 ? ot.length() : end;
  }

  /**
   * The rejection threshold the {@code th} value at {@code start} stands for: 1 to 14 lowercase hex
   * digits, trailing zeros left out (padded back here to 56 bits); -1 when it is none.
   */
  private static long threshold(String ot, int start) {
    int end = valueEnd(ot, start);
    int digits = end - start;
    if (digits < 1 || digits > DIGITS) {
      return -1;
    }
    long value = hex(ot, start, end);
    return value < 0 ? -1 : value << (4 * (DIGITS - digits));
  }

  /** The lowercase hex digits in {@code [start, end)} as a number; -1 if any is no such digit. */
  private static long hex(String s, int start, int end) {
    long value = 0;
    for (int i = start; i < end; i++) {
      int digit = LowerHex.digit(s.charAt(i));
      if (digit < 0) {
        return -1;
      }
      value = (value << 4) | digit;
    }
    return value;
  }
}
