package io.sluice.demo.launcher;

import static io.sluice.demo.launcher.DemoRunSetup.command;
import static io.sluice.demo.launcher.DemoRunSetup.onPath;
import static io.sluice.demo.launcher.DemoRunSetup.onPathOrNull;
import static io.sluice.demo.launcher.DemoRunSetup.runsDirectory;
import static io.sluice.demo.launcher.DemoRunSetup.sibling;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.demo.RunningDemo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How {@code ./demo.sh} prunes the log directories of earlier runs: it keeps the latest finished
 * run, deletes older finished ones and leaves running ones alone, also when two runs start at once.
 * Each run here ends at once after its copy of the demo jar (a {@code cp} first on the PATH leaves
 * a torn one), so only the prune and the start of a run are exercised, with real processes.
 */
class DemoLogPruningIT {

  private final List<RunningDemo> demos = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stopLeftovers() throws Exception {
    for (RunningDemo demo : demos) {
      DemoRunSetup.stopLeftovers(demo);
    }
    processes.forEach(Process::destroyForcibly);
  }

  /**
   * What demo.sh takes its locks with: {@code flock(1)} where it is on the PATH, else {@code perl}
   * (macOS has no flock). Each case runs with a PATH where the tool is the one found, and is
   * skipped, saying so, where the tool is not there at all.
   */
  enum LockTool {
    FLOCK,
    PERL
  }

