package io.sluice.controlplane.etcd;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Creates the control plane's {@link PrefixWatch}es and keeps them by name, so that {@code
 * /actuator/health} can say of each mirror whether it is in sync with etcd (component {@code
 * watches}), and have every mirror read etcd at once when the embedded etcd runs again. A feature
 * opens its watch in its {@code start()} and closes it in its {@code stop()}; a closed watch is
 * dropped from what health reports (a stopped mirror is no mirror to be in sync), whoever closed
 * it.
 *
 * <p>It is also how the owner of the etcd client stops the watches before the client closes ({@link
 * #close}): a watch whose client is closed under it cannot tell that from a stream etcd ended,
 * takes it for a break and reads the closed client again and again (a WARNING, then a FINE line
 * every few seconds, for as long as its scheduler runs). {@code EtcdConfiguration} has the context
 * close this before the client, whatever a feature's {@code stop()} did.
 */
public final class PrefixWatches implements AutoCloseable {

  private final EtcdGateway etcd;
  private final ScheduledExecutorService scheduler;
  private final PrefixWatch.Backoff backoff;
  private final Map<String, PrefixWatch> watches = new ConcurrentHashMap<>();

  /** Every watch started and not closed yet, replaced ones included: {@link #close} ends them. */
  private final List<PrefixWatch> open = new ArrayList<>();

  private boolean closed;

  PrefixWatches(EtcdGateway etcd, ScheduledExecutorService scheduler) {
    this(etcd, scheduler, PrefixWatch.Backoff.DEFAULT);
  }

  /** What an operator does when etcd refuses the watches (see {@link EtcdGateway}). */
  String notPermittedAction() {
    return etcd.notPermittedAction();
  }

  /**
   * As {@link #PrefixWatches(EtcdGateway, ScheduledExecutorService)}, the watches pausing {@code
   * backoff} after failed reads.
   */
  PrefixWatches(EtcdGateway etcd, ScheduledExecutorService scheduler, PrefixWatch.Backoff backoff) {
    this.etcd = etcd;
    this.scheduler = scheduler;
    this.backoff = backoff;
    // last: the listener is published once every field is set
    etcd.whenEmbeddedRunningAgain(this::readAgainNow);
  }

  /**
   * Starts mirroring {@code prefix} into {@code listener}, in the background.
   *
   * @param name how health names the mirror, e.g. {@code agents}; a later watch of the same name
   *     replaces the earlier one there
   * @throws IllegalStateException once {@link #close closed}: the etcd client is closed
   */
  public PrefixWatch start(String name, String prefix, PrefixWatch.Listener listener) {
    PrefixWatch watch = new PrefixWatch(etcd, prefix, listener, scheduler, backoff);
    synchronized (open) {
      if (closed) {
        throw new IllegalStateException(
            "cannot watch " + prefix + ": the etcd client is closed, and its watches with it");
      }
      open.removeIf(PrefixWatch::isClosed);
      open.add(watch);
    }
    watches.put(name, watch);
    watch.start();
    return watch;
  }

  /**
   * The etcd client is about to close: every watch started here stops for good ({@link
   * PrefixWatch#close}), quietly, and schedules nothing more; {@link #start} refuses new ones. Call
   * it before the client's {@code close()}: jetcd tells every open watch it completed from inside
   * that, which a watch still open would take for a break.
   */
  @Override
  public void close() {
    List<PrefixWatch> closing;
    synchronized (open) {
      closed = true;
      closing = List.copyOf(open);
      open.clear();
    }
    // not holding the lock: a watch's close waits for its own lock, which its callbacks hold
    closing.forEach(PrefixWatch::close);
  }

  /**
   * Waits until every watch has read its prefix once, or etcd refused it ({@link
   * PrefixWatch#awaitFirstRead}): at most {@code timeout} for all of them together, not for each.
   *
   * @return the state of each watch whose prefix is not read, by name
   */
  Map<String, PrefixWatch.State> awaitFirstReads(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, PrefixWatch.State> unread = new TreeMap<>();
    for (Map.Entry<String, PrefixWatch> watch : live().entrySet()) {
      Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
      if (!watch.getValue().awaitFirstRead(left)) {
        unread.put(watch.getKey(), watch.getValue().state());
      }
    }
    return unread;
  }

  /**
   * Has every watch etcd refused for the control plane's credentials or permissions read again now,
   * in the background ({@link PrefixWatch#retrySoonIfRefused}, rate-limited): whoever asks about
   * the mirrors sees an operator's fix within a second or two, not up to half a minute later.
   */
  void retrySoonIfRefused() {
    watches.values().forEach(PrefixWatch::retrySoonIfRefused);
  }

  /**
   * The embedded etcd runs again: every watch reads its prefix now ({@link
   * PrefixWatch#readAgainNow}), in the background, so the mirrors follow it at once rather than
   * when their pauses after the outage's failed reads are up.
   */
  private void readAgainNow() {
    watches.values().forEach(PrefixWatch::readAgainNow);
  }

  /** The state of every watch not closed, by name. */
  Map<String, PrefixWatch.State> states() {
    Map<String, PrefixWatch.State> states = new TreeMap<>();
    live().forEach((name, watch) -> states.put(name, watch.state()));
    return states;
  }

  /**
   * The watches not closed, by name. A closed one is dropped from {@link #watches} here, whether
   * its feature or {@link #close} closed it: only if it still holds its name, so a watch that
   * replaced it there stays.
   */
  private Map<String, PrefixWatch> live() {
    Map<String, PrefixWatch> live = new TreeMap<>();
    watches.forEach(
        (name, watch) -> {
          if (watch.isClosed()) {
            watches.remove(name, watch);
          } else {
            live.put(name, watch);
          }
        });
    return live;
  }
}
