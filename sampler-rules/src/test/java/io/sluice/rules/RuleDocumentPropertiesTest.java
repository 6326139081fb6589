package io.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties of the codec over seeded random input (no jqwik): valid documents round-trip and
 * satisfy the schema; garbage and mutated documents always give a result, never an exception; and
 * on mutated documents the JSON Schema and the reader, reading them as documents being written,
 * reach the same verdict.
 *
 * <p>Each case's seed is in its name; rerun one with {@code -Dsluice.seed=<seed>}.
 */
class RuleDocumentPropertiesTest {

  private static final int CASES = 500;
  private static final long BASE_SEED = 0x5107_2026_1124L;

  private static final String MUTANTS = "{}[],:\"\\ 0-.e*x";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Reader-only checks, beyond what JSON Schema can say; see {@link RuleSchema}. */
  private static final List<String> READER_ONLY = List.of("duplicate name", "is an empty range");

  private static final AtomicInteger MUTANTS_ACCEPTED = new AtomicInteger();
  private static final AtomicInteger MUTANTS_REJECTED = new AtomicInteger();

  /** The agreement property means something only if mutants land on both sides. */
  @AfterAll
  static void mutationsProducedValidAndInvalidDocuments() {
    if (MUTANTS_ACCEPTED.get() + MUTANTS_REJECTED.get() == CASES) {
      assertThat(MUTANTS_ACCEPTED.get()).as("valid mutants").isGreaterThan(CASES / 20);
      assertThat(MUTANTS_REJECTED.get()).as("invalid mutants").isGreaterThan(CASES / 4);
    }
  }

