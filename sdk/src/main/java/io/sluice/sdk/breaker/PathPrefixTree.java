package io.sluice.sdk.breaker;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Narrows the breaker policies a call's path can match to those whose path glob's literal prefix
 * (its text before the first {@code *}) agrees with the path where the prefixes part, so a call
 * among many policies of one host, differing by path, checks the few whose prefix fits rather than
 * every one in turn (about 4 ns each). A glob can only match a path that starts with its literal
 * prefix: the policies ruled out are exactly ones that cannot match, and those left still have
 * their method and whole path checked, in order.
 *
 * <p>A radix tree over the prefixes: each node holds the position where its prefixes first differ
 * and a child per character found there; the prefixes that end at or before that position are
 * candidates for every path that reaches the node. Looking a path up reads one character per node
 * it passes, and allocates nothing. Built once per rules snapshot, for at most {@link
 * #MAX_POLICIES} policies (a bit each in a {@code long}).
 */
final class PathPrefixTree {

  /** The most policies a tree covers: one bit each of a {@code long}. */
  static final int MAX_POLICIES = 64;

  private final Node root;

  /**
   * A tree over {@code prefixes}, one per policy in policy order; an empty prefix (a policy without
   * a path part, or a glob that starts with {@code *}) fits every path.
   *
   * @throws IllegalArgumentException for more than {@link #MAX_POLICIES} prefixes
   */
  PathPrefixTree(String[] prefixes) {
    if (prefixes.length > MAX_POLICIES) {
      throw new IllegalArgumentException(
          prefixes.length + " prefixes; a tree covers at most " + MAX_POLICIES);
    }
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < prefixes.length; i++) {
      all.add(i);
    }
    root = build(prefixes, all, 0);
  }

  /**
   * The policies (bit {@code i} for policy {@code i}) whose prefix can still start {@code path}:
   * every policy whose prefix does is among them.
   */
  long narrow(String path) {
    long fits = 0;
    int length = path.length();
    for (Node n = root; n != null; ) {
      fits |= n.ending;
      if (length <= n.position) {
        break;
      }
      n = n.child(path.charAt(n.position));
    }
    return fits;
  }

  /** The node for {@code members}, whose prefixes agree on their first {@code from} characters. */
  private static Node build(String[] prefixes, List<Integer> members, int from) {
    int position = from;
    while (allAgreeAt(prefixes, members, position)) {
      position++;
    }
    long ending = 0;
    List<Character> chars = new ArrayList<>();
    List<List<Integer>> groups = new ArrayList<>();
    for (int i : members) {
      String prefix = prefixes[i];
      if (prefix.length() <= position) {
        ending |= 1L << i;
        continue;
      }
      char c = prefix.charAt(position);
      int group = chars.indexOf(c);
      if (group < 0) {
        chars.add(c);
        groups.add(new ArrayList<>());
        group = chars.size() - 1;
      }
      groups.get(group).add(i);
    }
    // sorted, so a lookup can stop early; few characters per node, so a scan beats a search
    Integer[] order = new Integer[chars.size()];
    for (int g = 0; g < order.length; g++) {
      order[g] = g;
    }
    Arrays.sort(order, (a, b) -> Character.compare(chars.get(a), chars.get(b)));
    char[] keys = new char[order.length];
    Node[] children = new Node[order.length];
    for (int g = 0; g < order.length; g++) {
      keys[g] = chars.get(order[g]);
      children[g] = build(prefixes, groups.get(order[g]), position + 1);
    }
    return new Node(position, ending, keys, children);
  }

  /** Whether every member's prefix is longer than {@code position} and has one character there. */
  private static boolean allAgreeAt(String[] prefixes, List<Integer> members, int position) {
    Character seen = null;
    for (int i : members) {
      String prefix = prefixes[i];
      if (prefix.length() <= position) {
        return false;
      }
      char c = prefix.charAt(position);
      if (seen == null) {
        seen = c;
      } else if (seen != c) {
        return false;
      }
    }
    return seen != null;
  }

  /**
   * Prefixes that agree before {@code position}: {@code ending} those no longer than it, {@code
   * children} the rest by their character there ({@code keys}, ascending).
   */
  private static final class Node {
    final int position;
    final long ending;
    private final char[] keys;
    private final Node[] children;

    Node(int position, long ending, char[] keys, Node[] children) {
      this.position = position;
      this.ending = ending;
      this.keys = keys;
      this.children = children;
    }

    /** The child for {@code c} at this node's position, or null. */
    Node child(char c) {
      for (int k = 0; k < keys.length; k++) {
        char key = keys[k];
        if (key == c) {
          return children[k];
        }
        if (key > c) {
          return null;
        }
      }
      return null;
    }
  }
}
