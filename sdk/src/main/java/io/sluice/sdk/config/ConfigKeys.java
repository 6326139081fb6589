package io.sluice.sdk.config;

import java.util.List;
import java.util.Locale;

/**
 * The configuration keys of the agent (a contract: see ARCHITECTURE.md). Each is read as a system
 * property or, failing that, as the environment variable spelled in upper case with {@code _} for
 * {@code .} and {@code -} ({@code sluice.etcd.tls.ca-file} → {@code SLUICE_ETCD_TLS_CA_FILE}).
 */
public final class ConfigKeys {

  /** Comma-separated etcd URLs. */
  public static final String ETCD_ENDPOINTS = "sluice.etcd.endpoints";

  /** Key prefix in etcd, default {@code /sluice}. */
  public static final String ETCD_NAMESPACE = "sluice.etcd.namespace";

  /** etcd user name. */
  public static final String ETCD_USER = "sluice.etcd.user";

  /** etcd password. */
  public static final String ETCD_PASSWORD = "sluice.etcd.password";

  /**
   * Turns TLS on with the JDK's trust store ({@code true}); implied by any other TLS key and by
   * {@code https://} endpoints, so {@code false} together with one of them is refused.
   */
  public static final String ETCD_TLS_ENABLED = "sluice.etcd.tls.enabled";

  /** PEM bundle of CAs to trust. */
  public static final String ETCD_TLS_CA_FILE = "sluice.etcd.tls.ca-file";

  /** PEM client certificate chain (mutual TLS). */
  public static final String ETCD_TLS_CERT_FILE = "sluice.etcd.tls.cert-file";

  /** PEM PKCS#8 private key of the client certificate. */
  public static final String ETCD_TLS_KEY_FILE = "sluice.etcd.tls.key-file";

  /** Password of an encrypted private key. */
  public static final String ETCD_TLS_KEY_PASSWORD = "sluice.etcd.tls.key-password";

  /** Name to verify in the server certificate when it differs from the endpoint's host. */
  public static final String ETCD_TLS_AUTHORITY = "sluice.etcd.tls.authority";

  /** A local rule document, watched for changes. */
  public static final String RULES_FILE = "sluice.rules.file";

  /** Directory of the last-known-good snapshots, default {@code ~/.sluice}. */
  public static final String STATE_DIR = "sluice.state.dir";

  /** The service name, which selects the rule document. */
  public static final String SERVICE_NAME = "otel.service.name";

  /** Every key above, in documentation order. */
  public static final List<String> ALL =
      List.of(
          ETCD_ENDPOINTS,
          ETCD_NAMESPACE,
          ETCD_USER,
          ETCD_PASSWORD,
          ETCD_TLS_ENABLED,
          ETCD_TLS_CA_FILE,
          ETCD_TLS_CERT_FILE,
          ETCD_TLS_KEY_FILE,
          ETCD_TLS_KEY_PASSWORD,
          ETCD_TLS_AUTHORITY,
          RULES_FILE,
          STATE_DIR,
          SERVICE_NAME);

  private ConfigKeys() {}

  /**
   * Whether a value of {@code key} is set when it is not empty, spaces included (a password, which
   * is kept exactly as given), rather than when it is not blank (every other key, whose value is
   * trimmed).
   */
  static boolean keepsSpaces(String key) {
    return key.equals(ETCD_PASSWORD) || key.equals(ETCD_TLS_KEY_PASSWORD);
  }

  /** Whether {@code value} sets {@code key} (see {@link #keepsSpaces}). */
  static boolean isSet(String key, String value) {
    return value != null && (keepsSpaces(key) ? !value.isEmpty() : !value.isBlank());
  }

  /**
   * The environment variable for a key: {@code sluice.etcd.tls.ca-file} → {@code
   * SLUICE_ETCD_TLS_CA_FILE}.
   */
  public static String environmentVariable(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}
