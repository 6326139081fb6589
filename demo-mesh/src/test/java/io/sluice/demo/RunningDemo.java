package io.sluice.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./demo.sh} for real, in its own process group, with its output captured: what it printed
 * (UI URL, admin token, ports, log directory) is read back from its banner, the processes it
 * started from its {@code <log dir>/pids} file. {@link #stop} sends Ctrl-C (SIGINT to the group, as
 * a terminal does) and, should the script not end in time, kills every process group it started.
 * Shared by the launcher test and the end-to-end test.
 */
public final class RunningDemo {

  private static final Pattern LOG_DIR = Pattern.compile("logs: (\\S+)");
  private static final Pattern CONTROL_PLANE =
      Pattern.compile("control plane UI +(http://\\S+?)/?$");
  private static final Pattern TOKEN = Pattern.compile("admin token +(\\S+)");

  private final Process process;
  private final List<String> output;
  private final Thread reader;

  private RunningDemo(Process process, List<String> output, Thread reader) {
    this.process = process;
    this.output = output;
    this.reader = reader;
  }

  /** Starts {@code ./demo.sh options...} in the repository root with extra environment. */
  public static RunningDemo start(Path root, Map<String, String> environment, String... options)
      throws IOException {
    return startFrom(root, root, environment, options);
  }

  /**
   * Starts demo.sh from {@code directory} (inside {@code root}), by its path relative to there, as
   * a user standing elsewhere in the checkout runs it: paths in the environment are then relative
   * to {@code directory}.
   */
  public static RunningDemo startFrom(
      Path root, Path directory, Map<String, String> environment, String... options)
      throws IOException {
    Path script = directory.relativize(root.resolve("demo.sh"));
    String invoked = script.getNameCount() == 1 ? "./" + script : script.toString();
    List<String> command = new ArrayList<>(List.of("setsid", invoked));
    command.addAll(List.of(options));
    return run(root, new ProcessBuilder(command).directory(directory.toFile()), environment);
  }

