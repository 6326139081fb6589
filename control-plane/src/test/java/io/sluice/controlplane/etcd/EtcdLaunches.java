package io.sluice.controlplane.etcd;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The launches of an {@code etcd} an {@link EtcdLaunchScript} wrote into {@link #dir()}, held or
 * not: every launch writes its arguments to {@code args.<n>} (0 the first), which tests read for
 * the ports the embedded etcd was given ({@link #awaitClientPort}, {@link #awaitPeerPort}), and a
 * held launch waits for {@link #release}. Exists so that a test can act between an etcd's exit and
 * its restart: take its port, start another etcd there.
 *
 * @param dir the directory that holds the script and the launches' files
 */
public record EtcdLaunches(Path dir) {

  private static final String CLIENT_PORT = "--listen-client-urls=http://127.0.0.1:";
  private static final String PEER_PORT = "--listen-peer-urls=http://127.0.0.1:";

  /** The client port launch {@code launch} was given, once it has started. */
  public int awaitClientPort(int launch) {
    return awaitPort(launch, CLIENT_PORT);
  }

  /** The peer port launch {@code launch} was given, once it has started. */
  public int awaitPeerPort(int launch) {
    return awaitPort(launch, PEER_PORT);
  }

  /** The port in launch {@code launch}'s argument that starts with {@code prefix}. */
  private int awaitPort(int launch, String prefix) {
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
