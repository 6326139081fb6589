package io.sluice.javaagent;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * A log handler that holds the thread writing the first line until {@link #release()}, and counts
 * every line: a test makes a second thread fail while the first is still logging, which is where a
 * "logged once" flag set after the line was written lets the second log it too.
 */
public final class HeldFirstLine extends Handler {

  private static final long BOUND_SECONDS = 10;

  private final CountDownLatch firstArrived = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);
  private final AtomicInteger lines = new AtomicInteger();

  @Override
  public void publish(LogRecord record) {
    if (lines.incrementAndGet() == 1) {
      firstArrived.countDown();
      try {
        released.await(BOUND_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Whether the first line arrived (its thread now held) within the bound. */
  public boolean awaitFirst() throws InterruptedException {
    return firstArrived.await(BOUND_SECONDS, TimeUnit.SECONDS);
  }

  /** Lets the first line's thread go on. */
  public void release() {
    released.countDown();
  }

  /** The lines published so far. */
  public int lines() {
    return lines.get();
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    release();
  }
}
