package io.sluice.javaagent.it;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Finds, in a forked app's log, the lines where a class could not be found, linked or loaded as a
 * service: a shaded class left out of the extension jar, or a relocation gone wrong. Such an agent
 * never reports its status, and a test waiting for that report waited its whole bound (90 s) before
 * it said so; with these lines it can stop at once and say why.
 */
final class ClassLoadingFailures {

  private static final Pattern FAILURE =
      Pattern.compile(
          "NoClassDefFoundError|ClassNotFoundException|ServiceConfigurationError|LinkageError");

  private ClassLoadingFailures() {}

  /** The lines of {@code log} that name a class-loading failure, in order; none if it has none. */
  static List<String> in(String log) {
    return log.lines().filter(line -> FAILURE.matcher(line).find()).toList();
  }
}
