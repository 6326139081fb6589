package io.sluice.rules;

/**
 * A compiled glob of the rule language: {@code *} matches any run of characters within one path
 * segment (no {@code /}), {@code **} any run of characters across segments, every other character
 * only itself.
 *
 * <p>Design note. Matching runs on request threads for every span and every outgoing call, so it
 * must be cheap, allocation-free and immune to pathological input. The common shapes (a literal,
 * {@code prefix*}, {@code prefix**}, {@code *suffix}, {@code **suffix}, {@code *}, {@code **}) get
 * dedicated checks. Everything else is first checked, when case-sensitive, for the pattern's text
 * before its first star and after its last (an input without either is refused in a few reads),
 * then runs a Thompson-style simulation of the pattern's automaton with the set of live states in a
 * {@code long} bit set: time is O(pattern × input) whatever the input, with no backtracking and no
 * allocation. Patterns of more than 63 tokens (a token is a character or a star) that fit no fast
 * path run the same simulation on {@code long[]} bit sets allocated per call (a deliberate trade
 * for rare, very long globs), a word of 64 states at a time.
 *
 * <p>Case-insensitive globs compare characters as {@link String#equalsIgnoreCase} does (by {@code
 * toLowerCase(toUpperCase(c))}, a character outside the Basic Multilingual Plane as the one code
 * point its surrogate pair is), in the fast paths and the automaton alike.
 */
public final class Glob {

  private static final byte LITERAL = 0;
  private static final byte STAR = 1;
  private static final byte DOUBLE_STAR = 2;

  private enum Shape {
    LITERAL,
    ANY_SEGMENT,
    ANYTHING,
    PREFIX_SEGMENT,
    PREFIX_ANYTHING,
    SUFFIX_SEGMENT,
    SUFFIX_ANYTHING,
    GENERAL
  }

  private final String pattern;
  private final boolean ignoreCase;
  private final Shape shape;
  private final String literal;
  private final byte[] kinds;

  /** A literal token's character, folded when ignoring case, then also a whole code point. */
  private final int[] chars;

  /** The automaton of a pattern of more than 63 tokens that fits no fast path, else null. */
  private final LargeAutomaton large;

  /**
   * A case-sensitive pattern that fits no fast path: its text before the first {@code *} and after
   * the last, which every match starts and ends with, checked before the automaton runs (an input
   * that shares neither is refused in a few character reads); else null.
   */
  private final String head;

  private final String tail;

  /**
   * The star tokens' states, as bits (patterns of up to 63 tokens): the states a star's skip adds
   * are these shifted by one (see {@link #closure}).
   */
  private final long starStates;

