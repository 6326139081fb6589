package io.sluice.controlplane.etcd;

import io.sluice.etcd.EtcdAddress;
import io.sluice.etcd.EtcdCredentials;
import io.sluice.etcd.EtcdEndpoints;
import io.sluice.etcd.EtcdEndpoints.TlsSettings;
import io.sluice.etcd.ProxiedEtcdResolverProvider;
import io.sluice.etcd.TemporaryStateDirectory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the control plane reaches etcd ({@code sluice.etcd.*}). Without endpoints the control plane
 * starts a local etcd of its own (see {@link EmbeddedEtcd}).
 *
 * <p>Every setting is checked when the settings are bound, and every problem is listed in one
 * message, so a start that fails names all that must change at once. The endpoints are checked by
 * {@link EtcdEndpoints}, the agents' check of {@code sluice.etcd.endpoints}: both sides accept and
 * refuse the same values, in the same words.
 *
 * @param endpoints etcd client URLs, e.g. {@code http://127.0.0.1:2379}, read as the agents read
 *     {@code sluice.etcd.endpoints}: {@code scheme://host:port}, {@code http} or {@code https} in
 *     any case (kept in lower case), one scheme for all; a host name may have {@code _}
 *     (docker-compose's {@code etcd_1}, see {@link EtcdAddress}), over {@code https} only with
 *     {@code sluice.etcd.tls.authority}; no credentials, path, query or fragment. Empty for
 *     embedded mode
 * @param namespace the key prefix shared with the agents, default {@code /sluice}
 * @param user etcd user, or {@code null}
 * @param password etcd password, or {@code null}
 * @param tls TLS settings, all optional
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
    @DefaultValue("" + DEFAULT_MAX_REQUEST_BYTES) long maxRequestBytes,
    @DefaultValue("1s") Duration healthTimeout) {

  /** The credentials the control plane shows etcd: see {@link EtcdCredentials#of}. */
  public EtcdCredentials credentials() {
    return EtcdCredentials.of(user != null, tls != null && tls.certFile() != null);
  }

  /**
   * How long the etcd client waits before its first retry of a call; its retries are bounded by
   * {@code timeout}, which must be longer.
   */
  static final Duration CLIENT_RETRY_DELAY = Duration.ofMillis(500);

  /** etcd's own default {@code --max-request-bytes}: 1.5 MiB. */
  public static final long DEFAULT_MAX_REQUEST_BYTES = 1_572_864;

  /**
   * Checks every setting.
   *
   * @throws IllegalArgumentException listing every problem, each with the setting and its value
   */
  public EtcdSettings {
    tls = tls == null ? new Tls(null, null, null, null) : tls;
    boolean noEndpoints = endpoints == null || endpoints.stream().allMatch(String::isBlank);
    EtcdEndpoints checked =
        EtcdEndpoints.check(endpoints == null ? List.of() : endpoints, tls.settings());
    List<String> problems = new ArrayList<>(checked.problems());
    endpoints = checked.endpoints().stream().map(URI::toString).toList();
    if (timeout.isNegative() || timeout.isZero()) {
      problems.add("sluice.etcd.timeout must be positive, was " + timeout);
    } else if (timeout.compareTo(CLIENT_RETRY_DELAY) <= 0) {
      // the client's retries are bounded by the timeout: jetcd then fails every call at once
      // ("maxDuration must be > the delay"), the warm-up's first read included, ending the start
      problems.add(
          "sluice.etcd.timeout must be more than "
              + CLIENT_RETRY_DELAY.toMillis()
              + " ms (the etcd client's first retry comes after that), was "
              + timeout);
    }
    if (healthTimeout.isNegative() || healthTimeout.isZero()) {
      problems.add("sluice.etcd.health-timeout must be positive, was " + healthTimeout);
    }
    if (maxRequestBytes <= 0) {
      problems.add("sluice.etcd.max-request-bytes must be positive, was " + maxRequestBytes);
    }
    if ((user == null) != (password == null)) {
      problems.add("sluice.etcd.user and sluice.etcd.password go together: set both or neither");
    }
    problems.addAll(tls.problems());
    if (noEndpoints && tls.configured()) {
      // the embedded etcd speaks plain text: a TLS client would fail every call, at 503s
      problems.add(
          "sluice.etcd.tls.* is set but sluice.etcd.endpoints is not: the embedded etcd the"
              + " control plane starts without endpoints speaks plain text; set the endpoints of"
              + " your TLS etcd, or remove the TLS settings");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "invalid etcd settings:\n  - " + String.join("\n  - ", problems));
    }
  }

  /**
   * The deadline of health's read of etcd, and of reads while health finds etcd unreachable: {@code
   * sluice.etcd.health-timeout}, cut to {@code sluice.etcd.timeout} when longer (a read never waits
   * longer than any other call; a short timeout set before this key existed keeps working with its
   * default).
   */
  public Duration healthDeadline() {
    return healthTimeout.compareTo(timeout) > 0 ? timeout : healthTimeout;
  }

  /** Whether the control plane must start its own etcd. */
  public boolean embedded() {
    return endpoints.isEmpty();
  }

  /**
   * Whether the client speaks TLS to the configured etcd: with {@code https://} endpoints (the
   * JDK's trust store unless a CA file is given), or when a TLS setting is given, as for the
   * agents.
   */
  boolean usesTls() {
    return tls.configured() || (!embedded() && endpoints.get(0).startsWith("https://"));
  }

  /**
   * The gRPC target for jetcd's {@code ClientBuilder.target}, {@code sluice-etcd:///host:port,...}
   * (see {@link ProxiedEtcdResolverProvider}): jetcd's {@code endpoints(...)} takes no host with
   * {@code _}, and its {@code ip:///} target ignores the JVM's proxy settings; this one dials etcd
   * through the HTTP {@code CONNECT} proxy the JVM's {@code ProxySelector} names for {@code
   * https://host:port}, and directly otherwise.
   *
   * @param endpoints checked endpoints: these settings' or the embedded etcd's
   */
  static String grpcTarget(List<String> endpoints) {
    return ProxiedEtcdResolverProvider.target(
        endpoints.stream().map(endpoint -> EtcdAddress.of(URI.create(endpoint))).toList());
  }

  /**
   * TLS settings ({@code sluice.etcd.tls.*}); any of them turns TLS on and needs {@code https://}
   * endpoints.
   *
   * @param caFile the CA bundle that signed the server certificates, or {@code null} for the JDK's
   * @param certFile client certificate (PEM) for mutual TLS, or {@code null}
   * @param keyFile client private key (PKCS#8 PEM) for mutual TLS, or {@code null}
   * @param authority the name to check etcd's certificate for instead of the endpoint's host, or
   *     {@code null}; as the agents' {@code sluice.etcd.tls.authority}, it is needed for a host the
   *     JDK's TLS host name check refuses, such as docker-compose's {@code etcd_1}
   */
  public record Tls(Path caFile, Path certFile, Path keyFile, String authority) {

    /** The settings as bound, a leading {@code ~} or {@code ~/} of a file expanded. */
    public Tls {
      authority = authority == null || authority.isBlank() ? null : authority.strip();
      // as the agents read theirs: ~ is this user's home; one that cannot be, problems() refuses
      Function<String, String> jvm = System.getProperties()::getProperty;
      caFile = SettingPaths.expanded(caFile, jvm, TemporaryStateDirectory::home);
      certFile = SettingPaths.expanded(certFile, jvm, TemporaryStateDirectory::home);
      keyFile = SettingPaths.expanded(keyFile, jvm, TemporaryStateDirectory::home);
    }

    /** Whether any TLS setting is given. */
    boolean configured() {
      return caFile != null || certFile != null || keyFile != null || authority != null;
    }

    /** What the endpoint check needs to know of these settings. */
    TlsSettings settings() {
      if (!configured()) {
        return TlsSettings.NONE;
      }
      return authority == null ? TlsSettings.GIVEN : TlsSettings.GIVEN_WITH_AUTHORITY;
    }

    /** Every problem of these settings, each with the setting and its value. */
    List<String> problems() {
      List<String> problems = new ArrayList<>();
      String caHome = SettingPaths.problem("sluice.etcd.tls.ca-file", caFile);
      String certHome = SettingPaths.problem("sluice.etcd.tls.cert-file", certFile);
      String keyHome = SettingPaths.problem("sluice.etcd.tls.key-file", keyFile);
      for (String home : new String[] {caHome, certHome, keyHome}) {
        if (home != null) {
          problems.add(home);
        }
      }
      if (certFile != null && keyFile == null) {
        problems.add("sluice.etcd.tls.cert-file=" + certFile + " needs sluice.etcd.tls.key-file");
      }
      if (keyFile != null && certFile == null) {
        problems.add("sluice.etcd.tls.key-file=" + keyFile + " needs sluice.etcd.tls.cert-file");
      }
      if (caHome == null && caFile != null && !Files.isReadable(caFile)) {
        problems.add("sluice.etcd.tls.ca-file=" + caFile + ": cannot read the file");
      }
      if (certHome == null && certFile != null && !Files.isReadable(certFile)) {
        problems.add("sluice.etcd.tls.cert-file=" + certFile + ": cannot read the file");
      }
      if (keyHome == null && keyFile != null && !Files.isReadable(keyFile)) {
        problems.add("sluice.etcd.tls.key-file=" + keyFile + ": cannot read the file");
      }
      return problems;
    }
  }
}
