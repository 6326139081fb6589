package io.sluice.sdk.config;

import io.sluice.etcd.EtcdEndpoints;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How each setting of a {@link SluiceConfig} was given, recorded when the configuration was made
 * ({@link SluiceConfig#settingNames()}), so that what reads the configuration later ({@link
 * ConfiguredRules}, {@link EtcdClientFactory}) names a setting as the user gave it ({@code
 * environment variable SLUICE_STATE_DIR}) without being handed the lookup again. Names only, no
 * values: a configuration carries no lookup that could read a secret later, and two recordings of
 * the same names are equal.
 */
final class RecordedNames implements ConfigLookup {

  /** The settings whose names are recorded: every key, and the TLS settings as a whole. */
  private static final List<String> RECORDED = recorded();

  private final Map<String, String> origins;
  private final Map<String, String> missing;

  private RecordedNames(Map<String, String> origins, Map<String, String> missing) {
    this.origins = origins;
    this.missing = missing;
  }

  /**
   * The names {@code names} gives, the settings in {@code givenInCode} named by the builder method
   * that set them ({@link NamesInCode#BUILDER}) instead; {@code names} itself when nothing is to be
   * recorded (names given in code, already recorded, or every setting given to the builder).
   */
  static ConfigLookup of(ConfigLookup names, Set<String> givenInCode) {
    Objects.requireNonNull(names, "names");
    if (names == NamesInCode.BUILDER
        || (givenInCode.isEmpty()
            && (names instanceof NamesInCode || names instanceof RecordedNames))) {
      return names;
    }
    Map<String, String> origins = new HashMap<>();
    Map<String, String> missing = new HashMap<>();
    for (String key : RECORDED) {
      ConfigLookup from = givenInCode.contains(key) ? NamesInCode.BUILDER : names;
      origins.put(key, from.origin(key));
      missing.put(key, from.missing(key));
    }
    return new RecordedNames(Map.copyOf(origins), Map.copyOf(missing));
  }

  /** The settings {@link SluiceConfig.Builder#tls} gives: each TLS key, and all of them. */
  static List<String> tlsSettings() {
    return List.of(
        EtcdEndpoints.SettingNames.KEYS.tlsSettings(),
        ConfigKeys.ETCD_TLS_ENABLED,
        ConfigKeys.ETCD_TLS_CA_FILE,
        ConfigKeys.ETCD_TLS_CERT_FILE,
        ConfigKeys.ETCD_TLS_KEY_FILE,
        ConfigKeys.ETCD_TLS_KEY_PASSWORD,
        ConfigKeys.ETCD_TLS_AUTHORITY);
  }

  private static List<String> recorded() {
    List<String> keys = new ArrayList<>(ConfigKeys.ALL);
    keys.add(EtcdEndpoints.SettingNames.KEYS.tlsSettings());
    return List.copyOf(keys);
  }

  /** Nothing is read: the values are the configuration's. */
  @Override
  public String value(String key) {
    return null;
  }

  @Override
  public String origin(String key) {
    return origins.getOrDefault(key, key);
  }

  @Override
  public String missing(String key) {
    return missing.getOrDefault(key, key);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RecordedNames names
        && origins.equals(names.origins)
        && missing.equals(names.missing);
  }

  @Override
  public int hashCode() {
    return Objects.hash(origins, missing);
  }

  @Override
  public String toString() {
    return "RecordedNames" + origins;
  }
}