  /**
   * Deleting a directory changes its mtime, and a run picks the latest finished run to keep by
   * mtime: a second run pruning while the first was deleting an old run took that one for the
   * latest, kept it, and deleted the real latest, which the first run's deletion then joined, so
   * both were gone. Here the first run's {@code rm} stops half-way through the old run's directory
   * (one file deleted) until the second run has pruned, or is waiting for its turn (its lock tool,
   * {@code flock} or {@code perl}, first on its PATH says when it is called); the latest finished
   * run must survive both.
   */
  @ParameterizedTest
  @EnumSource(LockTool.class)
  void twoRunsPruningAtOnceKeepTheLatestFinishedRun(LockTool tool) throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "concurrent-");
    Path cache = Files.createDirectories(sibling(tmp, "-cache"));
    Path logs = Files.createDirectories(cache.resolve("sluice-demo/logs"));
    Path latest = finishedRun(logs.resolve("sluice-demo.latest"), Duration.ofMinutes(1));
    Path older = finishedRun(logs.resolve("sluice-demo.older1"), Duration.ofHours(1));
    assertTwoRunsPruningAtOnceKeep(tool, root, tmp, cache, cache, logs, latest, older);
  }

  /**
   * Runs with caches of their own ({@code XDG_CACHE_HOME}) hold locks of their own, but prune the
   * same {@code $TMPDIR}, where a run without a cache keeps its logs: two such runs pruning there
   * at once lost the latest finished run there as above. Here too the first run's {@code rm} stops
   * half-way through the older run's directory until the second run has pruned, or waits for its
   * turn on the lock in its user's directory in {@code $TMPDIR} (its lock tool on its PATH says
   * when it is called for it).
   */
  @ParameterizedTest
  @EnumSource(LockTool.class)
  void twoRunsWithCachesOfTheirOwnPruningOneTmpdirAtOnceKeepItsLatestFinishedRun(LockTool tool)
      throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "shared-tmp-");
    Path firstCache = Files.createDirectories(sibling(tmp, "-cache"));
    Path secondCache = Files.createDirectories(sibling(tmp, "-second-cache"));
    Path latest = finishedRun(tmp.resolve("sluice-demo.latest"), Duration.ofMinutes(1));
    Path older = finishedRun(tmp.resolve("sluice-demo.older1"), Duration.ofHours(1));
    assertTwoRunsPruningAtOnceKeep(tool, root, tmp, firstCache, secondCache, tmp, latest, older);
  }

  /**
   * Starts two runs with {@code tmp} as their temporary directory and {@code firstCache} and {@code
   * secondCache} as their caches, taking their locks with {@code tool}, the first holding its
   * {@code rm} half-way through {@code older} (one file deleted, which changes its mtime) until the
   * second has pruned, or waits for its turn on a lock under {@code lockDir} ({@code tool} on its
   * PATH says when it is called for it); then asserts that {@code latest}, the latest finished run,
   * survived both and {@code older} did not.
   */
  private void assertTwoRunsPruningAtOnceKeep(
      LockTool tool,
      Path root,
      Path tmp,
      Path firstCache,
      Path secondCache,
      Path lockDir,
      Path latest,
      Path older)
      throws IOException, InterruptedException {
    Path paused = sibling(tmp, "-paused");
    Path release = sibling(tmp, "-release");
    Path locking = sibling(tmp, "-locking");
    String path = lockToolPath(tool, tmp);

    Path firstBin = bin(tmp, "-first-bin");
    pausingRm(firstBin, older, paused, release);
    Path secondBin = bin(tmp, "-second-bin");
    lockToolSaying(tool, secondBin, lockDir, locking);

    RunningDemo first = start(root, environment(tmp, firstCache, firstBin, path));
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(paused) || !first.isAlive());
    assertThat(paused).as("the first run deletes the older run: " + first.outputText()).exists();
    RunningDemo second = start(root, environment(tmp, secondCache, secondBin, path));
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(locking) || !second.isAlive());
    assertThat(locking).as("the second run takes its turn with " + tool).exists();
    Files.createFile(release);

    assertThat(first.awaitExit(Duration.ofSeconds(120))).as("the first run ends").isTrue();
    assertThat(second.awaitExit(Duration.ofSeconds(120))).as("the second run ends").isTrue();
    String all = first.outputText() + "\n" + second.outputText();
    assertThat(all).contains("changed while it was copied");
    assertThat(latest.resolve("gateway.log")).as("the latest finished run: " + all).isRegularFile();
    assertThat(older).as("the older finished run: " + all).doesNotExist();
    assertThat(all).doesNotContain("(" + latest + ")").doesNotContain("not pruned");
  }

  /**
   * An {@code rm} in {@code bin} that, asked to delete {@code older}, deletes one file of it (which
   * changes the directory's mtime) and waits for {@code release} (60 s at most) before the rest,
   * saying so with {@code paused}. Only the first time: later calls delete at once.
   */
  private static void pausingRm(Path bin, Path older, Path paused, Path release)
      throws IOException {
    command(
        bin,
        "rm",
        "case \" $* \" in *\" "
            + older
            + " \"*) if [ ! -e '"
            + paused
            + "' ]; then\n"
            + "  "
            + onPath("rm")
            + " -f '"
            + older.resolve("gateway.log")
            + "'\n"
            + "  : >'"
            + paused
            + "'; waited=0\n"
            + "  while [ ! -e '"
            + release
            + "' ] && [ \"$waited\" -lt 600 ]; do\n"
            + "    sleep 0.2; waited=$((waited + 1))\n"
            + "  done\n"
            + "fi ;;\nesac\nexec "
            + onPath("rm")
            + " \"$@\"\n");
  }

  /**
   * The PATH on which demo.sh finds {@code tool} to take its locks with (the rest of it after the
   * commands a test puts first): this JVM's for {@code flock}, for {@code perl} one without {@code
   * flock}, as on macOS. The test is skipped where {@code tool} is not on this JVM's PATH.
   */
  private static String lockToolPath(LockTool tool, Path tmp) throws IOException {
    String command = tool.name().toLowerCase(Locale.ROOT);
    assumeTrue(
        onPathOrNull(command) != null,
        command + " is not on the PATH: demo.sh cannot take its lock with it here");
    return switch (tool) {
      case FLOCK -> System.getenv("PATH");
      case PERL -> DemoRunSetup.pathWithout(sibling(tmp, "-no-flock"), "flock");
    };
  }

  /**
   * A {@code flock}, or for {@code PERL} a {@code perl}, in {@code bin} that makes {@code locking}
   * when demo.sh calls it to lock a file under {@code dir} (the file open on the descriptor it is
   * given, its last argument), then runs the real one.
   */
  private static void lockToolSaying(LockTool tool, Path bin, Path dir, Path locking)
      throws IOException {
    String command = tool.name().toLowerCase(Locale.ROOT);
    Path real = dir.toRealPath(); // as /proc names the open file
    command(
        bin,
        command,
        String.join(
            "\n",
            "for fd; do :; done",
            "case $(readlink \"/proc/$$/fd/$fd\" 2>/dev/null) in '"
                + real
                + "'/*) : >'"
                + locking
                + "' ;; esac",
            "exec " + onPath(command) + " \"$@\"",
            ""));
  }

  /**
   * What a demo.sh older than the logs' move to the cache left in {@code $TMPDIR}: directories with
   * no host file, whose demo.pid and pids lines have no start time. A pid named such a run's
   * process for as long as any process had it, so a finished run whose pid had gone to another
   * process (after a reboot, a daemon's) was kept for good; and a run killed before it started
   * anything, by a demo.sh that did not write demo.pid yet, left its copies of the jars (~100 MB,
   * in RAM where {@code $TMPDIR} is a tmpfs) for good, as neither file was there. A pid now counts
   * only while its process runs a demo's command, and such leftovers are deleted once an hour old.
   * A directory with more than jars/ and neither file (the oldest demo.sh's run) is left as it is,
   * and a note says so and why: it went unmentioned. The latest finished run, in the cache, is
   * kept.
   */
  @Test
  void whatAnOlderDemoShLeftInTmpdirIsPrunedUnlessItStillRuns() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "older-");
    Path cache = Files.createDirectories(sibling(tmp, "-cache"));
    Path latest =
        finishedRun(cache.resolve("sluice-demo/logs/sluice-demo.latest"), Duration.ofMinutes(1));
    Process other = started("sleep", "600");
    // one process whose command line names the demo's jar, as a service's java does
    Process demoLike = started("bash", "-c", "exec -a sluice-demo.jar sleep 600");

    Path finished = olderRun(tmp.resolve("sluice-demo.ended1"), 999999999, 999999998);
    Path reused = olderRun(tmp.resolve("sluice-demo.reused"), other.pid(), other.pid());
    Path running = olderRun(tmp.resolve("sluice-demo.runs01"), 999999999, demoLike.pid());
    Path killed = Files.createDirectories(tmp.resolve("sluice-demo.killed/jars"));
    Files.writeString(killed.resolve("sluice-demo.jar"), "a copy");
    killed = age(killed.getParent(), Duration.ofHours(2));
    Path starting = Files.createDirectories(tmp.resolve("sluice-demo.startn/jars")).getParent();
    // the oldest demo.sh wrote neither pids nor demo.pid: whether such a run is over is unknown
    Path oldest = Files.createDirectories(tmp.resolve("sluice-demo.oldest/jars")).getParent();
    Files.writeString(oldest.resolve("payments.log"), "a span\n");
    oldest = age(oldest, Duration.ofHours(2));

    RunningDemo demo = start(root, environment(tmp, cache, bin(tmp, "-bin")));

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends at once").isTrue();
    String all = demo.outputText();
    assertThat(all).contains("changed while it was copied");
    assertThat(finished).as("a finished run: " + all).doesNotExist();
    assertThat(reused).as("a finished run whose pid another process has: " + all).doesNotExist();
    assertThat(running.resolve("pids")).as("a running one: " + all).isRegularFile();
    assertThat(killed).as("a run killed before it started anything: " + all).doesNotExist();
    assertThat(starting).as("an older demo.sh copying its jars: " + all).isDirectory();
    assertThat(oldest.resolve("payments.log")).as("the oldest demo.sh's run: " + all).exists();
    assertThat(latest.resolve("gateway.log")).as("the latest finished run: " + all).isRegularFile();
    assertThat(demo.output())
        .as(all)
        .contains(
            "demo.sh: deleted the logs of an earlier run (" + finished + ")",
            "demo.sh: deleted the logs of an earlier run (" + reused + ")",
            "demo.sh: deleted what an older demo.sh left before it started anything ("
                + killed
                + ")",
            "demo.sh: note: left "
                + oldest
                + " as it is: it holds more than jars/ but neither pids nor demo.pid, so whether"
                + " its run is over cannot be told (a very old demo.sh's?); delete it by hand once"
                + " it is");
    assertThat(all)
        .as("said of the oldest demo.sh's run alone")
        .doesNotContain(starting.toString());
  }

  /**
   * A run's log directory as a demo.sh older than the logs' move left it in {@code $TMPDIR}, its
   * mtime two hours ago: no host file, no start times, the script's pid and one service's.
   */
  private static Path olderRun(Path dir, long script, long service) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("demo.pid"), script + " demo.sh\n");
    Files.writeString(dir.resolve("pids"), service + " payments\n");
    Files.writeString(dir.resolve("payments.log"), "a span\n");
    return age(dir, Duration.ofHours(2));
  }

  private static Path age(Path dir, Duration age) throws IOException {
    Files.setLastModifiedTime(dir, FileTime.from(Instant.now().minus(age)));
    return dir;
  }

  /** A process of this test's, destroyed after it. */
  private Process started(String... command) throws IOException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    processes.add(process);
    return process;
  }

  /**
   * A finished run's log directory as demo.sh leaves it on this host, its mtime {@code age} ago:
   * processes that are gone (pids no process has), a log, and the host it ran on.
   */
  private static Path finishedRun(Path dir, Duration age) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("host"), thisHost() + "\n");
    Files.writeString(dir.resolve("demo.pid"), "999999999 demo.sh 1\n");
    Files.writeString(dir.resolve("pids"), "999999998 payments 1\n");
    Files.writeString(dir.resolve("gateway.log"), "a span\n");
    return age(dir, age);
  }

  private static String thisHost() throws IOException {
    Process uname = new ProcessBuilder("uname", "-n").start();
    return new String(uname.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
  }

  private RunningDemo start(Path root, Map<String, String> environment) throws IOException {
    RunningDemo demo = RunningDemo.start(root, environment, "--no-agent");
    demos.add(demo);
    return demo;
  }

  /**
   * demo.sh's environment: {@code tmp} as its temporary directory, {@code cache} as its cache and
   * {@code bin} first on the PATH, with a {@code cp} that leaves a torn copy (demo.sh then ends
   * before it starts anything).
   */
  private static Map<String, String> environment(Path tmp, Path cache, Path bin)
      throws IOException {
    return environment(tmp, cache, bin, System.getenv("PATH"));
  }

  /** As {@link #environment(Path, Path, Path)}, with {@code path} after {@code bin} on the PATH. */
  private static Map<String, String> environment(Path tmp, Path cache, Path bin, String path)
      throws IOException {
    command(bin, "cp", onPath("cp") + " \"$@\" && : >\"$2\"\n");
    Map<String, String> environment = new HashMap<>(DemoRunSetup.environment(tmp, cache, bin));
    environment.put("PATH", bin + ":" + path);
    return environment;
  }

  private static Path bin(Path tmp, String suffix) throws IOException {
    return Files.createDirectories(sibling(tmp, suffix));
  }
}
