package io.sluice.controlplane.etcd;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

/**
 * An {@code etcd} for the search path that runs the real one, except that the launch numbered
 * {@code held} (0 the first) writes its arguments and waits until the test {@linkplain #release
 * releases} it (60 s at most). Every launch writes its arguments to {@code args.<n>} in {@link
 * #dir()}, which tests read for the ports the embedded etcd was given. Exists so that a test can
 * act between an etcd's exit and its restart: take its port, start another etcd there.
 *
 * @param dir the directory that holds the script and the launches' argument files
 */
public record HeldEtcdLaunches(Path dir) {

  /** Writes the script into {@code bin}, holding launch {@code held}. */
  public static HeldEtcdLaunches in(Path bin, int held) throws IOException {
    String real = EmbeddedEtcd.find(System.getenv().getOrDefault("PATH", ""));
    Path script = bin.resolve("etcd");
    Files.writeString(
        script,
        String.join(
            "\n",
            "#!/bin/sh",
            "n=0; while [ -e '" + bin + "'/args.$n ]; do n=$((n + 1)); done",
            "printf '%s\\n' \"$@\" >'"
                + bin
                + "'/args.$n.tmp && mv '"
                + bin
                + "'/args.$n.tmp '"
                + bin
                + "'/args.$n",
            "if [ $n -eq " + held + " ]; then",
            // 60 s at most
            "  i=0; while [ ! -e '"
                + bin
                + "'/go.$n ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done",
            "fi",
            "exec '" + real + "' \"$@\"",
            ""));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return new HeldEtcdLaunches(bin);
  }

  /** The port in launch {@code launch}'s argument that starts with {@code prefix}. */
  public int awaitPort(int launch, String prefix) {
    Path args = dir.resolve("args." + launch);
    String line =
        await("launch " + launch)
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    Files.exists(args)
                        ? Files.readAllLines(args).stream()
                            .filter(arg -> arg.startsWith(prefix))
                            .findFirst()
                            .orElse(null)
                        : null,
                found -> found != null);
    return Integer.parseInt(line.substring(prefix.length()));
  }

  /** Lets the held launch {@code launch} go on. */
  public void release(int launch) throws IOException {
    Files.createFile(dir.resolve("go." + launch));
  }
}
