package io.sluice.sdk.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The literal prefixes (up to the first {@code *}) of the attribute globs tested on one key, as a
 * trie. Walking a value once marks every glob whose prefix the value starts with; a glob whose
 * prefix does not fit cannot match, so it is rejected without running it. With many rules on a
 * high-cardinality attribute such as {@code url.path}, this turns one glob run per rule into one
 * walk over the value's first characters.
 */
final class PrefixTrie {

  private final char[][] edges;
  private final int[][] children;
  private final int[][] ends;

  /** Builds the trie of {@code patterns}; condition {@code ids[i]} has pattern {@code i}. */
  PrefixTrie(List<String> patterns, List<Integer> ids) {
    List<TreeMap<Character, Integer>> next = new ArrayList<>();
    List<List<Integer>> endsAt = new ArrayList<>();
    next.add(new TreeMap<>());
    endsAt.add(new ArrayList<>());
    for (int p = 0; p < patterns.size(); p++) {
      String pattern = patterns.get(p);
      int star = pattern.indexOf('*');
      String prefix = star < 0 ? pattern : pattern.substring(0, star);
      int node = 0;
      for (int d = 0; d < prefix.length(); d++) {
        Integer child = next.get(node).get(prefix.charAt(d));
        if (child == null) {
          child = next.size();
          next.add(new TreeMap<>());
          endsAt.add(new ArrayList<>());
          next.get(node).put(prefix.charAt(d), child);
        }
        node = child;
      }
      endsAt.get(node).add(ids.get(p));
    }
    int n = next.size();
    edges = new char[n][];
    children = new int[n][];
    ends = new int[n][];
    for (int i = 0; i < n; i++) {
      TreeMap<Character, Integer> m = next.get(i);
      edges[i] = new char[m.size()];
      children[i] = new int[m.size()];
      int j = 0;
      for (var e : m.entrySet()) {
        edges[i][j] = e.getKey();
        children[i][j] = e.getValue();
        j++;
      }
      ends[i] = endsAt.get(i).stream().mapToInt(Integer::intValue).toArray();
    }
  }

  /**
   * Sets {@code stamps[id] = stamp} for every condition whose prefix {@code value} starts with, and
   * appends its id to {@code marked} from {@code count} on.
   *
   * @return the new count of {@code marked}
   */
  int mark(String value, long[] stamps, long stamp, int[] marked, int count) {
    int node = 0;
    count = mark(ends[node], stamps, stamp, marked, count);
    for (int d = 0; d < value.length(); d++) {
      char c = value.charAt(d);
      char[] e = edges[node];
      int child = -1;
      for (int j = 0; j < e.length; j++) {
        if (e[j] == c) {
          child = children[node][j];
          break;
        }
      }
      if (child < 0) {
        return count;
      }
      node = child;
      count = mark(ends[node], stamps, stamp, marked, count);
    }
    return count;
  }

  private static int mark(int[] ids, long[] stamps, long stamp, int[] marked, int count) {
    for (int id : ids) {
      stamps[id] = stamp;
      marked[count++] = id;
    }
    return count;
  }
}
