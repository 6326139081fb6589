package io.sluice.sdk.breaker;

import io.github.resilience4j.circuitbreaker.internal.SchedulerFactory;
import io.sluice.sdk.QuietLog;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Starts Resilience4j's automatic OPEN → HALF_OPEN thread from a clean thread, before any breaker
 * needs it.
 *
 * <p>Why: Resilience4j creates that thread (one per JVM, living as long as the JVM) when the first
 * breaker opens, on whatever thread that is: under the agent, an application request thread. A new
 * thread inherits its creator's context class loader and inheritable thread-locals, so in an
 * application server the first web application to open a breaker could never be unloaded on
 * redeploy. Created here, from a thread with no context class loader and no inherited
 * thread-locals, the scheduler thread holds on to nothing of the application's.
 */
final class AutoTransitionThread {

  private static final Logger logger = Logger.getLogger(AutoTransitionThread.class.getName());
  private static final AtomicBoolean started = new AtomicBoolean();

  private AutoTransitionThread() {}

  /** Starts the thread once per JVM (at most a short wait, the first time); never throws. */
  static void prestart() {
    if (!started.compareAndSet(false, true)) {
      return;
    }
    try {
      runDetached(() -> SchedulerFactory.getInstance().getScheduler().execute(() -> {}));
    } catch (RuntimeException | LinkageError e) {
      QuietLog.write(
          logger, Level.FINE, "could not start Resilience4j's scheduler thread early", e);
    }
  }

  /**
   * Runs {@code task} on a new daemon thread without a context class loader and without the
   * caller's inheritable thread-locals, and waits for it (up to a second).
   */
  static void runDetached(Runnable task) {
    Thread thread = new Thread(null, task, "sluice-breaker-init", 0, false);
    thread.setContextClassLoader(null);
    thread.setDaemon(true);
    thread.start();
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
