package io.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GlobTest {

  private static final String LONG_LITERAL = "/" + "a".repeat(70);

  static Stream<Arguments> cases() {
    return Stream.of(
        // * stays within one segment, ** crosses segments
        c("* matches a segment", "*", "abc", true),
        c("* matches the empty string", "*", "", true),
        c("* does not cross /", "*", "a/b", false),
        c("** crosses /", "**", "a/b/c", true),
        c("** matches the empty string", "**", "", true),
        c("/pay/* one segment", "/pay/*", "/pay/1", true),
        c("/pay/* empty last segment", "/pay/*", "/pay/", true),
        c("/pay/* not two segments", "/pay/*", "/pay/1/2", false),
        c("/pay/* needs the slash", "/pay/*", "/pay", false),
        c("/pay/** two segments", "/pay/**", "/pay/1/2", true),
        c("/pay/** needs the slash", "/pay/**", "/pay", false),
        c("/pay/** does not match a longer word", "/pay/**", "/payment/1", false),
        c("span name with star", "GET /health*", "GET /healthz", true),
        c("span name star stops at /", "GET /health*", "GET /health/live", false),
        c("leading star then double star", "* /health**", "GET /health/live", true),
        c("leading star cannot skip a segment", "* /health**", "GET /x /health", false),
        // segment boundaries in the general automaton
        c("a*b no slash", "a*b", "axxb", true),
        c("a*b not across slash", "a*b", "a/b", false),
        c("a**b across slashes", "a**b", "a/x/b", true),
        c("a/*/b empty middle segment", "a/*/b", "a//b", true),
        c("a/*/b not two middle segments", "a/*/b", "a/x/y/b", false),
        c("a/**/b needs both slashes", "a/**/b", "a/b", false),
        c("a/**/b many middle segments", "a/**/b", "a/x/y/b", true),
        c("star before slash", "/users/*/orders/*", "/users/1/orders/2", true),
        c("star before slash, extra segment", "/users/*/orders/*", "/users/1/orders/2/x", false),
        c("star may eat separators other than /", "*-*", "a-b-c", true),
        c("star needs its literal", "*-*", "ab", false),
        c("stars in order", "a*b*c", "aXbYc", true),
        c("stars out of order", "a*b*c", "acb", false),
        c("pathological for backtracking", "*a*a*a*a*a*a*b", "a".repeat(5000), false),
        c("double star then star", "**/*.json", "a/b/c.json", true),
        c("double star then star, star cannot cross", "**/*.json", "a/b/c/", false),
        // fast-path shapes
        c("literal equal", "payments", "payments", true),
        c("literal shorter input", "payments", "payment", false),
        c("literal longer input", "payments", "paymentss", false),
        c("literal is case-sensitive", "GET", "get", false),
        c("prefix segment", "payments*", "payments-v2", true),
        c("prefix segment exact", "payments*", "payments", true),
        c("prefix segment not across /", "payments*", "payments/x", false),
        c("prefix segment too short", "payments*", "payment", false),
        c("prefix anything", "/api/**", "/api/a/b", true),
        c("prefix anything wrong prefix", "/api/**", "/apx/a", false),
        c("suffix segment", "*.svc", "orders.svc", true),
        c("suffix segment not across /", "*.svc", "a/orders.svc", false),
        c("suffix segment with slash inside the suffix", "*/health", "api/health", true),
        c("suffix segment with slash before the suffix", "*/health", "a/b/health", false),
        c("suffix segment too short", "*.svc", "svc", false),
        c("suffix anything", "**/health", "/a/b/health", true),
        c("suffix anything wrong suffix", "**/health", "/a/b/healthz", false),
        // more than 63 tokens: the large automaton
        c("long pattern matches", LONG_LITERAL + "/*/x*", LONG_LITERAL + "/1/xyz", true),
        c(
            "long pattern star stays in segment",
            LONG_LITERAL + "/*/x*",
            LONG_LITERAL + "/1/2/xyz",
            false),
        c("long pattern double star", LONG_LITERAL + "/**/x*", LONG_LITERAL + "/1/2/xyz", true),
        c("long pathological pattern", "*a".repeat(40) + "b", "a".repeat(2000), false),
        c(
            "long pattern exactly 63 tokens",
            "*" + "b".repeat(61) + "*",
            "x" + "b".repeat(61) + "y",
            true),
        c(
            "long pattern exactly 64 tokens",
            "*" + "b".repeat(62) + "*",
            "x" + "b".repeat(61) + "y",
            false),
        c("absent value never matches", "**", null, false));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void matches(String pattern, String input, boolean expected) {
    assertThat(Glob.compile(pattern).matches(input)).isEqualTo(expected);
    if (input == null || input.length() < 200) { // the backtracking reference would take ages
      assertThat(reference(pattern, false, input)).as("reference").isEqualTo(expected);
    }
  }

  static Stream<Arguments> caseInsensitiveCases() {
    return Stream.of(
        c("literal", "get", "GET", true),
        c("literal differs", "get", "GOT", false),
        c("prefix", "PAYMENTS*", "payments-v1", true),
        c("suffix", "*.SVC", "orders.svc", true),
        c("general automaton", "p*-*", "P1-X", true),
        c("large automaton", LONG_LITERAL + "/*/X", LONG_LITERAL.toUpperCase() + "/1/x", true),
        c("kelvin sign folds to k in literal", "k", "\u212A", true),
        c("kelvin sign folds to k in automaton", "k*x*", "\u212Ayx", true),
        c("greek theta symbol in literal", "\u03F4", "\u03B8", true),
        c("greek theta symbol in automaton", "*\u03F4*-", "a\u03B8b-", true),
        c("dotless i in automaton", "*i*-", "\u0131-", true),
        // U+10400 and U+10428, Deseret capital and small long I: two chars each, one letter
        c("letter outside the BMP in literal", "\ud801\udc00", "\ud801\udc28", true),
        c("letter outside the BMP in prefix", "\ud801\udc00*", "\ud801\udc28x", true),
        c("letter outside the BMP in suffix", "**\ud801\udc00", "x/\ud801\udc28", true),
        c("letter outside the BMP in automaton", "a*\ud801\udc00*", "ax\ud801\udc28y", true),
        c(
            "letter outside the BMP in large automaton",
            LONG_LITERAL + "*\ud801\udc28*",
            LONG_LITERAL + "x\ud801\udc00y",
            true),
        c("another letter outside the BMP in automaton", "a*\ud801\udc00*", "a\ud801\udc29", false),
        c("star takes a letter outside the BMP whole", "a*b*", "a\ud801\udc28b", true));
  }

  @ParameterizedTest
  @MethodSource("caseInsensitiveCases")
  void matchesIgnoringCase(String pattern, String input, boolean expected) {
    assertThat(Glob.compileIgnoringCase(pattern).matches(input)).isEqualTo(expected);
    assertThat(reference(pattern, true, input)).as("reference").isEqualTo(expected);
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of(Named.of("empty", ""), "a glob may not be empty"),
        Arguments.of(Named.of("null", null), "a glob may not be empty"),
        Arguments.of(
            Named.of("three stars", "a***"),
            "'***' is not a glob: use '*' within a segment or '**' across segments"),
        Arguments.of(
            Named.of("four stars", "****"),
            "'***' is not a glob: use '*' within a segment or '**' across segments"),
        Arguments.of(
            Named.of("control character", "a\u0000b"), "a glob may not contain control characters"),
        Arguments.of(
            Named.of("C1 control character", "a\u0085"),
            "a glob may not contain control characters"));
  }

  @ParameterizedTest
  @MethodSource("malformed")
  void rejectsMalformedGlobs(String pattern, String problem) {
    assertThat(Glob.problem(pattern)).isEqualTo(problem);
    assertThatThrownBy(() -> Glob.compile(pattern))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith(problem);
  }

  @Test
  void acceptsEveryOtherPattern() {
    assertThat(Glob.problem("**")).isNull();
    assertThat(Glob.problem("*")).isNull();
    assertThat(Glob.problem("a b/**/c*d")).isNull();
    assertThat(Glob.problem("ünïcödé/✓")).isNull();
  }

  @Test
  void keepsThePatternAsWritten() {
    Glob glob = Glob.compileIgnoringCase("Payments*");
    assertThat(glob.pattern()).isEqualTo("Payments*");
    assertThat(glob).hasToString("Payments*");
    assertThat(glob).isEqualTo(Glob.compileIgnoringCase("Payments*"));
    assertThat(glob).isNotEqualTo(Glob.compile("Payments*"));
    assertThat(glob.hashCode()).isEqualTo(Glob.compileIgnoringCase("Payments*").hashCode());
  }

  static LongStream seeds() {
    return LongStream.rangeClosed(1, 25).map(i -> i * 0x9E3779B97F4A7C15L);
  }

  /** Glob against a regex built from the same pattern, on random patterns and inputs. */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void agreesWithARegexOnRandomPatterns(long seed) {
    Random random = new Random(seed);
    for (int i = 0; i < 200; i++) {
      boolean ignoreCase = random.nextInt(4) == 0;
      String alphabet = ignoreCase ? "aAkK\u212Ai\u0131I\u0130\u03F4\u03B8\u0398/-" : "ab/-.";
      String pattern = randomPattern(random, alphabet);
      Glob glob = ignoreCase ? Glob.compileIgnoringCase(pattern) : Glob.compile(pattern);
      for (int j = 0; j < 10; j++) {
        String input =
            random.nextBoolean()
                ? randomString(random, alphabet, random.nextInt(12))
                : instanceOf(random, pattern, alphabet);
        assertThat(glob.matches(input))
            .as("seed %d: '%s' (ignoreCase %s) on '%s'", seed, pattern, ignoreCase, input)
            .isEqualTo(reference(pattern, ignoreCase, input));
      }
    }
  }

  /**
   * Patterns of several 64-state words against a table of which pattern suffix matches which input
   * suffix (the regex would backtrack for ages on these): a character that the pattern holds often
   * is a mask of states, a rare one a list of positions, and states cross word boundaries.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void longPatternsAgreeWithATable(long seed) {
    Random random = new Random(seed);
    String few = "ab/-.";
    String many = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-.";
    for (int i = 0; i < 10; i++) {
      boolean ignoreCase = random.nextInt(3) == 0;
      String alphabet = random.nextBoolean() ? few : many;
      String pattern = longPattern(random, alphabet, 64 + random.nextInt(400));
      Glob glob = ignoreCase ? Glob.compileIgnoringCase(pattern) : Glob.compile(pattern);
      for (int j = 0; j < 5; j++) {
        String input =
            j == 0
                ? randomString(random, alphabet, random.nextInt(600))
                : instanceOf(random, pattern, alphabet);
        assertThat(glob.matches(input))
            .as("seed %d: '%s' (ignoreCase %s) on '%s'", seed, pattern, ignoreCase, input)
            .isEqualTo(tableReference(pattern, ignoreCase, input));
      }
    }
  }

  /** A valid pattern of {@code tokens} tokens: a star is never next to a star ({@code ***}). */
  private static String longPattern(Random random, String alphabet, int tokens) {
    StringBuilder b = new StringBuilder();
    boolean star = false;
    for (int i = 0; i < tokens; i++) {
      int r = star ? 9 : random.nextInt(10);
      star = r < 3;
      b.append(
          r < 2
              ? "*"
              : r < 3 ? "**" : String.valueOf(alphabet.charAt(random.nextInt(alphabet.length()))));
    }
    return b.toString();
  }

  /**
   * The reference semantics as a table: {@code match[i][j]} says whether tokens {@code i..} of the
   * pattern match characters {@code j..} of the input. For patterns and inputs of ASCII characters.
   */
  private static boolean tableReference(String pattern, boolean ignoreCase, String input) {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < pattern.length(); i++) {
      boolean twoStars = pattern.startsWith("**", i);
      tokens.add(twoStars ? "**" : pattern.substring(i, i + 1));
      i += twoStars ? 1 : 0;
    }
    String text = ignoreCase ? fold(input) : input;
    boolean[][] match = new boolean[tokens.size() + 1][text.length() + 1];
    match[tokens.size()][text.length()] = true;
    for (int i = tokens.size() - 1; i >= 0; i--) {
      String token = tokens.get(i);
      for (int j = text.length(); j >= 0; j--) {
        boolean more = j < text.length();
        match[i][j] =
            switch (token) {
              case "**" -> match[i + 1][j] || (more && match[i][j + 1]);
              case "*" -> match[i + 1][j] || (more && text.charAt(j) != '/' && match[i][j + 1]);
              default ->
                  more
                      && (ignoreCase ? fold(token) : token).charAt(0) == text.charAt(j)
                      && match[i + 1][j + 1];
            };
      }
    }
    return match[0][0];
  }

  @Test
  void longPatternsMatchLongInputsAcrossWordBoundaries() {
    String segment = "a*b".repeat(40); // 120 tokens
    Glob glob = Glob.compile("**/" + segment + "/x");
    assertThat(glob.matches("p/q/" + "aZZb".repeat(40) + "/x")).isTrue();
    assertThat(glob.matches("p/q/" + "aZZb".repeat(39) + "aZ/b/x")).isFalse();
    assertThat(glob.matches("p/q/" + "aZZb".repeat(40) + "/y")).isFalse();
    Glob ignoringCase = Glob.compileIgnoringCase("**/" + segment + "/x");
    assertThat(ignoringCase.matches("P/" + "AzzB".repeat(40) + "/X")).isTrue();
  }

  /** Short patterns mostly (fast paths and the small automaton), some beyond 63 tokens. */
  private static String randomPattern(Random random, String alphabet) {
    return randomPattern(
        random,
        alphabet,
        random.nextInt(10) == 0 ? 60 + random.nextInt(50) : 1 + random.nextInt(8));
  }

  private static String randomPattern(Random random, String alphabet, int length) {
    while (true) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < length; i++) {
        int r = random.nextInt(10);
        b.append(
            r < 2
                ? "*"
                : r < 3
                    ? "**"
                    : String.valueOf(alphabet.charAt(random.nextInt(alphabet.length()))));
      }
      String pattern = b.toString();
      if (Glob.problem(pattern) == null) {
        return pattern;
      }
    }
  }

  /** An input built by replacing each star of the pattern with random text: often a match. */
  private static String instanceOf(Random random, String pattern, String alphabet) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      if (pattern.charAt(i) == '*') {
        b.append(randomString(random, alphabet, random.nextInt(4)));
      } else if (random.nextInt(30) == 0) {
        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      } else {
        b.append(pattern.charAt(i));
      }
    }
    return b.toString();
  }

  private static String randomString(Random random, String alphabet, int length) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < length; i++) {
      b.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  /**
   * The reference semantics: {@code **} is {@code .*}, {@code *} is {@code [^/]*}, anything else
   * itself; ignoring case compares characters (code points, as {@code equalsIgnoreCase}) by {@code
   * toLowerCase(toUpperCase(c))}.
   */
  static boolean reference(String pattern, boolean ignoreCase, String input) {
    if (input == null) {
      return false;
    }
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c == '*' && i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
        regex.append(".*");
        i++;
      } else if (c == '*') {
        regex.append("[^/]*");
      } else {
        int end =
            Character.isSurrogatePair(c, i + 1 < pattern.length() ? pattern.charAt(i + 1) : 0)
                ? i + 2
                : i + 1;
        String literal = pattern.substring(i, end);
        regex.append(Pattern.quote(ignoreCase ? fold(literal) : literal));
        i = end - 1;
      }
    }
    String subject = ignoreCase ? fold(input) : input;
    return Pattern.compile(regex.toString(), Pattern.DOTALL).matcher(subject).matches();
  }

  /** {@code text} with every character (code point) folded, as {@code equalsIgnoreCase} folds. */
  private static String fold(String text) {
    StringBuilder folded = new StringBuilder();
    text.codePoints()
        .forEach(cp -> folded.appendCodePoint(Character.toLowerCase(Character.toUpperCase(cp))));
    return folded.toString();
  }

  private static Arguments c(String name, String pattern, String input, boolean expected) {
    return Arguments.of(Named.of(name, pattern), input, expected);
  }
}
