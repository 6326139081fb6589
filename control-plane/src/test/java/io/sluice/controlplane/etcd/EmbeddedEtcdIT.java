package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedEtcdIT {

  private static final String PATH = System.getenv().getOrDefault("PATH", "");

  @Test
  void runsAnEtcdThatCompactsItsHistory(@TempDir Path stateDir) throws Exception {
    try (EmbeddedEtcd etcd = EmbeddedEtcd.start(stateDir, PATH, 1_572_864)) {
      assertThat(etcd.command())
          .contains("--auto-compaction-mode=periodic", "--auto-compaction-retention=1h");
      // etcd refuses to start with a flag it does not know: answering, it took them
      HttpResponse<String> health =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(etcd.endpoint() + "/health"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("true");
      // started, it is its owner's to close (after the control plane's graceful shutdown), not
      // the JVM exit's: a hook still registered would stop it beside that shutdown
      assertThat(Runtime.getRuntime().removeShutdownHook(etcd.stopAtExit)).isFalse();
    }
  }

  @Test
  void refusesAtOnceADataDirectoryAnotherControlPlaneKeepsItsEtcdIn(@TempDir Path stateDir)
      throws Exception {
    try (EmbeddedEtcd first = EmbeddedEtcd.start(stateDir, PATH, 1_572_864)) {
      // etcd itself would wait for the first one's database lock and never answer (30 s, then
      // "did not answer")
      assertThatThrownBy(() -> EmbeddedEtcd.start(stateDir, PATH, 1_572_864))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is in use by another control plane")
          .hasMessageContaining(stateDir.resolve("etcd").resolve(EmbeddedEtcd.LOCK_FILE).toString())
          .hasMessageContaining("sluice.state.dir");
      assertThat(health(first)).isEqualTo(200);
    }
    // closed, the directory is free again
    try (EmbeddedEtcd again = EmbeddedEtcd.start(stateDir, PATH, 1_572_864)) {
      assertThat(health(again)).isEqualTo(200);
    }
  }

  /**
   * The lock is a POSIX record lock, which belongs to the process: a refused second start in the
   * same JVM that opened the lock file and closed it again released the first one's lock, so a
   * control plane in another process was no longer refused (it waited 30 s for etcd instead).
   */
  @Test
  void aSecondStartRefusedInTheSameJvmLeavesTheDirectoryLockedForOtherProcesses(
      @TempDir Path stateDir) throws Exception {
    try (EmbeddedEtcd first = EmbeddedEtcd.start(stateDir, PATH, 1_572_864)) {
      Path lockFile = stateDir.resolve("etcd").resolve(EmbeddedEtcd.LOCK_FILE);
      assertThat(lockableByAnotherProcess(lockFile)).as("held by the first start").isFalse();

      assertThatThrownBy(() -> EmbeddedEtcd.start(stateDir, PATH, 1_572_864))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is in use by another control plane");

      assertThat(lockableByAnotherProcess(lockFile))
          .as("still held by the first start after the second was refused")
          .isFalse();
      assertThat(health(first)).isEqualTo(200);
    }
  }

  /** Whether a JVM of its own can lock {@code file}, as another control plane would. */
  private static boolean lockableByAnotherProcess(Path file) throws Exception {
    Process probe =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LockProbe.class.getName(),
                file.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(probe.waitFor(30, TimeUnit.SECONDS)).as("the probe ends").isTrue();
    String said = new String(probe.getInputStream().readAllBytes()).strip();
    assertThat(said).as("the probe's answer").isIn("locked", "held");
    return said.equals("locked");
  }

  /** Tries once to lock the file it is given and says whether it could. */
  static final class LockProbe {
    public static void main(String[] args) throws Exception {
      try (java.nio.channels.FileChannel channel =
          java.nio.channels.FileChannel.open(
              Path.of(args[0]), java.nio.file.StandardOpenOption.WRITE)) {
        System.out.println(channel.tryLock() != null ? "locked" : "held");
      }
    }
  }

  @Test
  void stopsTheEtcdItStartedWhenItsStartIsInterrupted(@TempDir Path stateDir, @TempDir Path bin)
      throws Exception {
    // an etcd that never answers (it waits on its standard input, which stays open): the start
    // waits for it until interrupted
    Path hung = bin.resolve("etcd");
    Files.writeString(hung, "#!/bin/sh\nread never\n");
    Files.setPosixFilePermissions(hung, PosixFilePermissions.fromString("rwx------"));
    CompletableFuture<EmbeddedEtcd> start = new CompletableFuture<>();
    Thread starter =
        new Thread(
            () -> {
              try {
                start.complete(EmbeddedEtcd.start(stateDir, bin.toString(), 1_572_864));
              } catch (RuntimeException e) {
                start.completeExceptionally(e);
              }
            });
    starter.start();
    List<ProcessHandle> started =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> children(stateDir), children -> !children.isEmpty());
    try {
      starter.interrupt();
      assertThatThrownBy(() -> start.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasRootCauseInstanceOf(InterruptedException.class);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(started).noneMatch(ProcessHandle::isAlive));
      // and the data directory is free for the next start
      Files.delete(hung);
      try (EmbeddedEtcd next = EmbeddedEtcd.start(stateDir, PATH, 1_572_864)) {
        assertThat(health(next)).isEqualTo(200);
      }
    } finally {
      started.forEach(ProcessHandle::destroyForcibly);
    }
  }

  /** This JVM's child processes started with {@code stateDir}'s data. */
  private static List<ProcessHandle> children(Path stateDir) {
    return ProcessHandle.current()
        .children()
        .filter(
            child ->
                child
                    .info()
                    .arguments()
                    .map(args -> String.join(" ", args).contains(stateDir.toString()))
                    .orElse(false))
        .toList();
  }

  private static int health(EmbeddedEtcd etcd) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(etcd.endpoint() + "/health"))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }
}
