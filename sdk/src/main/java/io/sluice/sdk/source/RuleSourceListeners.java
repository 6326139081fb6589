package io.sluice.sdk.source;

import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.FatalErrors;
import io.sluice.sdk.QuietLog;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The listeners of one source; one failing listener never stops the others. Once the source is
 * closed, none is told anything more: a listener that held the source's thread over its close()
 * must not be followed by the others hearing of rules the app has stopped.
 */
final class RuleSourceListeners {

  private static final Logger logger = Logger.getLogger(RuleSourceListeners.class.getName());

  private final List<RuleSourceListener> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  void add(RuleSourceListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  void remove(RuleSourceListener listener) {
    listeners.remove(listener);
  }

  /** Tells no listener anything from now on, also of what is being told as this is called. */
  void close() {
    closed = true;
  }

  void applied(ActiveRules rules) {
    tell(listener -> listener.onApplied(rules));
  }

  void withdrawn(RuleRejection withdrawn) {
    tell(listener -> listener.onRejectionWithdrawn(withdrawn));
  }

  void rejected(RuleRejection rejection) {
    tell(listener -> listener.onRejected(rejection));
  }

  /** Tells each listener in turn, until closed; one that fails does not stop the others. */
  private void tell(Consumer<RuleSourceListener> news) {
    for (RuleSourceListener listener : listeners) {
      if (closed) {
        return;
      }
      try {
        news.accept(listener);
      } catch (Throwable e) {
        FatalErrors.rethrowIfFatal(e);
        failed(e);
      }
    }
  }

  /**
   * Says a listener failed. Never throws: a log handler that fails on this line must not keep the
   * listeners after the failed one from being told.
   */
  private static void failed(Throwable e) {
    QuietLog.write(
        logger, Level.WARNING, "a rule source listener failed; the others were still told", e);
  }
}
