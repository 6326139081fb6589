package io.sluice.javaagent;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.sluice.sdk.config.ConfigKeys;
import io.sluice.sdk.config.ConfigLookup;
import java.util.function.Function;

/**
 * Sluice's settings as the agent reads them from OpenTelemetry's merged configuration, each named
 * where it was set ({@link ConfigLookup#withOrigins}); the service name is the one the agent names
 * its resource by ({@link SluiceAgent#serviceName}), and one taken from {@code
 * otel.resource.attributes} is named there: {@code environment variable OTEL_RESOURCE_ATTRIBUTES
 * entry service.name=team/orders}, not {@code otel.service.name=team/orders}, which the user never
 * set.
 */
final class AgentConfigLookup implements ConfigLookup {

  static final String RESOURCE_ATTRIBUTES = "otel.resource.attributes";

  private final ConfigProperties properties;
  private final ConfigLookup merged;

  /**
   * @param serviceName the service name read from {@code properties} ({@link
   *     SluiceAgent#serviceName})
   * @param systemProperties the JVM's system properties ({@code System::getProperty} but in tests)
   * @param environment the environment ({@code System::getenv} but in tests)
   */
  AgentConfigLookup(
      ConfigProperties properties,
      String serviceName,
      Function<String, String> systemProperties,
      Function<String, String> environment) {
    this.properties = properties;
    this.merged =
        ConfigLookup.withOrigins(
            key -> key.equals(ConfigKeys.SERVICE_NAME) ? serviceName : properties.getString(key),
            systemProperties,
            environment);
  }

  @Override
  public String value(String key) {
    return merged.value(key);
  }

  @Override
  public String origin(String key) {
    if (key.equals(ConfigKeys.SERVICE_NAME)
        && merged.value(key) != null
        && blank(properties.getString(ConfigKeys.SERVICE_NAME))) {
      // otel.service.name wins over the resource attributes: without it the name came from them
      return merged.origin(RESOURCE_ATTRIBUTES) + " entry service.name";
    }
    return merged.origin(key);
  }

  @Override
  public String missing(String key) {
    return merged.missing(key);
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }
}
