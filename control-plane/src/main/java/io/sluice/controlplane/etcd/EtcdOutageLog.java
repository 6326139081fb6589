package io.sluice.controlplane.etcd;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Keeps an etcd outage to two lines in the log however many API calls it fails: the API answers
 * every call 503 {@code etcd-unavailable} while etcd is away (or while the embedded etcd's port is
 * taken, or before the mirrors first read etcd), and a polling browser tab or a retrying script
 * made that one WARNING per answer. The first 503 of a stretch is said at WARNING, the rest at
 * FINE, and one INFO line says when etcd answers again and how many 503s were answered meanwhile.
 * Every line is this class's logger's ({@code io.sluice.controlplane.etcd.EtcdOutageLog}), so one
 * name filters them all.
 *
 * <p>A stretch ends when the {@link EtcdGateway} sees etcd answer a call, whichever (an API call, a
 * mirror's read, a health check; an answer that the revision a read was at is compacted away too),
 * or refuse one (its credentials or permissions: etcd is there), so a recovery is logged even when
 * no API call comes after it (a watch stream's end does not: the mirror's read that follows it
 * does, through the gateway); a 503 after that begins a new stretch, with its own WARNING. Except a
 * 503 whose etcd call was sent before etcd answered again: a call still on its way at the recovery
 * that fails after it tells of the outage that just ended, not of a new one (it made one more
 * WARNING and INFO pair). So does a mirror's 503 whose wait for its first read began before ({@code
 * ApiException.etcdWaitBegan()}). It is logged at FINE and opens nothing; a stretch already open
 * counts it. A 503 for a read that etcd's compaction overtook each time ({@link
 * EtcdUnavailableException#compacted()}) never comes here: etcd answered.
 */
public final class EtcdOutageLog {

  private static final Logger LOG = Logger.getLogger(EtcdOutageLog.class.getName());

  /**
   * Where the log stands, swapped whole so that a 503 and a recovery at once never lose one
   * another.
   *
   * @param unavailable 503s answered since etcd last answered; 0 while no stretch is open
   * @param recovered whether a stretch has ended yet
   * @param recoveredAt when the last stretch ended ({@link System#nanoTime()}'s clock)
   */
  private record Stretch(long unavailable, boolean recovered, long recoveredAt) {

    /** Whether a call sent at {@code sentNanos} was on its way when the last stretch ended. */
    boolean sentBeforeTheRecovery(long sentNanos) {
      return recovered && sentNanos - recoveredAt < 0;
    }
  }

  private final AtomicReference<Stretch> stretch = new AtomicReference<>(new Stretch(0, false, 0));

  private final LongSupplier nanoTime;

  /** The control plane's: on {@link System#nanoTime()}, the clock the gateway times calls with. */
  public EtcdOutageLog() {
    this(System::nanoTime);
  }

  /**
   * @param nanoTime the clock of the calls' {@linkplain EtcdUnavailableException#sentNanos() send
   *     times}; a test's own
   */
  public EtcdOutageLog(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** Now, on the clock the calls' send times are on: for a 503 that waited on no etcd call. */
  public long now() {
    return nanoTime.getAsLong();
  }

  /**
   * Logs one 503 {@code etcd-unavailable} answered to an API call: at WARNING when it is the first
   * since etcd last answered, else at FINE.
   *
   * @param answer what was answered and why ({@code answering 503 to GET /api/…: …}), made only if
   *     logged
   * @param sentNanos when the etcd call that failed was sent ({@link
   *     EtcdUnavailableException#sentNanos()}), or {@link #now()} when no call was waited on (a
   *     mirror not read yet)
   */
  public void unavailable(Supplier<String> answer, long sentNanos) {
    Stretch was;
    Stretch counted;
    do {
      was = stretch.get();
      if (was.unavailable() == 0 && was.sentBeforeTheRecovery(sentNanos)) {
        LOG.fine(
            () ->
                answer.get()
                    + " (its call was sent before etcd answered again: no new stretch of 503s)");
        return;
      }
      counted = new Stretch(was.unavailable() + 1, was.recovered(), was.recoveredAt());
    } while (!stretch.compareAndSet(was, counted));
    if (was.unavailable() == 0) {
      LOG.warning(
          () -> answer.get() + " (until etcd answers again, further 503s are logged at FINE)");
    } else {
      LOG.fine(answer);
    }
  }

  /** etcd answered (or refused) a call: ends the stretch, if one is open, with one INFO line. */
  public void etcdAnswered() {
    Stretch was = stretch.get();
    if (was.unavailable() == 0) { // one volatile read on every answered etcd call
      return;
    }
    Stretch ended = new Stretch(0, true, nanoTime.getAsLong());
    while (!stretch.compareAndSet(was, ended)) {
      was = stretch.get();
      if (was.unavailable() == 0) {
        return; // another answer ended it
      }
    }
    long answered = was.unavailable();
    LOG.info(
        () ->
            "etcd answers again; "
                + answered
                + (answered == 1 ? " API call was" : " API calls were")
                + " answered 503 etcd-unavailable meanwhile (the first logged at WARNING, the"
                + " rest at FINE)");
  }
}
