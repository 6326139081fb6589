package io.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every problem of a document read from text says the line and column of what it is about. */
class ProblemLocationsTest {

  private static final String DOCUMENT =
      """
      {
        "schemaVersion": 1,
        "service": "orders",
        "sampling": {
          "defaultRatio": 0.5,
          "rules": [
            {"name": "ok", "ratio": 1},
            {"name": "bad", "ratio": 1.5,
             "match": {"spanKind": "server", "attributes": {"url.path": "/a/***"}}}
          ]
        },
        "breakers": [
          {"name": "p", "failureStatusCodes": ["5xx", "6xx"]},
          {"nmae": "q",
           "slidingWindow": {"size": 0}}
        ]
      }
      """;

  @ParameterizedTest(name = "line endings {0}")
  @ValueSource(strings = {"LF", "CRLF", "CR"})
  void placesEachSemanticProblemAtItsValueWhateverTheLineEndings(String endings) {
    String text =
        switch (endings) {
          case "CRLF" -> DOCUMENT.replace("\n", "\r\n");
          case "CR" -> DOCUMENT.replace("\n", "\r");
          default -> DOCUMENT;
        };
    List<ValidationError> errors = RuleCodec.parse(text).errors();
    // where a reader of the text sees what each problem is about, whatever its line endings
    assertThat(errors)
        .extracting(ValidationError::path, e -> List.of(e.line(), e.column()))
        .containsExactly(
            // a number in a list of objects
            tuple("$.sampling.rules[1].ratio", where(DOCUMENT, "1.5,")),
            // an enum value
            tuple("$.sampling.rules[1].match.spanKind", where(DOCUMENT, "\"server\"")),
            // an attribute value, at a key written ['url.path']
            tuple(
                "$.sampling.rules[1].match.attributes['url.path']", where(DOCUMENT, "\"/a/***\"")),
            // a list in a list of objects
            tuple("$.breakers[0].failureStatusCodes[1]", where(DOCUMENT, "\"6xx\"")),
            // a missing field at the object that lacks it, so listed before what is in it
            tuple("$.breakers[1].name", where(DOCUMENT, "{\"nmae\"")),
            // an unknown field at its name, though reported at its object
            tuple("$.breakers[1]", where(DOCUMENT, "\"nmae\"")),
            tuple("$.breakers[1].slidingWindow.size", where(DOCUMENT, "0}}")));
    assertThat(errors.get(0).message()).isEqualTo("must be from 0 to 1, not 1.5");
    assertThat(where(DOCUMENT, "1.5,")).containsExactly(8, 32);
  }

