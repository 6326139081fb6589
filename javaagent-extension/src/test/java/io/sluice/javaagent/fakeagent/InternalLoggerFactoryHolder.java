package io.sluice.javaagent.fakeagent;

import java.util.concurrent.atomic.AtomicReference;

/** The agent's holder of its one logger factory: swapped from the no-op one once, at its start. */
public final class InternalLoggerFactoryHolder {

  private static final AtomicReference<InternalLogger.Factory> loggerFactory =
      new AtomicReference<>(NoopLoggerFactory.INSTANCE);

  private InternalLoggerFactoryHolder() {}

  /** As the agent's: only the no-op factory is replaced. */
  public static boolean initialize(InternalLogger.Factory factory) {
    return loggerFactory.compareAndSet(NoopLoggerFactory.INSTANCE, factory);
  }

  public static InternalLogger.Factory get() {
    return loggerFactory.get();
  }

  /** For tests: the state before the agent's start. */
  public static void reset() {
    loggerFactory.set(NoopLoggerFactory.INSTANCE);
  }
}
