package io.sluice.javaagent;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSamplerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.sluice.sdk.sampling.RuleSampler;

/**
 * The {@code sluice} sampler ({@code otel.traces.sampler=sluice}, the default with this extension):
 * decides by the rules in force, which change live without a restart.
 */
public final class SluiceSamplerProvider implements ConfigurableSamplerProvider {

  static final String NAME = "sluice";

  @Override
  public Sampler createSampler(ConfigProperties config) {
    SluiceAgent.instance().configure(config);
    return RuleSampler.create(SluiceAgent.instance().rules());
  }

  @Override
  public String getName() {
    return NAME;
  }
}
