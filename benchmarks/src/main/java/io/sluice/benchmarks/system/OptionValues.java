package io.sluice.benchmarks.system;

import java.util.List;
import java.util.function.Function;

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

  /**
   * The options {@code parse} reads from {@code args}; null after printing {@code usage} for {@code
   * -h} or {@code --help}. Bad options end the program (status 2) with the problem and the usage.
   */
  static <T> T parseOrExit(
      String program, String[] args, String usage, Function<String[], T> parse) {
    if (List.of(args).contains("-h") || List.of(args).contains("--help")) {
      System.out.print(usage);
      return null;
    }
    try {
      return parse.apply(args);
    } catch (IllegalArgumentException e) {
      System.err.println(program + ": " + e.getMessage());
      System.err.print(usage);
      System.exit(2);
      return null;
    }
  }
}