  private Glob(String pattern, boolean ignoreCase) {
    this.pattern = pattern;
    this.ignoreCase = ignoreCase;
    int n = 0;
    byte[] k = new byte[pattern.length()];
    int[] c = new int[pattern.length()];
    for (int i = 0; i < pattern.length(); i++) {
      char ch = pattern.charAt(i);
      if (ch == '*') {
        if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
          k[n] = DOUBLE_STAR;
          i++;
        } else {
          k[n] = STAR;
        }
      } else if (ignoreCase && isPair(pattern, i)) {
        // one token, as the input's pair is read as one code point (the fast paths never see it:
        // they compare the pattern's text)
        k[n] = LITERAL;
        c[n] = fold(pattern.codePointAt(i));
        i++;
      } else {
        k[n] = LITERAL;
        c[n] = ignoreCase ? fold(ch) : ch;
      }
      n++;
    }
    this.kinds = java.util.Arrays.copyOf(k, n);
    this.chars = java.util.Arrays.copyOf(c, n);
    int stars = 0;
    int firstStar = -1;
    for (int i = 0; i < n; i++) {
      if (kinds[i] != LITERAL) {
        stars++;
        if (firstStar < 0) {
          firstStar = i;
        }
      }
    }
    if (stars == 0) {
      shape = Shape.LITERAL;
      // interned: values that are constants of the instrumentation (method names) compare by
      // identity
      literal = pattern.intern();
    } else if (stars == 1 && n == 1) {
      shape = kinds[0] == STAR ? Shape.ANY_SEGMENT : Shape.ANYTHING;
      literal = "";
    } else if (stars == 1 && firstStar == n - 1) {
      shape = kinds[firstStar] == STAR ? Shape.PREFIX_SEGMENT : Shape.PREFIX_ANYTHING;
      literal = pattern.substring(0, pattern.length() - starLength(kinds[firstStar]));
    } else if (stars == 1 && firstStar == 0) {
      shape = kinds[0] == STAR ? Shape.SUFFIX_SEGMENT : Shape.SUFFIX_ANYTHING;
      literal = pattern.substring(starLength(kinds[0]));
    } else {
      shape = Shape.GENERAL;
      literal = "";
    }
    large = shape == Shape.GENERAL && n >= 64 ? new LargeAutomaton(kinds, chars) : null;
    long starBits = 0;
    for (int i = 0; i < Math.min(n, Long.SIZE - 1); i++) {
      if (kinds[i] != LITERAL) {
        starBits |= 1L << i;
      }
    }
    starStates = starBits;
    boolean bounded = shape == Shape.GENERAL && !ignoreCase;
    head = bounded ? literalPrefix() : null;
    tail = bounded ? pattern.substring(pattern.lastIndexOf('*') + 1) : null;
  }

  private static int starLength(byte kind) {
    return kind == DOUBLE_STAR ? 2 : 1;
  }

  /** Whether a surrogate pair starts at {@code i} of {@code text}. */
  private static boolean isPair(String text, int i) {
    return i + 1 < text.length() && Character.isSurrogatePair(text.charAt(i), text.charAt(i + 1));
  }

  /**
   * Compiles a glob.
   *
   * @throws IllegalArgumentException when the glob is {@linkplain #problem(String) malformed}
   */
  public static Glob compile(String pattern) {
    return compile(pattern, false);
  }

  /** Compiles a glob whose literal characters compare without regard to case. */
  public static Glob compileIgnoringCase(String pattern) {
    return compile(pattern, true);
  }

  private static Glob compile(String pattern, boolean ignoreCase) {
    String problem = problem(pattern);
    if (problem != null) {
      throw new IllegalArgumentException("malformed glob '" + pattern + "': " + problem);
    }
    return new Glob(pattern, ignoreCase);
  }

  /**
   * Why {@code pattern} is not a valid glob, or {@code null} when it is. A glob must be non-empty,
   * may not hold three or more {@code *} in a row, and may not hold control characters.
   */
  public static String problem(String pattern) {
    if (pattern == null || pattern.isEmpty()) {
      return "a glob may not be empty";
    }
    if (pattern.contains("***")) {
      return "'***' is not a glob: use '*' within a segment or '**' across segments";
    }
    for (int i = 0; i < pattern.length(); i++) {
      if (Character.isISOControl(pattern.charAt(i))) {
        return "a glob may not contain control characters";
      }
    }
    return null;
  }

  /** The pattern as written. */
  public String pattern() {
    return pattern;
  }

  /**
   * The pattern's text before its first {@code *} (all of it without one): every input a
   * case-sensitive glob matches starts with it.
   */
  public String literalPrefix() {
    int star = pattern.indexOf('*');
    return star < 0 ? pattern : pattern.substring(0, star);
  }

  /** Whether {@code input} matches the whole glob. {@code null} never matches. */
  public boolean matches(String input) {
    if (input == null) {
      return false;
    }
    if (shape == Shape.LITERAL) {
      // the commonest shape, before the switch (which costs an indirect jump)
      return input == literal
          || (ignoreCase ? input.equalsIgnoreCase(literal) : input.equals(literal));
    }
    switch (shape) {
      case ANYTHING:
        return true;
      case ANY_SEGMENT:
        return input.indexOf('/') < 0;
      case PREFIX_ANYTHING:
        return input.length() >= literal.length() && regionEquals(input, 0, literal);
      case PREFIX_SEGMENT:
        return input.length() >= literal.length()
            && regionEquals(input, 0, literal)
            && input.indexOf('/', literal.length()) < 0;
      case SUFFIX_ANYTHING:
        return input.length() >= literal.length()
            && regionEquals(input, input.length() - literal.length(), literal);
      case SUFFIX_SEGMENT:
        {
          int start = input.length() - literal.length();
          if (start < 0 || !regionEquals(input, start, literal)) {
            return false;
          }
          int slash = input.indexOf('/');
          return slash < 0 || slash >= start;
        }
      default:
        if (head != null
            && (input.length() < head.length() + tail.length()
                || !input.startsWith(head)
                || !input.endsWith(tail))) {
          return false;
        }
        return kinds.length < 64 ? matchesSmall(input) : matchesLarge(input);
    }
  }

  private boolean regionEquals(String input, int offset, String lit) {
    // startsWith compares the backing arrays directly: several times faster than regionMatches
    return ignoreCase
        ? input.regionMatches(true, offset, lit, 0, lit.length())
        : input.startsWith(lit, offset);
  }

  private boolean charMatches(int expected, int actual) {
    return ignoreCase ? expected == fold(actual) : expected == actual;
  }

  /**
   * The character of {@code input} at {@code p}: when ignoring case, a surrogate pair is read as
   * its one code point (the caller then steps over both chars, see {@link #width}).
   */
  private int charAt(String input, int p) {
    return ignoreCase && isPair(input, p) ? input.codePointAt(p) : input.charAt(p);
  }

  /** How many chars {@link #charAt} read for {@code c}. */
  private static int width(int c) {
    return c > Character.MAX_VALUE ? 2 : 1;
  }

  /**
   * The case-folded form of a character: two characters are equal ignoring case exactly when their
   * folded forms are equal, the same relation as {@link String#regionMatches(boolean, int, String,
   * int, int)} uses, so the fast paths and the automaton agree.
   */
  private static int fold(int c) {
    return Character.toLowerCase(Character.toUpperCase(c));
  }

  private boolean matchesSmall(String input) {
    int n = kinds.length;
    long states = closure(1L);
    for (int p = 0; p < input.length() && states != 0; ) {
      int c = charAt(input, p);
      p += width(c);
      long next = 0;
      long live = states;
      while (live != 0) {
        int i = Long.numberOfTrailingZeros(live);
        live &= live - 1;
        if (i == n) {
          continue;
        }
        switch (kinds[i]) {
          case LITERAL:
            if (charMatches(chars[i], c)) {
              next |= 1L << (i + 1);
            }
            break;
          case STAR:
            if (c != '/') {
              next |= 1L << i;
            }
            break;
          default:
            next |= 1L << i;
        }
      }
      states = closure(next);
    }
    return (states & (1L << n)) != 0;
  }

  /**
   * Adds the states reachable by letting stars match nothing: the state after each live star, and
   * so on. In a valid glob no star token follows another ({@code **} is one token, and {@code ***}
   * is no glob), so the first step adds only literals' states or the accepting one and the second
   * finds nothing new.
   */
  private long closure(long states) {
    long next = states | ((states & starStates) << 1);
    while (next != states) {
      states = next;
      next = states | ((states & starStates) << 1);
    }
    return states;
  }

  /**
   * The automaton of a glob with more than 63 tokens as bit sets of {@code words} longs (state
   * {@code i} is bit {@code i % 64} of word {@code i / 64}, the accepting state is bit {@code n}),
   * so one input character costs O(tokens / 64) whatever the pattern: a long pattern cannot make
   * matching quadratic in practice (a dry run may be asked for any draft by any reader).
   *
   * <p>A literal character's states are a mask when it occurs more than {@code words} times in the
   * pattern, else a list of positions; either way a step costs at most O(words), and the masks
   * together take no more memory than the pattern (at most n / words of them).
   */
  private static final class LargeAutomaton {

    final int words;

    /** The states of {@code *} and {@code **}: they loop on any character but {@code /}. */
    final long[] anyStar;

    /** The states of {@code **}: they loop on {@code /} as well. */
    final long[] doubleStar;

    /** The pattern's distinct literal characters (folded when ignoring case), ascending. */
    final int[] keys;

    /** For {@code keys[k]}: its states as a mask, or null when {@link #positions} holds them. */
    final long[][] masks;

    /** For {@code keys[k]}: its states as a list, or null when {@link #masks} holds them. */
    final int[][] positions;

    LargeAutomaton(byte[] kinds, int[] chars) {
      int n = kinds.length;
      words = (n + 1 + 63) >>> 6;
      anyStar = new long[words];
      doubleStar = new long[words];
      java.util.TreeMap<Integer, java.util.List<Integer>> byChar = new java.util.TreeMap<>();
      for (int i = 0; i < n; i++) {
        if (kinds[i] == LITERAL) {
          byChar.computeIfAbsent(chars[i], c -> new java.util.ArrayList<>()).add(i);
        } else {
          anyStar[i >>> 6] |= 1L << i;
          if (kinds[i] == DOUBLE_STAR) {
            doubleStar[i >>> 6] |= 1L << i;
          }
        }
      }
      keys = new int[byChar.size()];
      masks = new long[keys.length][];
      positions = new int[keys.length][];
      int k = 0;
      for (var entry : byChar.entrySet()) {
        keys[k] = entry.getKey();
        java.util.List<Integer> at = entry.getValue();
        if (at.size() > words) {
          masks[k] = new long[words];
          for (int i : at) {
            masks[k][i >>> 6] |= 1L << i;
          }
        } else {
          positions[k] = at.stream().mapToInt(Integer::intValue).toArray();
        }
        k++;
      }
    }

    /** Whether state {@code i} is in {@code states}. */
    static boolean has(long[] states, int i) {
      return (states[i >>> 6] & (1L << i)) != 0;
    }

    /**
     * Adds the states reachable by letting a star match nothing: the state after each live star.
     * The rule language refuses {@code ***}, so no star follows a star and one step suffices.
     */
    void closure(long[] states) {
      long carry = 0;
      for (int w = 0; w < words; w++) {
        long stars = states[w] & anyStar[w];
        states[w] |= (stars << 1) | carry;
        carry = stars >>> 63;
      }
    }

    /**
     * The states after reading {@code c} from {@code states}, into {@code next}; false when none is
     * left.
     */
    boolean step(long[] states, int c, long[] next) {
      long[] loops = c == '/' ? doubleStar : anyStar;
      int k = java.util.Arrays.binarySearch(keys, c);
      long[] mask = k < 0 ? null : masks[k];
      long carry = 0;
      long any = 0;
      for (int w = 0; w < words; w++) {
        long literal = mask == null ? 0 : states[w] & mask[w];
        next[w] = (states[w] & loops[w]) | (literal << 1) | carry;
        carry = literal >>> 63;
        any |= next[w];
      }
      if (k >= 0 && mask == null) {
        for (int i : positions[k]) {
          if (has(states, i)) {
            next[(i + 1) >>> 6] |= 1L << (i + 1);
            any = 1;
          }
        }
      }
      return any != 0;
    }
  }

  private boolean matchesLarge(String input) {
    LargeAutomaton automaton = large;
    long[] states = new long[automaton.words];
    long[] next = new long[automaton.words];
    states[0] = 1L;
    automaton.closure(states);
    for (int p = 0; p < input.length(); ) {
      int c = charAt(input, p);
      p += width(c);
      if (!automaton.step(states, ignoreCase ? fold(c) : c, next)) {
        return false;
      }
      long[] t = states;
      states = next;
      next = t;
      automaton.closure(states);
    }
    return LargeAutomaton.has(states, kinds.length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Glob g && g.pattern.equals(pattern) && g.ignoreCase == ignoreCase;
  }

  @Override
  public int hashCode() {
    return pattern.hashCode() * 31 + (ignoreCase ? 1 : 0);
  }

  @Override
  public String toString() {
    return pattern;
  }
}
