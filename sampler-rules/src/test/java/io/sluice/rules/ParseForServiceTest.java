package io.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link RuleCodec#parseFor}: a document as stored for one service. */
class ParseForServiceTest {

  private static ParseResult parseFor(String service, String json) {
    return RuleCodec.parseFor(service, json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aDocumentWithoutServiceGetsTheOneItIsStoredFor() {
    ParseResult result =
        parseFor("orders", "{\"schemaVersion\": 1, \"sampling\": {\"defaultRatio\": 0.5}}");
    assertThat(result.errors()).isEmpty();
    assertThat(result.document().service()).isEqualTo("orders");
    assertThat(result.document().sampling().defaultRatio()).isEqualTo(0.5);
  }

  @Test
  void anotherServiceIsListedWithEveryOtherProblem() {
    ParseResult result =
        parseFor(
            "orders",
            "{\"schemaVersion\": 1, \"service\": \"payments\", \"sampling\": {\"defaultRatio\":"
                + " 5}}");
    assertThat(result.isValid()).isFalse();
    assertThat(result.errors())
        .extracting(ValidationError::path)
        .containsExactlyInAnyOrder("$.sampling.defaultRatio", "$.service");
    assertThat(result.errors())
        .filteredOn(e -> e.path().equals("$.service"))
        .singleElement()
        .extracting(ValidationError::message)
        .isEqualTo("is 'payments', not 'orders', the service it is stored for");
  }

  @Test
  void anotherServiceIsListedInDocumentOrderAsEveryOtherProblem() {
    // $.service comes before $.sampling in the text, so its problem comes first, as any other's
    ParseResult result =
        parseFor(
            "orders",
            "{\"schemaVersion\": 1,\n"
                + " \"service\": \"payments\",\n"
                + " \"sampling\": {\"defaultRatio\": 5}, \"bogus\": 1}");
    assertThat(result.errors())
        .extracting(e -> e.path() + " " + e.line() + ":" + e.column())
        .containsExactly("$.service 2:13", "$.sampling.defaultRatio 3:31", "$ 3:35");
  }

  /**
   * A draft without {@code service}, for a name that can have no document of its own, has that
   * problem placed where the document starts, and listed there, before the problems after it in the
   * text. It was listed last, at 1:1, after problems further down.
   */
  @Test
  void theServiceADraftLacksIsListedWhereItIsPlacedBeforeTheProblemsAfterIt() {
    ParseResult result =
        parseFor(
            "unknown_service:java",
            "{\"schemaVersion\": 2,\n \"bogus\": 1,\n \"breakers\": [{\"name\": \"\"}]}");
    assertThat(result.errors())
        .extracting(e -> e.path() + " " + e.line() + ":" + e.column())
        .containsExactly(
            "$.service 1:1", "$.schemaVersion 1:19", "$ 2:2", "$.breakers[0].name 3:24");
  }

  @Test
  void anotherServiceAloneMakesAValidDocumentInvalid() {
    ParseResult result = parseFor("orders", "{\"schemaVersion\": 1, \"service\": \"payments\"}");
    assertThat(result.isValid()).isFalse();
    assertThat(result.errors()).extracting(ValidationError::path).containsExactly("$.service");
  }

  @Test
  void duplicateKeysAreRefusedAlsoWhenServiceIsLeftOut() {
    ParseResult result =
        parseFor(
            "orders",
            "{\"schemaVersion\": 1, \"sampling\": {\"defaultRatio\": 0.5, \"defaultRatio\": 1.0}}");
    assertThat(result.isValid()).isFalse();
    assertThat(result.errors().get(0).message()).contains("defaultRatio");
  }

  @Test
  void aServiceThatIsNotTextIsReportedOnceByTheDocumentRules() {
    ParseResult result = parseFor("orders", "{\"schemaVersion\": 1, \"service\": 7}");
    assertThat(result.errors()).filteredOn(e -> e.path().equals("$.service")).hasSize(1);
  }
}