  /**
   * Problems are listed in the order of their places in the text, whatever is wrong: a missing
   * field, placed where its object starts, comes before the problems inside that object.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("io.sluice.rules.RuleDocumentPropertiesTest#seeds")
  void listsProblemsInTheOrderOfTheirPlacesInTheText(long seed) throws Exception {
    Random random = new Random(seed);
    JsonNode tree =
        RuleSchemaValidator.JSON.readTree(RuleCodec.write(new RandomDocuments(random).document()));
    for (int i = 1 + random.nextInt(4); i > 0; i--) {
      RuleDocumentPropertiesTest.mutate(tree, random);
    }
    String text =
        RuleSchemaValidator.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree);

    List<ValidationError> placed =
        RuleCodec.parse(text).errors().stream().filter(ValidationError::hasLocation).toList();

    assertThat(placed)
        .as(text)
        .isSortedAccordingTo(
            Comparator.comparingInt(ValidationError::line)
                .thenComparingInt(ValidationError::column));
  }

  @Test
  void listsAMissingFieldBeforeTheProblemsInItsObject() {
    String text =
        """
        {"schemaVersion": 1, "service": "s",
         "breakers": [{"match": {"port": 0},
                       "slidingWindow": {"size": 0}}]}
        """;
    assertThat(RuleCodec.parse(text).errors())
        .extracting(ValidationError::path, e -> List.of(e.line(), e.column()))
        .containsExactly(
            tuple("$.breakers[0].name", where(text, "{\"match\"")),
            tuple("$.breakers[0].match.port", where(text, "0}")),
            tuple("$.breakers[0].slidingWindow.size", where(text, "0}}")));
  }

  @Test
  void placesAProblemInAMinifiedDocumentOnItsOneLine() {
    String text =
        "{\"schemaVersion\":1,\"service\":\"s\",\"breakers\":[{\"name\":\"b\","
            + "\"failureStatusCodes\":[\"5xx\",[\"503\"]]}]}";
    ValidationError error = RuleCodec.parse(text).errors().get(0);
    assertThat(error.path()).isEqualTo("$.breakers[0].failureStatusCodes[1]");
    assertThat(List.of(error.line(), error.column())).isEqualTo(where(text, "[\"503\"]"));
  }

  @Test
  void countsColumnsInUtf16CodeUnitsAsEditorsDo() {
    // é is two bytes of UTF-8 and one unit; the emoji four bytes and two units
    String text =
        "{\"schemaVersion\": 1, \"service\": \"s\", \"sampling\": {\"rules\": [{\"name\":"
            + " \"caf\u00e9 \ud83d\ude00\", \"ratio\": -1}]}}";
    ValidationError error = RuleCodec.parse(text).errors().get(0);
    assertThat(error.path()).isEqualTo("$.sampling.rules[0].ratio");
    assertThat(error.line()).isEqualTo(1);
    assertThat(error.column()).isEqualTo(text.indexOf("-1") + 1);
  }

  @Test
  void placesAProblemAtAKeyWithAnEscapedCharacter() {
    String text =
        """
        {"schemaVersion": 1, "service": "s",
         "sampling": {"rules": [{"name": "r", "ratio": 1,
           "match": {"attributes": {"tenant\\u202e": "x",
                                    "a'b\\\\c": "***"}}}]}}
        """;
    List<ValidationError> errors =
        RuleCodec.parseFor("s", text.getBytes(StandardCharsets.UTF_8)).errors();
    assertThat(errors)
        .extracting(ValidationError::path, e -> List.of(e.line(), e.column()))
        .containsExactly(
            // a problem of the key at the key
            tuple(
                "$.sampling.rules[0].match.attributes['tenant\\u202e']",
                where(text, "\"tenant\\u202e\"")),
            // a problem of the value at the value
            tuple("$.sampling.rules[0].match.attributes['a\\'b\\\\c']", where(text, "\"***\"")));
  }

  /**
   * A header's or an attribute's name that is wrong is pointed at where the name is, not at its
   * value: an editor marks what has to change. A name and a value both wrong are listed in that
   * order, as they are written.
   */
  @Test
  void placesAProblemOfAHeaderNameOrAnAttributeKeyAtTheName() {
    String text =
        """
        {"schemaVersion": 1, "service": "s",
         "sampling": {"rules": [{"name": "r", "ratio": 1,
           "match": {"attributes": {"": "v"}}}]},
         "breakers": [{"name": "b", "onOpen": {"mode": "response",
           "headers": {"X Bad": "ok",
                       "X\\u00e9": "\\u00e9"}}}]}
        """;
    assertThat(RuleCodec.parse(text).errors())
        .extracting(ValidationError::message, e -> List.of(e.line(), e.column()))
        .containsExactly(
            tuple("an attribute key may not be empty", where(text, "\"\": \"v\"")),
            tuple("'X Bad' is not a valid HTTP header name", where(text, "\"X Bad\"")),
            tuple("'X\u00e9' is not a valid HTTP header name", where(text, "\"X\\u00e9\"")),
            tuple(
                "a header value may hold only printable ASCII characters, spaces and tabs (HTTP"
                    + " clients refuse others): '\u00e9'",
                where(text, "\"\\u00e9\"}")));
  }

  @Test
  void placesTheServiceItIsNotStoredForAtItsValue() {
    String text = "{\"schemaVersion\": 1,\n \"service\": \"other\"}";
    ValidationError error =
        RuleCodec.parseFor("orders", text.getBytes(StandardCharsets.UTF_8)).errors().get(0);
    assertThat(error.path()).isEqualTo("$.service");
    assertThat(List.of(error.line(), error.column())).isEqualTo(where(text, "\"other\""));
  }

  @Test
  void aSyntaxErrorCarriesTheLineAndColumnItsMessageNames() {
    ValidationError error = RuleCodec.parse("{\n  \"schemaVersion\": 1,,\n}").errors().get(0);
    assertThat(error.message()).startsWith("malformed JSON at line 2, column 22:");
    assertThat(error.line()).isEqualTo(2);
    assertThat(error.column()).isEqualTo(22);
  }

  @Test
  void aSyntaxErrorCountsItsColumnAsTheOtherProblemsDo() {
    // after "café 😀" on a line that follows a CRLF: a column of bytes would be 4 more
    String text = "{\r\n  \"service\": \"caf\u00e9 \ud83d\ude00\" \"schemaVersion\": 1}";
    ValidationError error = RuleCodec.parse(text).errors().get(0);
    int column = text.indexOf("\"schemaVersion") - text.indexOf('\n');
    assertThat(error.message()).startsWith("malformed JSON at line 2, column " + column + ":");
    assertThat(List.of(error.line(), error.column())).containsExactly(2, column);
  }

