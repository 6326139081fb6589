package io.sluice.demo.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ./demo.sh --no-agent} for real: it starts the four services and the load generator, and
 * leaves no process behind, whether its run ends on its own or with Ctrl-C (SIGINT to its process
 * group, as a terminal sends it). The agent and control plane variant is the lead's end-to-end
 * test.
 */
class DemoScriptIT {
  private static final Pattern LOG_DIR = Pattern.compile("logs: (\\S+)");

  private Process demo;

  @AfterEach
  void killLeftovers() throws Exception {
    if (demo != null && demo.isAlive()) {
      signalGroup("KILL", demo.pid());
    }
  }

  @Test
  void servesOrdersUntilCtrlCThenStopsEverythingItStartedAfterTheLoadGeneratorsSummary()
      throws Exception {
    List<String> output = new CopyOnWriteArrayList<>();
    demo = start(output, "--no-agent", "--duration", "10m", "--rate", "5");
    await()
        .atMost(Duration.ofSeconds(180))
        .until(() -> output.stream().anyMatch(line -> line.matches(".*confirmed +[1-9].*")));

    signalGroup("INT", demo.pid());

    assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("demo.sh ends on Ctrl-C").isTrue();
    String all = String.join("\n", output);
    assertThat(demo.exitValue()).as(all).isEqualTo(130);
    assertThat(all)
        .contains("Sluice demo is running.")
        .containsPattern("gateway +http://127\\.0\\.0\\.1:\\d+/checkout")
        .contains("Load generator summary")
        .contains("demo.sh: everything stopped");
    assertThat(confirmed(all)).as(all).isPositive();
    assertEveryStartedProcessIsGone(all);
  }

  private static Process start(List<String> output, String... options) throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    List<String> command = new ArrayList<>(List.of("setsid", "./demo.sh"));
    command.addAll(List.of(options));
    Process process =
        new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).start();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                  output.add(line);
                }
              } catch (IOException ended) {
                // the process is gone
              }
            },
            "demo.sh-output");
    reader.setDaemon(true);
    reader.start();
    return process;
  }

  private static void assertEveryStartedProcessIsGone(String output) throws IOException {
    Matcher logDir = LOG_DIR.matcher(output);
    assertThat(logDir.find()).as("demo.sh prints its log directory").isTrue();
    List<String> started = Files.readAllLines(Path.of(logDir.group(1), "pids"));
    assertThat(started)
        .extracting(line -> line.split(" ")[1])
        .containsExactly("payments", "inventory", "orders", "gateway", "loadgen");
    for (String line : started) {
      long pid = Long.parseLong(line.split(" ")[0]);
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
          .as(line + " is still running")
          .isFalse();
    }
  }

  private static long confirmed(String output) {
    Matcher matcher = Pattern.compile("(?m)^ +confirmed +(\\d+)").matcher(output);
    return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
  }

  private static void signalGroup(String signal, long pid) throws Exception {
    new ProcessBuilder("kill", "-" + signal, "--", "-" + pid).inheritIO().start().waitFor();
  }
}
