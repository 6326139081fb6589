package io.sluice.javaagent;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSamplerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.sluice.javaagent.entry.SamplerProviderEntry;
import io.sluice.sdk.sampling.RuleSampler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code sluice} sampler ({@code otel.traces.sampler=sluice}, the default with this extension):
 * decides by the rules in force, which change live without a restart. The agent reaches it through
 * {@link SamplerProviderEntry}.
 */
public final class SluiceSamplerProvider implements ConfigurableSamplerProvider {

  static final String NAME = SamplerProviderEntry.NAME;

  private static final Logger logger = Logger.getLogger(SluiceSamplerProvider.class.getName());

  @Override
  public Sampler createSampler(ConfigProperties config) {
    try {
      SluiceAgent.instance().configure(config);
      return RuleSampler.create(SluiceAgent.instance().rules());
    } catch (RuntimeException | LinkageError e) {
      logger.log(
          Level.WARNING,
          "Sluice could not create its sampler; using parentbased_always_on, the agent's default",
          e);
      return Sampler.parentBased(Sampler.alwaysOn());
    }
  }

  @Override
  public String getName() {
    return NAME;
  }
}
