package io.sluice.rules;

import java.time.Duration;

/**
 * The duration strings of the rule language: a whole number of ASCII digits without a leading zero,
 * followed by {@code ms}, {@code s}, {@code m} or {@code h}, e.g. {@code 250ms}, {@code 10s},
 * {@code 1m}, {@code 1h}; at most 12, 9, 8 and 6 digits for those units. The JSON Schema says the
 * same with the pattern {@value #PATTERN}.
 *
 * <p>Exists so that the reader, the writer and the JSON Schema agree on one spelling: {@link
 * #format} writes the largest unit that is exact, and {@link #parse} reads back what it wrote.
 */
public final class Durations {

  /**
   * The JSON Schema pattern of a duration (ECMA-262 and {@link java.util.regex} alike): at most 12
   * digits of {@code ms}, 9 of {@code s}, 8 of {@code m} and 6 of {@code h}, about 30 years or
   * less, so that every duration fits in nanoseconds (which Resilience4j converts it to).
   */
  public static final String PATTERN =
      "^([1-9][0-9]{0,11}ms|[1-9][0-9]{0,8}s|[1-9][0-9]{0,7}m|[1-9][0-9]{0,5}h)$";

  private Durations() {}

  /**
   * Parses a duration string.
   *
   * @return the duration, or {@code null} when {@code text} is not of the form above (zero is not)
   */
  public static Duration parse(String text) {
    if (text == null) {
      return null;
    }
    int unitStart = digits(text);
    String unit = text.substring(unitStart);
    if (unitStart == 0 || unitStart > maxDigits(unit) || text.charAt(0) == '0') {
      return null;
    }
    long amount = Long.parseLong(text, 0, unitStart, 10);
    switch (unit) {
      case "ms":
        return Duration.ofMillis(amount);
      case "s":
        return Duration.ofSeconds(amount);
      case "m":
        return Duration.ofMinutes(amount);
      case "h":
        return Duration.ofHours(amount);
      default:
        return null;
    }
  }

  /** Whether {@code text} is a zero duration ({@code 0s}, {@code 00ms}), to explain why not. */
  static boolean isZero(String text) {
    int unitStart = digits(text);
    if (unitStart == 0) {
      return false;
    }
    for (int i = 0; i < unitStart; i++) {
      if (text.charAt(i) != '0') {
        return false;
      }
    }
    String unit = text.substring(unitStart);
    return unit.equals("ms") || unit.equals("s") || unit.equals("m") || unit.equals("h");
  }

  /** The most digits a unit takes (0 for an unknown unit). */
  private static int maxDigits(String unit) {
    switch (unit) {
      case "ms":
        return 12;
      case "s":
        return 9;
      case "m":
        return 8;
      case "h":
        return 6;
      default:
        return 0;
    }
  }

  /** The length of the run of ASCII digits {@code text} starts with. */
  private static int digits(String text) {
    int i = 0;
    while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
      i++;
    }
    return i;
  }

  /**
   * Writes a duration in the largest unit that represents it exactly within that unit's digits,
   * e.g. {@code 90s} as {@code 90s} and {@code 120s} as {@code 2m}, so {@link #parse} reads back
   * whatever it read. Sub-millisecond parts are dropped.
   */
  public static String format(Duration duration) {
    long millis = duration.toMillis();
    String exact = inUnit(millis, 3_600_000, "h");
    if (exact == null) {
      exact = inUnit(millis, 60_000, "m");
    }
    if (exact == null) {
      exact = inUnit(millis, 1000, "s");
    }
    return exact != null ? exact : millis + "ms";
  }

  /** {@code millis} in a unit, when exact and within the unit's digits; else null. */
  private static String inUnit(long millis, long unitMillis, String unit) {
    if (millis == 0 || millis % unitMillis != 0) {
      return null;
    }
    String amount = Long.toString(millis / unitMillis);
    return amount.length() <= maxDigits(unit) ? amount + unit : null;
  }
}
