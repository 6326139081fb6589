package io.sluice.sdk.source;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.sluice.etcd.EtcdChannels;
import io.sluice.etcd.EtcdCredentials;
import io.sluice.etcd.EtcdSchemeMismatch;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.EtcdErrors;
import io.sluice.sdk.EtcdFailureLog;
import io.sluice.sdk.QuietLog;
import io.sluice.sdk.RepeatedFailureLine;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps a service's rules in force from etcd: reads the service's document and the {@code _default}
 * document once, then watches both, publishing one {@link ActiveRules} snapshot per change.
 *
 * <h2>Design</h2>
 *
 * <ul>
 *   <li><b>Nothing lost between read and watch.</b> Both keys are read in one transaction, so at
 *       one revision R; the watches start at R + 1. Every event from then on is seen exactly once
 *       (events at or below a key's last seen revision are dropped).
 *   <li><b>One thread does everything.</b> Reads, events, parsing, compiling, publishing and the
 *       last-known-good file all happen on the source's own single thread, in order; jetcd's
 *       callbacks only hand work to it. Nothing ever runs on a request thread.
 *   <li><b>Which document is in force.</b> The service's own valid document; without one, the
 *       {@code _default} document; without that, the built-in defaults. An invalid document changes
 *       nothing (the previous one of that key stays), a delete is an intent (the next one down
 *       takes over), an outage is not (the rules stay). A service named {@code _default} has that
 *       one document, read, watched and told once.
 *   <li><b>Outages.</b> When a watch fails, the source closes it and resumes both watches from the
 *       revisions it has seen, with exponential backoff and jitter, for as long as it runs. jetcd's
 *       own watch retry is not relied on: it gives up silently on some errors and cannot recover
 *       from compaction. A resumed watch replays every event missed during the outage. Each retry
 *       first has gRPC reconnect at once, so this backoff, not gRPC's (up to 2 minutes), decides
 *       how soon etcd is seen again after a long outage.
 *   <li><b>A cut watch is not an outage.</b> A watch that was up and ends is said at FINE and
 *       resumed after the backoff's first wait; only a retry that fails too starts the warnings
 *       below. A proxy that ends idle streams (nginx's default: a minute without data) cuts a quiet
 *       watch that often, and a WARNING and an "answers again" line each time was noise.
 *   <li><b>One warning per problem.</b> A stretch of failed attempts warns once that etcd is
 *       unreachable, once that it refuses this agent's credentials or access, and once that
 *       something that is not etcd (a proxy) answers in its place with an HTTP status, whatever
 *       order they come in and however often etcd flips between them (down, then back up still
 *       refusing); every other attempt is logged at FINE ({@link EtcdFailureLog}, which the status
 *       reporter's writes share). An outage first seen otherwise (a tunnel through a CONNECT proxy
 *       closing as etcd stops) that a proxy in front of etcd then answers for (its 502: etcd
 *       unreachable behind it) is said once more, naming the proxy's answer, the most telling
 *       failure of an outage; so is the proxy the JVM names for etcd no longer being looked up
 *       (which only this warning says). The watches coming up end the stretch with one line, and
 *       the backoff starts again from its minimum: a read that works is not enough, or etcd
 *       answering reads but refusing watches would be warned of anew at every retry. A task of the
 *       source's own that fails (a bug, a log handler that throws) is warned of once per stretch
 *       too, retried from a fresh read, and the watches coming up end that stretch with a line of
 *       its own.
 *   <li><b>A wrong scheme is not an outage.</b> Before etcd first answers, a failure that shows the
 *       endpoints' scheme does not match what etcd speaks is logged as that, in the outage's one
 *       line, when the builder was given the endpoints (see {@code EtcdSchemeMismatch}).
 *   <li><b>Compaction.</b> If etcd compacted past the revision a watch resumes from, the missed
 *       events are gone: the source reads both keys again and watches from the new revision.
 *   <li><b>Starting without etcd.</b> The last-known-good snapshot (when there is one and it is
 *       valid) is put in force before etcd is first asked, so an app restarted while etcd is away
 *       runs its last rules from the start, not after a read times out; the read is retried with
 *       backoff, and the first answer from etcd replaces the snapshot — unless etcd answers behind
 *       the snapshot's revision without its document: etcd lost data, and the snapshot stays in
 *       force as a running source's rules would; or the document the snapshot stands for is there
 *       but rejected: a rejection never changes the rules in force. The snapshot's own document
 *       missing otherwise is a delete, as it would be live: said once, and its rules go.
 *   <li><b>Rejections are told once the rules in force are decided.</b> A rejected document's line
 *       (and listeners' {@code onRejected}) waits for the end of the read or event that found it,
 *       so that it says truly whether the rules in force stay or what they become (a delete or a
 *       valid {@code _default} read with it), before the line of a delete read with it (whose
 *       revision is past its) and the line of the rules applied. When the read a delete asks for
 *       fails, or a task fails partway, they are told then, as staying: nothing changed, and the
 *       next read may be an outage away. A delete event ends its key's rejection at once ({@link
 *       #lastRejection()}), not once the read it asks for works; so does a read that finds the
 *       rejected document missing because etcd lost data, though the rules in force stay.
 *   <li><b>A document is judged once.</b> Its revision is noted as seen before it is compiled, so
 *       no later read or replayed event judges it again; a failure while judging it (a bug, a clock
 *       that throws) is therefore its rejection, naming the failure, not a failed task whose retry
 *       would skip it (see {@code DocumentVerdict}).
 * </ul>
 *
 * <p>Build with {@link #builder}; the jetcd {@link Client} is the caller's to close.
 */
public final class EtcdRuleSource implements RuleSource {

  private static final Logger logger = Logger.getLogger(EtcdRuleSource.class.getName());

  /**
   * How long {@link #close()} waits for the source's thread before abandoning it. An idle thread
   * ends at once; a busy one (a read waiting on a silent etcd, a last-known-good save on a slow
   * disk) has nothing to finish that matters more than the app's exit, which runs this: a save cut
   * short leaves the previous snapshot in place.
   */
  static final Duration CLOSE_TIMEOUT = Duration.ofMillis(250);

  private final Client client;
  private final ActiveRulesHolder holder;
  private final String service;
  private final LastKnownGoodStore lastKnownGood;

  /** Whether {@link #start()} puts the stored rules in force before etcd's first read. */
  private final boolean lastKnownGoodAtStart;

  private final Duration callTimeout;
  private final Clock clock;

  /**
   * The keys read and watched: the service's and {@code _default}'s, or for a service named {@code
   * _default} its one document.
   */
  private final RuleSlots slots;

  /** Says the failed reads and watches, once per problem per stretch of failures. */
  private final EtcdFailureLog failures;

  private final RuleSourceListeners listeners = new RuleSourceListeners();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  // close() gave up waiting for the thread: whatever it goes on to save lands after close()
  // returned, maybe after the save of the source that replaced this one
  private volatile boolean abandoned;

  private final SourceThread worker;
  private volatile RuleRejection lastRejection;

  /**
   * Rejections reported until the current task cleared them, not yet told to the listeners (see
   * {@link #tellWithdrawn}); the source's thread only.
   */
  private final List<RuleRejection> withdrawn = new ArrayList<>();

  private volatile boolean watching;

  private final OpenWatches watches = new OpenWatches(closed::get);

  // Confined to the executor thread.
  private int generation;
  private ActiveRules published;
  private final RetryBackoff backoff;

  /**
   * The text of the last-known-good document this source started on, as its file holds it; null
   * when it started on none. Kept for a snapshot kept as a key's rules (through a data loss, see
   * readAndWatch(), or past a rejection, see publishEffective()): back in force after other rules
   * replaced it in the file, it is saved again from these bytes.
   */
  private byte[] lastKnownGoodDocument;

  /**
   * Rejections and deletes found, told once the rules in force are decided (see
   * tellRejectionsAndDeletes()).
   */
  private final HeldNotices held = new HeldNotices(logger);

  /** A failed task, said once per stretch of them (see logTaskFailure()). */
  private final RepeatedFailureLine taskFailures = new RepeatedFailureLine(logger);

  private boolean resuming;
  private volatile long compactionResyncs;

  private EtcdRuleSource(Builder builder) {
    this.client = builder.client;
    this.holder = builder.holder;
    this.service = builder.service;
    this.lastKnownGood = builder.lastKnownGood;
    this.lastKnownGoodAtStart = builder.lastKnownGoodAtStart;
    this.callTimeout = builder.callTimeout;
    this.clock = builder.clock;
    this.slots = new RuleSlots(builder.keys, service);
    this.failures =
        new EtcdFailureLog(
            logger,
            new EtcdFailureLog.Wording(
                "the rules of " + service,
                "read of the rules of " + service,
                "etcd is unreachable for the rules of " + service,
                "etcd is still unreachable for the rules of " + service,
                "etcd refuses this agent the rules of " + service,
                "etcd still refuses the rules of " + service,
                "read the rules",
                "; the rules in force stay, retrying in the background"),
            callTimeout,
            builder.schemes,
            builder.etcdEndpoints,
            builder.etcdCredentials);
    this.backoff = new RetryBackoff(builder.minBackoff, builder.maxBackoff);
    this.worker = new SourceThread("sluice-etcd-rules-" + service);
  }

  /**
   * A builder for a source that keeps {@code holder} up to date with {@code service}'s rules read
   * through {@code client}.
   */
  public static Builder builder(Client client, ActiveRulesHolder holder, String service) {
    return new Builder(client, holder, service);
  }

  /** The service whose rules this source keeps in force. */
  public String service() {
    return service;
  }

  /** Whether both watches are established right now (false before start, during outages). */
  public boolean isWatching() {
    return watching;
  }

  @Override
  public void start() {
    if (closed.get() || !started.compareAndSet(false, true)) {
      return;
    }
    worker.start();
    run(this::startOnLastKnownGood);
    run(this::readAndWatch);
  }

  /**
   * Puts the last-known-good rules in force before etcd is first asked: a restart while etcd is
   * away or slow runs the rules it ran before from the start, not the built-in defaults until a
   * read times out. The first answer from etcd replaces them.
   */
  private void startOnLastKnownGood() {
    if (lastKnownGood == null || !lastKnownGoodAtStart || published != null) {
      return;
    }
    lastKnownGood
        .loadWithText(service)
        .ifPresent(
            loaded -> {
              ActiveRules stored = loaded.rules();
              lastKnownGoodDocument = loaded.document();
              // quietly: a line that threw here would fail the task before the rules are put in
              // force, and an agent restarted while etcd is away would run the built-in defaults
              QuietLog.write(
                  logger,
                  Level.INFO,
                  "starting on the last-known-good rules of "
                      + service
                      + " (revision "
                      + stored.revision()
                      // said at every start, etcd up or not: nothing here may read as an outage
                      + ") while the first read from etcd is under way",
                  null);
              publish(stored);
            });
  }

  /**
   * Stops the source within about {@link #CLOSE_TIMEOUT}: waits that long for its thread to finish
   * what it is doing, then abandons it (a read in flight against a silent etcd, a listener or a
   * last-known-good save that hangs), saying so in one line. The watches end either way, here if
   * the thread could not end them: a caller's client that outlives the source must not keep streams
   * to etcd open for it. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    listeners.close();
    // exit must not wait for a read's timeout, or for whatever else holds the thread
    String busyIn = worker.stop(this::closeWatchers, CLOSE_TIMEOUT, () -> abandoned = true);
    if (busyIn != null) {
      logAbandoned(busyIn);
    }
    watching = false;
    // the thread may not have got to it: a watch it opens after this is closed at once
    watches.closeAll();
  }

  /**
   * What kept the source's thread past {@link #CLOSE_TIMEOUT}, in the close's one line. Never
   * throws: close() runs at the app's exit, and a log handler that fails at this line must neither
   * throw into the app nor keep the watches open.
   */
  private void logAbandoned(String busyIn) {
    QuietLog.write(
        logger,
        Level.INFO,
        "the etcd rule source of "
            + service
            + " did not stop within "
            + CLOSE_TIMEOUT.toMillis()
            + " ms"
            + (busyIn.isEmpty() ? "" : ", busy in " + busyIn)
            + ": abandoned that, closed the watches",
        null);
  }

  @Override
  public void addListener(RuleSourceListener listener) {
    listeners.add(listener);
  }

  @Override
  public void removeListener(RuleSourceListener listener) {
    listeners.remove(listener);
  }

  @Override
  public RuleRejection lastRejection() {
    return lastRejection;
  }

  /**
   * The revision the watches resume from after a cut (the lowest of the keys'): moved by changes,
   * and by etcd telling a quiet key's watch how far it caught up.
   */
  long resumeRevision() {
    long lowest = Long.MAX_VALUE;
    for (RuleSlot slot : slots.all) {
      lowest = Math.min(lowest, slot.nextWatchRevision);
    }
    return lowest;
  }

  /** How often the source had to read everything again because etcd compacted its history. */
  long compactionResyncs() {
    return compactionResyncs;
  }

  // ---------------------------------------------------------------- executor thread

  private void run(Runnable task) {
    if (!closed.get()) {
      worker.execute(() -> guarded(task));
    }
  }

  /**
   * Runs {@code task} after the next backoff, first cutting gRPC's reconnect backoff short: after a
   * long outage gRPC would otherwise wait up to 2 minutes before it tries etcd again, and every
   * retry until then would fail at once (see {@link EtcdChannels}).
   */
  private void retryLater(Runnable task) {
    if (closed.get()) {
      return;
    }
    worker.schedule(
        () ->
            guarded(
                () -> {
                  EtcdChannels.reconnectNow(client);
                  task.run();
                }),
        backoff.next());
  }

  private void guarded(Runnable task) {
    if (closed.get()) {
      return;
    }
    try {
      task.run();
    } catch (Throwable e) {
      // every failure, the JVM's own too (see FatalErrors): one that left here would be kept by
      // the executor without a word, and the source would never read or watch again
      if (closed.get()) {
        // close() abandoned this thread, and the caller may have closed the client since: what
        // failed then is no news to the app
        return;
      }
      // A bug here must not kill the source's thread: retry from a fresh read (logged once; a
      // failure that repeats at every retry would otherwise fill the log). The retry is scheduled
      // whatever happens on the way: a line that throws here would otherwise end the source.
      try {
        logTaskFailure(e);
        closeWatchers();
        // rejections found before the failure would wait for the retry's read, which may be an
        // outage away: nothing was published since they were found, so the rules in force stay.
        // Reached when a log handler of the app's throws at one of their own lines (written
        // plainly, each dropped only once written: EtcdRuleSourceFailedTaskIT), or by a bug.
        try {
          tellRejectionsAndDeletes(null);
        } catch (Throwable again) {
          // telling them failed here too (a logger's handler that throws at every such line, most
          // likely what the task failed on): dropped, or every later read would fail on them
          // before it publishes anything
          held.drop();
        }
      } finally {
        retryLater(this::readAndWatch);
      }
    }
  }

  /**
   * Says a task failed: at WARNING the first time in a stretch of failed tasks, FINE after (a
   * failure that repeats at every retry would otherwise fill the log). The stretch ends when the
   * watches come up (see reachable()), as an outage's does. Never throws: a log handler that fails
   * here (the same one the task may have failed on) leaves the failure untold, and the next one
   * tries the WARNING again.
   */
  private void logTaskFailure(Throwable e) {
    taskFailures.failed(
        "etcd rule source for " + service + " failed; reading again",
        "etcd rule source for " + service + " failed again",
        e);
  }

  /**
   * Reads the slots' keys (the service's and {@code _default}'s; one for a service named {@code
   * _default}) at one revision, applies them, then watches them from the next revision.
   */
  private void readAndWatch() {
    closeWatchers();
    TxnResponse response;
    try {
      Op[] gets = new Op[slots.all.size()];
      for (int i = 0; i < gets.length; i++) {
        gets[i] = Op.get(bytes(slots.all.get(i).key), GetOption.DEFAULT);
      }
      response =
          client
              .getKVClient()
              .txn()
              .Then(gets)
              .commit()
              .get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      onReadFailed(e);
      return;
    }
    List<GetResponse> gets = response.getGetResponses();
    long revision = response.getHeader().getRevision();
    // not the end of a stretch of failures yet: that is the watch's, which may fail where reads
    // work (a proxy that passes no watches), and a read at every retry must not warn anew each time
    failures.answered();
    // etcd behind what this source has seen lost data (restored from an older backup, or a member
    // restarted empty): a document missing then was not deleted, and its rules stay in force
    long seen = slots.seen();
    // the snapshot this source started on was read from this etcd at its revision; it counts only
    // until etcd first answers: after that, the revisions read are what this source has seen, and
    // a snapshot kept through a loss must not make every later delete look like one
    boolean onLastKnownGood =
        seen < 0 && published != null && published.source() == ActiveRules.Source.LAST_KNOWN_GOOD;
    if (onLastKnownGood) {
      seen = Math.max(seen, published.revision());
    }
    boolean lostData = revision < seen;
    if (lostData) {
      slots.forgetRevisions();
      if (onLastKnownGood) {
        // the snapshot's document stays in force as a running source's would
        keepSnapshotAsApplied();
      }
    }
    // etcd answering the snapshot this source started on for the first time, not behind it: its
    // document missing now was deleted while the agent was down
    ActiveRules snapshot = onLastKnownGood && !lostData ? published : null;
    RuleSlot snapshotFrom = snapshot == null ? null : slots.readFrom(snapshot);
    for (int i = 0; i < slots.all.size(); i++) {
      RuleSlot slot = slots.all.get(i);
      readInto(
          slot,
          gets.get(i),
          revision,
          lostData ? seen : 0,
          snapshotOf(slot, snapshotFrom, snapshot));
    }
    publishEffective();
    watch();
  }

  private static ActiveRules snapshotOf(
      RuleSlot slot, RuleSlot snapshotFrom, ActiveRules snapshot) {
    return slot == snapshotFrom ? snapshot : null;
  }

  private void onReadFailed(Exception e) {
    // rejections a watch response found before the delete that had this read made wait for it to
    // decide what the rules become; it failed, so they stay, and the next read may be an outage
    // away
    tellRejectionsAndDeletes(null);
    if (failures.staleToken(e, false)) {
      watching = false;
    } else {
      unreachable(e);
    }
    retryLater(this::readAndWatch);
  }

  /**
   * Applies a key's value as read at {@code revision}; {@code seen} is the revision this source had
   * seen when etcd answers from behind it (lost data), else 0; {@code snapshot} the last-known-good
   * rules in force read from this key, when this is etcd's first answer and not behind them, else
   * null.
   */
  private void readInto(
      RuleSlot slot, GetResponse get, long revision, long seen, ActiveRules snapshot) {
    if (closed.get()) {
      // close() abandoned this thread while it applied the other key (a listener, a compile on a
      // busy machine held it): nothing it goes on to find is applied or logged
      return;
    }
    slot.nextWatchRevision = revision + 1;
    if (get.getKvs().isEmpty()) {
      if (seen > 0 && slot.applied != null) {
        slot.lost(revision, seen);
        updateLastRejection();
        tellLoss(slot);
      } else if (slot.keptThroughLoss) {
        // still missing since etcd lost it, which was said then (or is now, when its line could
        // not be written then): still no delete
        tellLoss(slot);
      } else if (slot.applied != null || slot.rejection != null) {
        deleted(slot, revision);
      } else if (snapshot != null) {
        deletedWhileDown(slot, revision, snapshot);
      }
    } else {
      put(slot, get.getKvs().get(0));
    }
  }

  /**
   * Says that {@code slot}'s document is missing because etcd lost data, unless said already.
   * Quietly: a line that threw here would fail the read before the other key is applied and the
   * watches are up; it counts as said only once written, and the next read that finds the document
   * still missing says it then, as it was found.
   */
  private void tellLoss(RuleSlot slot) {
    if (slot.lossUntold != null && QuietLog.write(logger, Level.WARNING, slot.lossUntold, null)) {
      slot.lossUntold = null;
    }
  }

  private void watch() {
    closeWatchers();
    int gen = ++generation;
    for (RuleSlot slot : slots.all) {
      // requireLeader: a member cut off from its cluster's leader ends the watch (then the source
      // reconnects, maybe to another member) instead of keeping it open with no events.
      // progressNotify: etcd says now and then (every ten minutes by default) how far a watch has
      // caught up, so that one of a quiet key resumes near the present after a cut, not from its
      // first read, hours back: etcd would replay every revision since (the agents' status writes
      // among them), and once compacted past that, read everything again and say so.
      WatchOption option =
          WatchOption.builder()
              .withRevision(slot.nextWatchRevision)
              .withCreateNotify(true)
              .withRequireLeader(true)
              .withProgressNotify(true)
              .build();
      watches.add(client.getWatchClient().watch(bytes(slot.key), option, new SlotWatch(slot, gen)));
    }
  }

  private void closeWatchers() {
    // the generation first: jetcd tells a listener it completed from inside Watcher.close(), on
    // this thread; queued by run(), that callback must find its watch an old one when it runs
    generation++;
    watching = false;
    watches.closeAll();
    slots.unwatched();
  }

  private void onWatchResponse(RuleSlot slot, int gen, WatchResponse response) {
    if (gen != generation || closed.get()) {
      return;
    }
    if (response.isCreatedNotify()) {
      long etcdRevision = response.getHeader().getRevision();
      if (etcdRevision < slot.nextWatchRevision - 1 && !memberCatchingUp(slot, etcdRevision)) {
        if (closed.get() || Thread.currentThread().isInterrupted()) {
          return; // closing: the read was cut short, which tells nothing of etcd
        }
        // etcd is behind what this source has seen: it lost data (restored from an older backup,
        // or restarted empty). A watch from a revision it has not reached yet waits silently, so
        // everything written before it gets there would be missed: read everything again.
        // quietly: a line that threw here would fail the task, and the read would wait for the
        // retry's backoff
        QuietLog.write(
            logger,
            Level.WARNING,
            "etcd is at revision "
                + etcdRevision
                + ", behind revision "
                + (slot.nextWatchRevision - 1)
                + " already seen for the rules of "
                + service
                + " (restored or emptied?): reading the rules again",
            null);
        readAndWatch();
        return;
      }
      slot.watchCreated = true;
      if (slots.watched()) {
        watching = true;
        resuming = false;
        reachable();
      }
      return;
    }
    if (response.isProgressNotify()) {
      // etcd sends it to a watch that has every event up to its header's revision: nothing of this
      // key is missed by resuming after it
      slot.nextWatchRevision =
          Math.max(slot.nextWatchRevision, response.getHeader().getRevision() + 1);
      return;
    }
    boolean changed = false;
    for (WatchEvent event : response.getEvents()) {
      KeyValue kv = event.getKeyValue();
      long modRevision = kv.getModRevision();
      if (modRevision < slot.nextWatchRevision) {
        continue;
      }
      slot.nextWatchRevision = modRevision + 1;
      if (event.getEventType() == WatchEvent.EventType.DELETE) {
        if (slot.rejection != null) {
          // the rejected document is gone, whether or not the read below works (its rules stay
          // in force until it does, which lastRejection() never spoke of): its rejection no
          // longer stands (RuleSource#lastRejection), and must not sit in the agent's status
          // through an outage
          slot.rejection = null;
          updateLastRejection();
        }
        // A delete hands over to the next document down, as it is at this revision. The other
        // key's watch is another stream and may not have delivered this revision yet (a
        // transaction, or a replay after an outage): read both keys at one revision instead of
        // publishing a combination that never existed, such as the built-in defaults while a
        // _default document was created with the delete. Deletes are rare; the read is cheap.
        readAndWatch();
        return;
      } else if (event.getEventType() == WatchEvent.EventType.PUT) {
        changed |= put(slot, kv);
      }
    }
    if (changed) {
      publishEffective();
    } else {
      tellRejectionsAndDeletes(null);
      tellWithdrawn();
    }
  }

  /**
   * Whether a watch created at {@code memberRevision}, behind what this source has seen, was only
   * answered by a member of the cluster that has not applied the latest revisions yet: a follower a
   * few milliseconds behind its leader while anything is written (the agents' status writes are),
   * or one replaying its log after a restart. The read before the watch was linearizable, and jetcd
   * spreads its calls over the members, so the watch often lands on another one; it delivers the
   * revisions it lacks once it has applied them, so nothing is missed. Told apart from lost data by
   * asking again, linearizably: a cluster that answers at or past the revision seen has lost
   * nothing. Taken for lost data when that read fails, as before: the read that follows then fails
   * too, and is retried after its backoff.
   */
  private boolean memberCatchingUp(RuleSlot slot, long memberRevision) {
    long clusterRevision;
    try {
      clusterRevision =
          client
              .getKVClient()
              .get(bytes(slot.key), GetOption.builder().withCountOnly(true).build())
              .get(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
              .getHeader()
              .getRevision();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      return false;
    }
    if (clusterRevision < slot.nextWatchRevision - 1) {
      return false;
    }
    if (logger.isLoggable(Level.FINE)) {
      QuietLog.write(
          logger,
          Level.FINE,
          "the watch of "
              + slot.key
              + " was created by an etcd member at revision "
              + memberRevision
              + ", behind the cluster's "
              + clusterRevision
              + ": it delivers the changes it lacks once it has caught up",
          null);
    }
    return true;
  }

  private void onWatchFailed(int gen, Throwable error) {
    if (gen != generation || closed.get()) {
      return;
    }
    boolean wasWatching = watching;
    closeWatchers();
    CompactedException compacted = EtcdErrors.compaction(error);
    if (compacted != null) {
      resuming = false;
      compactionResyncs++;
      // quietly: a line that threw here would fail the task, and the read would wait for the
      // retry's backoff, after a WARNING that the source failed
      QuietLog.write(
          logger,
          Level.INFO,
          "etcd compacted its history past the rules watch of "
              + service
              + " (compacted at "
              + compacted.getCompactedRevision()
              + "): reading the rules again",
          null);
      readAndWatch();
      return;
    }
    // refused for a token etcd no longer takes (see EtcdFailureLog#staleToken): read again
    if (!wasWatching && failures.staleToken(error, resuming)) {
      resuming = false;
      retryLater(this::readAndWatch);
      return;
    }
    if (!wasWatching) {
      unreachable(error);
    } else if (!closed.get()) {
      // the first failure after the watches were up: maybe a proxy ending an idle stream, which the
      // retry resumes at once; only a retry that fails is an outage to warn of
      failures.cut(error);
    }
    // A watch that was established, and lost its connection, resumes where it stopped, replaying
    // what it missed — for as long as etcd stays unreachable. Anything else (a watch that failed
    // for another reason, such as a revision from before a data loss) starts over from a read.
    resuming = (wasWatching || resuming) && EtcdErrors.isConnectionProblem(error);
    retryLater(resuming ? this::watch : this::readAndWatch);
  }

  /** A put seen in a read or an event; true when the key's state changed. */
  private boolean put(RuleSlot slot, KeyValue kv) {
    long revision = kv.getModRevision();
    if (revision == slot.revision) {
      return false;
    }
    slot.read(revision);
    byte[] document = kv.getValue().getBytes();
    // never throws: the revision is noted as read, so a document that threw here would be skipped
    // by every later read, neither applied nor rejected (see DocumentVerdict)
    DocumentVerdict verdict =
        DocumentVerdict.of(document, slot.services, slot.source, slot.key, revision, clock);
    if (closed.get()) {
      return false; // close() abandoned this thread: the app no longer hears of this document
    }
    if (verdict.rules() != null) {
      slot.applied = verdict.rules();
      slot.appliedDocument = document;
      slot.rejection = null;
      updateLastRejection();
      return true;
    }
    slot.rejection = verdict.rejection();
    updateLastRejection();
    held.rejected(verdict);
    return false;
  }

  /**
   * Logs each rejection found since the last call, then tells the listeners, in the order found;
   * then logs the deletes the last read found, whose revision (the read's) is past theirs. Called
   * once the precedence is decided, before any new rules are published: the line says whether the
   * rules in force stay (naming them when they are the built-in defaults) or, when the same read
   * changes them all the same (a delete read with it, or a source's first read), what they become,
   * so that the line after it does not contradict it. Also called when the read a delete asked for
   * fails, and when a task failed partway (see guarded()): the rules stay.
   *
   * @param next the rules about to be published, or null when the rules in force stay
   */
  private void tellRejectionsAndDeletes(ActiveRules next) {
    if (held.isEmpty()) {
      return;
    }
    if (closed.get()) {
      held.drop();
      return; // close() abandoned this thread: the app no longer hears of these documents
    }
    // the rules in force are the holder's until next is published: named when they are the
    // built-in defaults (a first read that leaves them, or a later one after deletes), as the
    // rules file's source does
    held.tell(
        next == null ? null : slots.named(next),
        RejectionLine.builtInDefaultsIn(holder.current()),
        listeners);
  }

  /**
   * The document the last-known-good rules in force were read from is missing at etcd's first
   * answer, which is not behind them: it was deleted while the agent was down. Said once, as a
   * running source says a delete; its rules then go as that delete's would (see {@link
   * RuleSlots#fallsBackPastARejection}), as the next line says.
   */
  private void deletedWhileDown(RuleSlot slot, long revision, ActiveRules snapshot) {
    held.deleted(
        // the read's revision, not the delete's: that one is somewhere between the two
        "the rule document "
            + slot.key
            + " was deleted while this agent was down, after revision "
            + snapshot.revision()
            + " of the last-known-good rules read from it (found missing by the first read from"
            + " etcd, at revision "
            + revision
            + ")");
    slot.revision = revision;
  }

  private void deleted(RuleSlot slot, long revision) {
    if (slot.applied != null) {
      // the revision of the read that found it, which may be past the delete's own (a read asked
      // for by the delete event, or the retry after an outage)
      held.deleted(
          "the rule document "
              + slot.key
              + " was deleted (found missing by the read at revision "
              + revision
              + ")");
    }
    slot.deleted(revision);
    updateLastRejection();
  }

  private void updateLastRejection() {
    RuleRejection before = lastRejection;
    lastRejection = slots.lastRejection();
    // reported until now, and no slot's any more: not one a newer rejection of the service's own
    // document only hides (it is reported again once that one goes)
    if (before != null && lastRejection != before && !slots.stands(before)) {
      withdrawn.add(before);
    }
  }

  /**
   * Tells the listeners of a rejection that no longer stands ({@link
   * RuleSourceListener#onRejectionWithdrawn}), once the rules in force are decided: the agent's
   * status would otherwise show it until its next refresh, when no rules were published with it.
   */
  private void tellWithdrawn() {
    for (RuleRejection rejection : withdrawn) {
      if (closed.get()) {
        break;
      }
      listeners.withdrawn(rejection); // catches its listeners' failures
    }
    withdrawn.clear();
  }

  /**
   * Keeps the last-known-good snapshot in force ({@link #published}) as its key's applied rules,
   * unless that key has applied rules of its own, with the text its file holds: should other rules
   * replace it in the file (the service's own document written, then deleted), it is saved back
   * from these bytes.
   */
  private void keepSnapshotAsApplied() {
    RuleSlot from = slots.readFrom(published);
    if (from.applied == null) {
      from.applied = published;
      from.appliedDocument = lastKnownGoodDocument;
    }
  }

  /**
   * Publishes the snapshot in force by the precedence rules, if it is not already published. The
   * last-known-good rules a source started on stay in force while the document they were read from
   * is rejected: a rejection never changes the rules in force (see {@link
   * RuleSlots#fallsBackPastARejection}).
   */
  private void publishEffective() {
    publishEffectiveRules();
    tellWithdrawn();
  }

  private void publishEffectiveRules() {
    if (closed.get()) {
      held.drop();
      return; // close() abandoned this thread: what it read is neither published nor saved
    }
    ActiveRules effective = slots.effective();
    if (effective == published) {
      tellRejectionsAndDeletes(null);
      return;
    }
    if (published != null
        && published.source() == ActiveRules.Source.LAST_KNOWN_GOOD
        && slots.fallsBackPastARejection(published, effective)) {
      // the snapshot is that key's last valid document, as a running source's would be: kept as
      // its applied rules, so that when a document above it goes (the service's own, written and
      // deleted) the rules fall back to it, not past it to what is below (fallsBackPastARejection
      // holds only while nothing else was published)
      keepSnapshotAsApplied();
      tellRejectionsAndDeletes(null);
      return;
    }
    tellRejectionsAndDeletes(stillInForce(effective) ? null : effective);
    if (closed.get()) {
      return; // close() abandoned this thread in a listener of the rejections: as above
    }
    publish(effective);
    if (!abandoned) {
      // quietly: the rules are published, and a line that threw here would skip their
      // last-known-good save for good (the retry's read finds them published already)
      QuietLog.write(logger, Level.INFO, slots.appliedLine(effective), null);
    }
    if (lastKnownGood != null) {
      // The rules are in force: saved even when close() came meanwhile (a listener took a while),
      // as close() waits for that. Not once close() gave up on this thread: the save could land
      // after the one of the source that replaced this one (a ConfiguredRules built again); that
      // is checked as the write is queued, in the order of the directory's writes.
      BooleanSupplier notAbandoned = () -> !abandoned;
      if (effective == slots.builtInDefaults) {
        lastKnownGood.delete(service, notAbandoned);
      } else {
        // the document's bytes as applied, not its canonical form: that spells out every default
        // and may be too large to load back (see SnapshotText). Last-known-good rules published
        // here are saved too: the ones a source starts on are published before, so these are a
        // snapshot kept as a key's rules (through a data loss, or past a rejection of that key's
        // document) back in force after other rules replaced it in the file, which must follow
        RuleSlot from = slots.appliedFrom(effective);
        if (from.appliedDocument != null) {
          lastKnownGood.save(service, effective, from.appliedDocument, notAbandoned);
        } else {
          lastKnownGood.save(service, effective, notAbandoned);
        }
      }
    }
  }

  /**
   * Whether publishing {@code effective} leaves the app on the rules it runs: only at a source's
   * first read, when nothing is published yet and the app runs the built-in defaults (as it does
   * until a source publishes) that {@code effective} is too.
   */
  private boolean stillInForce(ActiveRules effective) {
    return published == null
        && effective == slots.builtInDefaults
        && holder.current().source() == ActiveRules.Source.DEFAULTS;
  }

  private void publish(ActiveRules rules) {
    if (closed.get()) {
      return; // close() abandoned this thread (a last-known-good load that hung)
    }
    published = rules;
    holder.publish(rules);
    listeners.applied(rules);
  }

  /**
   * Says a failed read or watch, once per problem per stretch of failures (see the class's design
   * note and {@link EtcdFailureLog}); never throws.
   */
  private void unreachable(Throwable error) {
    watching = false;
    if (closed.get()) {
      return; // close() abandoned this thread: a read or watch it goes on to lose is no news
    }
    failures.failed(error);
  }

  /** The watches are up: the end of a stretch of failures, of reads, watches or tasks. */
  private void reachable() {
    if (closed.get()) {
      return; // close() abandoned this thread: nothing to say of etcd any more
    }
    backoff.reset();
    if (failures.recovered()) {
      // quietly: the watches are up, and a line that threw here would fail the task that saw
      // them come up, which closes them and reads again
      QuietLog.write(
          logger, Level.INFO, "etcd answers again; watching the rules of " + service, null);
    }
    if (taskFailures.ended()) {
      // the retry's read worked and the watches are up: a task failing after this, however soon,
      // is warned of anew, as every other problem of this source is once per stretch
      QuietLog.write(
          logger,
          Level.INFO,
          "etcd rule source for " + service + " works again; watching the rules",
          null);
    }
  }

  private static ByteSequence bytes(String key) {
    return ByteSequence.from(key, StandardCharsets.UTF_8);
  }

  /** Hands one watch's callbacks to the source's thread. */
  private final class SlotWatch implements Watch.Listener {
    private final RuleSlot slot;
    private final int gen;

    SlotWatch(RuleSlot slot, int gen) {
      this.slot = slot;
      this.gen = gen;
    }

    @Override
    public void onNext(WatchResponse response) {
      run(() -> onWatchResponse(slot, gen, response));
    }

    @Override
    public void onError(Throwable error) {
      run(() -> onWatchFailed(gen, error));
    }

    @Override
    public void onCompleted() {
      // Closed by us (jetcd calls this from inside Watcher.close(), on the closing thread; the
      // generation moved on before) or given up by jetcd: either way, resume if current.
      run(() -> onWatchFailed(gen, new IllegalStateException("the watch stream ended")));
    }
  }

  /** Builds an {@link EtcdRuleSource}; {@link #build()} does no I/O. */
  public static final class Builder {
    private final Client client;
    private final ActiveRulesHolder holder;
    private final String service;
    private EtcdKeys keys = EtcdKeys.defaults();
    private LastKnownGoodStore lastKnownGood;
    private boolean lastKnownGoodAtStart = true;
    private Duration minBackoff = Duration.ofMillis(250);
    private Duration maxBackoff = Duration.ofSeconds(5);
    private Duration callTimeout = Duration.ofSeconds(5);
    private Clock clock = Clock.systemUTC();
    private EtcdSchemeMismatch schemes = EtcdSchemeMismatch.unknown();
    private List<URI> etcdEndpoints = List.of();
    private EtcdCredentials etcdCredentials = EtcdCredentials.PASSWORD;

    private Builder(Client client, ActiveRulesHolder holder, String service) {
      this.client = Objects.requireNonNull(client, "client");
      this.holder = Objects.requireNonNull(holder, "holder");
      this.service = EtcdKeys.requireSegment("service", service);
    }

    /** The etcd key layout, default namespace {@code /sluice}. */
    public Builder keys(EtcdKeys keys) {
      this.keys = Objects.requireNonNull(keys, "keys");
      return this;
    }

    /**
     * Saves every applied document there and falls back to it when etcd is down at start. The store
     * must belong to the namespace of {@link #keys} (checked by {@link #build()}).
     */
    public Builder lastKnownGood(LastKnownGoodStore store) {
      this.lastKnownGood = store;
      return this;
    }

    /**
     * Whether {@link EtcdRuleSource#start()} puts the {@link #lastKnownGood} rules in force before
     * etcd's first read; default true. False for a source started while other rules are in force
     * that the stored ones must not set back (a rules file run while etcd could not be reached):
     * they stay until etcd answers, and every applied document is still saved.
     */
    public Builder lastKnownGoodAtStart(boolean enabled) {
      this.lastKnownGoodAtStart = enabled;
      return this;
    }

    /** Backoff between attempts while etcd is away: doubles from {@code min} up to {@code max}. */
    public Builder retryBackoff(Duration min, Duration max) {
      Objects.requireNonNull(min, "min");
      Objects.requireNonNull(max, "max");
      if (min.toMillis() < 1 || max.compareTo(min) < 0) {
        throw new IllegalArgumentException(
            "retry backoff needs 1 ms <= min <= max, got min=" + min + ", max=" + max);
      }
      this.minBackoff = min;
      this.maxBackoff = max;
      return this;
    }

    /** How long one read may take before it counts as failed; default 5 s. */
    public Builder callTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.toMillis() < 1) {
        throw new IllegalArgumentException("call timeout must be positive, got " + timeout);
      }
      this.callTimeout = timeout;
      return this;
    }

    /** The clock that stamps rejections. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The endpoints the client dials ({@code sluice.etcd.endpoints}), for the log only: with them,
     * a failure before etcd first answered that shows the endpoints' scheme does not match what
     * etcd speaks ({@code https://} to a plain etcd, {@code http://} to a TLS one) is logged as
     * that rather than as an outage (see {@link EtcdSchemeMismatch}). Optional.
     */
    public Builder etcdEndpoints(Collection<URI> endpoints) {
      this.schemes = EtcdSchemeMismatch.of(Objects.requireNonNull(endpoints, "endpoints"));
      this.etcdEndpoints = List.copyOf(endpoints);
      return this;
    }

    /**
     * The credentials the client shows etcd, which the line of a refusal says to check (a user and
     * password by default): see {@link EtcdCredentials#of}.
     */
    public Builder etcdCredentials(EtcdCredentials credentials) {
      this.etcdCredentials = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    /**
     * The source, not started.
     *
     * @throws IllegalArgumentException when the last-known-good store is for another namespace
     */
    public EtcdRuleSource build() {
      if (lastKnownGood != null && !lastKnownGood.namespace().equals(keys.namespace())) {
        throw new IllegalArgumentException(
            "the last-known-good store is for the namespace '"
                + lastKnownGood.namespace()
                + "' but the rules are read from '"
                + keys.namespace()
                + "'");
      }
      return new EtcdRuleSource(this);
    }
  }
}