  static LongStream seeds() {
    String fixed = System.getProperty("sluice.seed");
    if (fixed != null && !fixed.isBlank()) {
      return LongStream.of(Long.parseLong(fixed.trim()));
    }
    return LongStream.range(0, CASES).map(i -> BASE_SEED + i);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void validDocumentsRoundTripAndSatisfyTheSchema(long seed) {
    RuleDocument document = new RandomDocuments(new Random(seed)).document();
    String written = RuleCodec.write(document);

    ParseResult read = RuleCodec.parse(written);

    assertThat(read.errors()).as(written).isEmpty();
    assertThat(read.document()).isEqualTo(document);
    assertThat(RuleCodec.write(read.document())).isEqualTo(written);
    assertThat(RuleSchemaValidator.problems(written)).as(written).isEmpty();
    CompiledRules.compile(read.document());

    String compact = RuleCodec.writeCompact(document);
    assertThat(compact).doesNotContain("\n").hasSizeLessThan(written.length());
    assertThat(RuleCodec.parse(compact).document()).isEqualTo(document);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void garbageAlwaysGivesAResult(long seed) {
    Random random = new Random(seed);
    byte[] garbage =
        switch (random.nextInt(3)) {
          case 0 -> randomBytes(random);
          case 1 -> tokenSoup(random).getBytes(StandardCharsets.UTF_8);
          default -> randomJson(random, 0).toString().getBytes(StandardCharsets.UTF_8);
        };

    assertAResult(RuleCodec.parse(garbage));
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void textMutationsOfValidDocumentsAlwaysGiveAResult(long seed) {
    Random random = new Random(seed);
    StringBuilder text = new StringBuilder(RuleCodec.write(new RandomDocuments(random).document()));
    int edits = 1 + random.nextInt(4);
    for (int i = 0; i < edits && text.length() > 0; i++) {
      int at = random.nextInt(text.length());
      switch (random.nextInt(4)) {
        case 0 -> text.delete(at, Math.min(text.length(), at + 1 + random.nextInt(8)));
        case 1 -> text.insert(at, tokenSoup(random));
        case 2 -> text.setLength(at);
        default -> text.setCharAt(at, MUTANTS.charAt(random.nextInt(MUTANTS.length())));
      }
    }

    assertAResult(RuleCodec.parse(text.toString()));
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void schemaAndReaderAgreeOnMutatedDocuments(long seed) throws Exception {
    Random random = new Random(seed);
    JsonNode tree =
        RuleSchemaValidator.JSON.readTree(RuleCodec.write(new RandomDocuments(random).document()));
    int mutations = 1 + random.nextInt(3);
    for (int i = 0; i < mutations; i++) {
      mutate(tree, random);
    }

    ParseResult result = assertSchemaAndReaderAgree(tree);
    (result.isValid() ? MUTANTS_ACCEPTED : MUTANTS_REJECTED).incrementAndGet();
  }

  /**
   * Documents whose only problem is a check made of documents being written, not of those stored:
   * the schema, which says what may be written, refuses them, and so must the reader as a write
   * reads. Before, the property compared the schema with the lenient read of stored documents, so a
   * mutation that landed on a reserved name would have failed it though both were right.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "a rule named default | default",
        "a rule named parent | parent",
        "a rule name with a right-to-left override | a\u202Eb"
      })
  void schemaAndReaderAgreeOnWriteOnlyChecks(String name, String ruleName) throws Exception {
    JsonNode tree =
        RuleSchemaValidator.JSON.readTree(
            "{\"schemaVersion\": 1, \"service\": \"orders\", \"sampling\": {\"rules\":"
                + " [{\"name\": \""
                + ruleName
                + "\", \"ratio\": 0.5}]}}");
    assertThat(DocumentReader.read(tree).isValid()).as("stored, %s is read", name).isTrue();

    assertThat(assertSchemaAndReaderAgree(tree).isValid()).isFalse();
  }

  /**
   * Asserts that the schema and the reader, reading {@code tree} as a document being written (the
   * schema's checks include those made of writes only), reach the same verdict, up to the reader's
   * own checks that JSON Schema cannot say; returns the reader's result.
   */
  private static ParseResult assertSchemaAndReaderAgree(JsonNode tree) {
    // directly: no safety net around it
    ParseResult result = DocumentReader.read(tree, true, null, null);
    List<String> schemaProblems = RuleSchemaValidator.problems(tree);

    assertAResult(result);
    boolean onlyReaderOnlyProblems =
        result.errors().stream()
            .allMatch(e -> READER_ONLY.stream().anyMatch(e.message()::contains));
    if (schemaProblems.isEmpty()) {
      assertThat(result.isValid() || onlyReaderOnlyProblems)
          .as("the schema accepts %s but the reader says %s", tree, result.errors())
          .isTrue();
    } else {
      assertThat(result.isValid())
          .as("the schema says %s but the reader accepts %s", schemaProblems, tree)
          .isFalse();
    }
    return result;
  }

  private static void assertAResult(ParseResult result) {
    assertThat(result).isNotNull();
    assertThat(result.isValid()).isEqualTo(result.errors().isEmpty());
    for (ValidationError error : result.errors()) {
      assertThat(error.path()).startsWith("$");
      assertThat(error.message()).isNotBlank().doesNotContain("internal error");
      assertThat(error.message())
          .doesNotContainIgnoringCase("jackson")
          .doesNotContain("Exception")
          .doesNotContain("REDACTED");
    }
  }

  // ------------------------------------------------------------------ mutations

  /** Removes, replaces or adds a member or an item somewhere in {@code root}. */
  static void mutate(JsonNode root, Random random) {
    List<JsonNode> containers = new ArrayList<>();
    collectContainers(root, containers);
    JsonNode target = containers.get(random.nextInt(containers.size()));
    if (target instanceof ObjectNode object) {
      List<String> names = new ArrayList<>();
      object.fieldNames().forEachRemaining(names::add);
      String existing = names.isEmpty() ? "x" : names.get(random.nextInt(names.size()));
      switch (random.nextInt(4)) {
        case 0 -> object.remove(existing);
        case 1 -> object.set(existing, randomValue(random));
        case 2 -> object.set(nearMiss(existing, random), randomValue(random));
        default -> object.set(existing, randomJson(random, 0));
      }
    } else if (target instanceof ArrayNode array) {
      int index = array.isEmpty() ? 0 : random.nextInt(array.size());
      switch (random.nextInt(4)) {
        case 0 -> {
          if (!array.isEmpty()) {
            array.remove(index);
          }
        }
        case 1 -> {
          if (!array.isEmpty()) {
            array.add(array.get(index).deepCopy());
          }
        }
        case 2 -> array.insert(index, randomValue(random));
        default -> array.add(randomJson(random, 0));
      }
    }
  }

  private static void collectContainers(JsonNode node, List<JsonNode> out) {
    if (node.isContainerNode()) {
      out.add(node);
      for (JsonNode child : node) {
        collectContainers(child, out);
      }
    }
  }

  private static String nearMiss(String name, Random random) {
    if (name.length() < 2 || random.nextInt(4) == 0) {
      return name + "x";
    }
    int at = random.nextInt(name.length() - 1);
    return name.substring(0, at) + name.charAt(at + 1) + name.charAt(at) + name.substring(at + 2);
  }

  /** Values chosen to sit on the edges of the rules: bounds, spellings, near-durations. */
  private static JsonNode randomValue(Random random) {
    String[] strings = {
      "",
      " ",
      "5xx",
      "5XX",
      "500-504",
      "504-500",
      "600",
      "10s",
      "0s",
      "010s",
      "10",
      "1d",
      "SERVER",
      "server",
      "COUNT",
      "count",
      "error",
      "ERROR",
      "response",
      "rule",
      "target",
      "***",
      "a*b",
      "/x/**",
      "_default",
      "Orders",
      "a\u0000b",
      "x".repeat(129),
      "10s\n"
    };
    return switch (random.nextInt(12)) {
      case 0 -> NODES.nullNode();
      case 1 -> NODES.booleanNode(random.nextBoolean());
      case 2 -> NODES.numberNode(random.nextInt(5) - 1);
      case 3 ->
          NODES.numberNode(
              new int[] {0, 1, 99, 100, 101, 599, 600, 65535, 65536}[random.nextInt(9)]);
      case 4 -> NODES.numberNode(random.nextDouble() * 2 - 0.5);
      case 5 ->
          NODES.numberNode(
              new double[] {0.0, 1.0, 1.5, 100.0, 100.5, 20.0, 1e-9}[random.nextInt(7)]);
      case 6 -> NODES.numberNode(new BigInteger("2147483648"));
      case 7 -> NODES.numberNode(Integer.MAX_VALUE);
      case 8 -> NODES.objectNode();
      case 9 -> NODES.arrayNode();
      default -> NODES.textNode(strings[random.nextInt(strings.length)]);
    };
  }

  private static JsonNode randomJson(Random random, int depth) {
    int kind = depth > 3 ? random.nextInt(3) : random.nextInt(5);
    return switch (kind) {
      case 0 -> randomValue(random);
      case 1 -> NODES.textNode(new RandomDocuments(random).text(0, 8));
      case 2 -> NODES.numberNode(random.nextLong());
      case 3 -> {
        ObjectNode object = NODES.objectNode();
        String[] keys = {
          "schemaVersion", "service", "sampling", "breakers", "rules", "name", "match", "ratio",
          "spanKind", "attributes", "slidingWindow", "size", "onOpen", "mode", "headers", "k"
        };
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
          object.set(keys[random.nextInt(keys.length)], randomJson(random, depth + 1));
        }
        yield object;
      }
      default -> {
        ArrayNode array = NODES.arrayNode();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
          array.add(randomJson(random, depth + 1));
        }
        yield array;
      }
    };
  }

  private static byte[] randomBytes(Random random) {
    byte[] bytes = new byte[random.nextInt(200)];
    random.nextBytes(bytes);
    return bytes;
  }

  private static String tokenSoup(Random random) {
    String[] tokens = {
      "{", "}", "[", "]", ",", ":", "\"", "\"schemaVersion\"", "\"service\"", "1", "-0", "1e999",
      "true", "nul", "\"\\u12\"", "\\", " ", "\n", "//", "/*", "'", "\u0000", "\uFEFF", "0x1F",
      "NaN", "\"breakers\"", "[{\"name\":\"b\"}]"
    };
    StringBuilder b = new StringBuilder();
    int n = random.nextInt(30);
    for (int i = 0; i < n; i++) {
      b.append(tokens[random.nextInt(tokens.length)]);
    }
    return b.toString();
  }
}
