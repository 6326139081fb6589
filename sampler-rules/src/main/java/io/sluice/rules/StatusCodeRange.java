package io.sluice.rules;

/**
 * An inclusive range of HTTP status codes, written {@code 503}, {@code 5xx} or {@code 500-504}.
 *
 * @param from the lowest status in the range, 100..599
 * @param to the highest status in the range, {@code >= from}
 */
public record StatusCodeRange(int from, int to) {

  /** Whether {@code status} lies in the range. */
  public boolean contains(int status) {
    return status >= from && status <= to;
  }

  /** The shortest of the three written forms that denotes this range. */
  @Override
  public String toString() {
    if (from == to) {
      return Integer.toString(from);
    }
    if (from % 100 == 0 && to == from + 99) {
      return (from / 100) + "xx";
    }
    return from + "-" + to;
  }
}
