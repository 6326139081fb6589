package io.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonPathStepsTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "$ | ''",
        "$.breakers[0].slidingWindow.size | /breakers/0/slidingWindow/size",
        "$.sampling.rules[1].match.attributes['url.path'] | /sampling/rules/1/match/attributes/url.path",
        "$['it\\'s'] | /it's",
        "$.sampling['a/b~c'] | /sampling/a~1b~0c",
      })
  void writesTheReadersPathsAsJsonPointers(String path, String pointer) {
    assertThat(new ValidationError(path, "x").pointer()).isEqualTo(pointer);
  }
}
