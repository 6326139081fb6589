package io.sluice.sdk;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A holder listener that is slow on purpose: told of a snapshot, it holds the publishing thread
 * until the test releases it, as a listener doing I/O (a last-known-good save on a slow disk) does.
 * Registered before the listener under test, it opens the moment between a snapshot taking force
 * and that listener being told of it.
 */
public final class HeldListener implements Consumer<ActiveRules>, AutoCloseable {

  private static final Duration BOUND = Duration.ofSeconds(30);

  private final CountDownLatch told = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);

  /** A held listener registered with {@code holder}. */
  public static HeldListener on(ActiveRulesHolder holder) {
    HeldListener listener = new HeldListener();
    holder.addListener(listener);
    return listener;
  }

  @Override
  public void accept(ActiveRules rules) {
    told.countDown();
    try {
      released.await(BOUND.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Publishes {@code rules} to {@code holder} on a new thread and returns once this listener holds
   * that thread: the snapshot is in force, and the listeners registered after this one are not yet
   * told of it.
   */
  public Thread publishAndHold(ActiveRulesHolder holder, ActiveRules rules)
      throws InterruptedException {
    Thread publisher = new Thread(() -> holder.publish(rules), "held-publisher");
    publisher.start();
    if (!told.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the held listener was not told within " + BOUND);
    }
    return publisher;
  }

  /** Lets the publishing thread go on to the other listeners. */
  @Override
  public void close() {
    released.countDown();
  }
}
