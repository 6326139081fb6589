package io.sluice.javaagent;

import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.sluice.sdk.propagation.SluicePropagators;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Makes Sluice the agent's default: the {@code sluice} sampler and the {@code
 * tracecontext,baggage,b3multi} propagators, as defaults a user's {@code -D} or environment value
 * still overrides, with a valid W3C {@code traceparent} winning over B3 when both arrive. It is
 * also the earliest hook the agent offers an extension, before any instrumentation is installed, so
 * it puts the bootstrap bridge in place here. The agent reaches it through {@link
 * io.sluice.javaagent.entry.AutoConfigurationEntry}.
 */
public final class SluiceAutoConfiguration implements AutoConfigurationCustomizerProvider {

  /** The defaults Sluice supplies; anything configured explicitly wins. */
  static final Map<String, String> DEFAULTS =
      Map.of(
          "otel.traces.sampler",
          SluiceSamplerProvider.NAME,
          "otel.propagators",
          "tracecontext,baggage,b3multi");

  private static final Logger logger = Logger.getLogger(SluiceAutoConfiguration.class.getName());

  /**
   * The agent's own logger's level for the libraries bundled in the extension (jetcd, gRPC, Netty,
   * relocated under {@code io.sluice.shaded}). They log every failed retry at WARN: two lines every
   * few seconds for as long as etcd is away. Sluice says what matters once, so they log errors
   * only, unless the system property is already set; with {@code
   * otel.javaagent.logging=application} too ({@link BundledLibraryLogs}).
   */
  static final String LIBRARY_LOG_LEVEL_PROPERTY =
      "io.opentelemetry.javaagent.slf4j.simpleLogger.log.io.sluice.shaded";

  @Override
  public void customize(AutoConfigurationCustomizer customizer) {
    try {
      if (System.getProperty(LIBRARY_LOG_LEVEL_PROPERTY) == null) {
        System.setProperty(LIBRARY_LOG_LEVEL_PROPERTY, "error");
      }
      // the agent's simple logger reads that level itself; its application logging does not
      BundledLibraryLogs.holdToTheirLevel();
      SluiceAgent.instance().bridgeInstalled(BootstrapBridgeInstaller.install());
      customizer.addPropertiesSupplier(() -> DEFAULTS);
      // Autoconfigure composes otel.propagators in order and a later one overrides an earlier
      // one on extract, so B3 (or jaeger, xray, ...) listed after tracecontext would beat W3C;
      // Sluice's rule is that a valid traceparent wins.
      // The customizers run later, inside the agent's own start: each guards itself, since an
      // exception there would stop the whole agent, not just Sluice.
      customizer.addPropagatorCustomizer(SluiceAutoConfiguration::withW3cPrecedence);
      customizer.addPropertiesCustomizer(
          config -> {
            SluiceAgent.instance().configure(config);
            return Map.of();
          });
      // the resource as the agent's detectors completed it: a service without a name of its own
      // is selected by the one its spans carry (SluiceAgent never throws)
      customizer.addResourceCustomizer(
          (resource, config) -> {
            SluiceAgent.instance().resourceBuilt(resource);
            return resource;
          });
    } catch (RuntimeException | LinkageError e) {
      logger.log(Level.WARNING, "Sluice could not configure itself; the app runs without it", e);
    }
  }

  private static TextMapPropagator withW3cPrecedence(
      TextMapPropagator propagator, ConfigProperties config) {
    try {
      // with tracecontext listed, a valid traceparent wins over B3 and any other trace format
      // (jaeger, ottrace, xray); without it, traceparent is not read and B3 gets deferral only
      return SluicePropagators.forConfigured(propagator, config.getList("otel.propagators"));
    } catch (RuntimeException | LinkageError e) {
      logger.log(
          Level.WARNING, "Sluice could not give W3C headers precedence over " + propagator, e);
      return propagator;
    }
  }
}
