package io.sluice.demo.launcher;

import static io.sluice.demo.launcher.DemoRunSetup.command;
import static io.sluice.demo.launcher.DemoRunSetup.pathWith;
import static io.sluice.demo.launcher.DemoRunSetup.runsDirectory;
import static io.sluice.demo.launcher.DemoRunSetup.sibling;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.demo.RunningDemo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ./demo.sh} caps each process's log while it runs: the console spans grew the services'
 * logs by ~85 MB per 30 minutes at 10 requests/s, without end in a long run. A log past {@code
 * SLUICE_DEMO_LOG_MAX} is copied to {@code <name>.log.1} and starts again empty, with the process
 * still writing to it.
 */
class DemoLogRotationIT {

  private static final int ROUND = 300_000;

  private RunningDemo demo;

  @AfterEach
  void stopLeftovers() throws Exception {
    DemoRunSetup.stopLeftovers(demo);
  }

  /**
   * Here payments' {@code java} (first on the PATH) starts a writer in its process group beside the
   * real service: three rounds of 300 kB into its log, each after the log was emptied (it waits up
   * to 5 minutes for that), with a limit of 100 kB. The log then holds less than a round and {@code
   * payments.log.1} one round, not three.
   */
  @Test
  void aLogPastTheLimitIsCopiedAsideAndStartsAgainEmpty() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path bin = runsDirectory(root, "rotation-bin-");
    Path rounds = sibling(bin, "-rounds");
    String java = ProcessHandle.current().info().command().orElseThrow();
    command(
        bin,
        "java",
        String.join(
            "\n",
            "case \" $* \" in *\" payments \"*)",
            "  log=$(readlink /proc/$$/fd/1) # the log demo.sh opened for payments",
            "  ( i=0",
            "    while [ \"$i\" -lt 3 ]; do",
            "      head -c " + ROUND + " /dev/zero | tr '\\0' x",
            "      waited=0",
            "      while [ \"$(wc -c <\"$log\")\" -ge "
                + ROUND
                + " ] &&"
                + " [ \"$waited\" -lt 3000 ]; do",
            "        sleep 0.1; waited=$((waited + 1))",
            "      done",
            "      i=$((i + 1)); echo \"$i\" >'" + rounds + "'",
            "    done ) &",
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
    await()
        .atMost(Duration.ofSeconds(180))
        .until(() -> Files.exists(rounds) && Files.readString(rounds).trim().equals("3"));

    Path log = demo.logDir().resolve("payments.log");
    assertThat(Files.size(log)).as("the log, emptied after the last round").isLessThan(ROUND);
    assertThat(Files.size(log.resolveSibling("payments.log.1")))
        .as("the copy of the log as it was last emptied: the last round and no earlier one")
        .isBetween((long) ROUND, 2L * ROUND - 1);

    demo.interrupt();
    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends on Ctrl-C").isTrue();
    assertThat(demo.exitValue()).as(demo.outputText()).isEqualTo(130);
    assertThat(demo.outputText()).contains("demo.sh: everything stopped");
    for (String line : demo.startedProcesses()) {
      assertThat(RunningDemo.isStillRunning(line)).as(line + " is still running").isFalse();
    }
  }
}
