package io.sluice.javaagent.fakeagent;

/**
 * The shape of the agent's bootstrap {@code io.opentelemetry.javaagent.bootstrap.InternalLogger}
 * (agent 2.31.1), which unit tests cannot load from the bootstrap class path: {@code
 * BundledLibraryLogsTest} wraps this one's factory as the extension wraps the agent's.
 */
public interface InternalLogger {

  boolean isLoggable(Level level);

  void log(Level level, String message, Throwable error);

  String name();

  /** As the agent's. */
  interface Factory {
    InternalLogger create(String name);
  }

  /** As the agent's, most severe first. */
  enum Level {
    ERROR,
    WARN,
    INFO,
    DEBUG,
    TRACE
  }
}
