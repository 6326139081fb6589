package io.sluice.javaagent.it;

import static org.awaitility.Awaitility.await;

import io.sluice.javaagent.testapp.TestApp;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@link TestApp} in a forked JVM, under a real agent jar. Output goes to a log file that the
 * test reads (and prints when something fails); the app's temporary files go to a directory of its
 * own, not {@code /tmp} (see {@link TestAppFiles}).
 *
 * <p>No process outlives the test JVM, and no temporary file the app: {@link #close()} stops the
 * app, copies its log to standard output (which Surefire and Failsafe keep in the test's {@code
 * -output.txt} report), naming the log file, which stays, and deletes the app's temporary
 * directory, with what an app killed outright left in it (the agent's extracted extension). A
 * shutdown hook does the same when the test JVM exits without {@code close()}; when it is killed
 * outright, the app sees its standard input, a pipe from the test JVM, close and exits ({@link
 * TestApp#EXIT_WITH_PARENT}), deleting its own temporary files as it does.
 */
final class AgentApp implements AutoCloseable {

  private static final Pattern READY = Pattern.compile(Pattern.quote(TestApp.READY) + "(\\d+)");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * Agent start-ups took 48-92 s on a heavily loaded machine (BENCHMARKS.md); the usual is a few
   * seconds.
   */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  /**
   * The JVM options every forked app starts with, so that it starts on less CPU, which the other
   * module's tests need beside it on two cores: C1 only, and the serial collector. The OTel agent's
   * start took about 6 s of CPU with the default G1 (its concurrent threads, a heap sized for 24
   * GiB) and about 4.5 s with the serial collector on the CI machine; neither choice is one the
   * agent or the extension depends on.
   */
  static final List<String> LEAN_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  /** The system properties that make a JVM's default locale, passed on to the app. */
  private static final List<String> LOCALE_PROPERTIES =
      List.of("user.language", "user.script", "user.country", "user.variant", "user.extensions");

  private final Process process;
  private final TestAppFiles files;
  private final int port;
  private final Thread shutdownHook;

  private AgentApp(Process process, TestAppFiles files, int port, Thread shutdownHook) {
    this.process = process;
    this.files = files;
    this.port = port;
    this.shutdownHook = shutdownHook;
  }

  /** System properties naming {@code service}, with the agent's exporters off. */
  static Map<String, String> withoutExporters(String service) {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("otel.service.name", service);
    properties.put("otel.traces.exporter", "none");
    properties.put("otel.metrics.exporter", "none");
    properties.put("otel.logs.exporter", "none");
    return properties;
  }

  /** The Sluice distro agent jar built by this module. */
  static String sluiceAgentJar() {
    return System.getProperty("sluice.agent.jar", "target/sluice-javaagent.jar");
  }

  /**
   * Starts the app with {@code -javaagent:agentJar} (none when {@code null}) and the given system
   * properties, and waits until it serves. Its {@code java.io.tmpdir} is a directory of its own,
   * unless {@code properties} name another.
   */
  static AgentApp start(String agentJar, Map<String, String> properties) throws IOException {
    return start(agentJar, properties, System.getProperty("test.app.classpath"));
  }

  /** As {@link #start(String, Map)}, with the app's class path {@code classPath}. */
  static AgentApp start(String agentJar, Map<String, String> properties, String classPath)
      throws IOException {
    return start(agentJar, properties, classPath, Map.of(), List.of());
  }

  /**
   * As {@link #start(String, Map)}, with {@code environment} added to the app's environment
   * variables.
   */
  static AgentApp startWithEnvironment(
      String agentJar, Map<String, String> properties, Map<String, String> environment)
      throws IOException {
    return start(
        agentJar, properties, System.getProperty("test.app.classpath"), environment, List.of());
  }

  /**
   * As {@link #start(String, Map)}, with {@code jvmArguments} (such as {@code -Xlog:class+load})
   * given to the app's JVM after its own options, so that they win over them.
   */
  static AgentApp startWithJvmArguments(
      String agentJar, Map<String, String> properties, List<String> jvmArguments)
      throws IOException {
    return start(
        agentJar, properties, System.getProperty("test.app.classpath"), Map.of(), jvmArguments);
  }

  /**
   * As {@link #start(String, Map)}, on the JVM of the {@code java} launcher {@code java} rather
   * than the test JVM's (such as {@link Java21Runtime#java()}).
   */
  static AgentApp startOn(Path java, String agentJar, Map<String, String> properties)
      throws IOException {
    return start(
        java,
        agentJar,
        properties,
        onClassPath(System.getProperty("test.app.classpath")),
        Map.of(),
        List.of());
  }

  /**
   * As {@link #start(String, Map)}, launched as {@code java -jar jar}, as an app packaged as one
   * jar is: {@code jar} is written first, holding only a manifest that names the test app as its
   * main class and the test app's class path as its own.
   */
  static AgentApp startFromJar(String agentJar, Map<String, String> properties, Path jar)
      throws IOException {
    Manifest manifest = new Manifest();
    Attributes attributes = manifest.getMainAttributes();
    attributes.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    attributes.put(Attributes.Name.MAIN_CLASS, TestApp.class.getName());
    StringJoiner classPath = new StringJoiner(" ");
    for (String entry : System.getProperty("test.app.classpath").split(File.pathSeparator)) {
      classPath.add(Path.of(entry).toAbsolutePath().toUri().toString());
    }
    attributes.put(Attributes.Name.CLASS_PATH, classPath.toString());
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream ignored = new JarOutputStream(out, manifest)) {
      // the manifest is all there is
    }
    return start(
        Path.of(System.getProperty("java.home"), "bin", "java"),
        agentJar,
        properties,
        List.of("-jar", jar.toAbsolutePath().toString()),
        Map.of(),
        List.of());
  }

  private static AgentApp start(
      String agentJar,
      Map<String, String> properties,
      String classPath,
      Map<String, String> environment,
      List<String> jvmArguments)
      throws IOException {
    return start(
        Path.of(System.getProperty("java.home"), "bin", "java"),
        agentJar,
        properties,
        onClassPath(classPath),
        environment,
        jvmArguments);
  }

  /** What launches the test app from {@code classPath}: {@code -cp classPath TestApp}. */
  private static List<String> onClassPath(String classPath) {
    return List.of("-cp", classPath, TestApp.class.getName());
  }

  /**
   * @param main what follows the JVM's options: the class path and main class, or {@code -jar} and
   *     a jar
   */
  private static AgentApp start(
      Path java,
      String agentJar,
      Map<String, String> properties,
      List<String> main,
      Map<String, String> environment,
      List<String> jvmArguments)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.addAll(LEAN_JVM);
    command.add("-Xshare:auto");
    if (agentJar != null) {
      command.add("-javaagent:" + agentJar);
    }
    command.add("-Dtest.app.started=" + System.currentTimeMillis());
    command.add("-D" + TestApp.EXIT_WITH_PARENT + "=true");
    TestAppFiles files = TestAppFiles.create();
    Path log = files.log();
    // before the test's own properties: a java.io.tmpdir among them wins
    command.add("-Djava.io.tmpdir=" + files.temporaryDirectory());
    // the test JVM's locale (test.locale.flags in the build), so the agent is tested in it too
    for (String key : LOCALE_PROPERTIES) {
      String value = System.getProperty(key);
      if (value != null && !value.isEmpty()) {
        command.add("-D" + key + "=" + value);
      }
    }
    properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.addAll(jvmArguments);
    command.addAll(main);
    // standard input stays a pipe from this JVM: the app exits when it closes
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    Process process = builder.start();
    Thread shutdownHook = new Thread(() -> stop(process, files), "test-app-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    String failure;
    try {
      long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
      while (true) {
        Matcher ready = READY.matcher(read(log));
        if (ready.find()) {
          return new AgentApp(process, files, Integer.parseInt(ready.group(1)), shutdownHook);
        }
        if (!process.isAlive()) {
          failure = "test app exited with " + process.exitValue();
          break;
        }
        if (System.nanoTime() >= deadline) {
          failure = "test app did not serve within " + START_TIMEOUT.toSeconds() + " s";
          break;
        }
        process.waitFor(50, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = "interrupted while the test app started";
    } catch (IOException | RuntimeException e) {
      failure = "test app could not be watched: " + e;
    }
    String output = stop(process, files);
    removeShutdownHook(shutdownHook);
    throw new IllegalStateException(failure + " (log kept in " + log + "):\n" + output);
  }

  int port() {
    return port;
  }

  /**
   * The file the app's output (its agent's lines included) goes to, for a test to follow; it stays
   * once the app stopped.
   */
  Path logFile() {
    return files.log();
  }

  /** The app's {@code java.io.tmpdir} (unless the test named another), deleted once it stopped. */
  Path temporaryDirectory() {
    return files.temporaryDirectory();
  }

  /** What the app printed so far. */
  String log() {
    try {
      return read(files.log());
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** Lenient: the app may be in the middle of writing a character. */
  private static String read(Path log) throws IOException {
    return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Asks the app to make one outgoing call; answers the app's plain text report. */
  /**
   * Calls {@code url} through the JDK client until a breaker's fallback answers with {@code body}
   * (within a minute): the breaker opened. Returns that answer.
   */
  AppAnswer awaitFallback(String what, String url, String body) {
    AtomicReference<AppAnswer> last = new AtomicReference<>();
    await(what)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              last.set(call("jdk", "GET", url, Map.of()));
              return body.equals(last.get().body());
            });
    return last.get();
  }

  AppAnswer call(String client, String method, String url, Map<String, String> headers)
      throws IOException, InterruptedException {
    return call(client, method, url, headers, Duration.ofSeconds(30));
  }

  /**
   * Has the app make a first call through {@code client} to {@code url}, whatever its outcome: the
   * client's classes are loaded and instrumented then, which takes tens of seconds on a loaded
   * machine, and would otherwise count against the bounds of whichever test calls it first.
   */
  void warmUp(String client, String url) throws IOException, InterruptedException {
    call(client, "GET", url, Map.of(), Duration.ofSeconds(120));
  }

  private AppAnswer call(
      String client, String method, String url, Map<String, String> headers, Duration timeout)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:"
                        + port
                        + "/call?client="
                        + client
                        + "&method="
                        + method
                        + "&url="
                        + URLEncoder.encode(url, StandardCharsets.UTF_8)))
            .timeout(timeout);
    headers.forEach(request::header);
    HttpResponse<String> response =
        HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("test app answered " + response.statusCode());
    }
    return AppAnswer.parse(response.body());
  }

  /** Whether the app still serves its own endpoint. */
  boolean healthy() {
    try {
      return HTTP.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode()
          == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Asks the app to exit (SIGTERM) without waiting: the JVM runs its shutdown hooks, the agent's
   * among them, as when {@code main} returns. {@link #close()} still prints the log.
   */
  void terminate() {
    process.toHandle().destroy();
  }

  /** Stops the app, prints its log (which stays) and deletes its temporary files. */
  @Override
  public void close() {
    String output = stop(process, files);
    removeShutdownHook(shutdownHook);
    System.out.println(
        "---- test app (pid "
            + process.pid()
            + ") log, kept in "
            + files.log()
            + " ----\n"
            + output
            + "---- end of log ----");
  }

  /**
   * SIGTERM (the agent flushes and removes its temporary files), SIGKILL after {@link
   * #STOP_TIMEOUT}; then deletes the app's temporary directory, with what a SIGKILL left in it.
   * Answers what the log held, to the app's last shutdown line. The signal goes through {@link
   * ProcessHandle#destroy()}: {@link Process#destroy()} would also close the app's standard input,
   * on which the app exits at once, without its shutdown lines (see {@link
   * TestApp#EXIT_WITH_PARENT}). The log is also read before the stop, in case it is unreadable
   * after.
   */
  private static String stop(Process process, TestAppFiles files) {
    Path log = files.log();
    String beforeStop;
    try {
      beforeStop = read(log);
    } catch (IOException e) {
      beforeStop = "(log unreadable: " + e + ")\n";
    }
    process.toHandle().destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    String output;
    try {
      output = read(log);
    } catch (IOException goneWithTheApp) {
      output = beforeStop;
    }
    process.destroyForcibly(); // gone by now: this only closes the pipes to it
    files.deleteTemporaryFiles();
    return output;
  }

  private static void removeShutdownHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs, or is about to
    }
  }
}
