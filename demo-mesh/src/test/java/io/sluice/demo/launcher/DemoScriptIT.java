package io.sluice.demo.launcher;

import static io.sluice.demo.launcher.DemoRunSetup.command;
import static io.sluice.demo.launcher.DemoRunSetup.onPath;
import static io.sluice.demo.launcher.DemoRunSetup.pathWith;
import static io.sluice.demo.launcher.DemoRunSetup.runsDirectory;
import static io.sluice.demo.launcher.DemoRunSetup.sibling;
import static io.sluice.demo.launcher.DemoRunSetup.withCommand;
import static java.nio.file.StandardCopyOption.COPY_ATTRIBUTES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.demo.RunningDemo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code ./demo.sh --no-agent} for real: it starts the four services and the load generator, and
 * leaves no process behind, whether its run ends on its own ({@code --check}) or with Ctrl-C
 * (SIGINT to its process group, as a terminal sends it). The agent and control plane variant is the
 * lead's end-to-end test.
 */
class DemoScriptIT {

  private RunningDemo demo;

  @AfterEach
  void stopLeftovers() throws Exception {
    DemoRunSetup.stopLeftovers(demo);
  }

  @Test
  void servesOrdersUntilCtrlCThenStopsEverythingItStartedAfterTheLoadGeneratorsSummary()
      throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    demo = RunningDemo.start(root, Map.of(), "--no-agent", "--duration", "10m", "--rate", "5");
    await()
        .atMost(Duration.ofSeconds(180))
        .until(() -> demo.output().stream().anyMatch(line -> line.matches(".*confirmed +[1-9].*")));

