package io.sluice.javaagent.entry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.javaagent.extension.AgentListener;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSamplerProvider;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent calls the entry points, never the runtime classes behind them: a method of the SPI that
 * a runtime class implements (an {@code order()}, a {@code getName()}, a method a later agent adds
 * with a default) is dead unless its entry point declares it too. This keeps the two in step.
 */
class EntryForwardingTest {

  static Stream<Arguments> entries() {
    return Stream.of(
        Arguments.of(
            AgentListenerEntry.class, AgentListenerEntry.RUNTIME_CLASS, AgentListener.class),
        Arguments.of(
            AutoConfigurationEntry.class,
            AutoConfigurationEntry.RUNTIME_CLASS,
            AutoConfigurationCustomizerProvider.class),
        Arguments.of(
            SamplerProviderEntry.class,
            SamplerProviderEntry.RUNTIME_CLASS,
            ConfigurableSamplerProvider.class));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("entries")
  void entryDeclaresEveryMethodOfTheSpiItsRuntimeClassImplements(
      Class<?> entry, String runtimeName, Class<?> spi) throws Exception {
    Class<?> runtime = Class.forName(runtimeName);
    assertThat(spi).isAssignableFrom(entry).isAssignableFrom(runtime);

    int implemented = 0;
    for (Method method : spi.getMethods()) { // the SPI's own and inherited (Ordered#order)
      if (Modifier.isStatic(method.getModifiers())) {
        continue;
      }
      Method inRuntime = runtime.getMethod(method.getName(), method.getParameterTypes());
      if (inRuntime.getDeclaringClass().isInterface()) {
        continue; // the runtime class keeps the SPI's default, as the entry does
      }
      implemented++;
      Method inEntry = entry.getMethod(method.getName(), method.getParameterTypes());
      assertThat(inEntry.getDeclaringClass())
          .as(
              "%s implements %s, which the agent calls on %s only: the entry must forward it",
              runtime.getSimpleName(), method, entry.getSimpleName())
          .isEqualTo(entry);
      if (method.getParameterCount() == 0) {
        // answers such as order() and getName() are constants: the entry's must be the runtime's
        Object fromRuntime = inRuntime.invoke(runtime.getConstructor().newInstance());
        Object fromEntry = inEntry.invoke(entry.getConstructor().newInstance());
        assertThat(fromEntry).as("%s of %s", method.getName(), entry).isEqualTo(fromRuntime);
      }
    }
    assertThat(implemented)
        .as("the runtime class implements the SPI's abstract methods")
        .isPositive();
  }
}
