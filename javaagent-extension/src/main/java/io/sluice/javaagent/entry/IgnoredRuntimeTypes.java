package io.sluice.javaagent.entry;

import io.opentelemetry.javaagent.extension.ignore.IgnoredTypesBuilder;
import io.opentelemetry.javaagent.extension.ignore.IgnoredTypesConfigurer;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;

/**
 * Keeps the agent's instrumentation away from the classes of the {@link RuntimeLoader}, as the
 * agent keeps it away from those of the extension's own loader: Sluice's etcd client (Netty event
 * loops are executors) must not be traced or matched class by class.
 */
public final class IgnoredRuntimeTypes implements IgnoredTypesConfigurer {

  @Override
  public void configure(IgnoredTypesBuilder builder, ConfigProperties config) {
    builder.ignoreClassLoader(RuntimeLoader.class.getName());
  }
}