    demo.interrupt();

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends on Ctrl-C").isTrue();
    String all = demo.outputText();
    assertThat(demo.exitValue()).as(all).isEqualTo(130);
    assertThat(all)
        .contains("Sluice demo is running.")
        .containsPattern("gateway +http://127\\.0\\.0\\.1:\\d+/checkout")
        .contains("Load generator summary")
        .contains("demo.sh: everything stopped");
    assertThat(confirmed(all)).as(all).isPositive();
    assertStoppedEverythingItStarted();
  }

  /**
   * {@code --help} prints the script's opening comment, also when demo.sh is called by a path
   * relative to elsewhere ({@code ../demo.sh}): it read itself by that path after changing to its
   * own directory, and printed nothing.
   */
  @Test
  void helpIsPrintedWhereverItIsCalledFrom() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    demo = RunningDemo.startFrom(root, root.resolve("demo-mesh"), Map.of(), "--help");

    assertThat(demo.awaitExit(Duration.ofSeconds(30))).isTrue();
    assertThat(demo.exitValue()).as(demo.outputText()).isZero();
    assertThat(demo.outputText())
        .startsWith("The Sluice demo on this machine, no Docker")
        .contains("Options: --duration D")
        .doesNotContain("{ # The whole script");
  }

  /**
   * {@code ./demo.sh | less} quit, or {@code | tee demo.log} ended by the Ctrl-C that also stops
   * the script: demo.sh stops everything it started by itself, though what it says of it has
   * nowhere to go. The load generator wrote its lines into the void for its whole {@code
   * --duration} (30 minutes by default), holding demo.sh and every service; and a stop whose first
   * line failed (SIGPIPE, or an error under {@code set -e}) ended there, leaving every process
   * running.
   */
  @Test
  void withItsOutputGoneItStopsEverythingItStartedByItself() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    // the reader ends at the load generator's first one-second line ("[  1s] ..."): everything is
    // started, and demo.sh's own banner (through tee) is written whole
    demo =
        RunningDemo.startWithOutputEndingAt(
            root, Map.of(), "[", "--no-agent", "--duration", "10m", "--rate", "5");
    await().atMost(Duration.ofSeconds(180)).until(() -> !demo.loadLines().isEmpty());
    Path logDir = demo.logDir();
    long script = demo.scriptPid();

    assertThat(demo.awaitExit(Duration.ofSeconds(60)))
        .as("demo.sh ends on its own, long before --duration")
        .isTrue();
    assertThat(ProcessHandle.of(script).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(demo.outputText())
        .as("said where it can still be read (stderr)")
        .contains("loadgen: standard output is gone (pipe or terminal closed); stopping");
    assertThat(demo.exitValue()).as("the load generator's status: orders were answered").isZero();
    assertStoppedEverythingItStarted();
    assertThat(logDir.resolve("tmp")).as("removed at the end of the stop").doesNotExist();
  }

  /** A terminal closed (SIGHUP): demo.sh stops everything it started, and exits with 129. */
  @Test
  void aSighupStopsEverythingItStartedAndExitsWith129() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    demo = RunningDemo.start(root, Map.of(), "--no-agent", "--duration", "10m", "--rate", "5");
    await().atMost(Duration.ofSeconds(180)).until(() -> !demo.loadLines().isEmpty());
    long script = demo.scriptPid();
    await().atMost(Duration.ofSeconds(10)).until(() -> demo.startedProcesses().size() == 5);

    demo.signalScript("HUP");

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends on SIGHUP").isTrue();
    assertThat(ProcessHandle.of(script).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(demo.exitValue()).as("demo.sh's exit status").isEqualTo(129);
    assertStoppedEverythingItStarted();
  }

  /**
   * Every JVM runs a copy of the jar in the run's own directory, never {@code
   * demo-mesh/target/sluice-demo.jar}: {@code mvn package} rewrites that jar in place, and a JVM
   * whose jar changes under it fails at its next class load, so a rebuild during a demo used to
   * break it. The copies are on disk, in the user's cache directory that the run's {@code jars}
   * links to, not in {@code $TMPDIR}: often a tmpfs, where they held ~100 MB of RAM per run. The
   * copies go when the run ends; the logs stay. So do the JVMs' temporary files (Vert.x's {@code
   * vertx-cache-*}): Java ignores {@code $TMPDIR}, and they went to {@code /tmp}, where a JVM
   * killed outright left them; they are in the run's {@code tmp}, deleted when it ends.
   */
  @Test
  void runsItsOwnCopiesOfTheJarsAndItsOwnTemporaryDirectoryAndDeletesThemOnExit() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path cache = runsDirectory(root, "cache-");
    demo =
        RunningDemo.start(
            root,
            Map.of("XDG_CACHE_HOME", cache.toString()),
            "--no-agent",
            "--duration",
            "10m",
            "--rate",
            "5");
    await().atMost(Duration.ofSeconds(180)).until(() -> !demo.loadLines().isEmpty());
    Path copies = demo.logDir().resolve("jars");
    assertThat(demo.logDir())
        .as("the logs (~85 MB of spans in 30 minutes) are on disk too, not in $TMPDIR")
        .startsWithRaw(cache.resolve("sluice-demo/logs"));

    List<String> started = demo.startedProcesses();
    assertThat(started).hasSize(5);
    for (String line : started) {
      assertThat(RunningDemo.isStillRunning(line))
          .as(line + " runs, started when demo.sh recorded")
          .isTrue();
      long pid = Long.parseLong(line.split(" ")[0]);
      List<String> arguments =
          ProcessHandle.of(pid)
              .flatMap(process -> process.info().arguments())
              .map(List::of)
              .orElseThrow(() -> new AssertionError(line + " is not running"));
      assertThat(arguments).as(line).contains("-jar");
      // demo.sh runs everything from the repository root
      Path jar = root.resolve(arguments.get(arguments.indexOf("-jar") + 1)).normalize();
      assertThat(jar).as(line + " runs its jar from the run's directory").startsWithRaw(copies);
      assertThat(jar).as(line).isRegularFile();
      assertThat(jar.toRealPath())
          .as(line + " runs a copy in $XDG_CACHE_HOME/sluice-demo")
          .startsWithRaw(cache.toRealPath().resolve("sluice-demo"));
    }
    Path temporary = demo.logDir().resolve("tmp");
    assertThat(temporary)
        .as(
            "the JVMs' temporary directory is the run's, not /tmp: demo.sh printed%n%s",
            demo.outputText())
        .isDirectory();
    try (Stream<Path> entries = Files.list(temporary)) {
      assertThat(entries.map(entry -> entry.getFileName().toString()))
          .as("Vert.x's cache directory of each service and of the load generator")
          .hasSize(started.size())
          .allMatch(name -> name.startsWith("vertx-cache-"));
    }

    demo.interrupt();

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends on Ctrl-C").isTrue();
    assertThat(temporary).as("the JVMs' temporary directory is deleted on exit").doesNotExist();
    assertThat(copies).as("the copies are deleted on exit").doesNotExist();
    assertThat(copiesIn(cache.resolve("sluice-demo")))
        .as("the copies are deleted on exit")
        .isEmpty();
    assertThat(demo.logDir().resolve("gateway.log")).as("the logs stay").isRegularFile();
  }

  /**
   * A jar built before its sources changed (a {@code git pull}, an edit) runs the old code: demo.sh
   * says so once, naming a newer source and the command that rebuilds the jar, and runs it as it
   * is. Run from a copy of the checkout whose one source is newer than its demo jar.
   */
  @Test
  void saysWhenAJarIsOlderThanItsSources(@TempDir Path root) throws Exception {
    Path checkout = Path.of("").toAbsolutePath().getParent();
    Instant built = Instant.now().minus(Duration.ofHours(1));
    Files.copy(checkout.resolve("demo.sh"), root.resolve("demo.sh"), COPY_ATTRIBUTES);
    Path jar = root.resolve("demo-mesh/target/sluice-demo.jar");
    Files.createDirectories(jar.getParent());
    Files.copy(checkout.resolve("demo-mesh/target/sluice-demo.jar"), jar);
    Path pom = Files.writeString(root.resolve("pom.xml"), "<project/>");
    Path source = root.resolve("demo-mesh/src/main/java/Edited.java");
    Files.createDirectories(source.getParent());
    Files.writeString(source, "class Edited {}");
    Files.setLastModifiedTime(pom, FileTime.from(built.minus(Duration.ofMinutes(1))));
    Files.setLastModifiedTime(jar, FileTime.from(built));

    demo = RunningDemo.start(root, Map.of(), "--no-agent", "--duration", "10m", "--rate", "5");
    await()
        .atMost(Duration.ofSeconds(180))
        .until(
            () ->
                demo.output().stream().anyMatch(line -> line.contains("Sluice demo is running.")));
    demo.interrupt();
    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends on Ctrl-C").isTrue();

    assertThat(demo.output())
        .filteredOn(line -> line.startsWith("demo.sh: note:"))
        .containsExactly(
            "demo.sh: note: demo-mesh/target/sluice-demo.jar is older than"
                + " demo-mesh/src/main/java/Edited.java, so the demo runs the code as it was built;"
                + " to run the current sources, rebuild first:"
                + " mvn -B -q -DskipTests package -pl demo-mesh -am");
  }

  /**
   * A source only touched (a branch switched there and back, a stash popped) is newer than the jar
   * but unchanged: once a run has seen the sources as built, a touch says nothing, and a change
   * still does. Each run here ends right after its copy ({@code cp} leaves a torn one).
   */
  @Test
  void saysNothingOfASourceTouchedButNotChanged(@TempDir Path root) throws Exception {
    Path checkout = Path.of("").toAbsolutePath().getParent();
    Instant built = Instant.now().minus(Duration.ofHours(1));
    Files.copy(checkout.resolve("demo.sh"), root.resolve("demo.sh"), COPY_ATTRIBUTES);
    Path jar = root.resolve("demo-mesh/target/sluice-demo.jar");
    Files.createDirectories(jar.getParent());
    Files.copy(checkout.resolve("demo-mesh/target/sluice-demo.jar"), jar);
    Path pom = Files.writeString(root.resolve("pom.xml"), "<project/>");
    Path source = root.resolve("demo-mesh/src/main/java/Edited.java");
    Files.createDirectories(source.getParent());
    Files.writeString(source, "class Edited {}");
    Files.setLastModifiedTime(pom, FileTime.from(built.minus(Duration.ofMinutes(1))));
    Files.setLastModifiedTime(source, FileTime.from(built.minus(Duration.ofMinutes(1))));
    Files.setLastModifiedTime(jar, FileTime.from(built));
    Map<String, String> environment =
        withCp(runsDirectory(root, "touched-"), "/bin/cp \"$@\" && : >\"$2\"\n");

    assertThat(notes(root, environment)).as("as built").isEmpty();
    Files.setLastModifiedTime(source, FileTime.from(Instant.now()));
    assertThat(notes(root, environment)).as("touched").isEmpty();
    Files.writeString(source, "class Edited { int changed; }");
    assertThat(notes(root, environment))
        .as("changed")
        .containsExactly(
            "demo.sh: note: demo-mesh/target/sluice-demo.jar is older than"
                + " demo-mesh/src/main/java/Edited.java, so the demo runs the code as it was built;"
                + " to run the current sources, rebuild first:"
                + " mvn -B -q -DskipTests package -pl demo-mesh -am");
  }

  /** The notes of a demo.sh run in {@code root} that ends by itself. */
  private List<String> notes(Path root, Map<String, String> environment) throws Exception {
    demo = RunningDemo.start(root, environment, "--no-agent");
    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends at once").isTrue();
    assertThat(demo.outputText()).contains("changed while it was copied");
    return demo.output().stream().filter(line -> line.startsWith("demo.sh: note:")).toList();
  }

  /**
   * Bash reads a script as it runs it: a demo.sh saved in place during a demo (some editors do, and
   * so does a shell's {@code >}) had the rest of the run read from the new text at the old offset,
   * starting things twice or failing with a syntax error. The whole script is now read before it
   * runs. Here demo.sh gets 2,000 bytes more at its top while it waits for the services, whose
   * readiness checks (a {@code curl} first on the PATH) wait for the save.
   */
  @Test
  void aDemoShSavedWhileItRunsDoesNotChangeTheRun(@TempDir Path root) throws Exception {
    Path checkout = Path.of("").toAbsolutePath().getParent();
    Path script = root.resolve("demo.sh");
    Files.copy(checkout.resolve("demo.sh"), script, COPY_ATTRIBUTES);
    Path jar = root.resolve("demo-mesh/target/sluice-demo.jar");
    Files.createDirectories(jar.getParent());
    Files.copy(checkout.resolve("demo-mesh/target/sluice-demo.jar"), jar);
    Path saved = root.resolve("saved");
    Path bin = Files.createDirectories(root.resolve("bin"));
    command(
        bin,
        "curl",
        "while [ ! -e '"
            + saved
            + "' ]; do sleep 0.1; done\nPATH='"
            + System.getenv("PATH")
            + "' exec curl \"$@\"\n");
    demo =
        RunningDemo.start(
            root, Map.of("PATH", pathWith(bin)), "--no-agent", "--check", "--duration", "3s");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> demo.output().stream().anyMatch(line -> line.contains("starting payments")));

    String text = Files.readString(script);
    int firstLine = text.indexOf('\n') + 1;
    Files.writeString(
        script, text.substring(0, firstLine) + "# saved\n".repeat(250) + text.substring(firstLine));
    Files.createFile(saved);

    assertThat(demo.awaitExit(Duration.ofSeconds(180))).as("demo.sh ends by itself").isTrue();
    String all = demo.outputText();
    assertThat(demo.exitValue()).as(all).isZero();
    assertThat(all).contains("demo.sh --check: passed").contains("demo.sh: everything stopped");
  }

  /**
   * A run killed after copying its jars but before starting anything has no pids file to tell it is
   * over, and its copies (~100 MB with the agent) stayed in the temporary directory for good: the
   * next run deletes what it left. Here a {@code cp} first on the PATH copies, then kills demo.sh
   * at once, as a SIGKILL at that moment would, in both runs.
   */
  @Test
  void theNextRunDeletesTheCopiesOfARunKilledBeforeItStartedAnything() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Map<String, String> environment =
        withCp(runsDirectory(root, "killed-"), "/bin/cp \"$@\" || exit 1\nkill -KILL $PPID\n");
    Path tmp = logsHome(environment);

    RunningDemo killed = RunningDemo.start(root, environment, "--no-agent");
    assertThat(killed.awaitExit(Duration.ofSeconds(60))).as("killed after its copy").isTrue();
    assertThat(killed.exitValue()).as(killed.outputText()).isEqualTo(137);
    Path left = runDirectories(tmp).get(0);
    assertThat(left.resolve("jars/sluice-demo.jar")).as("its copy").isRegularFile();
    assertThat(left.resolve("pids")).as("nothing started").doesNotExist();
    Path copies = left.resolve("jars").toRealPath();

    RunningDemo next = RunningDemo.start(root, environment, "--no-agent");
    assertThat(next.awaitExit(Duration.ofSeconds(60))).as("killed after its copy").isTrue();
    assertThat(left).as("what the killed run left").doesNotExist();
    assertThat(copies).as("the killed run's copies").doesNotExist();
    assertThat(next.outputText())
        .contains(
            "demo.sh: deleted what an earlier run left before it started anything (" + left + ")");
    assertThat(runDirectories(tmp)).as("the next run's own").hasSize(1);
  }

  /**
   * A jar copied while a build writes it ({@code mvn package} writes jars in place) is torn: the
   * JVM refused it at start as a corrupt jar file, naming only the copy. demo.sh now checks each
   * copy against its jar and says what happened before it starts anything. Here a {@code cp} first
   * on the PATH leaves a torn copy, its first 1000 bytes.
   */
  @Test
  void aJarCopiedWhileABuildWritesItIsSaidSoBeforeAnythingStarts() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "torn-");
    demo =
        RunningDemo.start(
            root,
            withCp(tmp, "/bin/cp \"$@\" && head -c 1000 \"$1\" >\"$2\"\n"),
            "--no-agent",
            "--check");

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends at once").isTrue();
    String all = demo.outputText();
    assertThat(demo.exitValue()).as(all).isEqualTo(1);
    assertThat(all)
        .contains(
            "demo.sh: demo-mesh/target/sluice-demo.jar changed while it was copied: is a build"
                + " writing it? Run ./demo.sh again once the build is done");
    assertThat(runDirectories(Path.of(tmp + "-cache", "sluice-demo/logs"))).hasSize(1);
    Path run = runDirectories(Path.of(tmp + "-cache", "sluice-demo/logs")).get(0);
    assertThat(run.resolve("pids")).as("nothing started").doesNotExist();
    assertThat(run.resolve("jars")).as("the copies are deleted on exit").doesNotExist();
    assertThat(copiesIn(Path.of(tmp + "-cache", "sluice-demo")))
        .as("the copies are deleted on exit")
        .isEmpty();
  }

  /**
   * A jar at its path that the build has not finished is copied whole, so the copy check passes,
   * and the JVMs then failed one by one ("no main manifest attribute", "Invalid or corrupt
   * jarfile"), each naming only the copy. demo.sh now reads each copy's manifest and says the jar
   * is being built before it starts anything. Run from a copy of the checkout holding such a jar.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource
  void aJarTheBuildHasNotFinishedIsSaidSoBeforeAnythingStarts(
      UnfinishedJar unfinished, @TempDir Path root) throws Exception {
    Path checkout = Path.of("").toAbsolutePath().getParent();
    Files.copy(checkout.resolve("demo.sh"), root.resolve("demo.sh"), COPY_ATTRIBUTES);
    Path jar = root.resolve("demo-mesh/target/sluice-demo.jar");
    Files.createDirectories(jar.getParent());
    unfinished.write(jar, checkout.resolve("demo-mesh/target"));

    demo = RunningDemo.start(root, Map.of(), "--no-agent", "--check");

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends at once").isTrue();
    String all = demo.outputText();
    assertThat(demo.exitValue()).as(all).isEqualTo(1);
    assertThat(demo.output())
        .as(all)
        .contains(
            "demo.sh: demo-mesh/target/sluice-demo.jar is not a finished jar ("
                + unfinished.reason
                + "): the jar is being built (mvn still running?) — wait for the build and run"
                + " ./demo.sh again");
    try (Stream<Path> files = Files.walk(root.resolve("demo-mesh/target/demo-runs"))) {
      assertThat(files.map(file -> file.getFileName().toString()))
          .as("the run's own directory, where nothing started")
          .contains("demo.pid")
          .doesNotContain("pids");
    }
  }

  /**
   * Debian's JRE package, which its maven package installs, builds Sluice (its java has all of the
   * JDK's modules) but has no {@code jar} command: demo.sh stopped there, saying it needs a JDK,
   * though it needs only the jar tool's module, which {@code java} runs. Here, on a PATH without
   * {@code jar}, demo.sh still reads the manifest of a jar the build has not finished.
   */
  @Test
  void readsTheManifestsWithJavaWhenNoJarCommandIsOnThePath(@TempDir Path root) throws Exception {
    Path checkout = Path.of("").toAbsolutePath().getParent();
    Files.copy(checkout.resolve("demo.sh"), root.resolve("demo.sh"), COPY_ATTRIBUTES);
    Path jar = root.resolve("demo-mesh/target/sluice-demo.jar");
    Files.createDirectories(jar.getParent());
    UnfinishedJar.THIN_BEFORE_SHADING.write(jar, checkout.resolve("demo-mesh/target"));
    Path bin = Files.createDirectories(root.resolve("bin-without-jar"));
    for (String directory : System.getenv("PATH").split(":")) {
      if (!directory.startsWith("/") || !Files.isDirectory(Path.of(directory))) {
        continue;
      }
      try (Stream<Path> commands = Files.list(Path.of(directory))) {
        for (Path command : commands.toList()) {
          Path link = bin.resolve(command.getFileName().toString());
          if (!link.getFileName().toString().equals("jar")
              && Files.isExecutable(command)
              && !Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(link, command);
          }
        }
      }
    }

    demo =
        RunningDemo.start(
            root,
            Map.of("PATH", bin.toString(), "JAVA_HOME", root.toString()),
            "--no-agent",
            "--check");

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends at once").isTrue();
    String all = demo.outputText();
    assertThat(demo.exitValue()).as(all).isEqualTo(1);
    assertThat(demo.output())
        .as(all)
        .contains(
            "demo.sh: demo-mesh/target/sluice-demo.jar is not a finished jar (its manifest has no"
                + " Main-Class): the jar is being built (mvn still running?) — wait for the build"
                + " and run ./demo.sh again");
  }

  /** What a build leaves at a jar's path before it is done with it. */
  enum UnfinishedJar {
    /** Written by jar:jar: the module's classes only, no Main-Class; the shade step comes next. */
    THIN_BEFORE_SHADING("its manifest has no Main-Class") {
      @Override
      void write(Path jar, Path target) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Created-By", "Maven JAR Plugin 3.4.2");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
          out.putNextEntry(new JarEntry("io/sluice/demo/DemoMain.class"));
          out.write(Files.readAllBytes(target.resolve("classes/io/sluice/demo/DemoMain.class")));
          out.closeEntry();
        }
      }
    },
    /** Half written: no zip directory at its end yet. */
    TRUNCATED_WHILE_WRITTEN("jar cannot read it") {
      @Override
      void write(Path jar, Path target) throws IOException {
        byte[] whole = Files.readAllBytes(target.resolve("sluice-demo.jar"));
        Files.write(jar, Arrays.copyOf(whole, whole.length / 2));
      }
    };

    final String reason;

    UnfinishedJar(String reason) {
      this.reason = reason;
    }

    /** Writes such a jar at {@code jar}, from the build's own {@code target} directory. */
    abstract void write(Path jar, Path target) throws IOException;
  }

  /**
   * The copies of the jars are outside the run's directory, so a run whose directory went without
   * demo.sh (another {@code TMPDIR}, a reboot that emptied a tmpfs, an {@code rm}) or whose run is
   * over would leave them for good: the next run deletes them, and only them. Here demo.sh ends at
   * once after its copy ({@code cp} leaves a torn one).
   */
  @Test
  void theNextRunDeletesCopiesWhoseRunIsGoneOrOver() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "orphans-");
    Map<String, String> environment = withCp(tmp, "/bin/cp \"$@\" && : >\"$2\"\n");
    Path home = Path.of(environment.get("XDG_CACHE_HOME"), "sluice-demo");
    Path elsewhere = runsDirectory(root, "elsewhere-");
    Path gone = copies(home, "sluice-demo.gone01", elsewhere.resolve("sluice-demo.gone01"));
    Path over = Files.createDirectories(elsewhere.resolve("sluice-demo.over01"));
    Files.writeString(over.resolve("pids"), "999999999 payments\n");
    Path overCopies = copies(home, "sluice-demo.over01", over);
    Path live = Files.createDirectories(elsewhere.resolve("sluice-demo.live01"));
    Files.writeString(
        live.resolve("demo.pid"),
        RunningDemo.pidsLine(ProcessHandle.current().pid(), "demo.sh") + "\n");
    Path liveCopies = copies(home, "sluice-demo.live01", live);
    // the latest finished run, demo.sh killed: its logs are kept, not its JVMs' temporary files
    Path killed = Files.createDirectories(home.resolve("logs/sluice-demo.kill01"));
    Files.writeString(killed.resolve("pids"), "999999999 payments\n");
    Files.writeString(killed.resolve("payments.log"), "payments ready\n");
    Path killedTmp = Files.createDirectories(killed.resolve("tmp/otel-extensions1")).getParent();

    demo = RunningDemo.start(root, environment, "--no-agent");

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends at once").isTrue();
    assertThat(demo.outputText()).contains("changed while it was copied");
    assertThat(gone).as("copies of a run whose directory is gone").doesNotExist();
    assertThat(overCopies).as("copies of a run that is over").doesNotExist();
    assertThat(liveCopies.resolve("sluice-demo.jar")).as("a running demo's copies").isRegularFile();
    assertThat(killed.resolve("payments.log")).as("the latest finished run's log").isRegularFile();
    assertThat(killedTmp)
        .as("the temporary files of the latest finished run, whose demo.sh was killed")
        .doesNotExist();
    assertThat(copiesIn(home))
        .as("its own copies are deleted on exit")
        .containsExactly(home.resolve("sluice-demo.live01"));
  }

  /**
   * An earlier run's processes are named by pid and start time: once a process ends, its pid goes
   * to another, and demo.sh took the run of a dead demo.sh whose pid now named some other process
   * for a live one, and kept what it left (~100 MB of copies) for good. Here the run's demo.pid
   * names this test's JVM with another start time; the next run deletes what it left.
   */
  @Test
  void aRunWhosePidNowNamesAnotherProcessIsOver() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Map<String, String> environment =
        withCp(runsDirectory(root, "reused-"), "/bin/cp \"$@\" && : >\"$2\"\n");
    Path logs = Files.createDirectories(logsHome(environment));
    Path reused = Files.createDirectories(logs.resolve("sluice-demo.reuse1"));
    Files.writeString(reused.resolve("demo.pid"), ProcessHandle.current().pid() + " demo.sh 1\n");
    Path copies = copies(logs.getParent(), "sluice-demo.reuse1", reused);

    demo = RunningDemo.start(root, environment, "--no-agent");

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends at once").isTrue();
    assertThat(demo.outputText())
        .contains("changed while it was copied")
        .contains(
            "demo.sh: deleted what an earlier run left before it started anything ("
                + reused
                + ")");
    assertThat(reused).as("the run whose pid another process has").doesNotExist();
    assertThat(copies).as("its copies").doesNotExist();
  }

  /**
   * demo.sh stops each process it started by its process group, so that all of it stops. Once it
   * named processes by pid and start time, it signalled a group only while its leader was still
   * alive: a leader that had ended left the rest of its group running after the demo, for good. A
   * pid is not given to another process while a group of that id lives on, so what is left of the
   * group is still the demo's. Here payments' {@code java} starts a child in its group and ends;
   * demo.sh says payments exited and stops everything.
   */
  @Test
  void whatIsLeftOfAGroupWhoseLeaderEndedIsStopped() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "orphan-");
    Path bin = Files.createDirectories(sibling(tmp, "-bin"));
    Path child = sibling(tmp, "-child");
    String java = ProcessHandle.current().info().command().orElseThrow();
    command(
        bin,
        "java",
        "case \" $* \" in *\" payments \"*) sleep 600 & echo $! >'"
            + child
            + "'; exit 3 ;; esac\nexec '"
            + java
            + "' \"$@\"\n");

    demo =
        RunningDemo.start(
            root, Map.of("TMPDIR", tmp.toString(), "PATH", pathWith(bin)), "--no-agent");

    assertThat(demo.awaitExit(Duration.ofSeconds(120))).as("demo.sh ends at once").isTrue();
    assertThat(demo.outputText()).contains("demo.sh: payments exited");
    long pid = Long.parseLong(Files.readString(child).trim());
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                      .as("the child payments left in its process group")
                      .isFalse());
    } finally {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  /**
   * When a process dies as it starts, demo.sh prints the end of its log, once its log writer has
   * written it. The writer noted itself in {@code <log dir>/writers} only once it ran, a few ms
   * after its process started: a writer not yet noted was not waited for, and the end of the log
   * was printed before it was written (here: nothing). Here the writers' {@code sh} (first on the
   * PATH) starts 2 s late, and payments' {@code java} writes numbered lines and ends at once.
   */
  @Test
  void theEndOfTheLogOfAProcessThatDiesAsItStartsIsPrintedWhole() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "dies-at-once-");
    Path bin = Files.createDirectories(sibling(tmp, "-bin"));
    String java = ProcessHandle.current().info().command().orElseThrow();
    command(
        bin,
        "java",
        "case \" $* \" in *\" payments \"*)\n"
            + "  i=0; while [ \"$i\" -lt 100 ]; do i=$((i + 1)); echo \"sluice-test-line $i\"; done\n"
            + "  echo sluice-test-last-line; exit 3 ;;\n"
            + "esac\nexec '"
            + java
            + "' \"$@\"\n");
    command(bin, "sh", "sleep 2\nexec /bin/sh \"$@\"\n");

    demo =
        RunningDemo.start(
            root, Map.of("TMPDIR", tmp.toString(), "PATH", pathWith(bin)), "--no-agent");

    assertThat(demo.awaitExit(Duration.ofSeconds(120))).as("demo.sh ends at once").isTrue();
    assertThat(demo.outputText())
        .contains("demo.sh: payments exited")
        .contains("sluice-test-line 99\nsluice-test-line 100\nsluice-test-last-line");
  }

  /**
   * With no cache directory to put them in (no {@code HOME}, or one it cannot write to, as under
   * {@code sudo -E} with a root-squashed home), the logs and copies went to {@code $TMPDIR}, often
   * RAM, without a word. demo.sh now says so, once, and where they go: a directory of the user's
   * own there, {@code sluice-demo-<uid>}, mode 700. Here demo.sh ends at once after its copy
   * ({@code cp} leaves a torn one).
   */
  @Test
  void withoutACacheDirectoryItSaysOnceThatEverythingGoesToTmpdir() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "nocache-");
    Map<String, String> environment = new HashMap<>(withCp(tmp, "/bin/cp \"$@\" && : >\"$2\"\n"));
    Path file = Files.writeString(sibling(tmp, "-file"), "not a directory");
    Map<String, String> unset = Map.of("XDG_CACHE_HOME", "", "HOME", "");
    Map<String, String> unwritable = Map.of("XDG_CACHE_HOME", file.toString(), "HOME", "");
    Map<Map<String, String>, String> cases =
        Map.of(
            unset,
            "neither XDG_CACHE_HOME nor HOME is an absolute path",
            unwritable,
            file + "/sluice-demo/logs cannot be created or written");
    for (Map.Entry<Map<String, String>, String> each : cases.entrySet()) {
      environment.putAll(each.getKey());
      List<Path> before = runDirectories(userTmp(tmp));
      demo = RunningDemo.start(root, environment, "--no-agent");

      assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends at once").isTrue();
      assertThat(demo.outputText()).contains("changed while it was copied");
      assertThat(demo.output())
          .filteredOn(line -> line.startsWith("demo.sh: note:"))
          .as(demo.outputText())
          .containsExactly(
              "demo.sh: note: "
                  + each.getValue()
                  + ", so the logs and the copies of the jars (~100 MB) go to "
                  + userTmp(tmp)
                  + " instead (often RAM); set XDG_CACHE_HOME to a directory you can write to keep"
                  + " them on disk");
      assertThat(runDirectories(userTmp(tmp)))
          .as("its log directory, in the user's own directory in $TMPDIR")
          .filteredOn(run -> !before.contains(run))
          .hasSize(1);
      assertThat(Files.getPosixFilePermissions(userTmp(tmp), LinkOption.NOFOLLOW_LINKS))
          .as("the user's own directory in $TMPDIR")
          .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    }
  }

  /**
   * What demo.sh keeps in {@code $TMPDIR} (often {@code /tmp}, every user's) goes in a directory of
   * the user's own there, {@code sluice-demo-<uid>}: the lock under which it prunes the runs there
   * and, without a cache, the runs. The lock was a file in {@code $TMPDIR} itself, which any other
   * user could make first, and then the runs there were never pruned again. A directory by that
   * name that is another user's, open to others or a link is refused, saying why: a run with a
   * cache prunes nothing in {@code $TMPDIR} (two finished runs of an older demo.sh's stay, where
   * one would go), and one without a cache stops before it copies anything.
   */
  @ParameterizedTest
  @EnumSource(TmpdirSquat.class)
  void aDirectoryInTmpdirThatIsNotTheUsersOwnIsRefusedSayingWhy(TmpdirSquat squat)
      throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "squat-");
    Path userTmp = userTmp(tmp);
    String trouble = squat.make(userTmp);
    Map<String, String> environment = new HashMap<>(withCp(tmp, "/bin/cp \"$@\" && : >\"$2\"\n"));
    List<Path> older = new ArrayList<>();
    for (String name : List.of("sluice-demo.ended1", "sluice-demo.ended2")) {
      Path run = Files.createDirectories(tmp.resolve(name));
      Files.writeString(run.resolve("demo.pid"), "999999999 demo.sh\n");
      Files.writeString(run.resolve("pids"), "999999998 payments\n");
      older.add(run);
    }

    demo = RunningDemo.start(root, environment, "--no-agent");

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends at once").isTrue();
    assertThat(demo.output())
        .as(demo.outputText())
        .contains("demo.sh: note: earlier runs' logs in " + tmp + " are not pruned: " + trouble);
    for (Path run : older) {
      assertThat(run.resolve("pids")).as("an older demo.sh's finished run").isRegularFile();
    }

    environment.putAll(Map.of("XDG_CACHE_HOME", "", "HOME", ""));
    demo = RunningDemo.start(root, environment, "--no-agent");

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends at once").isTrue();
    assertThat(demo.exitValue()).isEqualTo(1);
    assertThat(demo.output())
        .as(demo.outputText())
        .containsExactly(
            "demo.sh: neither XDG_CACHE_HOME nor HOME is an absolute path, and the logs cannot go"
                + " to "
                + tmp
                + ": "
                + trouble
                + ". Set XDG_CACHE_HOME (or TMPDIR) to a directory of your own");
    assertThat(runDirectories(userTmp.toRealPath())).as("nothing of this run's in it").isEmpty();
  }

  /**
   * The lock under which a run prunes {@code $TMPDIR} was {@code $TMPDIR/.sluice-demo-prune.<uid>
   * .lock}, a name any user of a shared {@code /tmp} could take first (a directory, a file of
   * theirs, a FIFO): this user's runs then said they could not lock it and never pruned {@code
   * $TMPDIR} again. The lock is now in the user's own directory there, and whatever has that name
   * in {@code $TMPDIR} no longer matters: of two finished runs of an older demo.sh, the older goes.
   */
  @Test
  void somethingByTheOldLocksNameInTmpdirNoLongerStopsThePrune() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "oldlock-");
    Files.createDirectory(tmp.resolve(".sluice-demo-prune." + uid(tmp) + ".lock"));
    Map<String, String> environment = withCp(tmp, "/bin/cp \"$@\" && : >\"$2\"\n");
    Path ended1 = Files.createDirectories(tmp.resolve("sluice-demo.ended1"));
    Path ended2 = Files.createDirectories(tmp.resolve("sluice-demo.ended2"));
    for (Path run : List.of(ended1, ended2)) {
      Files.writeString(run.resolve("demo.pid"), "999999999 demo.sh\n");
      Files.writeString(run.resolve("pids"), "999999998 payments\n");
    }
    Files.setLastModifiedTime(ended1, FileTime.from(Instant.now().minus(Duration.ofHours(2))));

    demo = RunningDemo.start(root, environment, "--no-agent");

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends at once").isTrue();
    String all = demo.outputText();
    assertThat(all).contains("changed while it was copied").doesNotContain("not pruned");
    assertThat(ended1).as("the older finished run: " + all).doesNotExist();
    assertThat(ended2.resolve("pids")).as("the latest finished run: " + all).isRegularFile();
  }

  /** A directory by the name of the user's own in {@code $TMPDIR} that is not fit to be used. */
  enum TmpdirSquat {
    ANOTHER_USERS {
      @Override
      String make(Path dir) throws IOException {
        assumeTrue(uid(dir.getParent()) == 0, "only root can make a directory another user's");
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWN));
        Files.setAttribute(dir, "unix:uid", 65534);
        return dir + " belongs to another user (it was made before this user's first run)";
      }
    },
    OPEN_TO_OTHERS {
      @Override
      String make(Path dir) throws IOException {
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        return dir + " has mode drwxrwxrwx, not drwx------ (if it is yours: chmod 700 it)";
      }
    },
    A_LINK {
      @Override
      String make(Path dir) throws IOException {
        Path elsewhere = sibling(dir.getParent(), "-elsewhere");
        Files.createDirectory(elsewhere, PosixFilePermissions.asFileAttribute(OWN));
        Files.createSymbolicLink(dir, elsewhere);
        return dir + " is a symbolic link, not a directory of this user's";
      }
    };

    private static final Set<PosixFilePermission> OWN =
        PosixFilePermissions.fromString("rwx------");

    /** Makes {@code dir} so; answers what demo.sh is to say of it. */
    abstract String make(Path dir) throws IOException;
  }

  /** The directory of this user's own in {@code tmp} where demo.sh keeps what it keeps there. */
  private static Path userTmp(Path tmp) throws IOException {
    return tmp.resolve("sluice-demo-" + uid(tmp));
  }

  /** The uid of {@code dir}'s owner: this user's, for a directory this test made. */
  private static int uid(Path dir) throws IOException {
    return (Integer) Files.getAttribute(dir, "unix:uid");
  }

  /**
   * Under {@code sudo -E} demo.sh runs as root with the user's {@code HOME}: it made {@code
   * ~/.cache/sluice-demo} there as root's, which the user's own runs could then neither write to
   * (their logs went to {@code $TMPDIR} for good) nor delete. As root, it now keeps out of a cache
   * directory that is another user's, says so once, and uses {@code $TMPDIR}. Runs only as root.
   */
  @Test
  void asRootItKeepsOutOfAnotherUsersHome() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "sudo-");
    assumeTrue(
        (Integer) Files.getAttribute(tmp, "unix:uid") == 0,
        "only root can be given another's home");
    Path home = Files.createDirectories(sibling(tmp, "-home"));
    Files.setAttribute(home, "unix:uid", 65534);
    Map<String, String> environment = new HashMap<>(withCp(tmp, "/bin/cp \"$@\" && : >\"$2\"\n"));
    environment.put("XDG_CACHE_HOME", "");
    environment.put("HOME", home.toString());

    demo = RunningDemo.start(root, environment, "--no-agent");

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends at once").isTrue();
    assertThat(demo.outputText()).contains("changed while it was copied");
    assertThat(demo.output())
        .filteredOn(line -> line.startsWith("demo.sh: note:"))
        .as(demo.outputText())
        .containsExactly(
            "demo.sh: note: this runs as root, and "
                + home
                + " is another user's (sudo -E?), so the logs and the copies of the jars (~100 MB)"
                + " go to "
                + userTmp(tmp)
                + " instead (often RAM); set XDG_CACHE_HOME to a directory you can write to keep"
                + " them on disk");
    assertThat(home.resolve(".cache")).as("nothing of root's in the user's home").doesNotExist();
    assertThat(runDirectories(userTmp(tmp))).as("its log directory, in $TMPDIR").isNotEmpty();
  }

  /**
   * A run also prunes what an older demo.sh left in {@code $TMPDIR}, often {@code /tmp}, shared by
   * every user: as root (a CI job, {@code sudo}) it deleted other users' finished runs there, logs
   * and, through their {@code jars} links, copies. It now prunes only its own user's runs. Runs
   * only as root, the one user that can delete another's.
   */
  @Test
  void itLeavesOtherUsersRunsInTmpdirAlone() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "users-");
    assumeTrue(
        (Integer) Files.getAttribute(tmp, "unix:uid") == 0, "only root can delete another's run");
    Map<String, String> environment = withCp(tmp, "/bin/cp \"$@\" && : >\"$2\"\n");
    List<Path> others = new ArrayList<>();
    for (String name : List.of("sluice-demo.user01", "sluice-demo.user02")) {
      Path other = Files.createDirectories(tmp.resolve(name));
      Files.writeString(other.resolve("demo.pid"), "999999999 demo.sh\n");
      Files.writeString(other.resolve("pids"), "999999998 payments\n");
      Files.setAttribute(other, "unix:uid", 65534);
      others.add(other);
    }

    demo = RunningDemo.start(root, environment, "--no-agent");

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends at once").isTrue();
    assertThat(demo.outputText()).contains("changed while it was copied");
    for (Path other : others) {
      assertThat(other.resolve("pids")).as("another user's finished run").isRegularFile();
    }
  }

  /**
   * The agent jar the build leaves is the upstream OpenTelemetry agent with Sluice's extension
   * embedded as {@code extensions/sluice-extension.jar}, the build's last step. One without it (the
   * upstream agent, or a build stopped before that step) has a Premain-Class and runs, but the
   * agents apply no rule and never report: {@code --check} failed 20 s later without saying why.
   * demo.sh now says which jar and how to rebuild it before anything starts. Run from a copy of the
   * checkout holding such an agent jar (and a PATH with an etcd that is never started).
   */
  @Test
  void anAgentJarWithoutTheExtensionIsSaidSoBeforeAnythingStarts(@TempDir Path root)
      throws Exception {
    Path checkout = Path.of("").toAbsolutePath().getParent();
    Files.copy(checkout.resolve("demo.sh"), root.resolve("demo.sh"), COPY_ATTRIBUTES);
    Path jar = root.resolve("demo-mesh/target/sluice-demo.jar");
    Files.createDirectories(jar.getParent());
    Files.copy(checkout.resolve("demo-mesh/target/sluice-demo.jar"), jar);
    Path agent = root.resolve("javaagent-extension/target/sluice-javaagent.jar");
    Files.createDirectories(agent.getParent());
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest
        .getMainAttributes()
        .putValue("Premain-Class", "io.opentelemetry.javaagent.OpenTelemetryAgent");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(agent), manifest)) {
      out.putNextEntry(new JarEntry("extensions/"));
      out.closeEntry();
    }
    Path controlPlane = root.resolve("control-plane/target/sluice-control-plane.jar");
    Files.createDirectories(controlPlane.getParent());
    Files.writeString(controlPlane, "not read");
    Path bin = Files.createDirectories(root.resolve("bin"));
    command(bin, "etcd", "exit 1\n");

    demo = RunningDemo.start(root, Map.of("PATH", pathWith(bin)), "--check", "--duration", "2s");

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends at once").isTrue();
    String all = demo.outputText();
    assertThat(demo.exitValue()).as(all).isEqualTo(1);
    assertThat(demo.output())
        .as(all)
        .contains(
            "demo.sh: javaagent-extension/target/sluice-javaagent.jar has no"
                + " extensions/sluice-extension.jar in it: it is not the finished Sluice agent (a"
                + " build stopped before embedding the extension?). Rebuild it: mvn -B -q"
                + " -DskipTests package -pl javaagent-extension -am");
  }

  /**
   * An {@code XDG_CACHE_HOME} that is not absolute is to be ignored (XDG Base Directory
   * Specification). demo.sh took it relative to the checkout and linked {@code <log dir>/jars} to
   * that relative path, which from the log directory leads nowhere: it stopped with {@code mkdir:
   * cannot create directory ...: File exists} before copying anything. The copies now go to {@code
   * $HOME/.cache}. Here demo.sh ends at once after its copy ({@code cp} leaves a torn one).
   */
  @Test
  void aRelativeXdgCacheHomeIsIgnored() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "relative-");
    Path home = Files.createDirectories(sibling(tmp, "-home"));
    Map<String, String> environment = new HashMap<>(withCp(tmp, "/bin/cp \"$@\" && : >\"$2\"\n"));
    environment.put(
        "XDG_CACHE_HOME", root.relativize(Path.of(environment.get("XDG_CACHE_HOME"))).toString());
    environment.put("HOME", home.toString());

    demo = RunningDemo.start(root, environment, "--no-agent");

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends at once").isTrue();
    assertThat(demo.outputText()).contains("changed while it was copied");
    assertThat(home.resolve(".cache/sluice-demo/logs"))
        .as("the logs are in $HOME/.cache/sluice-demo/logs")
        .isNotEmptyDirectory();
    assertThat(copiesIn(home.resolve(".cache/sluice-demo")))
        .as("the copies were in $HOME/.cache/sluice-demo, deleted on exit")
        .isEmpty();
  }

  /**
   * A run names its log directory in its copies' {@code run} file just after making the directory
   * of copies. A second demo starting at that moment read the still empty file as the name of a log
   * directory that is gone, and deleted the first run's copies as they were being made (its {@code
   * mkdir} or {@code cp} then failed). Copies whose run file names no run yet are left alone.
   */
  @Test
  void copiesWhoseRunFileIsStillEmptyAreLeftAlone() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "starting-");
    Map<String, String> environment = withCp(tmp, "/bin/cp \"$@\" && : >\"$2\"\n");
    Path starting =
        Files.createDirectories(
            Path.of(environment.get("XDG_CACHE_HOME"), "sluice-demo", "sluice-demo.start1"));
    Files.createFile(starting.resolve("run"));

    demo = RunningDemo.start(root, environment, "--no-agent");

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends at once").isTrue();
    assertThat(demo.outputText()).contains("changed while it was copied");
    assertThat(starting.resolve("run")).as("the starting run's copies").isRegularFile();
  }

  /**
   * A home directory shared with other machines or containers (NFS, a bind mount) holds their runs'
   * copies too, whose log directories are in a {@code /tmp} this host does not see: demo.sh took
   * them for runs that are gone and deleted a running demo's copies. A run now names its host
   * beside its log directory, and only this host's runs are pruned. Here demo.sh ends at once after
   * its copy ({@code cp} leaves a torn one, and keeps the run file it finds beside it).
   */
  @Test
  void copiesOfARunOnAnotherHostAreLeftAlone() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "hosts-");
    Path runFile = sibling(tmp, "-run");
    Map<String, String> environment =
        withCp(tmp, "/bin/cp \"$@\" && /bin/cp \"${2%/*}/run\" '" + runFile + "' && : >\"$2\"\n");
    Path home = Path.of(environment.get("XDG_CACHE_HOME"), "sluice-demo");
    Path elsewhere = copies(home, "sluice-demo.other1", tmp.resolve("sluice-demo.other1"));
    Files.writeString(
        elsewhere.resolve("run"), tmp.resolve("sluice-demo.other1") + "\nanother-host\n");
    // and its logs, beside this host's in the shared home, with a pid this host does not run
    Path otherLogs = Files.createDirectories(home.resolve("logs/sluice-demo.other1"));
    Files.writeString(otherLogs.resolve("host"), "another-host\n");
    Files.writeString(otherLogs.resolve("demo.pid"), "999999999 demo.sh\n");

    demo = RunningDemo.start(root, environment, "--no-agent");

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends at once").isTrue();
    assertThat(demo.outputText()).contains("changed while it was copied");
    assertThat(elsewhere.resolve("sluice-demo.jar"))
        .as("the copies of a run on another host")
        .isRegularFile();
    assertThat(otherLogs.resolve("demo.pid"))
        .as("the logs of a run on another host")
        .isRegularFile();
    Process uname = new ProcessBuilder("uname", "-n").start();
    String host = new String(uname.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(Files.readAllLines(runFile))
        .as("this run's run file: its log directory and its host")
        .containsExactly(
            runDirectories(home.resolve("logs")).stream()
                .filter(run -> !run.equals(otherLogs))
                .findFirst()
                .orElseThrow()
                .toString(),
            host);
  }

  /**
   * A Ctrl-C between the start of a process and its note in the pids file used to end the script
   * with that process unnoted: stop_all left it running and then waited for it (the load generator:
   * 10 minutes), so demo.sh hung and the process outlived it. Here a {@code cat} first on the PATH
   * sends the Ctrl-C (SIGINT to the script's process group, as a terminal does) exactly there: when
   * demo.sh reads the start time of the process it started after the four services.
   */
  @Test
  void aCtrlCWhileAProcessStartsStillStopsIt() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "noting-");
    Path sent = sibling(tmp, "-sent");
    String cat = "/bin/cat";
    Map<String, String> environment =
        withCommand(
            tmp,
            "cat",
            String.join(
                "\n",
                "case \"$1\" in /proc/*/stat)",
                "  pid=${1#/proc/}; pid=${pid%/stat}",
                "  for pids in \"$XDG_CACHE_HOME\"/sluice-demo/logs/*/pids; do :; done",
                "  if [ ! -e '" + sent + "' ] && [ -f \"$pids\" ] &&",
                "    [ \"$("
                    + cat
                    + " \"$pids\" | wc -l)\" -eq 4 ] && ! grep -q \"^$pid \" \"$pids\"; then",
                "    : >'" + sent + "'; kill -INT 0",
                "  fi ;;",
                "esac",
                "exec " + cat + " \"$@\"",
                ""));

    demo = RunningDemo.start(root, environment, "--no-agent", "--duration", "10m", "--rate", "5");

    assertThat(demo.awaitExit(Duration.ofSeconds(120))).as("demo.sh ends on Ctrl-C").isTrue();
    assertThat(sent).as("the Ctrl-C came while the load generator started").exists();
    assertThat(demo.exitValue()).as(demo.outputText()).isEqualTo(130);
    assertStoppedEverythingItStarted();
  }

  /**
   * A process noted but not yet in a process group of its own (a loaded machine had not yet run its
   * setsid) when a Ctrl-C made the script stop: stop_all signalled a group that did not exist yet
   * and passed it by; the process then made its group and ran on, and the script waited for it (the
   * load generator: 10 minutes). Here a {@code setsid} first on the PATH sends the Ctrl-C as the
   * load generator starts and holds back its setsid until demo.sh has gone on to stop the gateway.
   */
  @Test
  void aCtrlCBeforeAProcessHasItsOwnGroupStillStopsIt() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "grouping-");
    Path sent = sibling(tmp, "-sent");
    String setsid = onPath("setsid");
    Map<String, String> environment =
        withCommand(
            tmp,
            "setsid",
            String.join(
                "\n",
                "case \" $* \" in *\" loadgen \"*)",
                "  for pids in \"$XDG_CACHE_HOME\"/sluice-demo/logs/*/pids; do :; done",
                "  gateway=$(awk '$2 == \"gateway\" { print $1 }' \"$pids\")",
                "  : >'" + sent + "'; kill -INT 0",
                // still in the script's group, as before setsid(); 60 s at most
                "  waited=0",
                "  while kill -0 \"$gateway\" 2>/dev/null && [ \"$waited\" -lt 600 ]; do",
                "    sleep 0.1; waited=$((waited + 1))",
                "  done ;;",
                "esac",
                "exec " + setsid + " \"$@\"",
                ""));

    demo = RunningDemo.start(root, environment, "--no-agent", "--duration", "10m", "--rate", "5");

    assertThat(demo.awaitExit(Duration.ofSeconds(120))).as("demo.sh ends on Ctrl-C").isTrue();
    assertThat(sent).as("the Ctrl-C came as the load generator started").exists();
    assertThat(demo.exitValue()).as(demo.outputText()).isEqualTo(130);
    assertThat(demo.outputText()).contains("demo.sh: everything stopped");
    assertStoppedEverythingItStarted();
  }

  /**
   * A run's directory of copies in {@code home}, as demo.sh makes it, for the run in {@code run}.
   */
  private static Path copies(Path home, String name, Path run) throws IOException {
    Path copies = Files.createDirectories(home.resolve(name));
    Files.writeString(copies.resolve("run"), run + "\n");
    Files.writeString(copies.resolve("sluice-demo.jar"), "a copy");
    return copies;
  }

  /**
   * demo.sh's environment with {@code tmp} as its temporary directory, a cache directory beside it
   * and, first on the PATH, a {@code cp} that runs {@code script} (a shell script's lines after its
   * first).
   */
  private static Map<String, String> withCp(Path tmp, String script) throws IOException {
    return withCommand(tmp, "cp", script);
  }

  /** Where demo.sh puts its log directories when run with {@code environment}. */
  private static Path logsHome(Map<String, String> environment) {
    return Path.of(environment.get("XDG_CACHE_HOME"), "sluice-demo", "logs");
  }

  /** The runs' directories of copies in {@code home} ({@code sluice-demo.*}). */
  private static List<Path> copiesIn(Path home) throws IOException {
    try (Stream<Path> all = Files.list(home)) {
      return all.filter(dir -> dir.getFileName().toString().startsWith("sluice-demo.")).toList();
    }
  }

  /** The runs' log directories in {@code tmp} ({@code sluice-demo.*}), none if it is not there. */
  private static List<Path> runDirectories(Path tmp) throws IOException {
    if (!Files.isDirectory(tmp)) {
      return List.of();
    }
    try (Stream<Path> runs = Files.list(tmp)) {
      return runs.filter(dir -> dir.getFileName().toString().startsWith("sluice-demo.")).toList();
    }
  }

  /**
   * A port demo.sh found free can be taken before its process binds it: above all by a second
   * demo.sh started at the same moment, which finds the same preferred ports free. The process that
   * loses cannot listen and dies, while its health check is answered by the winner: demo.sh took
   * that answer for its own process and ran on with a service that was not there (or stopped with
   * "gateway exited"). It now starts such a process again on a free port, with those started after
   * it that may have been given its port, and says so. Here orders' {@code java} (first on the
   * PATH), the first time it starts, first starts a real payments service of its own on orders'
   * port, waits until that answers {@code /health}, then runs orders, which cannot listen there.
   */
  @Test
  void aPortTakenBetweenItsCheckAndTheBindIsReplacedByAFreeOne() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path tmp = runsDirectory(root, "port-race-");
    Path bin = Files.createDirectories(sibling(tmp, "-bin"));
    Path squatted = sibling(tmp, "-squatted");
    String java = ProcessHandle.current().info().command().orElseThrow();
    command(
        bin,
        "java",
        String.join(
            "\n",
            "case \" $* \" in",
            "  *\" orders --port \"*)",
            "    if mkdir '" + squatted + "' 2>/dev/null; then",
            "      port=$(echo \" $* \" | sed 's/.* orders --port \\([0-9]*\\) .*/\\1/')",
            "      jar=$(echo \" $* \" | sed 's/.* -jar \\([^ ]*\\) .*/\\1/')",
            "      echo \"$port\" >'" + squatted + "/port'",
            "      setsid '"
                + java
                + "' -Djava.io.tmpdir='"
                + squatted
                + "' -jar \"$jar\" payments \\",
            "        --port \"$port\" >'" + squatted + "/payments.log' 2>&1 </dev/null &",
            "      squatter=$!",
            "      echo $squatter >'" + squatted + "/pid'",
            // a squatter that could not bind (another program was quicker still) exits: orders
            // then finds the port taken all the same
            "      i=0",
            "      until curl -sf \"http://127.0.0.1:$port/health\" >/dev/null \\",
            "          || ! kill -0 $squatter 2>/dev/null || [ $i -ge 1500 ]; do",
            "        sleep 0.2; i=$((i + 1))",
            "      done",
            "    fi ;;",
            "esac",
            "exec '" + java + "' \"$@\"",
            ""));

    try {
      demo =
          RunningDemo.start(
              root,
              Map.of("TMPDIR", tmp.toString(), "PATH", pathWith(bin)),
              "--no-agent",
              "--duration",
              "10m",
              "--rate",
              "5");
      await()
          .atMost(Duration.ofSeconds(300))
          .failFast("demo.sh exited", () -> !demo.isAlive())
          .until(
              () -> demo.output().stream().anyMatch(line -> line.matches(".*confirmed +[1-9].*")));
      assertRestartedOnAFreePort(
          squatted, Long.parseLong(Files.readString(squatted.resolve("pid")).trim()));
    } finally {
      Path squatter = squatted.resolve("pid");
      if (Files.exists(squatter)) {
        ProcessHandle.of(Long.parseLong(Files.readString(squatter).trim()))
            .ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  private void assertRestartedOnAFreePort(Path squatted, long squatter) throws Exception {
    String taken = Files.readString(squatted.resolve("port")).trim();
    String orders = demo.serviceUrl("orders");
    String all = demo.outputText();

    assertThat(orders).as(all).isNotEqualTo("http://127.0.0.1:" + taken);
    // The port it moves to may be taken too, by another program on a busy machine (a parallel
    // test's): demo.sh then says so again and moves on, so the last move names orders' port.
    String tookIt =
        ": another program took it after demo.sh had found it free (another demo.sh starting at the"
            + " same time?); port ";
    List<String> moves =
        demo.output().stream()
            .filter(line -> line.startsWith("demo.sh: orders could not listen on port "))
            .toList();
    assertThat(moves).as(all).isNotEmpty();
    assertThat(moves.get(0))
        .as(all)
        .startsWith("demo.sh: orders could not listen on port " + taken + tookIt);
    assertThat(moves.get(moves.size() - 1))
        .as(all)
        .endsWith(tookIt + orders.substring(orders.lastIndexOf(':') + 1) + " instead");
    assertThat(demo.output()).as(all).contains("demo.sh: starting orders and gateway again");
    assertThat(demo.logDir().resolve("orders.log"))
        .as("orders' log keeps why its first start failed")
        .content()
        .contains("cannot listen on 127.0.0.1:" + taken);
    List<String> started = demo.startedProcesses();

    demo.interrupt();

    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("demo.sh ends on Ctrl-C").isTrue();
    all = demo.outputText();
    assertThat(demo.exitValue()).as(all).isEqualTo(130);
    assertThat(confirmed(all)).as("orders answered through the gateway: " + all).isPositive();
    assertThat(started)
        .as("<log dir>/pids names what runs, not the orders that could not listen")
        .extracting(line -> line.split(" ")[1])
        .containsExactly("payments", "inventory", "orders", "gateway", "loadgen");
    for (String line : started) {
      assertThat(RunningDemo.isStillRunning(line)).as(line + " is still running").isFalse();
    }
    assertThat(ProcessHandle.of(squatter).map(ProcessHandle::isAlive).orElse(false))
        .as("the program that took the port is not demo.sh's to stop")
        .isTrue();
  }

  /**
   * A mistyped option is said in one line that names it and where the options are listed: the whole
   * usage used to come first, with the error at its end, easy to miss.
   */
  @Test
  void anUnknownOptionIsSaidInOneLine() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    demo = RunningDemo.start(root, Map.of(), "--no-agnet");

    assertThat(demo.awaitExit(Duration.ofSeconds(30))).as("demo.sh ends at once").isTrue();
    assertThat(demo.exitValue()).isEqualTo(1);
    assertThat(demo.output())
        .containsExactly(
            "demo.sh: unknown option '--no-agnet' (./demo.sh --help lists the options)");
  }

  @Test
  void checkModeEndsOnItsOwnAfterTheLoadAndSaysItPassed() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    demo = RunningDemo.start(root, Map.of(), "--no-agent", "--check", "--duration", "2s");

    assertThat(demo.awaitExit(Duration.ofSeconds(180)))
        .as("demo.sh --check ends by itself")
        .isTrue();
    String all = demo.outputText();
    assertThat(demo.exitValue()).as(all).isZero();
    assertThat(all)
        .contains("Load generator summary")
        .contains("demo.sh --check: passed")
        .contains("demo.sh: everything stopped");
    assertThat(confirmed(all)).as(all).isPositive();
    for (String line : demo.startedProcesses()) {
      assertThat(RunningDemo.isStillRunning(line)).as(line + " is still running").isFalse();
    }
  }

  /**
   * demo.sh listed the four services and the load generator in {@code <log dir>/pids}, and none of
   * them runs any more.
   */
  private void assertStoppedEverythingItStarted() throws IOException {
    List<String> started = demo.startedProcesses();
    assertThat(started)
        .as("demo.sh lists what it started in <log dir>/pids")
        .extracting(line -> line.split(" ")[1])
        .containsExactly("payments", "inventory", "orders", "gateway", "loadgen");
    for (String line : started) {
      assertThat(RunningDemo.isStillRunning(line)).as(line + " is still running").isFalse();
    }
  }

  private static long confirmed(String output) {
    Matcher matcher = Pattern.compile("(?m)^ +confirmed +(\\d+)").matcher(output);
    return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
  }
}
