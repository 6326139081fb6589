package io.sluice.sdk.sampling;

/**
 * The trace-id ratio decision of OpenTelemetry's {@code Sampler.traceIdRatioBased(ratio)}, made
 * with the same bound on the same bits, so a service sampling with Sluice keeps exactly the traces
 * a service with the same ratio keeps with OpenTelemetry's sampler.
 *
 * <p>Design note. OpenTelemetry keeps a trace when {@code |x| < (long) (ratio * Long.MAX_VALUE)},
 * where {@code x} is the trace id's lower 64 bits read as a signed long, and parses all 16 hex
 * digits of {@code x} for every span. Which side of the bound {@code x} falls on is almost always
 * settled by its first four digits: they pin {@code x} to a range of 2<sup>48</sup> values, and
 * only when the bound lies inside that range (for a given ratio, one range in 65 536) are the other
 * twelve read. The decision is the same either way; a test compares both on random trace ids and on
 * ids built around the bound.
 */
final class TraceIdRatio {

  /** The offset of the lower 64 bits in a 32-digit trace id. */
  private static final int RANDOM_PART = 16;

  private static final long LOW_48_BITS = (1L << 48) - 1;

  private final long bound;

  private TraceIdRatio(long bound) {
    this.bound = bound;
  }

  /** The decision for {@code ratio} in [0, 1], computed as OpenTelemetry computes its bound. */
  static TraceIdRatio of(double ratio) {
    if (!(ratio >= 0.0 && ratio <= 1.0)) {
      throw new IllegalArgumentException("ratio must be in [0, 1]: " + ratio);
    }
    if (ratio == 0.0) {
      return new TraceIdRatio(Long.MIN_VALUE);
    }
    if (ratio == 1.0) {
      return new TraceIdRatio(Long.MAX_VALUE);
    }
    return new TraceIdRatio((long) (ratio * Long.MAX_VALUE));
  }

  /**
   * Whether the trace is kept. Throws {@link IllegalArgumentException} when a digit it reads is not
   * lowercase hex, as OpenTelemetry's sampler does; digits the decision does not need are not read
   * (OpenTelemetry's SDK never hands a sampler an invalid trace id).
   */
  boolean keeps(String traceId) {
    return keeps(traceId, bound);
  }

  /**
   * The bound the lower 64 bits' absolute value must stay under for the trace to be kept: a higher
   * ratio has a higher bound, so the highest of several bounds keeps a trace when any of them does.
   */
  long bound() {
    return bound;
  }

  /** Whether the decision with {@code bound} (see {@link #bound()}) keeps the trace. */
  static boolean keeps(String traceId, long bound) {
    int top = (int) hex(traceId, RANDOM_PART, 4);
    if (top != 0x8000) {
      long first = (long) (short) top << 48;
      long last = first + LOW_48_BITS;
      // |x| over [first, last]: the range is on one side of zero (0x8000 alone holds MIN_VALUE)
      long smallest = top < 0x8000 ? first : -last;
      long largest = top < 0x8000 ? last : -first;
      if (largest < bound) {
        return true;
      }
      if (smallest >= bound) {
        return false;
      }
    }
    return Math.abs(hex(traceId, RANDOM_PART, 16)) < bound;
  }

  /**
   * The value of {@code count} lowercase hex digits from {@code offset}, as OpenTelemetry reads
   * them.
   */
  private static long hex(String traceId, int offset, int count) {
    long value = 0;
    for (int i = offset; i < offset + count; i++) {
      char c = traceId.charAt(i);
      int digit = LowerHex.digit(c);
      if (digit < 0) {
        throw new IllegalArgumentException("invalid character " + c + " in trace id " + traceId);
      }
      value = value << 4 | digit;
    }
    return value;
  }
}
