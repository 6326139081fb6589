package io.sluice.benchmarks.system;

/** Parses the system benchmarks' command-line values, with messages that name the option. */
final class OptionValues {

  private OptionValues() {}

  /**
   * {@code value} as a whole number of at least {@code min}.
   *
   * @throws IllegalArgumentException naming {@code option} and the bad value
   */
  static int wholeNumber(String option, String value, int min) {
    int n;
    try {
      n = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " '" + value + "' is not a whole number");
    }
    if (n < min) {
      throw new IllegalArgumentException(option + " must be at least " + min + ", not " + n);
    }
    return n;
  }
}
