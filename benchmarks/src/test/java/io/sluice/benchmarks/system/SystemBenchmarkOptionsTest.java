package io.sluice.benchmarks.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SystemBenchmarkOptionsTest {

  @Test
  void rulePropagationReadsItsOptionsOverTheDefaults() {
    RulePropagationBenchmark.Options options =
        RulePropagationBenchmark.Options.parse(
            new String[] {"--agents", "10, 100", "--gap-ms", "0", "--control-plane", "cp.jar"});

    assertThat(options.agentCounts()).containsExactly(10, 100);
    assertThat(options.iterations()).isEqualTo(30);
    assertThat(options.warmup()).isEqualTo(3);
    assertThat(options.gapMs()).isZero();
    assertThat(options.controlPlaneJar()).isEqualTo(Path.of("cp.jar"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          unknown option    | --verbose            | unknown option '--verbose'
          missing value     | --agents 10 --warmup | --warmup needs a value
          not a number      | --iterations many    | --iterations 'many' is not a whole number
          empty agent count | --agents 10,,100     | --agents '' is not a whole number
          below the minimum | --iterations 0       | --iterations must be at least 1, not 0
          """)
  void rulePropagationRejectsBadOptionsNamingThem(String name, String args, String message) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> RulePropagationBenchmark.Options.parse(args.split(" ")))
        .withMessage(message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          unknown option    | --verbose       | unknown option '--verbose'
          missing value     | --rounds        | --rounds needs a value
          not a number      | --requests 1e4  | --requests '1e4' is not a whole number
          below the minimum | --concurrency 0 | --concurrency must be at least 1, not 0
          """)
  void agentOverheadRejectsBadOptionsNamingThem(String name, String args, String message) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> AgentOverheadBenchmark.Options.parse(args.split(" ")))
        .withMessage(message);
  }

  @Test
  void agentOverheadUsageListsEveryOptionWithItsDefault() {
    assertThat(AgentOverheadBenchmark.Options.usage())
        .contains("--requests", "20000", "--variants", "none,otel,sluice", "-h, --help");
    assertThat(AgentOverheadBenchmark.Options.parse(new String[0]).variants())
        .isEqualTo(List.of("none", "otel", "sluice"));
  }
}
