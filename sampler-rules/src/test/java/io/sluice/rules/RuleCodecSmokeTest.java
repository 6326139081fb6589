package io.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RuleCodecSmokeTest {

  @ParameterizedTest
  @ValueSource(strings = {"orders.json", "default.json", "payments-fallback.json"})
  void examplesAreValidAndRoundTrip(String example) throws Exception {
    String json = read(example);
    ParseResult result = RuleCodec.parse(json);
    assertThat(result.errors()).isEmpty();
    RuleDocument doc = result.document();
    assertThat(RuleCodec.parse(RuleCodec.write(doc)).document()).isEqualTo(doc);
  }

  @Test
  void reportsTheMisspelledFieldWithASuggestion() {
    ParseResult result =
        RuleCodec.parse(
            "{\"schemaVersion\":1,\"service\":\"x\",\"breakers\":[{\"name\":\"a\",\"falureRateThreshold\":5}]}");
    assertThat(result.errors())
        .containsExactly(
            new ValidationError(
                "$.breakers[0]",
                "unknown field 'falureRateThreshold'; did you mean 'failureRateThreshold'?"));
  }

  static String read(String example) throws Exception {
    try (InputStream in = RuleCodecSmokeTest.class.getResourceAsStream("/examples/" + example)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
