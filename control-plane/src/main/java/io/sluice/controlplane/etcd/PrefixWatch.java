package io.sluice.controlplane.etcd;

import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.sluice.etcd.Causes;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Mirrors every key under a prefix into a {@link Listener}: reads the prefix once (in pages, as one
 * snapshot: {@link EtcdGateway#getPrefix}), then watches it from the revision after that read, so
 * no change between the read and the watch is lost.
 *
 * <p>When the watch breaks (etcd down, the revision compacted away, the stream closed) it starts
 * over with a fresh read after a short, growing pause; the listener then receives a complete {@link
 * Listener#reset} snapshot, which replaces whatever it held. Keys deleted while the watch was down
 * therefore disappear too. Each such retry first has the client reconnect at once ({@link
 * EtcdGateway#reconnectNow}), so this pause, not gRPC's reconnect backoff (up to 2 minutes),
 * decides how soon the mirror is back after a long outage. Watches that break right after they
 * started, in a row, though their reads work (a proxy in front of etcd that refuses or cuts watch
 * streams) are read again at growing intervals, up to {@link Backoff#max()}, and said once in the
 * log; a healthy watch (one that brought events or ran {@link #HEALTHY_WATCH_MS} ms) ends that.
 *
 * <p>A read that fails leaves the mirror out of sync until a read succeeds: {@link #state()} says
 * so, with the reason, for {@code /actuator/health}; the first failure of a streak is logged as a
 * warning, the retries that follow only at FINE, and the recovery again. A refusal of the control
 * plane's credentials (below) is a problem of its own in a streak: each of the two is warned of
 * once, whichever comes first and however often etcd flips between them (down, then back up still
 * refusing).
 *
 * <p>A read etcd refuses for the control plane's credentials or permissions ({@link
 * EtcdRefusedException#notPermitted}) is retried only every {@link #REFUSED_RETRY_MS} ms: it fails
 * the same way until an operator changes etcd's users and roles or the control plane's settings,
 * and every attempt costs etcd a password check and a line in its log. Its warning says so and what
 * to change, also when the streak began as an outage. Someone who needs the mirror meanwhile (a
 * request answered from it, whether it holds an earlier read or nothing yet, a health check: {@link
 * #retrySoonIfRefused}) has it read again at once, in the background, at most once per {@link
 * #REFUSED_NUDGE_MS} ms: the mirror then follows an operator's fix within a second or two instead
 * of up to half a minute later.
 *
 * <p>With the embedded etcd, events that arrive while it does not run ({@link
 * EtcdGateway#embeddedTrouble()}) are dropped, and the prefix is read again, which succeeds only
 * once it runs again: jetcd resumes a broken watch by itself on whatever answers the client port,
 * which may be another etcd that took the port, and the mirror must never show that one's keys. So
 * are events that arrive once it runs again, in a later run than the one the watch was started in
 * ({@link EtcdGateway#embeddedRuns()}): jetcd may have queued them from such a stream before (the
 * read that follows gets its own etcd's keys). Today's jetcd first reports the break ({@link
 * #onBroken}), and the read that follows replaces the watch before jetcd resumes it; this guard
 * does not rely on that order. When the embedded etcd runs again, its {@link PrefixWatches} have
 * every watch read at once ({@link #readAgainNow}), not when the pause after the outage's failed
 * reads is up (up to the longest {@link Backoff}).
 *
 * <p>Callbacks come one at a time, from the watch thread or the given scheduler, never
 * concurrently. Create watches with {@link PrefixWatches}, which health reports on.
 *
 * <p>No call into jetcd's watch client (start a watch, close one) is made while this watch's lock
 * is held. jetcd holds one lock of its own, shared by every watch of the client, while it tells a
 * listener of an error and of the end that follows it ({@link #onBroken}, which takes this watch's
 * lock), and takes it to start or close any watch. A read that replaced a broken watch under this
 * watch's lock, as a compaction has it done at once, deadlocked with jetcd reporting that break:
 * the mirror never read again, every other watch of the client hung with it, and so did the
 * client's close at shutdown.
 */
public final class PrefixWatch implements AutoCloseable {

  /** Receives the mirrored keys. Must not block for long. */
  public interface Listener {
    /** Everything under the prefix as of {@code revision}, replacing all that came before. */
    void reset(Map<String, KeyValue> snapshot, long revision);

    /** A key was created or changed. */
    void put(KeyValue kv);

    /** A key was deleted (or its lease expired) at {@code revision}. */
    void delete(String key, long revision);
  }

  /**
   * Whether the mirror holds what etcd holds.
   *
   * @param revision the revision of the last complete read, 0 before the first
   * @param failure why the latest read failed, or {@code null} when it succeeded (or none finished
   *     yet)
   * @param failedReads reads failed in a row
   * @param notPermitted whether the latest read failed because etcd refused the control plane's
   *     credentials or permissions
   */
  public record State(long revision, String failure, int failedReads, boolean notPermitted) {
    /** A read succeeded and none failed since. */
    public boolean inSync() {
      return revision > 0 && failure == null;
    }
  }

  /**
   * The pauses before reading again after failures in a row: {@code first}, then twice as long each
   * time, up to {@code max}. Tests make them long, to tell a prompt read from a paced one.
   *
   * @param first the pause after the first failure, and after a watch's first quick break
   * @param max the longest pause
   */
  record Backoff(Duration first, Duration max) {
    /** 100 ms, doubling up to 5 s. */
    static final Backoff DEFAULT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));

    Backoff {
      if (first.isNegative() || first.isZero()) {
        throw new IllegalArgumentException("first must be positive: " + first);
      }
      if (max.compareTo(first) < 0) {
        throw new IllegalArgumentException("max must be at least first (" + first + "): " + max);
      }
    }
  }

  private static final Logger LOG = Logger.getLogger(PrefixWatch.class.getName());

  /**
   * How long a watch must have run, unless it brought events, for its break to count as the end of
   * a healthy watch: the prefix is read again after the first pause ({@link Backoff#first()}, 100
   * ms). Watches that break sooner, in a row (a proxy in front of etcd that passes reads but not
   * watches), are read again at growing intervals up to {@link Backoff#max()}, or every break would
   * re-read the whole prefix every 100 ms.
   */
  private static final long HEALTHY_WATCH_MS = 10_000;

  /** Quick breaks in a row after which the log says the watch keeps breaking while reads work. */
  private static final int QUICK_BREAKS_TOLD = 3;

  /** The pause before reading again after etcd refused the control plane's credentials. */
  static final long REFUSED_RETRY_MS = 30_000;

  /**
   * The least time between two reads {@link #retrySoonIfRefused} starts ahead of the refused read's
   * pause: short enough that the mirror follows an operator's fix within a second or two, long
   * enough that frequent probes cost etcd no more than a password check per watch that often.
   */
  static final long REFUSED_NUDGE_MS = 2_000;

  private final EtcdGateway etcd;
  private final String prefix;
  private final Listener listener;
  private final ScheduledExecutorService scheduler;
  private final long firstBackoffMs;
  private final long maxBackoffMs;
  private final CountDownLatch firstRead = new CountDownLatch(1);

  /** Counted down by the first read, or by a refusal of the control plane's credentials before. */
  private final CountDownLatch firstReadOrRefusal = new CountDownLatch(1);

  private volatile State state = new State(0, null, 0, false);

  /** The latest read's refusal of the control plane's credentials or permissions, or null. */
  private volatile EtcdRefusedException refusal;

  /** What to fix, as the latest failed read told it ({@link EtcdUnavailableException#hint}). */
  private volatile String hint;

  private Watch.Watcher watcher;

  /**
   * The next read after a failure, while it has not started: null while a read is under way or the
   * watch runs. Only the latest scheduled retry reads; one it replaced does nothing.
   */
  private ScheduledFuture<?> pendingRetry;

  /** When {@link #retrySoonIfRefused} last started a read (System.nanoTime), if ever. */
  private long lastNudgeNanos;

  private boolean nudged;
  private long generation;
  private long backoffMs;

  /**
   * The embedded etcd's run ({@link EtcdGateway#embeddedRuns()}) the current watch's read was
   * started in: its events are applied only while that run lasts.
   */
  private long run;

  /** When the current watch started (System.nanoTime), and whether it brought events. */
  private long watchStartedNanos;

  private boolean watchDelivered;

  /** Watches in a row that broke before they were healthy; see {@link #HEALTHY_WATCH_MS}. */
  private int quickBreaks;

  /** The generation whose break was last taken, 0 if none: a watch breaks once. */
  private long brokenGeneration;

  /** Set under this watch's lock; volatile so that health asks without waiting for a callback. */
  private volatile boolean closed;

  /**
   * The generation whose events were last dropped because the embedded etcd did not run, 0 if none:
   * each watch says so once and has the prefix read again once.
   */
  private long droppedGeneration;

  /**
   * Whether this streak of failed reads has warned of a refusal, and of any other failure; and
   * whether it has told of a read etcd's compaction overtook, which is no failure of etcd's.
   */
  private boolean refusalTold;

  private boolean failureTold;

  private boolean compactionTold;

  PrefixWatch(
      EtcdGateway etcd, String prefix, Listener listener, ScheduledExecutorService scheduler) {
    this(etcd, prefix, listener, scheduler, Backoff.DEFAULT);
  }

  PrefixWatch(
      EtcdGateway etcd,
      String prefix,
      Listener listener,
      ScheduledExecutorService scheduler,
      Backoff backoff) {
    this.etcd = etcd;
    this.prefix = prefix;
    this.listener = listener;
    this.scheduler = scheduler;
    this.firstBackoffMs = backoff.first().toMillis();
    this.maxBackoffMs = backoff.max().toMillis();
    this.backoffMs = firstBackoffMs;
  }

  /** Whether the mirror is in sync, and why not. */
  public State state() {
    return state;
  }

  /**
   * What to fix when the latest read failed because etcd never answered and the endpoints' scheme
   * is wrong or nothing listens there ({@link EtcdUnavailableException#hint()}); else {@code null}.
   * For the 503 of a request that needs a mirror not read yet, which says it as the API's other
   * 503s and health do. Once etcd has answered any call, {@code null}: the mirror's next read may
   * still be seconds away, and "etcd has not answered since the control plane started" no longer
   * holds.
   */
  public String hint() {
    String latest = hint;
    return latest == null || etcd.answeredOnce() ? null : latest;
  }

  /**
   * Waits until the first read has reached the listener, at most {@code timeout}, or until etcd
   * refused a read for the control plane's credentials or permissions: the next attempt is {@link
   * #REFUSED_RETRY_MS} ms away, so waiting longer could not help, and a start or a request that
   * waited would only be the slower for it.
   *
   * @return whether the first read has reached the listener
   */
  public boolean awaitFirstRead(Duration timeout) {
    try {
      firstReadOrRefusal.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return firstRead.getCount() == 0;
  }

  /**
   * Throws etcd's refusal of the latest read, when etcd refused it for the control plane's
   * credentials or permissions: a request that needs a mirror not read yet answers that (500 {@code
   * etcd-refused}, as every other call etcd so refuses) rather than a 503 that has clients retry
   * what will not work until an operator changes etcd's users and roles. Has the mirror read again
   * first, in the background ({@link #retrySoonIfRefused}), in case the operator just did.
   *
   * @throws EtcdRefusedException etcd's refusal
   */
  public void throwIfRefused() {
    EtcdRefusedException refused = refusal;
    if (refused != null) {
      retrySoonIfRefused();
      throw refused;
    }
  }

  /**
   * For a request answered from the mirror as it stands: when etcd refused its latest read for the
   * control plane's credentials or permissions (the mirror keeps what an earlier read found), has
   * it read again soon ({@link #retrySoonIfRefused}), so that it follows an operator's fix as
   * requests come, as a mirror not read yet does ({@link #throwIfRefused}), not only when health is
   * checked. Never waits for etcd: one volatile read when not refused, else a rate-limited
   * background read.
   */
  public void readSoonIfRefused() {
    if (state.notPermitted()) {
      retrySoonIfRefused();
    }
  }

  /**
   * When etcd refused the latest read for the control plane's credentials or permissions, reads
   * again now instead of when {@link #REFUSED_RETRY_MS} is up, in the background (the caller does
   * not wait for a slow etcd): the operator may have fixed etcd's users or roles meanwhile. At most
   * once per {@link #REFUSED_NUDGE_MS} ms, and not while a read is under way.
   */
  synchronized void retrySoonIfRefused() {
    long now = System.nanoTime();
    if (closed
        || !state.notPermitted()
        || pendingRetry == null
        || (nudged && now - lastNudgeNanos < TimeUnit.MILLISECONDS.toNanos(REFUSED_NUDGE_MS))) {
      return; // not refused, a read under way already, or asked too recently
    }
    nudged = true;
    lastNudgeNanos = now;
    LOG.fine("reading " + prefix + " again now, ahead of the pause after etcd's refusal");
    ScheduledFuture<?> paused = pendingRetry;
    if (retryLater(0)) { // the asker gets its answer either way
      paused.cancel(false);
    }
  }

  /** Starts reading and watching, in the background. */
  public void start() {
    scheduler.execute(this::resync);
  }

  /**
   * The embedded etcd runs again: reads the prefix now, in the background, and watches it from
   * there, rather than when the pause after the outage's failed reads is up (up to {@link
   * Backoff#max()}), or when an event of the stream jetcd resumed comes (dropped: {@link
   * #onEvents}). A watch in sync is read again too: what it watched may have been another etcd.
   */
  synchronized void readAgainNow() {
    if (closed) {
      return;
    }
    LOG.fine("the embedded etcd runs again: reading " + prefix + " again now");
    ScheduledFuture<?> paused = pendingRetry;
    if (retryLater(0) && paused != null) {
      paused.cancel(false);
    }
  }

  /**
   * Reads again after a failure, {@code delayMs} from now, reconnecting at once first. The task
   * takes this lock before it looks at {@link #pendingRetry}, which is set here under it.
   *
   * @return whether a read is scheduled: not once the watch is closed, nor once the scheduler shuts
   *     down with the control plane. Never throws: this may run inside the etcd client's close(),
   *     which has jetcd tell every open watch it completed.
   */
  private synchronized boolean retryLater(long delayMs) {
    if (closed) {
      return false;
    }
    ScheduledFuture<?>[] self = new ScheduledFuture<?>[1];
    try {
      self[0] =
          scheduler.schedule(
              () -> {
                synchronized (this) {
                  if (pendingRetry != self[0]) {
                    return; // replaced by a later retry
                  }
                  pendingRetry = null;
                }
                etcd.reconnectNow();
                resync();
              },
              delayMs,
              TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      return false; // the control plane shuts down: no read to start
    }
    pendingRetry = self[0];
    return true;
  }

  private void resync() {
    long gen;
    Watch.Watcher replaced;
    synchronized (this) {
      if (closed) {
        return;
      }
      // the generation first: jetcd tells the listener it completed from inside close(), on this
      // thread, and that must be ignored as an old watch's, not taken for this one breaking
      gen = ++generation;
      replaced = watcher;
      watcher = null;
    }
    // outside this watch's lock, as every call into jetcd's watch client (see the class note)
    closeQuietly(replaced);
    // before the read: a restart after it makes the watch drop its events and read again
    long readRun = etcd.embeddedRuns();
    try {
      EtcdGateway.Range read = etcd.getPrefix(prefix);
      long revision = read.revision();
      Map<String, KeyValue> snapshot = new LinkedHashMap<>();
      for (KeyValue kv : read.kvs()) {
        snapshot.put(EtcdGateway.text(kv.getKey()), kv);
      }
      synchronized (this) {
        if (closed || gen != generation) {
          return;
        }
        listener.reset(snapshot, revision);
        if (state.failedReads() > 0) {
          LOG.info(
              "read "
                  + prefix
                  + " again after "
                  + state.failedReads()
                  + " failed attempt(s); in sync at revision "
                  + revision);
        }
        state = new State(revision, null, 0, false);
        refusal = null;
        hint = null;
        refusalTold = false;
        failureTold = false;
        compactionTold = false;
        firstRead.countDown();
        firstReadOrRefusal.countDown();
        run = readRun;
        watchStartedNanos = System.nanoTime();
        watchDelivered = false;
        backoffMs = firstBackoffMs;
      }
      // requireLeader: a member cut off from the leader ends the watch instead of going silent
      WatchOption option =
          WatchOption.builder()
              .isPrefix(true)
              .withRevision(revision + 1)
              .withRequireLeader(true)
              .build();
      // started outside this watch's lock (see the class note); its events and its end, which may
      // come before this returns, are this generation's
      Watch.Watcher started =
          etcd.watch()
              .watch(
                  EtcdGateway.bytes(prefix),
                  option,
                  Watch.listener(
                      response -> onEvents(gen, response),
                      error -> onBroken(gen, error),
                      () -> onBroken(gen, null)));
      synchronized (this) {
        if (!closed && gen == generation) {
          watcher = started;
          return;
        }
      }
      // closed, or replaced by a later read, meanwhile
      closeQuietly(started);
    } catch (RuntimeException e) {
      onResyncFailed(gen, e);
    }
  }

  /**
   * Closes a jetcd watch no longer this watch's; never under this watch's lock. Its end, which
   * jetcd reports from inside {@code close()}, is ignored as an earlier generation's.
   */
  private static void closeQuietly(Watch.Watcher replaced) {
    if (replaced != null) {
      replaced.close();
    }
  }

  /**
   * Out of sync until a read (and its hand-over to the listener) succeeds: in a streak, a warning
   * for the first refusal of the control plane's credentials and one for the first other failure,
   * each said once however often etcd flips between the two. A read the control plane's stop
   * cancelled, or refused as the client closes ({@link EtcdUnavailableException#clientClosed()}),
   * or whose wait it interrupted ({@link EtcdUnavailableException#interrupted()}), is no failure of
   * etcd's: said at FINE only, it leaves the streak's warning to etcd's own. A read etcd's
   * compaction overtook each time ({@link EtcdUnavailableException#compacted()}) is etcd answering,
   * no outage: said once a streak at INFO without its stack trace (it was a WARNING with one, as an
   * outage is), and it leaves the streak's warning to a real failure.
   */
  private void onResyncFailed(long gen, RuntimeException error) {
    EtcdRefusedException refused =
        error instanceof EtcdRefusedException e && e.notPermitted() ? e : null;
    boolean notPermitted = refused != null;
    // the stop closing the client under a read, or interrupting the thread that waited for it
    boolean stopping =
        error instanceof EtcdUnavailableException e && (e.clientClosed() || e.interrupted());
    // etcd answered: its compaction overtook the read, which the next one may get through
    boolean compacted = error instanceof EtcdUnavailableException e && e.compacted();
    long delay;
    State failed;
    boolean newlyRefused;
    boolean newlyFailed;
    boolean newlyCompacted;
    synchronized (this) {
      if (closed || gen != generation) {
        return;
      }
      refusal = refused;
      hint = error instanceof EtcdUnavailableException unavailable ? unavailable.hint() : null;
      newlyRefused = notPermitted && !refusalTold;
      newlyFailed = !notPermitted && !stopping && !compacted && !failureTold;
      newlyCompacted = compacted && !compactionTold;
      refusalTold |= notPermitted;
      failureTold |= newlyFailed;
      compactionTold |= newlyCompacted;
      failed = new State(state.revision(), reason(error), state.failedReads() + 1, notPermitted);
      state = failed;
      if (notPermitted) {
        delay = REFUSED_RETRY_MS;
        firstReadOrRefusal.countDown();
      } else {
        delay = backoffMs;
        backoffMs = Math.min(maxBackoffMs, backoffMs * 2);
      }
    }
    String message =
        "could not read "
            + prefix
            + (failed.revision() == 0
                ? " (nothing mirrored yet)"
                : " (the mirror keeps what it held when its watch broke)")
            + ": "
            + failed.failure();
    if (newlyRefused) {
      // etcd's reason and what to change say it all: a stack trace would only bury them
      LOG.warning(
          message
              + ". etcd refused the control plane's credentials or permissions: "
              + etcd.notPermittedAction()
              + ". Trying again every "
              + delay / 1000
              + " s until it works, and at once when a request or a health check needs it (at"
              + " most every "
              + REFUSED_NUDGE_MS / 1000
              + " s), without logging each attempt");
      LOG.log(Level.FINE, "etcd refused the read of " + prefix, error);
    } else if (newlyCompacted) {
      // etcd answered each time: no outage, nothing to fix, so no WARNING and no stack trace
      LOG.info(
          message
              + " (etcd answered: no outage); trying again in "
              + delay
              + " ms, and until it works, without logging each attempt");
      LOG.log(Level.FINE, "etcd compacted away the revision of the read of " + prefix, error);
    } else if (newlyFailed) {
      LOG.log(
          Level.WARNING,
          message
              + "; trying again in "
              + delay
              + " ms, and until it works, without logging each attempt",
          error);
    } else {
      LOG.log(Level.FINE, message + "; trying again in " + delay + " ms", error);
    }
    retryLater(delay);
  }

  /**
   * The failure and its root cause, e.g. the gRPC status, on one line; no stack trace. gRPC words
   * an HTTP answer from a proxy over several lines (its headers and body): only its first is kept,
   * the gateway's message already says what the answer means.
   */
  private static String reason(Throwable error) {
    if (error instanceof EtcdRefusedException) {
      return error.getMessage(); // etcd's status and message already
    }
    Throwable root = Causes.root(error);
    String reason = error.getMessage();
    if (root != error && root.getMessage() != null) {
      String rootMessage = root.getMessage();
      int end = rootMessage.indexOf('\n');
      reason = reason + ": " + (end < 0 ? rootMessage : rootMessage.substring(0, end));
    }
    return reason;
  }

  private synchronized void onEvents(long gen, WatchResponse response) {
    if (closed || gen != generation) {
      return;
    }
    // the trouble first: the supervisor counts a run before it clears the trouble, so a trouble
    // read as cleared comes with the run that cleared it
    String embeddedTrouble = etcd.embeddedTrouble();
    long runs = etcd.embeddedRuns();
    if (embeddedTrouble != null) {
      drop(
          gen,
          response,
          "the embedded etcd is not running ("
              + embeddedTrouble
              + "), so they come from whatever answers on its client port; reading "
              + prefix
              + " again once it runs");
      return;
    }
    if (runs != run) {
      drop(
          gen,
          response,
          "the embedded etcd ran again since the watch started (run "
              + runs
              + ", the watch's "
              + run
              + "), so they may come from whatever answered on its client port meanwhile; reading "
              + prefix
              + " again");
      return;
    }
    watchDelivered = true;
    for (WatchEvent event : response.getEvents()) {
      try {
        KeyValue kv = event.getKeyValue();
        if (event.getEventType() == WatchEvent.EventType.DELETE) {
          listener.delete(EtcdGateway.text(kv.getKey()), kv.getModRevision());
        } else if (event.getEventType() == WatchEvent.EventType.PUT) {
          listener.put(kv);
        }
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a listener of " + prefix + " failed on an event", e);
      }
    }
  }

  /**
   * Drops events that came while the embedded etcd does not run, or in a later run than the
   * watch's: they are from whatever answers (or answered) on its client port, another etcd perhaps.
   * The first of a watch is logged (FINE: health and the read's failure say the outage) and has the
   * prefix read again, which replaces this watch and succeeds once the embedded etcd runs.
   *
   * @param why why they are dropped and what follows
   */
  private void drop(long gen, WatchResponse response, String why) {
    if (droppedGeneration == gen) {
      return; // said once, and the read is on its way
    }
    droppedGeneration = gen;
    LOG.fine(
        "dropped "
            + response.getEvents().size()
            + " event(s) of the watch of "
            + prefix
            + " (and drops any that follow): "
            + why);
    retryLater(0); // none once the control plane shuts down: the events stay dropped
  }

  /**
   * The watch ended: read the prefix again after a pause. Even when etcd refused the stream (its
   * permissions changed since the read), which is etcd answering, this does not end the API's
   * stretch of 503s ({@link EtcdOutageLog}) by itself: the read it schedules (within {@link
   * #MAX_BACKOFF_MS} ms) goes through the gateway, which ends the stretch if etcd serves or refuses
   * it. A stream's end is weaker evidence than that read: jetcd may have resumed the stream on
   * whatever answers the embedded etcd's port while it does not run (another etcd), which the
   * gateway never asks; and a stream answered while calls still miss their deadline would end the
   * stretch only for the next 503 to open another, one WARNING and INFO pair per break.
   *
   * <p>A watch breaks once. jetcd reports a watch it gives up on (a compaction, a refusal) twice,
   * its error and then its end: the end, when it came before the read that follows had replaced the
   * watch (a busy scheduler), was a second break, which put that read off by a pause and counted as
   * a quick break, so that a few compactions in a row were warned of as a proxy cutting watch
   * streams. Nor is a compaction a quick break at all: etcd told it through the stream, which
   * works.
   */
  private void onBroken(long gen, Throwable error) {
    boolean compacted = error instanceof CompactedException;
    long delay;
    boolean tellQuickBreaks;
    synchronized (this) {
      if (closed || gen != generation || gen == brokenGeneration) {
        return;
      }
      brokenGeneration = gen;
      boolean healthy =
          compacted
              || watchDelivered
              || System.nanoTime() - watchStartedNanos
                  >= TimeUnit.MILLISECONDS.toNanos(HEALTHY_WATCH_MS);
      quickBreaks = healthy ? 0 : quickBreaks + 1;
      tellQuickBreaks = quickBreaks == QUICK_BREAKS_TOLD;
      // the read that follows each break resets the backoff: quick breaks in a row pace it
      // themselves, the first pause after the first, twice as long after each next one
      long paced =
          quickBreaks == 0
              ? 0
              : Math.min(maxBackoffMs, firstBackoffMs << Math.min(quickBreaks - 1, 10));
      delay = Math.max(backoffMs, paced);
      backoffMs = Math.min(maxBackoffMs, backoffMs * 2);
    }
    if (compacted) {
      LOG.info("watch of " + prefix + " fell behind a compaction; reading it again");
      delay = 0;
    } else if (tellQuickBreaks) {
      LOG.log(
          Level.WARNING,
          "the watch of "
              + prefix
              + " broke "
              + QUICK_BREAKS_TOLD
              + " times in a row right after it started, though its reads work ("
              + (error == null ? "closed by etcd" : reason(error))
              + "): changes are seen only by reading "
              + prefix
              + " again, at longer intervals up to "
              + maxBackoffMs
              + " ms. Does a proxy or gateway in front of etcd refuse or cut its watch streams?");
    } else {
      LOG.log(
          Level.FINE, "watch of " + prefix + " broke; reading it again in " + delay + " ms", error);
    }
    retryLater(delay);
  }

  /**
   * Whether {@link #close} ran: the watch reads and schedules nothing more. One volatile read: it
   * does not wait for a read or an event being applied.
   */
  boolean isClosed() {
    return closed;
  }

  /**
   * Stops for good: no read, no retry, no callback to the listener after this returns. Quiet: the
   * end of its jetcd watch, which jetcd reports from inside this, is not taken for a break. Close
   * every watch before the etcd client ({@link PrefixWatches#close}).
   */
  @Override
  public void close() {
    Watch.Watcher open;
    synchronized (this) {
      closed = true;
      if (pendingRetry != null) {
        pendingRetry.cancel(false);
        pendingRetry = null;
      }
      open = watcher;
      watcher = null;
    }
    // outside the lock (see the class note): a callback after this sees it closed and does nothing
    closeQuietly(open);
  }
}
