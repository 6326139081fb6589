package io.sluice.rules;

import java.util.List;

/**
 * "Did you mean" for misspelled names: the closest known name by edit distance. The rule reader
 * suggests field and enum names with it, the SDK its configuration keys; one measure keeps their
 * suggestions alike.
 */
public final class Suggestions {

  private Suggestions() {}

  /** The known name closest to {@code name}, or {@code null} when none is plausibly meant. */
  public static String closest(String name, List<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    int limit = Math.max(1, Math.min(3, name.length() / 3));
    for (String candidate : known) {
      if (Math.abs(candidate.length() - name.length()) > limit) {
        continue; // the distance is at least the difference in length
      }
      int d =
          distance(
              name.toLowerCase(java.util.Locale.ROOT),
              candidate.toLowerCase(java.util.Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = candidate;
      }
    }
    return bestDistance <= limit ? best : null;
  }

  /** Optimal string alignment distance: insertions, deletions, substitutions, transpositions. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
