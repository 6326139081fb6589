package io.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunningDemoTest {

  /**
   * A process demo.sh noted before it had made its own process group (a Ctrl-C as it started it)
   * has no group of its pid: the clean-up after a failed test killed only groups and left it
   * running. Here a stand-in demo.sh starts one in its own group, notes it and ends on the Ctrl-C.
   */
  @Test
  void stopKillsAProcessNotedWithoutAGroupOfItsOwn(@TempDir Path root) throws Exception {
    Path script = root.resolve("demo.sh");
    Files.writeString(
        script,
        String.join(
            "\n",
            "#!/usr/bin/env bash",
            "logs=$(mktemp -d \"$TMPDIR/logs.XXXXXX\")",
            "sleep 600 </dev/null >/dev/null 2>&1 &",
            "pid=$!",
            "read -r stat </proc/$pid/stat; set -- ${stat##*) }",
            "echo \"$pid sleeper ${20}\" >\"$logs/pids\"",
            "echo \"logs: $logs\"",
            "trap 'exit 130' INT",
            "while :; do sleep 0.2; done",
            ""));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    RunningDemo demo = RunningDemo.start(root, Map.of());
    List<String> started =
        await("the stand-in notes its process")
            .atMost(Duration.ofSeconds(30))
            .until(demo::startedProcesses, lines -> !lines.isEmpty());
    long pid = Long.parseLong(started.get(0).split(" ")[0]);
    try {
      assertThat(ProcessHandle.of(pid).map(p -> p.pid() != pgid(p)).orElse(false))
          .as("the process has no group of its own")
          .isTrue();

      assertThat(demo.stop(Duration.ofSeconds(30))).as("the stand-in ends on Ctrl-C").isTrue();

      await("the noted process is stopped")
          .atMost(Duration.ofSeconds(10))
          .until(() -> !RunningDemo.isStillRunning(started.get(0)));
    } finally {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  /** The process group of {@code process}: field 5 of {@code /proc/<pid>/stat}. */
  private static long pgid(ProcessHandle process) {
    try {
      String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
      return Long.parseLong(stat.substring(stat.lastIndexOf(") ") + 2).split(" ")[2]);
    } catch (java.io.IOException gone) {
      return process.pid();
    }
  }
}
