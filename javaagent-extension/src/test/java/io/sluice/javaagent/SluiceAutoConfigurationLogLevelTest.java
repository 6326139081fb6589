package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The level {@link SluiceAutoConfiguration} gives the agent's logger for the libraries it bundles
 * ({@code io.sluice.shaded}): errors only, unless the app set the level itself.
 */
class SluiceAutoConfigurationLogLevelTest {

  private static final String PROPERTY =
      "io.opentelemetry.javaagent.slf4j.simpleLogger.log.io.sluice.shaded";

  private String before;

  @BeforeEach
  void clearTheLevel() {
    before = System.clearProperty(PROPERTY);
  }

  @AfterEach
  void restoreTheLevel() {
    if (before == null) {
      System.clearProperty(PROPERTY);
    } else {
      System.setProperty(PROPERTY, before);
    }
  }

  @Test
  void theBundledLibrariesLogErrorsOnlyByDefault() {
    new SluiceAutoConfiguration().customize(customizer());

    assertThat(System.getProperty(PROPERTY)).isEqualTo("error");
    assertThat(SluiceAutoConfiguration.LIBRARY_LOG_LEVEL_PROPERTY).isEqualTo(PROPERTY);
  }

  @Test
  void aLevelTheAppSetIsKept() {
    System.setProperty(PROPERTY, "debug");

    new SluiceAutoConfiguration().customize(customizer());

    assertThat(System.getProperty(PROPERTY)).isEqualTo("debug");
  }

  /** A customizer that takes everything and does nothing with it. */
  private static AutoConfigurationCustomizer customizer() {
    return (AutoConfigurationCustomizer)
        Proxy.newProxyInstance(
            SluiceAutoConfigurationLogLevelTest.class.getClassLoader(),
            new Class<?>[] {AutoConfigurationCustomizer.class},
            (proxy, method, args) -> method.getReturnType().isInstance(proxy) ? proxy : null);
  }
}
