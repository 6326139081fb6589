package io.sluice.rules;

/**
 * A compiled glob of the rule language: {@code *} matches any run of characters within one path
 * segment (no {@code /}), {@code **} any run of characters across segments, every other character
 * only itself.
 *
 * <p>Design note. Matching runs on request threads for every span and every outgoing call, so it
 * must be cheap, allocation-free and immune to pathological input. The common shapes (a literal,
 * {@code prefix*}, {@code prefix**}, {@code *suffix}, {@code **suffix}, {@code *}, {@code **}) get
 * dedicated checks. Everything else runs a Thompson-style simulation of the pattern's automaton
 * with the set of live states in a {@code long} bit set: time is O(pattern × input) whatever the
 * input, with no backtracking and no allocation. Patterns of more than 63 tokens (a token is a
 * character or a star) that fit no fast path use two {@code boolean[]} per call instead: a
 * deliberate trade for rare, very long globs.
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

  /** Adds the states reachable by letting stars match nothing. */
  private long closure(long states) {
    for (int i = 0; i < kinds.length; i++) {
      if ((states & (1L << i)) != 0 && kinds[i] != LITERAL) {
        states |= 1L << (i + 1);
      }
    }
    return states;
  }

  private boolean matchesLarge(String input) {
    int n = kinds.length;
    boolean[] states = new boolean[n + 1];
    boolean[] next = new boolean[n + 1];
    states[0] = true;
    closure(states);
    for (int p = 0; p < input.length(); ) {
      int c = charAt(input, p);
      p += width(c);
      java.util.Arrays.fill(next, false);
      boolean any = false;
      for (int i = 0; i < n; i++) {
        if (!states[i]) {
          continue;
        }
        if (kinds[i] == LITERAL) {
          if (charMatches(chars[i], c)) {
            next[i + 1] = true;
            any = true;
          }
        } else if (kinds[i] == DOUBLE_STAR || c != '/') {
          next[i] = true;
          any = true;
        }
      }
      if (!any) {
        return false;
      }
      boolean[] t = states;
      states = next;
      next = t;
      closure(states);
    }
    return states[n];
  }

  private void closure(boolean[] states) {
    for (int i = 0; i < kinds.length; i++) {
      if (states[i] && kinds[i] != LITERAL) {
        states[i + 1] = true;
      }
    }
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
