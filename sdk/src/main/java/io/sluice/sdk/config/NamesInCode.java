package io.sluice.sdk.config;

import java.util.Map;

/**
 * How a message names a setting given in code: by the builder method that set it ({@code
 * builder().namespace(…)=/a b: …}) or the public constructor's parameter ({@code new
 * SluiceConfig(…, namespace, …)=/a b: …}), not by its configuration key ({@code
 * sluice.etcd.namespace}), which a caller of the method or constructor never wrote and would look
 * for in vain. Settings read from properties or the environment keep their keys ({@link
 * ConfigLookup}).
 */
final class NamesInCode implements ConfigLookup, SettingsGivenInCode {

  /** How a message names the endpoints given to {@link SluiceConfig.Builder#addEtcdEndpoint}. */
  static final String BUILDER_ETCD_ENDPOINTS = "builder().addEtcdEndpoint(…)";

  /** Settings given through {@link SluiceConfig#builder()}. */
  static final NamesInCode BUILDER =
      new NamesInCode(
          Map.ofEntries(
              Map.entry(ConfigKeys.ETCD_ENDPOINTS, BUILDER_ETCD_ENDPOINTS),
              Map.entry(ConfigKeys.ETCD_NAMESPACE, "builder().namespace(…)"),
              Map.entry(ConfigKeys.ETCD_USER, "builder().etcdCredentials(user, …)"),
              Map.entry(ConfigKeys.ETCD_PASSWORD, "builder().etcdCredentials(…, password)"),
              Map.entry(ConfigKeys.ETCD_TLS_ENABLED, "builder().tls(…)"),
              Map.entry(ConfigKeys.ETCD_TLS_CA_FILE, "builder().tls(…).caFile()"),
              Map.entry(ConfigKeys.ETCD_TLS_CERT_FILE, "builder().tls(…).certFile()"),
              Map.entry(ConfigKeys.ETCD_TLS_KEY_FILE, "builder().tls(…).keyFile()"),
              Map.entry(ConfigKeys.ETCD_TLS_KEY_PASSWORD, "builder().tls(…).keyPassword()"),
              Map.entry(ConfigKeys.ETCD_TLS_AUTHORITY, "builder().tls(…).authority()"),
              Map.entry(ConfigKeys.RULES_FILE, "builder().rulesFile(…)"),
              Map.entry(ConfigKeys.STATE_DIR, "builder().stateDir(…)"),
              Map.entry(ConfigKeys.SERVICE_NAME, "builder().serviceName(…)")),
          "builder().etcdCredentials(user, password)",
          "builder().tls(…)");

  /** Settings given to the public {@link SluiceConfig} constructor. */
  static final NamesInCode CONSTRUCTOR =
      new NamesInCode(
          Map.ofEntries(
              Map.entry(ConfigKeys.ETCD_ENDPOINTS, "new SluiceConfig(etcdEndpoints, …)"),
              Map.entry(ConfigKeys.ETCD_NAMESPACE, "new SluiceConfig(…, namespace, …)"),
              Map.entry(ConfigKeys.ETCD_USER, "new SluiceConfig(…, etcdUser, …)"),
              Map.entry(ConfigKeys.ETCD_PASSWORD, "new SluiceConfig(…, etcdPassword, …)"),
              Map.entry(ConfigKeys.ETCD_TLS_ENABLED, "new SluiceConfig(…, tls, …)"),
              Map.entry(ConfigKeys.ETCD_TLS_CA_FILE, "new SluiceConfig(…, tls, …).caFile()"),
              Map.entry(ConfigKeys.ETCD_TLS_CERT_FILE, "new SluiceConfig(…, tls, …).certFile()"),
              Map.entry(ConfigKeys.ETCD_TLS_KEY_FILE, "new SluiceConfig(…, tls, …).keyFile()"),
              Map.entry(
                  ConfigKeys.ETCD_TLS_KEY_PASSWORD, "new SluiceConfig(…, tls, …).keyPassword()"),
              Map.entry(ConfigKeys.ETCD_TLS_AUTHORITY, "new SluiceConfig(…, tls, …).authority()"),
              Map.entry(ConfigKeys.RULES_FILE, "new SluiceConfig(…, rulesFile, …)"),
              Map.entry(ConfigKeys.STATE_DIR, "new SluiceConfig(…, stateDir, …)"),
              Map.entry(ConfigKeys.SERVICE_NAME, "new SluiceConfig(…, serviceName)")),
          "new SluiceConfig(…, etcdUser, etcdPassword, …)",
          "new SluiceConfig(…, tls, …)");

  private final Map<String, String> names;
  private final String credentials;
  private final String tlsSettings;

  private NamesInCode(Map<String, String> names, String credentials, String tlsSettings) {
    this.names = names;
    this.credentials = credentials;
    this.tlsSettings = tlsSettings;
  }

  /** Nothing is read: every value was given in code. */
  @Override
  public String value(String key) {
    return null;
  }

  /** The method or parameter that gives {@code key}; the key itself for a key none gives. */
  @Override
  public String origin(String key) {
    return names.getOrDefault(key, key);
  }

  /** As {@link #origin}: a setting that is needed but missing is given by the same code. */
  @Override
  public String missing(String key) {
    return origin(key);
  }

  @Override
  public String credentials() {
    return credentials;
  }

  @Override
  public String tlsSettings() {
    return tlsSettings;
  }
}
