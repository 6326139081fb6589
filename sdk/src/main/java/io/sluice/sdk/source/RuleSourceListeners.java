package io.sluice.sdk.source;

import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.FatalErrors;
import io.sluice.sdk.QuietLog;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
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
    for (RuleSourceListener listener : listeners) {
      if (closed) {
        return;
      }
      try {
        listener.onApplied(rules);
      } catch (Throwable e) {
        FatalErrors.rethrowIfFatal(e);
        failed(e);
      }
    }
  }

  void withdrawn(RuleRejection withdrawn) {
    for (RuleSourceListener listener : listeners) {
      if (closed) {
        return;
      }
      try {
        listener.onRejectionWithdrawn(withdrawn);
      } catch (Throwable e) {
        FatalErrors.rethrowIfFatal(e);
        failed(e);
      }
    }
  }

  void rejected(RuleRejection rejection) {
    for (RuleSourceListener listener : listeners) {
      if (closed) {
        return;
      }
      try {
        listener.onRejected(rejection);
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
