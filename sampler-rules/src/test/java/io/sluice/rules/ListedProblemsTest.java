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

    List<ValidationError> errors = RuleCodec.parse(text).errors();

    assertThat(errors).hasSize(1001);
    assertThat(errors.get(0).path()).isEqualTo("$");
    assertThat(errors.get(0).message()).startsWith("unknown field 'extra'");
    assertThat(errors.get(1).path()).isEqualTo("$.breakers[0].failureStatusCodes[0]");
    assertThat(errors.get(999).path()).isEqualTo("$.breakers[0].failureStatusCodes[998]");
    assertThat(errors.get(999).hasLocation()).isTrue();
    assertThat(errors.get(1000))
        .hasToString("$: 501 more problems are not listed: only the first 1000 are");
    assertThat(errors.get(1000).hasLocation()).isFalse();
    // a count of the problems counts them all, not the entries listed
    assertThat(ValidationError.count(errors)).isEqualTo(1501);
    assertThatThrownBy(() -> RuleCodec.parse(text).orElseThrow())
        .hasMessageStartingWith("invalid rule document (1501 problems): ");
  }

  @Test
  void aDocumentWithAsManyProblemsAsListedListsThemAll() {
    String codes = IntStream.range(0, 1000).mapToObj(i -> "1").collect(Collectors.joining(","));
    String text =
        "{\"schemaVersion\": 1, \"service\": \"s\", \"breakers\": [{\"name\": \"b\","
            + " \"match\": {\"host\": \"h\"}, \"failureStatusCodes\": ["
            + codes
            + "]}]}";

    List<ValidationError> errors = RuleCodec.parse(text).errors();

    assertThat(errors).hasSize(1000);
    assertThat(errors.get(999).path()).isEqualTo("$.breakers[0].failureStatusCodes[999]");
    assertThat(ValidationError.count(errors)).isEqualTo(1000);
  }

  @Test
  void fieldsGivenTwiceOnOneLongLineAreEachPlacedAndCountedPastTheFirstThousand() {
    // one line, as a minified document is; 'é' and '😀' make bytes and UTF-16 columns differ
    StringBuilder text = new StringBuilder("{\"schemaVersion\": 1, \"service\": \"s\", \"é😀\": 0");
    for (int i = 0; i < 1200; i++) {
      text.append(", \"x\": ").append(i);
    }
    text.append("}");

    List<ValidationError> errors = RuleCodec.parse(text.toString()).errors();

    assertThat(errors).hasSize(1001);
    String first = "{\"schemaVersion\": 1, \"service\": \"s\", \"é😀\": 0, \"x\": 0, ";
    assertThat(errors.get(0))
        .hasToString(
            "$: malformed JSON at line 1, column "
                + (first.length() + 1)
                + ": duplicate field 'x'");
    int column = text.indexOf("\"x\": 1000") + 1;
    assertThat(errors.get(999)).extracting(ValidationError::column).isEqualTo(column);
    assertThat(errors.get(1000))
        .hasToString("$: 199 more problems are not listed: only the first 1000 are");
  }

  @Test
  void aSyntaxErrorAfterMoreFieldsGivenTwiceThanListedIsCountedNotListedAfterTheCount() {
    StringBuilder text = new StringBuilder("{\"schemaVersion\": 1, \"service\": \"s\", \"x\": 0");
    for (int i = 0; i < 1200; i++) {
      text.append(", \"x\": ").append(i);
    }
    text.append(",, }");

    List<ValidationError> errors = RuleCodec.parse(text.toString()).errors();

    assertThat(errors).hasSize(1001);
    assertThat(errors.get(999).message()).endsWith("duplicate field 'x'");
    assertThat(errors.get(1000))
        .hasToString("$: 201 more problems are not listed: only the first 1000 are");
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
