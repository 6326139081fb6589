package io.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsAndStatusCodesTest {

  @ParameterizedTest(name = "{0} = {1} ms, written {2}")
  @CsvSource({
    "250ms, 250, 250ms",
    "1000ms, 1000, 1s",
    "10s, 10000, 10s",
    "90s, 90000, 90s",
    "120s, 120000, 2m",
    "1m, 60000, 1m",
    "60m, 3600000, 1h",
    "1h, 3600000, 1h",
    "999999999999ms, 999999999999, 999999999999ms",
    "999999h, 3599996400000, 999999h",
    "999999999s, 999999999000, 999999999s",
    // exact in hours, but 1666666h would take seven digits: written in minutes
    "99999960m, 5999997600000, 99999960m",
  })
  void parsesAndWritesTheLargestExactUnit(String text, long millis, String written) {
    Duration duration = Durations.parse(text);

    assertThat(duration).isEqualTo(Duration.ofMillis(millis));
    assertThat(Durations.format(duration)).isEqualTo(written);
    assertThat(Durations.parse(written)).isEqualTo(duration);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "s",
        "10",
        "0s",
        "00ms",
        "010s",
        "1d",
        "1000000h", // seven digits of hours: more than fits in nanoseconds at twelve
        "1000000000s",
        "100000000m",
        "1000000000000ms",
        "1 s",
        " 1s",
        "1s ",
        "1S",
        "-1s",
        "+1s",
        "1.5s",
        "1000000000000ms",
        "\u0661s",
        "1sec",
        "1ms\n"
      })
  void refusesAnythingElse(String text) {
    assertThat(Durations.parse(text)).isNull();
    assertThat(Pattern.compile(Durations.PATTERN).matcher(text).matches()).isFalse();
  }

  @ParameterizedTest(name = "{0} = {1}..{2}, written {3}")
  @CsvSource({
    "503, 503, 503, 503",
    "5xx, 500, 599, 5xx",
    "1xx, 100, 199, 1xx",
    "500-504, 500, 504, 500-504",
    "500-599, 500, 599, 5xx",
    "429-429, 429, 429, 429",
  })
  void statusCodesParseToRangesAndWriteTheShortestForm(
      String text, int from, int to, String written) {
    StatusCodeRange range = DocumentReader.statusCodeRange(text);

    assertThat(range).isEqualTo(new StatusCodeRange(from, to));
    assertThat(range).hasToString(written);
    assertThat(range.contains(from)).isTrue();
    assertThat(range.contains(to)).isTrue();
    assertThat(range.contains(from - 1)).isFalse();
    assertThat(range.contains(to + 1)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "", "099", "600", "6xx", "0xx", "5XX", "5x", "50x", "500-", "-504", "504-500", "500-600",
        "5xx-6xx", " 503", "503 "
      })
  void refusesMalformedStatusCodes(String text) {
    assertThat(DocumentReader.statusCodeRange(text)).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"500, true", "503, true", "599, true", "499, false", "600, false", "429, false"})
  void defaultFailureStatusesAreTheServerErrors(int status, boolean failure) {
    BreakerPolicy policy =
        RuleCodec.parse(
                "{\"schemaVersion\": 1, \"service\": \"s\", \"breakers\": [{\"name\": \"b\"}]}")
            .orElseThrow()
            .breakers()
            .get(0);
    assertThat(policy.isFailureStatus(status)).isEqualTo(failure);
  }
}
