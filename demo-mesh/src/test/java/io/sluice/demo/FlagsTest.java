package io.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FlagsTest {
  @Test
  void readsBothFlagFormsAndFallsBackToTheEnvironmentThenTheDefault() {
    Map<String, String> environment =
        Map.of("DEMO_ORDERS_URL", "http://orders:8080/", "DEMO_PORT", "1");
    Flags flags = Flags.parse(List.of("--port", "9090", "--host=0.0.0.0"), environment::get);

    assertThat(flags.integer("port", 8080, 0, 65535)).isEqualTo(9090);
    assertThat(flags.string("host", "127.0.0.1")).isEqualTo("0.0.0.0");
    assertThat(flags.url("orders-url", "http://127.0.0.1:8081"))
        .isEqualTo(URI.create("http://orders:8080"));
    assertThat(flags.duration("timeout", Duration.ofSeconds(2), Duration.ZERO, Duration.ofHours(1)))
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(flags.problems()).isEmpty();
  }

  @Test
  void listsEveryProblemAtOnce() {
    Flags flags =
        Flags.parse(
            List.of(
                "stray",
                "--port",
                "70000",
                "--rate",
                "fast",
                "--duration",
                "soon",
                "--target",
                "ftp://x",
                "--colour",
                "red",
                "--port",
                "99999",
                "--last"),
            Map.of("DEMO_LATENCY", "-5ms")::get);

    flags.integer("port", 8080, 0, 65535);
    flags.decimal("rate", 10, 0.1, 1000);
    flags.duration("duration", Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofHours(24));
    flags.duration("latency", Duration.ZERO, Duration.ZERO, Duration.ofMinutes(1));
    flags.url("target", "http://127.0.0.1:8080");

    assertThat(flags.problems())
        .containsExactlyInAnyOrder(
            "unexpected argument 'stray' (flags look like --name value)",
            "flag --port given twice",
            "flag --last needs a value",
            "--port '99999' must be between 0 and 65535",
            "--rate 'fast' is not a number",
            "--duration 'soon' is not a duration like 250ms, 30s, 5m or 1h",
            "DEMO_LATENCY (for --latency) '-5ms' is not a duration like 250ms, 30s, 5m or 1h",
            "--target 'ftp://x' must be an http(s) URL like http://127.0.0.1:8080",
            "unknown flag --colour");
  }

  @ParameterizedTest(name = "{0} is {1} ms")
  @CsvSource({"250ms, 250", "30, 30000", "30s, 30000", "5m, 300000", "1h, 3600000"})
  void parsesDurationsWithSecondsAsTheDefaultUnit(String text, long millis) {
    assertThat(Flags.parseDuration(text)).isEqualTo(Duration.ofMillis(millis));
    assertThat(Flags.parseDuration(Flags.format(Duration.ofMillis(millis))))
        .isEqualTo(Duration.ofMillis(millis));
  }

  @Test
  void namesTheEnvironmentVariableOfAFlag() {
    assertThat(Flags.environmentName("payments-url")).isEqualTo("DEMO_PAYMENTS_URL");
  }
}
