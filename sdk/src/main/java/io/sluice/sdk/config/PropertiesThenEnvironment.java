package io.sluice.sdk.config;

import java.util.Objects;
import java.util.function.Function;

/**
 * System properties, then environment variables: a {@link Function} for the callers of {@link
 * SluiceConfig#propertiesThenEnvironment} as ever, and a {@link ConfigLookup}, so that {@link
 * SluiceConfig#fromProperties(Function)} given one still names a value from the environment by its
 * variable.
 */
final class PropertiesThenEnvironment implements Function<String, String>, ConfigLookup {

  private final Function<String, String> properties;
  private final Function<String, String> environment;

  PropertiesThenEnvironment(
      Function<String, String> properties, Function<String, String> environment) {
    this.properties = Objects.requireNonNull(properties, "properties");
    this.environment = Objects.requireNonNull(environment, "environment");
  }

  /** How a message names an environment variable. */
  static String named(String variable) {
    return "environment variable " + variable;
  }

  /**
   * How a message names a key that is not set: by both names it could be set under, {@code
   * sluice.etcd.user (SLUICE_ETCD_USER)}.
   */
  static String keyAndVariable(String key) {
    return key + " (" + ConfigKeys.environmentVariable(key) + ")";
  }

  @Override
  public String apply(String key) {
    return value(key);
  }

  /**
   * The system property when it sets {@code key} (a blank one does not, but for a password, where
   * spaces only are a value: {@link ConfigKeys#isSet}), else the environment variable.
   */
  @Override
  public String value(String key) {
    String value = properties.apply(key);
    return ConfigKeys.isSet(key, value)
        ? value
        : environment.apply(ConfigKeys.environmentVariable(key));
  }

  /**
   * The key, or the environment variable when the value came from there; an unset (empty) variable
   * is not named as the origin of a default.
   */
  @Override
  public String origin(String key) {
    if (ConfigKeys.isSet(key, properties.apply(key))) {
      return key;
    }
    String variable = ConfigKeys.environmentVariable(key);
    return ConfigKeys.isSet(key, environment.apply(variable)) ? named(variable) : key;
  }

  @Override
  public String missing(String key) {
    return keyAndVariable(key);
  }
}
