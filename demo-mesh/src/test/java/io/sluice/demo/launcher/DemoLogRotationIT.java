package io.sluice.demo.launcher;

import static io.sluice.demo.launcher.DemoRunSetup.command;
import static io.sluice.demo.launcher.DemoRunSetup.pathWith;
import static io.sluice.demo.launcher.DemoRunSetup.runsDirectory;
import static io.sluice.demo.launcher.DemoRunSetup.sibling;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.demo.RunningDemo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ./demo.sh} caps each process's log while it runs: the console spans grew the services'
 * logs by ~85 MB per 30 minutes at 10 requests/s, without end in a long run. A log past {@code
 * SLUICE_DEMO_LOG_MAX} is renamed {@code <name>.log.1} and a new one begins, with the process
 * writing on and no line lost: copying the log aside and then emptying it lost the lines written
 * between the two.
 */
class DemoLogRotationIT {

  private static final int LIMIT = 100 * 1024;
  private static final int AT_LEAST = 50_000;
  private static final Pattern NUMBERED = Pattern.compile("^sluice-test-line (\\d+)$");

  private RunningDemo demo;

  @AfterEach
  void stopLeftovers() throws Exception {
    DemoRunSetup.stopLeftovers(demo);
  }

  /**
   * Here payments' {@code java} (first on the PATH) starts a steady writer in its process group
   * beside the real service, on the same output: numbered lines, as fast as a shell writes them, at
   * least 50,000 (~1.2 MB, a dozen times the 100 kB limit) and on until the test has seen the log
   * turned, then the count it wrote. {@code payments.log.1} and {@code payments.log} then hold the
   * last of those lines in order, each once, up to the last written: none lost or doubled across
   * the last turn, and each file within its limit.
   */
  @Test
  void aLogPastTheLimitTurnsWithoutLosingOrRepeatingALine() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path bin = runsDirectory(root, "rotation-bin-");
    Path stop = sibling(bin, "-stop");
    Path written = sibling(bin, "-written");
    String java = ProcessHandle.current().info().command().orElseThrow();
    command(
        bin,
        "java",
        String.join(
            "\n",
            "case \" $* \" in *\" payments \"*)",
            "  ( i=0",
            "    while [ \"$i\" -lt " + AT_LEAST + " ] || [ ! -e '" + stop + "' ]; do",
            "      i=$((i + 1)); echo \"sluice-test-line $i\"",
            "    done",
            "    echo \"$i\" >'" + written + ".new' && mv '" + written + ".new' '" + written + "'",
            "  ) &",
            "esac",
            "exec '" + java + "' \"$@\"",
            ""));

    demo =
        RunningDemo.start(
            root,
            Map.of("PATH", pathWith(bin), "SLUICE_DEMO_LOG_MAX", "100k"),
            "--no-agent",
            "--duration",
            "10m",
            "--rate",
            "1");
    await().atMost(Duration.ofSeconds(180)).until(() -> demo.isRunning() || !demo.isAlive());
    assertThat(demo.isRunning()).as(demo.outputText()).isTrue();
    Path log = demo.logDir().resolve("payments.log");
    Path turned = log.resolveSibling("payments.log.1");
    await().atMost(Duration.ofSeconds(120)).until(() -> Files.exists(turned));
    Files.createFile(stop);
    await().atMost(Duration.ofSeconds(120)).until(() -> Files.exists(written));
    long last = Long.parseLong(Files.readString(written).trim());
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions() // a log read as it is turned
        .until(() -> numbers(log).contains(last) || numbers(turned).contains(last));

    List<Long> numbers = new ArrayList<>(numbers(turned));
    numbers.addAll(numbers(log));
    assertThat(numbers).as("the numbered lines in payments.log.1, then payments.log").isNotEmpty();
    for (int i = 1; i < numbers.size(); i++) {
      assertThat(numbers.get(i))
          .as("the line after sluice-test-line %d (none lost, none twice)", numbers.get(i - 1))
          .isEqualTo(numbers.get(i - 1) + 1);
    }
    assertThat(numbers.get(numbers.size() - 1)).as("the last line written").isEqualTo(last);
    assertThat(numbers.get(0)).as("lines before the last turn were turned away").isGreaterThan(1);
    assertThat(Files.size(turned)).as("payments.log.1").isBetween(LIMIT + 1L, LIMIT + 4096L);
    assertThat(Files.size(log)).as("payments.log").isLessThanOrEqualTo(LIMIT);

    demo.interrupt();
    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends on Ctrl-C").isTrue();
    assertThat(demo.exitValue()).as(demo.outputText()).isEqualTo(130);
    assertThat(demo.outputText()).contains("demo.sh: everything stopped");
    for (String line : demo.startedProcesses()) {
      assertThat(RunningDemo.isStillRunning(line)).as(line + " is still running").isFalse();
    }
  }

  /** The numbers of the numbered lines in {@code log}, in order (none if it is not there). */
  private static List<Long> numbers(Path log) throws IOException {
    List<Long> numbers = new ArrayList<>();
    if (!Files.exists(log)) {
      return numbers;
    }
    for (String line : Files.readAllLines(log, StandardCharsets.ISO_8859_1)) {
      Matcher matcher = NUMBERED.matcher(line);
      if (matcher.matches()) {
        numbers.add(Long.parseLong(matcher.group(1)));
      }
    }
    return numbers;
  }
}
