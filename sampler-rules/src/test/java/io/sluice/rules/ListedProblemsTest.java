package io.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ListedProblemsTest {

  @Test
  void aDocumentWithMoreProblemsThanListedNamesTheFirstInDocumentOrderAndCountsTheRest() {
    String codes = IntStream.range(0, 1500).mapToObj(i -> "1").collect(Collectors.joining(","));
    String text =
        "{\"schemaVersion\": 1, \"service\": \"s\", \"extra\": 1, \"breakers\": [{\"name\":"
            + " \"b\", \"match\": {\"host\": \"h\"}, \"failureStatusCodes\": ["
            + codes
            + "]}]}";

    ParseResult result = RuleCodec.parse(text);
    List<ValidationError> errors = result.errors();

    assertThat(errors).hasSize(1001);
    assertThat(errors.get(0).path()).isEqualTo("$");
    assertThat(errors.get(0).message()).startsWith("unknown field 'extra'");
    assertThat(errors.get(1).path()).isEqualTo("$.breakers[0].failureStatusCodes[0]");
    assertThat(errors.get(999).path()).isEqualTo("$.breakers[0].failureStatusCodes[998]");
    assertThat(errors.get(999).hasLocation()).isTrue();
    assertThat(errors.get(1000))
        .hasToString("$: 501 more problems are not listed: only the first 1000 are");
    assertThat(errors.get(1000).hasLocation()).isFalse();
    // the result counts them all, not the entries listed, and so does its exception
    assertThat(result.problemCount()).isEqualTo(1501);
    assertThatThrownBy(result::orElseThrow)
        .isInstanceOfSatisfying(
            InvalidRulesException.class,
            e -> {
              assertThat(e.problemCount()).isEqualTo(1501);
              assertThat(e.errors()).isEqualTo(errors);
            })
        .hasMessageStartingWith("invalid rule document (1501 problems): ");
  }

  /**
   * Thousands of unknown members of one object are listed in the order they are written, named one
   * by one. Placing each went through the object's members up to it, so the refusal took time
   * growing with the square of their number (32 000: 1.6 s, now 0.1 s, on a 2-core machine).
   */
  @Test
  void manyUnknownMembersOfOneObjectAreListedInTheOrderTheyAreWritten() {
    StringBuilder text = new StringBuilder("{\"schemaVersion\": 1, \"service\": \"s\"");
    for (int i = 39_999; i >= 0; i--) {
      text.append(", \"m").append(i).append("\": 0");
    }
    text.append("}");

    ParseResult result = RuleCodec.parseFor("s", text.toString().getBytes(StandardCharsets.UTF_8));

    assertThat(result.problemCount()).isEqualTo(40_000);
    assertThat(result.errors()).hasSize(1001);
    assertThat(result.errors().get(0).message()).startsWith("unknown field 'm39999'");
    assertThat(result.errors().get(999).message()).startsWith("unknown field 'm39000'");
    assertThat(result.errors().get(999).hasLocation()).isTrue();
  }

  @Test
  void aDocumentWithAsManyProblemsAsListedListsThemAll() {
    String codes = IntStream.range(0, 1000).mapToObj(i -> "1").collect(Collectors.joining(","));
    String text =
        "{\"schemaVersion\": 1, \"service\": \"s\", \"breakers\": [{\"name\": \"b\","
            + " \"match\": {\"host\": \"h\"}, \"failureStatusCodes\": ["
            + codes
            + "]}]}";

    ParseResult result = RuleCodec.parse(text);

    assertThat(result.errors()).hasSize(1000);
    assertThat(result.errors().get(999).path()).isEqualTo("$.breakers[0].failureStatusCodes[999]");
    assertThat(result.problemCount()).isEqualTo(1000);
  }

  @Test
  void fieldsGivenTwiceOnOneLongLineAreEachPlacedAndCountedPastTheFirstThousand() {
    // one line, as a minified document is; 'é' and '😀' make bytes and UTF-16 columns differ
    StringBuilder text = new StringBuilder("{\"schemaVersion\": 1, \"service\": \"s\", \"é😀\": 0");
    for (int i = 0; i < 1200; i++) {
      text.append(", \"x\": ").append(i);
    }
    text.append("}");

    ParseResult result = RuleCodec.parse(text.toString());
    List<ValidationError> errors = result.errors();

    assertThat(errors).hasSize(1001);
    assertThat(result.problemCount())
        .as("1199 fields given twice, and the unknown fields 'é😀' and 'x' beside them")
        .isEqualTo(1201);
    String start = "{\"schemaVersion\": 1, \"service\": \"s\", ";
    assertThat(errors.get(0))
        .hasToString("$: unknown field 'é😀'")
        .extracting(ValidationError::column)
        .isEqualTo(start.length() + 1);
    String first = start + "\"é😀\": 0, \"x\": 0, ";
    assertThat(errors.get(1))
        .hasToString(
            "$: malformed JSON at line 1, column "
                + (first.length() + 1)
                + ": duplicate field 'x'");
    int column = text.indexOf("\"x\": 999") + 1;
    assertThat(errors.get(999)).extracting(ValidationError::column).isEqualTo(column);
    assertThat(errors.get(1000))
        .hasToString("$: 201 more problems are not listed: only the first 1000 are");
  }

  @Test
  void aSyntaxErrorAfterMoreFieldsGivenTwiceThanListedIsCountedNotListedAfterTheCount() {
    StringBuilder text = new StringBuilder("{\"schemaVersion\": 1, \"service\": \"s\", \"x\": 0");
    for (int i = 0; i < 1200; i++) {
      text.append(", \"x\": ").append(i);
    }
    text.append(",, }");

    ParseResult result = RuleCodec.parse(text.toString());
    List<ValidationError> errors = result.errors();

    assertThat(errors).hasSize(1001);
    assertThat(result.problemCount()).as("1200 duplicates and the syntax error").isEqualTo(1201);
    assertThat(errors.get(999).message()).endsWith("duplicate field 'x'");
    assertThat(errors.get(1000))
        .hasToString("$: 201 more problems are not listed: only the first 1000 are");
  }

  /**
   * The count is the result's own, not read back from a message: a problem listed at {@code $} that
   * reads like the count is one problem, and a result is never built with fewer problems than it
   * lists.
   */
  @Test
  void theCountIsCarriedNotReadFromTheLastMessage() {
    List<ValidationError> looksCounted = new java.util.ArrayList<>();
    for (int i = 0; i < ListedProblems.MAX; i++) {
      looksCounted.add(new ValidationError("$.a", "bad"));
    }
    looksCounted.add(
        new ValidationError("$", "7 more problems are not listed: only the first 1000 are"));

    assertThat(new ParseResult(null, looksCounted).problemCount()).isEqualTo(1001);
    assertThat(new InvalidRulesException(looksCounted).problemCount()).isEqualTo(1001);
    assertThat(ListedProblems.invalid(looksCounted.subList(0, 3), 0).problemCount()).isEqualTo(3);
    assertThatThrownBy(() -> new ParseResult(null, looksCounted, 1000))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new InvalidRulesException(looksCounted, 5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(RuleCodec.parse("{\"schemaVersion\": 1}").problemCount()).isEqualTo(1);
    assertThat(
            RuleCodec.parse(
                    "{\"schemaVersion\": 1, \"service\": \"s\", \"sampling\": {\"rules\": []}}")
                .problemCount())
        .isZero();
  }

  @Test
  void columnsCountUtf16CodeUnitsAndStartAgainAfterEveryKindOfLineBreak() {
    byte[] text = "aé😀b\r\nc\rd\ne".getBytes(StandardCharsets.UTF_8);
    Utf16Columns columns = new Utf16Columns(text);

    assertThat(columns.at(0)).isEqualTo(1);
    assertThat(columns.at(1)).as("after a").isEqualTo(2);
    assertThat(columns.at(3)).as("after é, two bytes").isEqualTo(3);
    assertThat(columns.at(7)).as("after 😀, four bytes, two code units").isEqualTo(5);
    assertThat(columns.at(10)).as("c, after CR LF").isEqualTo(1);
    assertThat(columns.at(12)).as("d, after CR").isEqualTo(1);
    assertThat(columns.at(14)).as("e, after LF").isEqualTo(1);
    assertThat(columns.at(3)).as("an earlier offset counts again from the start").isEqualTo(3);
  }
}
