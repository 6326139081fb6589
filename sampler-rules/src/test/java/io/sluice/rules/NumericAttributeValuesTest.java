package io.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A number given as an attribute value compares as the text the agent reads for it. */
class NumericAttributeValuesTest {

  private static String statusCodeValue(String number) {
    ParseResult result =
        RuleCodec.parse(
            "{\"schemaVersion\": 1, \"service\": \"s\", \"sampling\": {\"rules\": [{\"name\":"
                + " \"r\", \"match\": {\"attributes\": {\"http.response.status_code\": "
                + number
                + "}}, \"ratio\": 1}]}}");
    assertThat(result.errors()).isEmpty();
    return result
        .document()
        .sampling()
        .rules()
        .get(0)
        .match()
        .attributes()
        .get("http.response.status_code");
  }

  @Test
  void aWholeNumberIsItsIntegerTextHoweverItIsWritten() {
    assertThat(statusCodeValue("200")).isEqualTo("200");
    assertThat(statusCodeValue("200.0")).isEqualTo("200");
    assertThat(statusCodeValue("2e2")).isEqualTo("200");
  }

  @Test
  void aWholeNumberPastTheRangeOfALongIsTheDoubleItMeansHoweverItIsWritten() {
    // no long attribute holds it; a double attribute 1e19 reads as "1.0E19"
    assertThat(statusCodeValue("10000000000000000000")).isEqualTo("1.0E19");
    assertThat(statusCodeValue("1e19")).isEqualTo("1.0E19");
    assertThat(statusCodeValue("9223372036854775808")).isEqualTo("9.223372036854776E18");
    assertThat(statusCodeValue("-9223372036854776833")).isEqualTo("-9.223372036854778E18");
    // the range of a long itself stays exact
    assertThat(statusCodeValue("9223372036854775807")).isEqualTo("9223372036854775807");
    assertThat(statusCodeValue("-9223372036854775808")).isEqualTo("-9223372036854775808");
  }

  @Test
  void aNumberPastTheRangeOfALongThatADoubleRoundsIntoItIsTheIntegerTextOfThatDouble() {
    // -2^63 - 1 has no double: it means the double -2^63, Long.MIN_VALUE, which is in the range of
    // a long and so read as a long attribute of that value is (a rule 2.0 matches a long 2 too)
    assertThat(statusCodeValue("-9223372036854775809")).isEqualTo("-9223372036854775808");
    assertThat(statusCodeValue("-9223372036854775809"))
        .isEqualTo(AttributeReader.doubleText(Double.parseDouble("-9223372036854775809")));
  }

  @Test
  void theSmallestLongIsItsIntegerTextHoweverItIsWrittenOrHeld() {
    // -2^63 is a whole number in the range of a long: as a double attribute, and written as a
    // double, it reads as Long.MIN_VALUE does, not as 9.223372036854776E18 past the range's top
    String min = Long.toString(Long.MIN_VALUE);
    assertThat(AttributeReader.doubleText(-0x1p63)).isEqualTo(min);
    assertThat(AttributeReader.doubleText((double) Long.MIN_VALUE)).isEqualTo(min);
    assertThat(statusCodeValue("-9223372036854775808.0")).isEqualTo(min);
    assertThat(statusCodeValue("-9.223372036854775808e18")).isEqualTo(min);
    // its mirror 2^63 is one past Long.MAX_VALUE: no long holds it
    assertThat(AttributeReader.doubleText(0x1p63)).isEqualTo("9.223372036854776E18");
  }

  @Test
  void aNumberPastTheRangeOfADoubleIsRefused() {
    // read as infinity, it matched the attribute text "Infinity", which no number written means
    for (String number : new String[] {"1e400", "-1e400", "1" + "0".repeat(400)}) {
      ParseResult result =
          RuleCodec.parse(
              "{\"schemaVersion\": 1, \"service\": \"s\", \"sampling\": {\"rules\": [{\"name\":"
                  + " \"r\", \"match\": {\"attributes\": {\"k\": "
                  + number
                  + "}}, \"ratio\": 1}]}}");
      assertThat(result.errors())
          .as(number)
          .extracting(ValidationError::toString)
          .containsExactly(
              "$.sampling.rules[0].match.attributes.k: is too large a number: no attribute value"
                  + " is beyond about 1.8e308 either way");
    }
  }

  @Test
  void aFractionKeepsItsDecimalText() {
    assertThat(statusCodeValue("1.5")).isEqualTo("1.5");
  }

  @Test
  void aRuleNumberIsTheTextOfTheDoubleAttributeItMeans() {
    for (String number : new String[] {"2.0", "1e7", "0.25", "1.5e-7", "-3.0", "1e300"}) {
      assertThat(statusCodeValue(number))
          .as(number)
          .isEqualTo(AttributeReader.doubleText(Double.parseDouble(number)));
    }
    assertThat(AttributeReader.doubleText(2.0)).isEqualTo("2");
    assertThat(AttributeReader.doubleText(1e7)).isEqualTo("10000000");
    assertThat(AttributeReader.doubleText(-0.0)).isEqualTo("0");
    assertThat(AttributeReader.doubleText(0.25)).isEqualTo("0.25");
    assertThat(AttributeReader.doubleText(1e300)).isEqualTo("1.0E300");
    assertThat(AttributeReader.doubleText(Double.NaN)).isEqualTo("NaN");
  }
}
