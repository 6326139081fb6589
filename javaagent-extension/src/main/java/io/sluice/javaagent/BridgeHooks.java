package io.sluice.javaagent;

import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.javaagent.bridge.UnguardedClients;
import io.sluice.javaagent.instrumentation.jdkhttp.JdkHttpAnswers;
import io.sluice.sdk.breaker.CallGuard;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sets the bridge's hooks. Kept apart from every class that runs before the bridge is on the
 * bootstrap path, so no bridge type is resolved too early (resolution failures are permanent).
 */
final class BridgeHooks {

  private static final Logger logger = Logger.getLogger(BridgeHooks.class.getName());

  private BridgeHooks() {}

  /**
   * Has the bridge ask for a status update when the app makes a client Sluice does not guard, so
   * the status names it at once rather than at the next refresh.
   */
  static void askForStatusUpdates(Runnable statusUpdate) {
    UnguardedClients.statusUpdate = statusUpdate;
  }

  /**
   * Connects the breakers to every client, then the JDK client's rejected answers on their own: a
   * runtime without the {@code java.net.http} module (a jlink image, a modular app that does not
   * require it) cannot link {@link JdkHttpAnswers}, and that must cost only the client it lacks.
   * Linked first, it left every other client unguarded.
   */
  static void connect(Supplier<CallGuard> guard) {
    SluiceBridge.starter = new GuardedCallStarter(guard);
    try {
      SluiceBridge.jdkHttp = new JdkHttpAnswers();
    } catch (LinkageError e) {
      boolean missing = ModuleLayer.boot().findModule("java.net.http").isEmpty();
      logger.log(
          missing ? Level.FINE : Level.WARNING,
          (missing
                  ? "no JDK HTTP client in this runtime ("
                  : "Sluice could not link its JDK HTTP client answers (")
              + e
              + "); the other clients are guarded, the JDK client's rejected calls go out",
          e);
    }
  }
}
