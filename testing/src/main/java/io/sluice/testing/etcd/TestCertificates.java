package io.sluice.testing.etcd;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway PKI for tests of TLS to etcd, made with the {@code openssl} command: a CA, a server
 * certificate for {@code 127.0.0.1} and {@code localhost} it signed, a client certificate it
 * signed, and a second, unrelated CA (to show a client that trusts the wrong CA is refused). Keys
 * are EC P-256 in PKCS#8 PEM, the form both etcd and Netty read; certificates are valid for two
 * days.
 *
 * <p>Exists because the JDK has no public API to issue certificates and a test of TLS should use
 * real certificates, not a trust-everything shortcut.
 *
 * @param caCert the CA's certificate (PEM)
 * @param serverCert the server certificate (PEM)
 * @param serverKey the server's private key (PKCS#8 PEM)
 * @param clientCert the client certificate (PEM)
 * @param clientKey the client's private key (PKCS#8 PEM)
 * @param otherCaCert a CA certificate that signed nothing here
 */
public record TestCertificates(
    Path caCert,
    Path serverCert,
    Path serverKey,
    Path clientCert,
    Path clientKey,
    Path otherCaCert) {

  private static final Duration OPENSSL_TIMEOUT = Duration.ofSeconds(30);

  /** The line printed when the {@code openssl} command is missing. */
  static final String MISSING_OPENSSL =
      "openssl not found on PATH: install it (Debian/Ubuntu: sudo apt-get install openssl)"
          + " or run ./test.sh, which installs it for you";

  /** Issues everything into {@code dir}. */
  public static TestCertificates issue(Path dir) {
    try {
      Files.createDirectories(dir);
      Path ca = authority(dir, "ca", "sluice-test-ca");
      Path other = authority(dir, "other-ca", "sluice-unrelated-ca");
      Path server =
          signed(
              dir,
              "server",
              "127.0.0.1",
              "subjectAltName=IP:127.0.0.1,DNS:localhost\n" + "extendedKeyUsage=serverAuth\n");
      Path client = signed(dir, "client", "sluice-client", "extendedKeyUsage=clientAuth\n");
      return new TestCertificates(
          ca, server, dir.resolve("server.key"), client, dir.resolve("client.key"), other);
    } catch (IOException e) {
      throw new UncheckedIOException("could not issue test certificates in " + dir, e);
    }
  }

  private static Path authority(Path dir, String name, String commonName) throws IOException {
    key(dir, name);
    openssl(
        dir,
        "req",
        "-x509",
        "-new",
        "-key",
        name + ".key",
        "-subj",
        "/CN=" + commonName,
        "-days",
        "2",
        "-out",
        name + ".crt");
    return dir.resolve(name + ".crt");
  }

  private static Path signed(Path dir, String name, String commonName, String extensions)
      throws IOException {
    key(dir, name);
    openssl(
        dir,
        "req",
        "-new",
        "-key",
        name + ".key",
        "-subj",
        "/CN=" + commonName,
        "-out",
        name + ".csr");
    Files.writeString(dir.resolve(name + ".ext"), extensions, StandardCharsets.UTF_8);
    openssl(
        dir,
        "x509",
        "-req",
        "-in",
        name + ".csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        name + ".ext",
        "-out",
        name + ".crt");
    return dir.resolve(name + ".crt");
  }

  private static void key(Path dir, String name) {
    openssl(
        dir,
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        name + ".key");
  }

  /** Runs {@code openssl args...} in {@code dir}; package-private for its test. */
  static void openssl(Path dir, String... args) {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    Path output = dir.resolve("openssl-output.txt");
    Process process;
    try {
      // Standard input from /dev/null: should openssl ever prompt (a passphrase, a missing
      // subject), it reads end-of-file and fails instead of waiting for ever. The output goes to
      // a file, read after the bounded wait, so a stuck openssl cannot hang the reading either.
      process =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
    } catch (IOException e) {
      throw new IllegalStateException(MISSING_OPENSSL, e);
    }
    try {
      boolean ended = process.waitFor(OPENSSL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (!ended) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
      if (!ended || process.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command)
                + (ended
                    ? " failed"
                    : " did not finish within " + OPENSSL_TIMEOUT.toSeconds() + " s")
                + ":\n"
                + Files.readString(output, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running openssl", e);
    } finally {
      try {
        Files.deleteIfExists(output);
      } catch (IOException ignored) {
        // a leftover output file beside the certificates is harmless
      }
    }
  }
}