  @Test
  void placesAProblemInATextThatStartsWithAByteOrderMark() {
    // accepted as a document (the parse of its bytes skips the mark), so placed as any other,
    // counting the mark as a syntax error's column does
    String text = "\uFEFF{\"schemaVersion\": 1,\n \"service\": \"s\", \"bogus\": 1}";
    ValidationError error = RuleCodec.parse(text.getBytes(StandardCharsets.UTF_8)).errors().get(0);
    assertThat(error.message()).isEqualTo("unknown field 'bogus'");
    assertThat(List.of(error.line(), error.column())).isEqualTo(where(text, "\"bogus\""));
    ValidationError malformed =
        RuleCodec.parse("\uFEFF{\"schemaVersion\": 1,,}".getBytes(StandardCharsets.UTF_8))
            .errors()
            .get(0);
    assertThat(malformed.message()).startsWith("malformed JSON at line 1, column 22:");
    assertThat(List.of(malformed.line(), malformed.column())).containsExactly(1, 22);
  }

  /**
   * The parse reads UTF-16 and UTF-32 too (detected as JSON's first characters are ASCII), as a
   * rules file saved by Windows PowerShell's {@code >} is UTF-16 with a byte order mark: a problem
   * in such a text is placed in it as in UTF-8.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"UTF-16BE", "UTF-16LE", "UTF-16 with mark", "UTF-32BE", "UTF-32LE"})
  void placesAProblemInATextInUtf16OrUtf32(String encoding) {
    String text =
        "{\"schemaVersion\": 1, \"service\": \"s\",\n \"sampling\": {\"rules\": [{\"name\":"
            + " \"caf\u00e9 \ud83d\ude00\", \"ratio\": 1}]}, \"bogus\": 1}";
    byte[] bytes =
        encoding.equals("UTF-16 with mark")
            ? ("\uFEFF" + text).getBytes(java.nio.charset.Charset.forName("UTF-16LE"))
            : text.getBytes(java.nio.charset.Charset.forName(encoding));
    ValidationError error = RuleCodec.parse(bytes).errors().get(0);
    assertThat(error.message()).isEqualTo("unknown field 'bogus'");
    assertThat(List.of(error.line(), error.column())).isEqualTo(where(text, "\"bogus\""));
  }

  /**
   * A byte order mark counts as a column on the first line, as in UTF-8, for a syntax error and a
   * field given twice too: the parse of UTF-16 or UTF-32 counts its columns after the mark, where
   * the tree's problems count it, so the first line's problems of one document disagreed by one.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"UTF-8", "UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE"})
  void aByteOrderMarkCountsAsAColumnInEveryEncoding(String encoding) {
    java.nio.charset.Charset charset = java.nio.charset.Charset.forName(encoding);
    String unknown = "\uFEFF{\"schemaVersion\": 1, \"service\": \"s\", \"bogus\": 1}";
    String twice = "\uFEFF{\"schemaVersion\": 1, \"bogus\": 1, \"bogus\": 2}";
    String syntax = "\uFEFF{\"schemaVersion\": 1,, \"bogus\": 1}";

    ValidationError tree = RuleCodec.parse(unknown.getBytes(charset)).errors().get(0);
    ValidationError duplicate =
        RuleCodec.parse(twice.getBytes(charset)).errors().stream()
            .filter(e -> e.message().endsWith("duplicate field 'bogus'"))
            .findFirst()
            .orElseThrow();
    ValidationError malformed = RuleCodec.parse(syntax.getBytes(charset)).errors().get(0);

    assertThat(List.of(tree.line(), tree.column())).isEqualTo(where(unknown, "\"bogus\""));
    assertThat(List.of(duplicate.line(), duplicate.column()))
        .isEqualTo(where(twice, "\"bogus\": 2"));
    assertThat(List.of(malformed.line(), malformed.column())).isEqualTo(where(syntax, ", \"bogus"));
  }

  @Test
  void aProblemWithNoPlaceInTheTextHasNone() {
    assertThat(RuleCodec.parse("").errors().get(0).hasLocation()).isFalse();
    // a tree not read from text
    ValidationError fromTree =
        DocumentReader.read(
                new ObjectMapper().createObjectNode().put("schemaVersion", 2).put("service", "s"))
            .errors()
            .get(0);
    assertThat(fromTree.path()).isEqualTo("$.schemaVersion");
    assertThat(fromTree.hasLocation()).isFalse();
    assertThat(fromTree.line()).isZero();
    assertThat(fromTree.column()).isZero();
  }

  @Test
  void aLocationIsBothLineAndColumnOrNeither() {
    assertThat(new ValidationError("$", "x").hasLocation()).isFalse();
    assertThat(new ValidationError("$", "x", 3, 4).hasLocation()).isTrue();
    assertThatThrownBy(() -> new ValidationError("$", "x", 3, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** The line and column, from 1, of the first {@code needle} in {@code text} (lines end at \n). */
  private static List<Integer> where(String text, String needle) {
    int at = text.indexOf(needle);
    assertThat(at).as(needle).isNotNegative();
    String before = text.substring(0, at);
    int line = before.split("\n", -1).length;
    int column = at - before.lastIndexOf('\n');
    return List.of(line, column);
  }
}
