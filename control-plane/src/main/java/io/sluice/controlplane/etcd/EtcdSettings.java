package io.sluice.controlplane.etcd;

import io.sluice.etcd.EtcdAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the control plane reaches etcd ({@code sluice.etcd.*}). Without endpoints the control plane
 * starts a local etcd of its own (see {@link EmbeddedEtcd}).
 *
 * @param endpoints etcd client URLs, e.g. {@code http://127.0.0.1:2379}, read as the agents read
 *     {@code sluice.etcd.endpoints}: {@code scheme://host:port}, {@code http} or {@code https} in
 *     any case (kept in lower case), a host name may have {@code _} (docker-compose's {@code
 *     etcd_1}, see {@link EtcdAddress}); no credentials, path, query or fragment. Empty for
 *     embedded mode
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
            : endpoints.stream()
                .map(String::trim)
                .filter(e -> !e.isEmpty())
                .map(EtcdSettings::checkedEndpoint)
                .toList();
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
   * The gRPC target for jetcd's {@code ClientBuilder.target}: jetcd's {@code endpoints(...)} takes
   * no host with {@code _}.
   *
   * @param endpoints checked endpoints: these settings' or the embedded etcd's
   */
  static String grpcTarget(List<String> endpoints) {
    return EtcdAddress.grpcTarget(
        endpoints.stream().map(endpoint -> EtcdAddress.of(URI.create(endpoint))).toList());
  }

  /**
   * {@code endpoint} as the control plane keeps it, {@code scheme://host:port} with the scheme in
   * lower case; refused with a message naming the value (its password hidden) and what is wrong.
   */
  private static String checkedEndpoint(String endpoint) {
    URI url;
    try {
      url = new URI(endpoint);
    } catch (URISyntaxException e) {
      throw refused(endpoint, "is not a URL (" + e.getReason() + ")");
    }
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw refused(endpoint, "is not an http:// or https:// URL");
    }
    String authority = url.getRawAuthority();
    if (authority != null && authority.indexOf('@') >= 0) {
      throw refused(
          endpoint,
          "has credentials, which do not belong in an endpoint URL; set sluice.etcd.user and"
              + " sluice.etcd.password");
    }
    String path = url.getRawPath();
    if ((path != null && !path.isEmpty() && !path.equals("/"))
        || url.getRawQuery() != null
        || url.getRawFragment() != null) {
      throw refused(
          endpoint,
          "has a path, query or fragment, which would be ignored; an endpoint is"
              + " scheme://host:port");
    }
    EtcdAddress address = EtcdAddress.of(url);
    if (address == null || address.port() < 1) {
      throw refused(endpoint, "needs a host and a port, e.g. http://127.0.0.1:2379");
    }
    if (!address.isHostName()) {
      throw refused(endpoint, "has '" + address.host() + "', which is not a host name");
    }
    if (address.port() > 65535) {
      throw refused(endpoint, "has a port outside 1 to 65535");
    }
    if (scheme.equals("https") && !address.isTlsHostName()) {
      throw refused(
          endpoint,
          "names a host TLS cannot check etcd's certificate against: the JDK refuses '"
              + address.host()
              + "' as a DNS name ("
              + (address.host().indexOf('_') >= 0 ? "the '_'" : "not a DNS name")
              + "); use a host name without '_' or an IP address");
    }
    return scheme + "://" + authority;
  }

  private static IllegalArgumentException refused(String endpoint, String problem) {
    return new IllegalArgumentException(
        "sluice.etcd.endpoints: '" + EtcdAddress.withoutPasswords(endpoint) + "' " + problem);
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
