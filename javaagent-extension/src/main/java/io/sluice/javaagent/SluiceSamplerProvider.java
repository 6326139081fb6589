package io.sluice.javaagent;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSamplerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * The {@code sluice} sampler ({@code otel.traces.sampler=sluice}, the default with this extension):
 * decides by the rules in force, which change live without a restart.
 */
public final class SluiceSamplerProvider implements ConfigurableSamplerProvider {

  static final String NAME = "sluice";

  @Override
  public Sampler createSampler(ConfigProperties config) {
    SluiceAgent.instance().configure(config);
    // Until the SDK's rule sampler lands: follow the parent, keep roots.
    return Sampler.parentBased(Sampler.alwaysOn());
  }

  @Override
  public String getName() {
    return NAME;
  }
}
