package io.sluice.javaagent.testapp;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The steps an asynchronous call of the app reached, each with the time since the call began and
 * the thread it ran on, so that a call that gets no answer within the app's wait says where it
 * stopped: a step never reached points at the part that left its future uncompleted, a step reached
 * late on a busy thread at a starved machine.
 */
final class CallProgress {
  private final long started = System.nanoTime();
  private final Queue<String> steps = new ConcurrentLinkedQueue<>();

  /** Notes that the call reached {@code step} now, on the current thread. */
  void reached(String step) {
    steps.add(
        step
            + " +"
            + (System.nanoTime() - started) / 1_000_000
            + " ms ["
            + Thread.currentThread().getName()
            + "]");
  }

  @Override
  public String toString() {
    return steps.isEmpty() ? "no step reached" : "reached: " + String.join(", ", steps);
  }
}
