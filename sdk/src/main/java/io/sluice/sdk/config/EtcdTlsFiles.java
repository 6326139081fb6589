package io.sluice.sdk.config;

import io.netty.handler.ssl.SslContextBuilder;
import io.sluice.etcd.Causes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The PEM files of an {@link EtcdTls}, each read once, and what is wrong with them in the words of
 * whoever configured them.
 *
 * <p>Exists so that the files are checked and made into a TLS context from the same bytes: read
 * once to be checked and once more to be used, a file replaced in between (a certificate rotated
 * while the agent starts) gave a context of other content than the one checked, a CA or key that
 * was never looked at, or a certificate beside the key of another. Made by {@link #read}; {@link
 * #problems()} or {@link #applyTo} then parse what was read, and never touch the files again.
 */
final class EtcdTlsFiles {

  private static final String NO_CERTIFICATE = "holds no PEM certificate that can be used";

  private final EtcdTls tls;
  private final ConfigLookup names;

  /** The content of each file, {@code null} when it is not configured or could not be read. */
  private final byte[] ca;

  private final byte[] cert;
  private final byte[] key;

  /** Why files could not be read, one message per file. */
  private final List<String> unreadable;

  private EtcdTlsFiles(
      EtcdTls tls,
      ConfigLookup names,
      byte[] ca,
      byte[] cert,
      byte[] key,
      List<String> unreadable) {
    this.tls = tls;
    this.names = names;
    this.ca = ca;
    this.cert = cert;
    this.key = key;
    this.unreadable = List.copyOf(unreadable);
  }

  /**
   * Reads {@code tls}'s files, each once; a file that cannot be read is named in {@link
   * #problems()} as {@code names} says ({@code sluice.etcd.tls.ca-file=/x: no such file}, {@code
   * builder().tls(…).caFile()=/x: no such file}).
   */
  static EtcdTlsFiles read(EtcdTls tls, ConfigLookup names) {
    List<String> unreadable = new ArrayList<>();
    byte[] ca = read(names.origin(ConfigKeys.ETCD_TLS_CA_FILE), tls.caFile(), unreadable);
    byte[] cert = null;
    byte[] key = null;
    // a certificate without its key, or a key without its certificate, is refused as such by the
    // configuration's own check ("… needs …"), which names the file: it is read once it has its
    // partner, so that one mistake gives one message
    if (tls.certFile() != null && tls.keyFile() != null) {
      cert = read(names.origin(ConfigKeys.ETCD_TLS_CERT_FILE), tls.certFile(), unreadable);
      key = read(names.origin(ConfigKeys.ETCD_TLS_KEY_FILE), tls.keyFile(), unreadable);
    }
    return new EtcdTlsFiles(tls, names, ca, cert, key, unreadable);
  }

  /**
   * Why each file cannot be used, one message per file, each naming the file's setting; empty when
   * all can. Parses what was read as the client does, so that a configuration refused here is
   * refused in its user's words rather than later, by Netty, which names only the first file.
   */
  List<String> problems() {
    return applyTo(SslContextBuilder.forClient());
  }

  /**
   * Gives {@code ssl} the CA to trust and the client certificate and key, from what was read; the
   * problems as {@link #problems()}, and {@code ssl} is not to be built unless there are none.
   */
  List<String> applyTo(SslContextBuilder ssl) {
    if (!unreadable.isEmpty()) {
      return unreadable;
    }
    List<String> problems = new ArrayList<>();
    // Netty parses each file as it is given, and names none: each is tried on its own, so that
    // every unusable one is named with its setting
    if (ca != null) {
      try {
        ssl.trustManager(new ByteArrayInputStream(ca));
      } catch (IllegalArgumentException e) {
        problems.add(
            names.origin(ConfigKeys.ETCD_TLS_CA_FILE)
                + "="
                + tls.caFile()
                + ": "
                + NO_CERTIFICATE
                + cause(e));
      }
    }
    if (cert != null && key != null) {
      try {
        ssl.keyManager(
            new ByteArrayInputStream(cert), new ByteArrayInputStream(key), tls.keyPassword());
      } catch (IllegalArgumentException e) {
        problems.add(keyManagerProblem(e));
      }
    }
    return problems;
  }

  /**
   * Which of the client certificate and key Netty refused ("Input stream not contain valid
   * certificates." or "... valid private key."), with its setting.
   */
  private String keyManagerProblem(IllegalArgumentException e) {
    String message = String.valueOf(e.getMessage());
    if (message.contains("private key")) {
      return names.origin(ConfigKeys.ETCD_TLS_KEY_FILE)
          + "="
          + tls.keyFile()
          + ": holds no PKCS#8 PEM private key that can be used"
          + (tls.keyPassword() == null
              ? ""
              : " (or " + names.origin(ConfigKeys.ETCD_TLS_KEY_PASSWORD) + " does not decrypt it)")
          + cause(e);
    }
    if (message.contains("certificates")) {
      return names.origin(ConfigKeys.ETCD_TLS_CERT_FILE)
          + "="
          + tls.certFile()
          + ": "
          + NO_CERTIFICATE
          + cause(e);
    }
    return names.origin(ConfigKeys.ETCD_TLS_CERT_FILE)
        + "="
        + tls.certFile()
        + ", "
        + names.origin(ConfigKeys.ETCD_TLS_KEY_FILE)
        + "="
        + tls.keyFile()
        + ": "
        + message;
  }

  /** The reason beneath Netty's message, which says only that the input was refused. */
  private static String cause(IllegalArgumentException e) {
    for (Throwable cause : Causes.of(e.getCause())) {
      if (cause.getMessage() != null) {
        return " (" + cause.getMessage() + ")";
      }
    }
    return "";
  }

  /**
   * The content of {@code file}, or {@code null} with {@code setting=file: why} added when it
   * cannot be read (or is not configured).
   */
  private static byte[] read(String setting, Path file, List<String> problems) {
    if (file == null) {
      return null;
    }
    String why =
        !Files.exists(file)
            ? "no such file"
            : !Files.isRegularFile(file)
                ? "not a regular file"
                : !Files.isReadable(file) ? "not readable by this process" : null;
    if (why == null) {
      try {
        return Files.readAllBytes(file);
      } catch (IOException e) {
        // gone or changed since it was looked at, or the disk failed
        why = "could not be read (" + e + ")";
      }
    }
    problems.add(setting + "=" + file + ": " + why);
    return null;
  }
}
