package io.sluice.sdk.config;

import java.util.Map;

/**
 * How a message names a setting given to the public {@link SluiceConfig} constructor: by its
 * parameter ({@code new SluiceConfig(…, namespace, …)=/a b: …}), not by its configuration key
 * ({@code sluice.etcd.namespace}), which a caller of the constructor never wrote. As {@link
 * BuilderMethods} does for the builder.
 */
final class ConstructorParameters implements ConfigLookup, SettingsGivenInCode {

  static final ConstructorParameters INSTANCE = new ConstructorParameters();

  private static final Map<String, String> PARAMETERS =
      Map.ofEntries(
          Map.entry(ConfigKeys.ETCD_ENDPOINTS, "new SluiceConfig(etcdEndpoints, …)"),
          Map.entry(ConfigKeys.ETCD_NAMESPACE, "new SluiceConfig(…, namespace, …)"),
          Map.entry(ConfigKeys.ETCD_USER, "new SluiceConfig(…, etcdUser, …)"),
          Map.entry(ConfigKeys.ETCD_PASSWORD, "new SluiceConfig(…, etcdPassword, …)"),
          Map.entry(ConfigKeys.ETCD_TLS_ENABLED, "new SluiceConfig(…, tls, …)"),
          Map.entry(ConfigKeys.ETCD_TLS_CA_FILE, "new SluiceConfig(…, tls, …).caFile()"),
          Map.entry(ConfigKeys.ETCD_TLS_CERT_FILE, "new SluiceConfig(…, tls, …).certFile()"),
          Map.entry(ConfigKeys.ETCD_TLS_KEY_FILE, "new SluiceConfig(…, tls, …).keyFile()"),
          Map.entry(ConfigKeys.ETCD_TLS_KEY_PASSWORD, "new SluiceConfig(…, tls, …).keyPassword()"),
          Map.entry(ConfigKeys.ETCD_TLS_AUTHORITY, "new SluiceConfig(…, tls, …).authority()"),
          Map.entry(ConfigKeys.RULES_FILE, "new SluiceConfig(…, rulesFile, …)"),
          Map.entry(ConfigKeys.STATE_DIR, "new SluiceConfig(…, stateDir, …)"),
          Map.entry(ConfigKeys.SERVICE_NAME, "new SluiceConfig(…, serviceName)"));

  private ConstructorParameters() {}

  /** Nothing is read: every value was given to the constructor. */
  @Override
  public String value(String key) {
    return null;
  }

  /** The parameter that gives {@code key}; the key itself for a key no parameter gives. */
  @Override
  public String origin(String key) {
    return PARAMETERS.getOrDefault(key, key);
  }

  /** As {@link #origin}: a setting that is needed but missing is given by the same parameter. */
  @Override
  public String missing(String key) {
    return origin(key);
  }

  @Override
  public String credentials() {
    return "new SluiceConfig(…, etcdUser, etcdPassword, …)";
  }

  @Override
  public String tlsSettings() {
    return "new SluiceConfig(…, tls, …)";
  }
}
