package io.sluice.controlplane.web;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Keeps the 503s of reads that etcd's compaction overtook each time to one WARNING a minute: while
 * etcd compacts often under a busy history, a polling browser tab or a retrying script made each of
 * its 503s a WARNING. The first is said at WARNING, the rest within {@link #INTERVAL} at FINE, and
 * the next WARNING after it says how many were not. etcd answered each time, so these are no
 * stretch of an outage ({@code EtcdOutageLog}), which ends only when etcd answers again.
 */
final class CompactedReadLog {

  /** At most one WARNING this often. */
  static final Duration INTERVAL = Duration.ofMinutes(1);

  /**
   * Where the log stands, swapped whole so that two 503s at once are each counted or said once.
   *
   * @param warnedAt when the last WARNING was said, on {@link #nanoTime}'s clock
   * @param unsaid 503s logged at FINE since
   * @param warned whether any WARNING was said yet
   */
  private record Said(long warnedAt, long unsaid, boolean warned) {}

  private final AtomicReference<Said> said = new AtomicReference<>(new Said(0, 0, false));

  private final LongSupplier nanoTime;

  private final Logger log;

  /**
   * @param nanoTime the clock the minute is measured on ({@link System#nanoTime()}'s, or a test's)
   * @param log the logger the lines go to: {@link ProblemAdvice}'s, whose name they always had
   */
  CompactedReadLog(LongSupplier nanoTime, Logger log) {
    this.nanoTime = nanoTime;
    this.log = log;
  }

  /**
   * Logs one such 503: at WARNING when none was said in the last {@link #INTERVAL}, else at FINE.
   *
   * @param answer what was answered and why ({@code answering 503 to GET /api/…: …}), made only if
   *     logged
   */
  void answered(Supplier<String> answer) {
    long now = nanoTime.getAsLong();
    Said was;
    Said next;
    boolean warn;
    do {
      was = said.get();
      warn = !was.warned() || now - was.warnedAt() >= INTERVAL.toNanos();
      next = warn ? new Said(now, 0, true) : new Said(was.warnedAt(), was.unsaid() + 1, true);
    } while (!said.compareAndSet(was, next));
    if (!warn) {
      log.fine(() -> answer.get() + " (etcd answered each time: no outage)");
      return;
    }
    long unsaid = was.unsaid();
    log.warning(
        () ->
            answer.get()
                + " (etcd answered each time: no outage; "
                + (unsaid == 0
                    ? ""
                    : unsaid
                        + (unsaid == 1 ? " more such 503 was" : " more such 503s were")
                        + " logged at FINE since the last of these lines; ")
                + "more within a minute are logged at FINE)");
  }
}
