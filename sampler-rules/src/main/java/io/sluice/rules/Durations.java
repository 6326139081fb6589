package io.sluice.rules;

import java.time.Duration;

/**
 * The duration strings of the rule language: a whole number of 1 to 12 ASCII digits without a
 * leading zero, followed by {@code ms}, {@code s}, {@code m} or {@code h}, e.g. {@code 250ms},
 * {@code 10s}, {@code 1m}, {@code 1h}. The JSON Schema says the same with the pattern {@value
 * #PATTERN}.
 *
 * <p>Exists so that the reader, the writer and the JSON Schema agree on one spelling: {@link
 * #format} writes the largest unit that is exact, and {@link #parse} reads back what it wrote.
 */
public final class Durations {

  /** The JSON Schema pattern of a duration (ECMA-262 and {@link java.util.regex} alike). */
  public static final String PATTERN = "^[1-9][0-9]{0,11}(ms|s|m|h)$";

  private static final int MAX_DIGITS = 12;

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
    if (unitStart == 0 || unitStart > MAX_DIGITS || text.charAt(0) == '0') {
      return null;
    }
    long amount = Long.parseLong(text, 0, unitStart, 10);
    switch (text.substring(unitStart)) {
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

  /** The length of the run of ASCII digits {@code text} starts with. */
  private static int digits(String text) {
    int i = 0;
    while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
      i++;
    }
    return i;
  }

  /**
   * Writes a duration in the largest unit that represents it exactly, e.g. {@code 90s} as {@code
   * 90s} and {@code 120s} as {@code 2m}. Sub-millisecond parts are dropped.
   */
  public static String format(Duration duration) {
    long millis = duration.toMillis();
    if (millis % 3_600_000 == 0 && millis != 0) {
      return (millis / 3_600_000) + "h";
    }
    if (millis % 60_000 == 0 && millis != 0) {
      return (millis / 60_000) + "m";
    }
    if (millis % 1000 == 0 && millis != 0) {
      return (millis / 1000) + "s";
    }
    return millis + "ms";
  }
}
