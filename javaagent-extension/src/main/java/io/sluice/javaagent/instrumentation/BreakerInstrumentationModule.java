package io.sluice.javaagent.instrumentation;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.List;

/**
 * A module of the circuit breakers, whose advice calls the bootstrap bridge ({@code
 * io.sluice.javaagent.bridge}): it weaves its advice in only when the bridge is in place. Where it
 * could not be put on the bootstrap path (no temporary directory to write it to, say) or Sluice's
 * configuration never ran, the advice would still be woven in, and every guarded call and pool
 * lease would throw and swallow a {@code NoClassDefFoundError} for it, for the life of the JVM.
 * Gated here rather than by {@code defaultEnabled}, which a module enabled by name overrides. The
 * agent asks for the modules' instrumentations after its SDK is configured, which is when Sluice
 * puts the bridge in place ({@link #bridgeInPlace}).
 */
public abstract class BreakerInstrumentationModule extends InstrumentationModule {

  private static volatile boolean bridgeInPlace;

  protected BreakerInstrumentationModule(
      String mainInstrumentationName, String... additionalInstrumentationNames) {
    super(mainInstrumentationName, additionalInstrumentationNames);
  }

  /** Says whether the bridge is on the bootstrap path; until said, no breaker advice is woven. */
  public static void bridgeInPlace(boolean inPlace) {
    bridgeInPlace = inPlace;
  }

  @Override
  public final List<TypeInstrumentation> typeInstrumentations() {
    return bridgeInPlace ? breakerInstrumentations() : List.of();
  }

  /** The module's instrumentations, woven in when the bridge is in place. */
  protected abstract List<TypeInstrumentation> breakerInstrumentations();
}