  /**
   * Starts {@code ./demo.sh options...} in the repository root with its output going through a pipe
   * whose reader hands on the lines up to the first that starts with {@code lastLine}, and then
   * ends: as {@code ./demo.sh | tee demo.log} when the Ctrl-C meant for demo.sh ends {@code tee}
   * too. The process is a shell that waits for demo.sh and ends with its exit status ({@code
   * pipefail}); signals for demo.sh itself go through {@link #signalScript}.
   */
  public static RunningDemo startWithOutputEndingAt(
      Path root, Map<String, String> environment, String lastLine, String... options)
      throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                "setsid",
                "bash",
                "-c",
                "set -o pipefail; ./demo.sh \"$@\" | while IFS= read -r line; do"
                    + " printf '%s\\n' \"$line\"; case $line in \"$0\"*) exit 0 ;; esac; done",
                lastLine));
    command.addAll(List.of(options));
    return run(root, new ProcessBuilder(command).directory(root.toFile()), environment);
  }

  private static RunningDemo run(Path root, ProcessBuilder builder, Map<String, String> environment)
      throws IOException {
    // demo.sh's log directory and copies of the jars go to the build's own directory, not the
    // user's ~/.cache (or /tmp, where they go without a cache directory), one directory per run
    // (demo.sh prunes earlier runs in its own): they stay for a look after a failure, and
    // `mvn clean` removes them
    Path runs = Files.createDirectories(root.resolve("demo-mesh/target/demo-runs"));
    builder.environment().put("TMPDIR", Files.createTempDirectory(runs, "run-").toString());
    builder
        .environment()
        .put("XDG_CACHE_HOME", Files.createTempDirectory(runs, "cache-").toString());
    builder.environment().putAll(environment);
    Process process = builder.redirectErrorStream(true).start();
    List<String> output = new CopyOnWriteArrayList<>();
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
    return new RunningDemo(process, output, reader);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Whether the banner ("Sluice demo is running.") and the try-it commands are printed. */
  public boolean isRunning() {
    return output.stream().anyMatch(line -> line.startsWith("Load generator:"));
  }

  public List<String> output() {
    return List.copyOf(output);
  }

  public String outputText() {
    return String.join("\n", output);
  }

  public String controlPlaneUrl() {
    return find(CONTROL_PLANE, "the control plane URL");
  }

  public String adminToken() {
    return find(TOKEN, "the admin token");
  }

  public Path logDir() {
    return Path.of(find(LOG_DIR, "the log directory"));
  }

  /** The base URL of a service, e.g. {@code http://127.0.0.1:8082} for {@code payments}. */
  public String serviceUrl(String service) {
    return find(
        Pattern.compile("^ +" + service + " +(http://127\\.0\\.0\\.1:\\d+)"),
        "the URL of " + service);
  }

  /** The load generator's one-second lines printed so far. */
  public List<String> loadLines() {
    return output.stream().filter(line -> line.matches("\\[ *\\d+s\\].*")).toList();
  }

  private String find(Pattern pattern, String what) {
    for (String line : output) {
      Matcher matcher = pattern.matcher(line);
      if (matcher.find()) {
        return matcher.group(1);
      }
    }
    throw new IllegalStateException("demo.sh did not print " + what + ":\n" + outputText());
  }

  /**
   * The processes demo.sh started, as "pid name start" lines of its pids file (empty if none yet).
   */
  public List<String> startedProcesses() throws IOException {
    Matcher logDir = LOG_DIR.matcher(outputText());
    if (!logDir.find()) {
      return List.of();
    }
    Path pids = Path.of(logDir.group(1), "pids");
    return Files.exists(pids) ? Files.readAllLines(pids) : List.of();
  }

  /**
   * Ctrl-C, then waits for the script to stop everything; kills what is left after {@code grace}.
   *
   * @return whether demo.sh ended on its own within {@code grace}
   */
  public boolean stop(Duration grace) throws IOException, InterruptedException {
    interrupt();
    boolean ended = awaitExit(grace);
    if (!ended) {
      signalGroup("KILL", process.pid());
    }
    for (String line : startedProcesses()) {
      // not a group whose leader's pid another process has by now (a pid is not given to another
      // while a group of that id lives on: with its leader gone, what is left is the demo's)
      if (!isAnotherProcess(line)) {
        signalGroup("KILL", pid(line));
      }
      // one noted before it had made its own group (demo.sh stopped as it started it) has no group
      // of its pid, or made it after demo.sh had passed it by: the process itself, if still it
      if (isSameProcess(line)) {
        signal("KILL", Long.toString(pid(line)));
      }
    }
    process.waitFor(10, TimeUnit.SECONDS);
    return ended;
  }

  /**
   * Whether the process of a {@code <log dir>/pids} line ({@code <pid> <name> <start>}) is still
   * running: the process with that pid and that start time (clock ticks since boot, field 22 of
   * {@code /proc/<pid>/stat}), not another one given its pid since it ended.
   */
  public static boolean isStillRunning(String pidsLine) {
    long pid = pid(pidsLine);
    Optional<String> now = startOf(pid);
    String started = startIn(pidsLine);
    if (now.isEmpty() || started.equals("-")) {
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
    return now.get().equals(started);
  }

  /** Whether the pid of a {@code pids} line names a process that started at another time. */
  private static boolean isAnotherProcess(String pidsLine) {
    String started = startIn(pidsLine);
    return !started.equals("-")
        && startOf(pid(pidsLine)).map(now -> !now.equals(started)).orElse(false);
  }

  /**
   * Whether the pid of a {@code pids} line still names the process started then (its start known).
   */
  private static boolean isSameProcess(String pidsLine) {
    String started = startIn(pidsLine);
    return !started.equals("-") && startOf(pid(pidsLine)).map(started::equals).orElse(false);
  }

  /**
   * The line demo.sh writes for a process it runs ({@code <pid> <name> <start>}, in {@code pids}
   * and {@code demo.pid}), for process {@code pid} as it runs now.
   */
  public static String pidsLine(long pid, String name) {
    return pid + " " + name + " " + startOf(pid).orElse("-");
  }

  private static long pid(String pidsLine) {
    return Long.parseLong(pidsLine.split(" ")[0]);
  }

  private static String startIn(String pidsLine) {
    String[] fields = pidsLine.split(" ");
    return fields.length > 2 ? fields[2] : "-";
  }

  /**
   * The start time of process {@code pid} as demo.sh records it: field 22 of {@code
   * /proc/<pid>/stat}, counted after the command's name, which may hold spaces and parentheses.
   */
  private static Optional<String> startOf(long pid) {
    String stat;
    try {
      stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.ISO_8859_1);
    } catch (IOException gone) {
      return Optional.empty();
    }
    String[] fields = stat.substring(stat.lastIndexOf(") ") + 2).trim().split(" ");
    return fields.length > 19 ? Optional.of(fields[19]) : Optional.empty();
  }

  /**
   * Sends {@code signal} (e.g. {@code HUP}) to demo.sh alone, by its {@code <log dir>/demo.pid}.
   */
  public void signalScript(String signal) throws IOException, InterruptedException {
    signal(signal, Long.toString(scriptPid()));
  }

  /** demo.sh's own pid, from its {@code <log dir>/demo.pid}. */
  public long scriptPid() throws IOException {
    return pid(Files.readString(logDir().resolve("demo.pid")).trim());
  }

  /** Ctrl-C: SIGINT to the script's process group, as a terminal sends it. */
  public void interrupt() throws IOException, InterruptedException {
    if (process.isAlive()) {
      signalGroup("INT", process.pid());
    }
  }

  /**
   * Waits for the script to end and for its last lines to be read (the process can end before the
   * reader has drained the pipe). When it does not end in time, prints what it printed so far to
   * standard error, where the test report keeps it: the test that fails on this then says where the
   * script stood.
   *
   * @return whether it ended within {@code timeout}
   */
  public boolean awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      System.err.println(
          "demo.sh did not end within " + timeout.toSeconds() + " s; it printed:\n" + outputText());
      return false;
    }
    reader.join(Duration.ofSeconds(10).toMillis());
    return true;
  }

  /** The script's exit status; only once it ended. */
  public int exitValue() {
    return process.exitValue();
  }

  private static void signalGroup(String signal, long pid)
      throws IOException, InterruptedException {
    signal(signal, "-" + pid);
  }

  /** Sends {@code signal} to {@code target}: a pid, or a process group as {@code -pgid}. */
  private static void signal(String signal, String target)
      throws IOException, InterruptedException {
    // bash's own kill: /bin/kill comes from procps, which minimal Debian images leave out
    new ProcessBuilder("bash", "-c", "kill -" + signal + " -- " + target + " 2>/dev/null")
        .inheritIO()
        .start()
        .waitFor();
  }
}
