package io.sluice.rules;

import java.time.Duration;

/**
 * The duration strings of the rule language: a whole number followed by {@code ms}, {@code s},
 * {@code m} or {@code h}, e.g. {@code 250ms}, {@code 10s}, {@code 1m}, {@code 1h}.
 */
public final class Durations {

  private Durations() {}

  /**
   * Parses a duration string.
   *
   * @return the duration, or {@code null} when {@code text} is not of the form above
   */
  public static Duration parse(String text) {
    if (text == null) {
      return null;
    }
    int unitStart = 0;
    while (unitStart < text.length() && Character.isDigit(text.charAt(unitStart))) {
      unitStart++;
    }
    if (unitStart == 0 || unitStart > 12) {
      return null;
    }
    long amount = Long.parseLong(text.substring(0, unitStart));
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

  /** Writes a duration in the largest unit that represents it exactly. */
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
