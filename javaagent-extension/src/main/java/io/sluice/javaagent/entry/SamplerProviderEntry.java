package io.sluice.javaagent.entry;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSamplerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.logging.Logger;

/**
 * The agent's sampler SPI for {@code otel.traces.sampler=sluice}: hands over to {@code
 * io.sluice.javaagent.SluiceSamplerProvider} in the {@link RuntimeLoader}.
 */
public final class SamplerProviderEntry implements ConfigurableSamplerProvider {

  private static final Logger logger = Logger.getLogger(SamplerProviderEntry.class.getName());

  /** The sampler's name; the runtime's provider has the same. */
  public static final String NAME = "sluice";

  static final String RUNTIME_CLASS = "io.sluice.javaagent.SluiceSamplerProvider";

  @Override
  public Sampler createSampler(ConfigProperties config) {
    ConfigurableSamplerProvider runtime;
    try {
      runtime = RuntimeLoader.instance().create(RUNTIME_CLASS, ConfigurableSamplerProvider.class);
    } catch (RuntimeException | LinkageError e) {
      RuntimeLoadWarning.SHARED.warn(
          logger, "the sampler is parentbased_always_on, the agent's default", e);
      return Sampler.parentBased(Sampler.alwaysOn());
    }
    return runtime.createSampler(config); // guards itself
  }

  @Override
  public String getName() {
    return NAME;
  }
}
