package io.sluice.javaagent.entry;

import io.opentelemetry.javaagent.tooling.bootstrap.BootstrapPackagesBuilder;
import io.opentelemetry.javaagent.tooling.bootstrap.BootstrapPackagesConfigurer;

/**
 * Tells the agent that the bridge package belongs to the bootstrap loader, so class loaders that do
 * not ask their parent first (OSGi, some application servers) still resolve it there instead of
 * failing the advice.
 */
public final class SluiceBootstrapPackages implements BootstrapPackagesConfigurer {

  @Override
  public void configure(BootstrapPackagesBuilder builder) {
    builder.add("io.sluice.javaagent.bridge");
  }
}
