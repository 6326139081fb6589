package io.sluice.javaagent.entry;

import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import java.util.logging.Logger;

/**
 * The agent's auto-configuration SPI: hands over to {@code
 * io.sluice.javaagent.SluiceAutoConfiguration} in the {@link RuntimeLoader}.
 */
public final class AutoConfigurationEntry implements AutoConfigurationCustomizerProvider {

  private static final Logger logger = Logger.getLogger(AutoConfigurationEntry.class.getName());

  static final String RUNTIME_CLASS = "io.sluice.javaagent.SluiceAutoConfiguration";

  @Override
  public void customize(AutoConfigurationCustomizer customizer) {
    AutoConfigurationCustomizerProvider runtime;
    try {
      runtime =
          RuntimeLoader.instance().create(RUNTIME_CLASS, AutoConfigurationCustomizerProvider.class);
    } catch (RuntimeException | LinkageError e) {
      RuntimeLoadWarning.SHARED.warn(logger, "the app runs without it", e);
      return;
    }
    runtime.customize(customizer); // guards itself
  }
}
