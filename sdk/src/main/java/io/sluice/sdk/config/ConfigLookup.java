package io.sluice.sdk.config;

import java.util.Objects;
import java.util.function.Function;

/**
 * Reads Sluice's settings ({@link ConfigKeys}) and says where each value was set, so that a refused
 * value is named where the user set it: {@code environment variable SLUICE_ETCD_ENDPOINTS=foo}, not
 * {@code sluice.etcd.endpoints=foo}, which a user who set the variable would look for in vain among
 * the JVM's flags.
 *
 * <p>{@link SluiceConfig#fromProperties(ConfigLookup)} takes one; {@link SluiceConfig#fromSystem()}
 * and {@link SluiceConfig#propertiesThenEnvironment} give one that knows both places, and the
 * javaagent wraps OpenTelemetry's configuration in {@link #withOrigins}.
 *
 * <pre>{@code
 * ConfigLookup lookup = ConfigLookup.withOrigins(otelConfig::getString, System::getProperty,
 *     System::getenv);
 * SluiceConfig config = SluiceConfig.fromProperties(lookup);
 * }</pre>
 */
public interface ConfigLookup {

  /** The value of {@code key}; {@code null} or blank when it is not set. */
  String value(String key);

  /**
   * How a message names the setting of {@code key}: the key itself ({@code sluice.etcd.endpoints})
   * for a system property or a configuration file, {@code environment variable
   * SLUICE_ETCD_ENDPOINTS} for the environment.
   */
  String origin(String key);

  /**
   * How a message names {@code key} when it is not set but needed, by every name it could be given
   * under: {@code sluice.etcd.user (SLUICE_ETCD_USER)} for a lookup that reads the environment too,
   * the key alone by default.
   */
  default String missing(String key) {
    return key;
  }

  /**
   * This lookup, naming {@code key}'s setting {@code origin} instead: for a value that did not come
   * from where this lookup would say (given in code, kept by a fallback), so that a message about
   * it names it where it really came from.
   */
  default ConfigLookup namingAs(String key, String origin) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(origin, "origin");
    ConfigLookup names = this;
    return new ConfigLookup() {
      @Override
      public String value(String k) {
        return names.value(k);
      }

      @Override
      public String origin(String k) {
        return k.equals(key) ? origin : names.origin(k);
      }

      @Override
      public String missing(String k) {
        return names.missing(k);
      }
    };
  }

  /** A lookup whose every value is named by its key (a system property, a configuration file). */
  static ConfigLookup of(Function<String, String> lookup) {
    Objects.requireNonNull(lookup, "lookup");
    if (lookup instanceof ConfigLookup known) {
      return known;
    }
    return new ConfigLookup() {
      @Override
      public String value(String key) {
        return lookup.apply(key);
      }

      @Override
      public String origin(String key) {
        return key;
      }
    };
  }

  /**
   * Names every setting by the {@link SluiceConfig#builder()} method that sets it ({@code
   * builder().rulesFile(…)}, {@code builder().tls(…).caFile()}) and reads no value. A configuration
   * built in code records these names itself ({@link SluiceConfig#settingNames()}), so {@link
   * ConfiguredRules} needs this only to name settings so for a configuration made otherwise.
   */
  static ConfigLookup givenInCode() {
    return NamesInCode.BUILDER;
  }

  /**
   * Asks {@code properties} for the key, then {@code environment} for the key's environment
   * variable ({@link ConfigKeys#environmentVariable}), and names each value where it was found.
   */
  static ConfigLookup propertiesThenEnvironment(
      Function<String, String> properties, Function<String, String> environment) {
    return new PropertiesThenEnvironment(properties, environment);
  }

  /**
   * Values from {@code lookup}, which merged {@code properties} and {@code environment} itself (as
   * OpenTelemetry's configuration does, among other places); a value is named by its environment
   * variable when {@code properties} has none for the key and the variable holds that very value,
   * by its key otherwise.
   */
  static ConfigLookup withOrigins(
      Function<String, String> lookup,
      Function<String, String> properties,
      Function<String, String> environment) {
    Objects.requireNonNull(lookup, "lookup");
    Objects.requireNonNull(properties, "properties");
    Objects.requireNonNull(environment, "environment");
    return new ConfigLookup() {
      @Override
      public String value(String key) {
        return lookup.apply(key);
      }

      @Override
      public String origin(String key) {
        String value = lookup.apply(key);
        if (value == null || ConfigKeys.isSet(key, properties.apply(key))) {
          return key;
        }
        String variable = ConfigKeys.environmentVariable(key);
        String fromEnvironment = environment.apply(variable);
        return fromEnvironment != null && fromEnvironment.strip().equals(value.strip())
            ? PropertiesThenEnvironment.named(variable)
            : key;
      }

      @Override
      public String missing(String key) {
        return PropertiesThenEnvironment.keyAndVariable(key);
      }
    };
  }
}
