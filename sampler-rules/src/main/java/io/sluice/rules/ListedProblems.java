package io.sluice.rules;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * How many problems one refusal lists. Every problem is listed up to {@link #MAX}: enough for any
 * document a person writes to be fixed in one go. Past it a generated document (a megabyte of
 * duplicate status codes, or of fields given twice) would make hundreds of thousands of problems:
 * tens of megabytes in an answer, in a log line and in memory for one request. The rest are counted
 * in one last problem at {@code $} instead, and in {@link ParseResult#problemCount}.
 */
final class ListedProblems {

  /** The most problems listed one by one. */
  static final int MAX = 1000;

  /** Problems without a place first (where the reader lists them too), then by line and column. */
  private static final Comparator<ValidationError> IN_TEXT_ORDER =
      Comparator.comparingInt(ValidationError::line).thenComparingInt(ValidationError::column);

  private ListedProblems() {}

  /** How many of {@code found} problems are listed one by one. */
  static int listed(int found) {
    return Math.min(found, MAX);
  }

  /**
   * The result of a document with the problems {@code listed} and {@code omitted} more: those
   * listed, then the problem that counts the others if any, and the count of them all (which the
   * result carries, so nobody reads it back from the message).
   */
  static ParseResult invalid(List<ValidationError> listed, int omitted) {
    if (omitted <= 0) {
      return new ParseResult(null, listed, listed.size());
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
    return new ParseResult(null, all, listed.size() + omitted);
  }

  /**
   * The problems of {@code first} and {@code second}, two results about the same text (a valid one
   * has none), listed together in text order (those without a place first, as the reader lists
   * them) and counted together: what one refusal says when two reads of a document found problems.
   */
  static ParseResult merged(ParseResult first, ParseResult second) {
    List<ValidationError> all = new ArrayList<>(listedOf(first));
    all.addAll(listedOf(second));
    all.sort(IN_TEXT_ORDER);
    int shown = listed(all.size());
    return invalid(all.subList(0, shown), first.problemCount() + second.problemCount() - shown);
  }

  /** The problems {@code result} lists one by one, without the one that counts the rest. */
  private static List<ValidationError> listedOf(ParseResult result) {
    List<ValidationError> errors = result.errors();
    return result.problemCount() > MAX ? errors.subList(0, errors.size() - 1) : errors;
  }
}
