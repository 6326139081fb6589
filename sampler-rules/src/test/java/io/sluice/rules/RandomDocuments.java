package io.sluice.rules;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Generates random valid rule documents from a seeded {@link Random}: every field, every enum
 * constant, edge values (0, 1, 100, huge ints), unicode text, and defaults as often as not.
 */
final class RandomDocuments {

  private static final String GLOB_CHARS = "ab/-._ Zé✓*";
  private static final String SERVICE_CHARS = "abcxyzABXYZ0129._-";
  private static final String HEADER_CHARS = "!#$%&'*+.^_`|~09AZaz-";

  private final Random random;

  RandomDocuments(Random random) {
    this.random = random;
  }

  RuleDocument document() {
    return new RuleDocument(
        RuleDocument.SCHEMA_VERSION, service(), sampling(), uniqueNames(4, this::breaker));
  }

  private String service() {
    if (random.nextInt(8) == 0) {
      return RuleDocument.DEFAULT_SERVICE;
    }
    StringBuilder b = new StringBuilder().append("abcXYZ019".charAt(random.nextInt(9)));
    int length = random.nextInt(10) == 0 ? 62 : random.nextInt(12);
    for (int i = 0; i < length; i++) {
      b.append(SERVICE_CHARS.charAt(random.nextInt(SERVICE_CHARS.length())));
    }
    return b.toString();
  }

  private SamplingPolicy sampling() {
    if (random.nextInt(6) == 0) {
      return SamplingPolicy.DEFAULT;
    }
    return new SamplingPolicy(ratio(), random.nextBoolean(), uniqueNames(5, this::samplingRule));
  }

  private SamplingRule samplingRule() {
    return new SamplingRule(
        name(),
        spanMatch(),
        ratio(),
        random.nextBoolean() ? null : random.nextBoolean() ? 1 + random.nextInt(1000) : positive());
  }

  private SpanMatch spanMatch() {
    if (random.nextInt(5) == 0) {
      return SpanMatch.ANY;
    }
    Map<String, String> attributes = new LinkedHashMap<>();
    int count = random.nextInt(4);
    for (int i = 0; i < count; i++) {
      // keys may not hold control characters, line separators or bidirectional controls either
      attributes.put(random.nextBoolean() ? "url.path" + i : oneLine(text(1, 20)), glob());
    }
    return new SpanMatch(
        random.nextBoolean() ? glob() : null,
        random.nextBoolean() ? pick(SpanKind.values()) : null,
        attributes);
  }

  private BreakerPolicy breaker() {
    return new BreakerPolicy(
        name(),
        callMatch(),
        pick(BreakerScope.values()),
        percentage(),
        percentage(),
        duration(),
        new SlidingWindow(pick(SlidingWindowType.values()), windowCount()),
        positive(),
        duration(),
        windowCount(),
        statusCodes(),
        onOpen(),
        random.nextBoolean());
  }

  private CallMatch callMatch() {
    if (random.nextInt(5) == 0) {
      return CallMatch.ANY;
    }
    return new CallMatch(
        random.nextBoolean() ? glob() : null,
        random.nextBoolean() ? 1 + random.nextInt(65535) : null,
        random.nextBoolean() ? pick(new String[] {"GET", "post", "P*", "*"}) : null,
        random.nextBoolean() ? pathGlob() : null);
  }

  /** A glob a request path can meet: it starts with '/' or a star (see CallTarget.pathProblem). */
  private String pathGlob() {
    while (true) {
      String path = (random.nextInt(4) == 0 ? "*" : "/") + glob();
      if (Glob.problem(path) == null && CallTarget.pathProblem(path) == null) {
        return path;
      }
    }
  }

  private List<StatusCodeRange> statusCodes() {
    if (random.nextInt(4) == 0) {
      return BreakerPolicy.DEFAULT_FAILURE_STATUS_CODES;
    }
    List<StatusCodeRange> codes = new ArrayList<>();
    int count = random.nextInt(4);
    for (int i = 0; i < count; i++) {
      int from = 100 + random.nextInt(500);
      switch (random.nextInt(3)) {
        case 0 -> codes.add(new StatusCodeRange(from, from));
        case 1 -> codes.add(new StatusCodeRange(from / 100 * 100, from / 100 * 100 + 99));
        default -> codes.add(new StatusCodeRange(from, from + random.nextInt(600 - from)));
      }
    }
    return codes;
  }

