package io.sluice.javaagent.fakeagent;

/** The agent's factory before its logging starts (and with {@code otel.javaagent.logging=none}). */
public final class NoopLoggerFactory implements InternalLogger.Factory {

  public static final InternalLogger.Factory INSTANCE = new NoopLoggerFactory();

  private NoopLoggerFactory() {}

  @Override
  public InternalLogger create(String name) {
    return new InternalLogger() {
      @Override
      public boolean isLoggable(Level level) {
        return false;
      }

      @Override
      public void log(Level level, String message, Throwable error) {}

      @Override
      public String name() {
        return name;
      }
    };
  }
}
