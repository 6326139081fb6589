package io.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonPathStepsTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "$ | ''",
        "$.breakers[0].slidingWindow.size | /breakers/0/slidingWindow/size",
        "$.sampling.rules[1].match.attributes['url.path'] |"
            + " /sampling/rules/1/match/attributes/url.path",
        "$['it\\'s'] | /it's",
        "$.sampling['a/b~c'] | /sampling/a~1b~0c",
        "$.sampling['a\\u202eb'] | /sampling/a\u202eb",
        "$.sampling['a\\\\u202eb'] | /sampling/a\\u202eb",
      })
  void writesTheReadersPathsAsJsonPointers(String path, String pointer) {
    assertThat(new ValidationError(path, "x").pointer()).isEqualTo(pointer);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "url.path",
        "it's",
        "back\\slash",
        "tenant\u202e",
        "\u001b[2J",
        "a\nb\u2028",
        "\\u202e written out",
        "\\n written out",
        "tab\there\f\b\r",
        "\\\u202e",
        "\ud83d\ude00 \u05e9",
        "plain_name"
      })
  void readsBackEveryKeyItWrites(String key) {
    String path = "$.a" + JsonPathSteps.member(key) + "[3]";
    assertThat(JsonPathSteps.of(path)).containsExactly("a", key, 3);
  }

  @Test
  void writesWhatOneLineTextForbidsAsEscapesInAKey() {
    assertThat(JsonPathSteps.member("x.\u202eevil\n")).isEqualTo("['x.\\u202eevil\\n']");
    assertThat(JsonPathSteps.member("a\\'\u2066")).isEqualTo("['a\\\\\\'\\u2066']");
  }

  @Test
  void anErrorAtAnEscapedKeyPointsAtThatKey() {
    String json =
        "{\"schemaVersion\": 1, \"service\": \"s\", \"sampling\": {\"rules\": [{\"name\": \"r\","
            + " \"ratio\": 1, \"match\": {\"attributes\": {\"k\\u202e\": \"***\"}}}]}}";
    List<ValidationError> errors = RuleCodec.parse(json.getBytes(StandardCharsets.UTF_8)).errors();
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).path()).isEqualTo("$.sampling.rules[0].match.attributes['k\\u202e']");
    assertThat(errors.get(0).pointer()).isEqualTo("/sampling/rules/0/match/attributes/k\u202e");
  }
}
