package io.sluice.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many problems one refusal lists. Every problem is listed up to {@link #MAX}: enough for any
 * document a person writes to be fixed in one go. Past it a generated document (a megabyte of
 * duplicate status codes, or of fields given twice) would make hundreds of thousands of problems:
 * tens of megabytes in an answer, in a log line and in memory for one request. The rest are counted
 * in one last problem at {@code $} instead.
 */
final class ListedProblems {

  /** The most problems listed one by one. */
  static final int MAX = 1000;

  private static final Pattern OMITTED =
      Pattern.compile(
          "(\\d+) more problems? (?:is|are) not listed: only the first " + MAX + " are");

  private ListedProblems() {}

  /** How many of {@code found} problems are listed one by one. */
  static int listed(int found) {
    return Math.min(found, MAX);
  }

  /**
   * How many problems {@code errors} stands for: the listed ones, and those its last problem counts
   * when {@link #withOmitted} added one.
   */
  static int found(List<ValidationError> errors) {
    if (errors.size() == MAX + 1) {
      ValidationError last = errors.get(MAX);
      Matcher omitted = OMITTED.matcher(last.message());
      if (last.path().equals("$") && !last.hasLocation() && omitted.matches()) {
        return MAX + Integer.parseInt(omitted.group(1));
      }
    }
    return errors.size();
  }

  /** {@code listed}, with the problem that counts the {@code omitted} ones after them if any. */
  static List<ValidationError> withOmitted(List<ValidationError> listed, int omitted) {
    if (omitted <= 0) {
      return listed;
    }
    List<ValidationError> all = new ArrayList<>(listed.size() + 1);
    all.addAll(listed);
    all.add(
        new ValidationError(
            "$",
            omitted
                + (omitted == 1 ? " more problem is" : " more problems are")
                + " not listed: only the first "
                + MAX
                + " are"));
    return all;
  }
}
