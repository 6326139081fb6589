package io.sluice.controlplane.etcd;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the control plane reaches etcd ({@code sluice.etcd.*}). Without endpoints the control plane
 * starts a local etcd of its own (see {@link EmbeddedEtcd}).
 *
 * @param endpoints etcd client URLs, e.g. {@code http://127.0.0.1:2379}; empty for embedded mode
 * @param namespace the key prefix shared with the agents, default {@code /sluice}
 * @param user etcd user, or {@code null}
 * @param password etcd password, or {@code null}
 * @param tls TLS files, all optional
 * @param timeout the deadline of every etcd call; a call that misses it answers 503
 * @param maxRequestBytes the largest request etcd accepts, its {@code --max-request-bytes} (etcd's
 *     default, 1.5 MiB, unless the cluster was started with another). The control plane measures
 *     every write against it before sending, and refuses a larger one with 413: etcd would refuse
 *     it anyway, on every attempt. The embedded etcd is started with this value.
 */
@ConfigurationProperties("sluice.etcd")
public record EtcdSettings(
    List<String> endpoints,
    @DefaultValue("/sluice") String namespace,
    String user,
    String password,
    Tls tls,
    @DefaultValue("5s") Duration timeout,
    @DefaultValue("" + DEFAULT_MAX_REQUEST_BYTES) long maxRequestBytes) {

  /** etcd's own default {@code --max-request-bytes}: 1.5 MiB. */
  public static final long DEFAULT_MAX_REQUEST_BYTES = 1_572_864;

  public EtcdSettings {
    endpoints =
        endpoints == null
            ? List.of()
            : endpoints.stream().map(String::trim).filter(e -> !e.isEmpty()).toList();
    for (String endpoint : endpoints) {
      if (!endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
        throw new IllegalArgumentException(
            "sluice.etcd.endpoints: '" + endpoint + "' is not an http:// or https:// URL");
      }
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("sluice.etcd.timeout must be positive, was " + timeout);
    }
    if (maxRequestBytes <= 0) {
      throw new IllegalArgumentException(
          "sluice.etcd.max-request-bytes must be positive, was " + maxRequestBytes);
    }
    if ((user == null) != (password == null)) {
      throw new IllegalArgumentException(
          "sluice.etcd.user and sluice.etcd.password go together: set both or neither");
    }
    tls = tls == null ? new Tls(null, null, null) : tls;
  }

  /** Whether the control plane must start its own etcd. */
  public boolean embedded() {
    return endpoints.isEmpty();
  }

  /**
   * TLS files ({@code sluice.etcd.tls.*}).
   *
   * @param caFile the CA bundle that signed the server certificates, or {@code null} for the JDK's
   * @param certFile client certificate (PEM) for mutual TLS, or {@code null}
   * @param keyFile client private key (PKCS#8 PEM) for mutual TLS, or {@code null}
   */
  public record Tls(Path caFile, Path certFile, Path keyFile) {
    public Tls {
      if ((certFile == null) != (keyFile == null)) {
        throw new IllegalArgumentException(
            "sluice.etcd.tls.cert-file and sluice.etcd.tls.key-file go together");
      }
      for (Path file : new Path[] {caFile, certFile, keyFile}) {
        if (file != null && !Files.isReadable(file)) {
          throw new IllegalArgumentException("sluice.etcd.tls: cannot read " + file);
        }
      }
    }

    boolean configured() {
      return caFile != null || certFile != null;
    }
  }
}
