package io.sluice.javaagent.it;

import io.sluice.javaagent.testapp.TestApp;
import java.io.IOException;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@link TestApp} in a forked JVM, under a real agent jar. Output goes to a log file that the
 * test reads (and prints when something fails).
 */
final class AgentApp implements AutoCloseable {

  private static final Pattern READY = Pattern.compile(Pattern.quote(TestApp.READY) + "(\\d+)");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Process process;
  private final Path log;
  private final int port;

  private AgentApp(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /** The Sluice distro agent jar built by this module. */
  static String sluiceAgentJar() {
    return System.getProperty("sluice.agent.jar", "target/sluice-javaagent.jar");
  }

  /**
   * Starts the app with {@code -javaagent:agentJar} (none when {@code null}) and the given system
   * properties, and waits until it serves.
   */
  static AgentApp start(String agentJar, Map<String, String> properties) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Xshare:auto");
    if (agentJar != null) {
      command.add("-javaagent:" + agentJar);
    }
    command.add("-Dtest.app.started=" + System.currentTimeMillis());
    properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.add("-cp");
    command.add(System.getProperty("test.app.classpath"));
    command.add(TestApp.class.getName());
    Path log = Files.createTempFile("sluice-test-app", ".log");
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Matcher ready = READY.matcher(Files.readString(log));
      if (ready.find()) {
        return new AgentApp(process, log, Integer.parseInt(ready.group(1)));
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("test app exited:\n" + Files.readString(log));
      }
      try {
        process.waitFor(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException(
        "test app did not serve within 60 s:\n" + Files.readString(log));
  }

  int port() {
    return port;
  }

  /** What the app printed so far. */
  String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Asks the app to make one outgoing call; answers the app's plain text report. */
  AppAnswer call(String client, String method, String url, Map<String, String> headers)
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
            .timeout(Duration.ofSeconds(30));
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

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