  private OnOpenAction onOpen() {
    if (random.nextBoolean()) {
      return OnOpenAction.ERROR;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    int count = random.nextInt(3);
    for (int i = 0; i < count; i++) {
      StringBuilder name = new StringBuilder();
      int length = 1 + random.nextInt(12);
      for (int j = 0; j < length; j++) {
        name.append(HEADER_CHARS.charAt(random.nextInt(HEADER_CHARS.length())));
      }
      // header names ignore case: one spelled twice is refused (by the reader only)
      String spelled = name.toString();
      if (headers.keySet().stream().noneMatch(spelled::equalsIgnoreCase)) {
        headers.put(spelled, headerValue());
      }
    }
    return new OnOpenAction(OnOpenMode.RESPONSE, 100 + random.nextInt(500), headers, text(0, 40));
  }

  private <T> List<T> uniqueNames(int max, Supplier<T> element) {
    List<T> items = new ArrayList<>();
    Set<String> names = new HashSet<>();
    int count = random.nextInt(max + 1);
    for (int i = 0; i < count; i++) {
      T item = element.get();
      String name = item instanceof SamplingRule r ? r.name() : ((BreakerPolicy) item).name();
      if (names.add(name)) {
        items.add(item);
      }
    }
    return items;
  }

  private String name() {
    String name = random.nextBoolean() ? "rule-" + random.nextInt(50) : oneLine(text(1, 128));
    // not only whitespace and invisible characters, which a document being written refuses
    return name.codePoints().allMatch(DocumentReader::showsAsNothing)
        ? "x" + name.substring(Character.charCount(name.codePointAt(0)))
        : name;
  }

  /**
   * {@code text} with each control character, line separator or bidirectional control (which a
   * document being written refuses in names and attribute keys) made a space.
   */
  private static String oneLine(String text) {
    StringBuilder printable = new StringBuilder(text);
    for (int i = 0; i < printable.length(); i++) {
      if (OneLineText.forbidden(printable.charAt(i))) {
        printable.setCharAt(i, ' ');
      }
    }
    return printable.toString();
  }

  private String glob() {
    while (true) {
      StringBuilder b = new StringBuilder();
      int length = 1 + random.nextInt(random.nextInt(10) == 0 ? 90 : 12);
      for (int i = 0; i < length; i++) {
        b.append(GLOB_CHARS.charAt(random.nextInt(GLOB_CHARS.length())));
      }
      if (Glob.problem(b.toString()) == null) {
        return b.toString();
      }
    }
  }

  /** What a header value may hold: printable ASCII, spaces and tabs. */
  private String headerValue() {
    StringBuilder b = new StringBuilder();
    for (int i = random.nextInt(21); i > 0; i--) {
      b.append(random.nextInt(10) == 0 ? '\t' : (char) (0x20 + random.nextInt(0x5f)));
    }
    return b.toString();
  }

  /** Text of whole code points (no lone surrogates), including control characters and emoji. */
  String text(int minCodePoints, int maxCodePoints) {
    StringBuilder b = new StringBuilder();
    int length = minCodePoints + random.nextInt(maxCodePoints - minCodePoints + 1);
    for (int i = 0; i < length; i++) {
      int kind = random.nextInt(10);
      int codePoint =
          kind < 6
              ? 0x20 + random.nextInt(0x5f)
              : kind == 6
                  ? random.nextInt(0x20)
                  : kind == 7
                      ? 0xa0 + random.nextInt(0x2000)
                      : kind == 8 ? 0x1F600 + random.nextInt(80) : 0x4e00 + random.nextInt(100);
      b.appendCodePoint(codePoint);
    }
    return b.toString();
  }

  private double ratio() {
    return switch (random.nextInt(5)) {
      case 0 -> 0.0;
      case 1 -> 1.0;
      default -> random.nextDouble();
    };
  }

  private double percentage() {
    return switch (random.nextInt(5)) {
      case 0 -> 100.0;
      case 1 -> Float.MIN_VALUE; // the smallest that stays above 0 as a float
      case 2 -> 1 + random.nextInt(100);
      default -> 100 - random.nextDouble() * 99.99;
    };
  }

  private int positive() {
    return switch (random.nextInt(4)) {
      case 0 -> 1;
      case 1 -> Integer.MAX_VALUE;
      default -> 1 + random.nextInt(10_000);
    };
  }

  private int windowCount() {
    return switch (random.nextInt(3)) {
      case 0 -> 1;
      case 1 -> DocumentReader.MAX_WINDOW;
      default -> 1 + random.nextInt(DocumentReader.MAX_WINDOW);
    };
  }

  /** A duration of up to the most digits its unit takes (12 ms, 9 s, 8 m, 6 h). */
  private Duration duration() {
    int unit = random.nextInt(4);
    long most = new long[] {999_999_999_999L, 999_999_999L, 99_999_999L, 999_999L}[unit];
    long amount =
        random.nextBoolean() ? 1 + random.nextInt(1000) : 1 + (long) (random.nextDouble() * most);
    return switch (unit) {
      case 0 -> Duration.ofMillis(amount);
      case 1 -> Duration.ofSeconds(amount);
      case 2 -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
  }

  private <T> T pick(T[] values) {
    return values[random.nextInt(values.length)];
  }
}
