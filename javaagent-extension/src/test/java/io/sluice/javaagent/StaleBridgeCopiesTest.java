package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaleBridgeCopiesTest {

  @TempDir Path dir;

  private final long ownPid = ProcessHandle.current().pid();
  private final Instant now = Instant.now();
  private long deadPid;

  @BeforeEach
  void endAProcess() throws Exception {
    Process ended =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
            .redirectErrorStream(true)
            .start();
    ended.getInputStream().readAllBytes();
    ended.waitFor();
    deadPid = ended.pid();
  }

  @Test
  void removesOldCopiesOfEndedProcessesAndOfThisPidButNotThisJvmsOwn() throws Exception {
    Path own = copy(ownPid, "own", Duration.ofHours(1));
    Path ended = copy(deadPid, "a", Duration.ofMinutes(2));
    Path restarted = copy(ownPid, "before-restart", Duration.ofMinutes(2));

    assertThat(StaleBridgeCopies.remove(dir, ownPid, own, now)).isEqualTo(2);

    assertThat(own).exists();
    assertThat(ended).doesNotExist();
    assertThat(restarted).doesNotExist();
  }

  @Test
  void keepsCopiesOfLiveProcessesNewCopiesAndOtherFiles() throws Exception {
    long live = ProcessHandle.current().parent().orElseThrow().pid();
    Path own = copy(ownPid, "own", Duration.ZERO);
    Path ofLive = copy(live, "b", Duration.ofHours(1));
    Path beingWritten = copy(deadPid, "c", Duration.ofSeconds(10));
    Path olderName = old(dir.resolve("sluice-bridge123456789.jar"), Duration.ofHours(1));
    Path notAJar =
        old(dir.resolve(StaleBridgeCopies.prefix(deadPid) + "d.tmp"), Duration.ofHours(1));

    assertThat(StaleBridgeCopies.remove(dir, ownPid, own, now)).isZero();

    assertThat(own).exists();
    assertThat(ofLive).as("a copy a running JVM may still use").exists();
    assertThat(beingWritten).as("younger than a minute").exists();
    assertThat(olderName).as("a name without a pid").exists();
    assertThat(notAJar).exists();
  }

  @Test
  void readsThePidOnlyFromItsOwnNames() {
    assertThat(StaleBridgeCopies.pidOf("sluice-bridge-42-8123.jar")).isEqualTo(OptionalLong.of(42));
    assertThat(StaleBridgeCopies.pidOf("sluice-bridge-42-.jar")).isEqualTo(OptionalLong.of(42));
    assertThat(StaleBridgeCopies.pidOf("sluice-bridge-42.jar")).isEmpty();
    assertThat(StaleBridgeCopies.pidOf("sluice-bridge--1-x.jar")).isEmpty();
    assertThat(StaleBridgeCopies.pidOf("sluice-bridge-x-1.jar")).isEmpty();
    assertThat(StaleBridgeCopies.pidOf("sluice-bridge-0-1.jar")).isEmpty();
    assertThat(StaleBridgeCopies.pidOf("sluice-bridge-42-1.jar.bak")).isEmpty();
  }

  private Path copy(long pid, String random, Duration age) throws Exception {
    return old(dir.resolve(StaleBridgeCopies.prefix(pid) + random + StaleBridgeCopies.SUFFIX), age);
  }

  private Path old(Path file, Duration age) throws Exception {
    Files.write(file, new byte[] {1});
    Files.setLastModifiedTime(file, FileTime.from(now.minus(age)));
    return file;
  }
}
