package io.sluice.sdk.config;

import java.util.Map;

/**
 * How a message names a setting given in code through {@link SluiceConfig#builder()}: by the
 * builder method that set it ({@code builder().namespace(…)=/a b: …}), not by its configuration key
 * ({@code sluice.etcd.namespace}), which a user who called the method never wrote and would look
 * for in vain. Settings read from properties or the environment keep their keys ({@link
 * ConfigLookup}).
 */
final class BuilderMethods implements ConfigLookup, SettingsGivenInCode {

  /** How a message names the endpoints given to {@link SluiceConfig.Builder#addEtcdEndpoint}. */
  static final String ETCD_ENDPOINTS = "builder().addEtcdEndpoint(…)";

  static final BuilderMethods INSTANCE = new BuilderMethods();

  private static final Map<String, String> METHODS =
      Map.ofEntries(
          Map.entry(ConfigKeys.ETCD_ENDPOINTS, ETCD_ENDPOINTS),
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
          Map.entry(ConfigKeys.SERVICE_NAME, "builder().serviceName(…)"));

  private BuilderMethods() {}

  /** Nothing is read: every value was given to the builder. */
  @Override
  public String value(String key) {
    return null;
  }

  /** The builder method that sets {@code key}; the key itself for a key no method sets. */
  @Override
  public String origin(String key) {
    return METHODS.getOrDefault(key, key);
  }

  /** As {@link #origin}: a setting that is needed but missing is given by the same method. */
  @Override
  public String missing(String key) {
    return origin(key);
  }

  @Override
  public String credentials() {
    return "builder().etcdCredentials(user, password)";
  }

  @Override
  public String tlsSettings() {
    return "builder().tls(…)";
  }
}
