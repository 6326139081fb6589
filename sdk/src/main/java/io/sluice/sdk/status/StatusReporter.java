package io.sluice.sdk.status;

import io.etcd.jetcd.Client;
import io.sluice.etcd.EtcdChannels;
import io.sluice.etcd.EtcdCredentials;
import io.sluice.etcd.EtcdSchemeMismatch;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.EtcdErrors;
import io.sluice.sdk.EtcdFailureLog;
import io.sluice.sdk.QuietLog;
import io.sluice.sdk.RepeatedFailureLine;
import io.sluice.sdk.source.RuleRejection;
import io.sluice.sdk.source.RuleSource;
import io.sluice.sdk.source.RuleSourceListener;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps this agent's {@link AgentStatus} in etcd under {@code
 * {ns}/v1/agents/{service}/{instanceId}}, bound to a lease, so the control plane sees every live
 * agent, the rules revision it runs, what it refused and why, and the state of its breakers — and
 * sees an agent vanish when it stops.
 *
 * <h2>Design</h2>
 *
 * <ul>
 *   <li><b>Lease.</b> Granted on the first write with a TTL of at most 15 s and kept alive by
 *       jetcd. When it is lost (expired during an outage, revoked, etcd's data reset) the next
 *       write grants a new one and writes the key again, said once per stretch of failures. {@link
 *       #close()} revokes it, which deletes the key at once.
 *   <li><b>Debounce.</b> {@link #requestUpdate()} (called on every applied or rejected document and
 *       by anyone whose state changed, such as the breaker registry) schedules one write no sooner
 *       than the minimum interval after the previous one: a change is visible within that interval
 *       (200 ms by default) and a burst of changes costs a few writes per second at most.
 *   <li><b>Refresh.</b> Every refresh interval (5 s by default) the status is rebuilt (breaker and
 *       traffic figures come from the suppliers), capped and written only when it differs
 *       meaningfully from the last one written (a state, revision, rejection or set of breakers or
 *       targets changed, or a figure moved by 10 % and more); otherwise it is rewritten once a
 *       minute. Each write is an etcd revision: figures that drift a little at every refresh must
 *       not cost one each.
 *   <li><b>Size.</b> A status whose capped JSON is still over 512 KiB, or that etcd refuses for its
 *       size, is written without its lists (their lengths counted as omitted) rather than failing
 *       every retry while the old status stays live under the kept-alive lease.
 *   <li><b>Never in the way.</b> All etcd I/O happens on the reporter's own thread with timeouts;
 *       failures are logged once per stretch of failures and kind (etcd refusing the agent's
 *       credentials or access, something that is not etcd, such as a proxy, answering in its place
 *       with an HTTP status, or any other failure, such as etcd being unreachable) and retried on
 *       the next refresh. Each retry first has gRPC reconnect at once, so the reporter's backoff,
 *       not gRPC's (up to 2 minutes), decides how soon the status is back after a long outage. A
 *       failure of the reporter's own (a bug) is warned of once per stretch too: the next write
 *       that succeeds ends it, as it ends an outage. A failure of the look-ups done once at start
 *       (start time, host, versions) is said once, in its own words, and ended by no write.
 * </ul>
 *
 * <p>This class owns the thread, the debounce and the order of a write; each part of a write has a
 * package-private class of its own: {@code StatusDocument} builds the status, {@code StatusCaps}
 * caps it, {@code WritePacing} (with {@code StatusChange}) decides whether it is written now,
 * {@code StatusLease} holds the lease and its keep-alive, {@code StatusWriter} puts it (minimal
 * when too large), and {@code EtcdErrors} tells the failures apart.
 *
 * <p>Build with {@link #builder}; the jetcd {@link Client} is the caller's to close.
 */
public final class StatusReporter implements AutoCloseable {

  private static final Logger logger = Logger.getLogger(StatusReporter.class.getName());

  /** The longest lease TTL the contract allows. */
  public static final Duration MAX_LEASE_TTL = Duration.ofSeconds(15);

  /**
   * How long {@link #close()} waits for the lease's revoke: long enough for a loaded etcd's disk
   * sync (an answering etcd revokes in milliseconds), but a courtesy (the key expires with its
   * lease anyway, and a revoke etcd takes late still deletes it), which runs in the app's exit: an
   * etcd that does not answer must hold that up as little as possible.
   */
  static final Duration REVOKE_TIMEOUT = Duration.ofMillis(500);

  private final Client client;
  private final String service;
  private final String instanceId;
  private final String key;
  private final ActiveRulesHolder rules;
  private final List<RuleSource> ruleSources;
  private final Duration refreshInterval;
  private final Duration minWriteInterval;
  private final StatusDocument document;
  private final StatusLease lease;
  private final StatusWriter writer;
  private final StatusKeyWatch keyWatch;
  private final Runnable beforePut;
  private final Runnable beforeStarted;
  private final WritePacing pacing;

  /** Says the failed writes, once per problem per stretch of failures. */
  private final EtcdFailureLog failures;

  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean writeScheduled = new AtomicBoolean();
  private final Consumer<ActiveRules> rulesListener = r -> requestUpdate();
  private final RuleSourceListener sourceListener =
      new RuleSourceListener() {
        @Override
        public void onApplied(ActiveRules applied) {
          requestUpdate();
        }

        @Override
        public void onRejected(RuleRejection rejection) {
          requestUpdate();
        }

        @Override
        public void onRejectionWithdrawn(RuleRejection withdrawn) {
          requestUpdate();
        }
      };

  private final LongSupplier nanoTime;

  private volatile ScheduledExecutorService executor;

  /**
   * When the last write began, a {@link #nanoTime} reading; meaningless until {@link #writeBegun}.
   * No reading can stand for "never": {@code System.nanoTime()} has an arbitrary origin and may be
   * negative, and a first write measured from 0 would then be put off by years.
   */
  private volatile long lastWriteNanos;

  private volatile boolean writeBegun;
  private volatile long writes;
  private volatile long writeAttempts;

  /** A failed task of the reporter's own, said once per stretch of them (see guarded()). */
  private final RepeatedFailureLine taskFailures = new RepeatedFailureLine(logger);

  // Confined to the executor thread.

  /**
   * Whether this stretch of failures has said that the lease was lost; see leaseLost(). A lease
   * etcd keeps losing (revoked as soon as granted, or its data reset over and over) must not say so
   * at every attempt.
   */
  private boolean leaseLossTold;

  private StatusReporter(Builder builder) {
    this.client = builder.client;
    this.service = builder.service;
    this.instanceId =
        builder.instanceId != null ? builder.instanceId : UUID.randomUUID().toString();
    this.key = builder.keys.agent(service, instanceId);
    this.rules = builder.rules;
    this.ruleSources = List.copyOf(builder.ruleSources);
    this.refreshInterval = builder.refreshInterval;
    this.minWriteInterval = builder.minWriteInterval;
    this.document =
        new StatusDocument(
            instanceId,
            service,
            rules,
            ruleSources,
            builder.breakers,
            builder.topTargets,
            builder.unguardedClients,
            builder.clock,
            builder.host,
            builder.versions);
    this.lease =
        new StatusLease(
            client,
            key,
            builder.leaseTtl,
            builder.callTimeout,
            closed::get,
            this::onLeaseLost,
            builder.leaseGranted);
    this.writer = new StatusWriter(client, key, builder.callTimeout, builder.maxStatusBytes);
    this.keyWatch = new StatusKeyWatch(client, key, this::keyDeleted);
    this.beforePut = builder.beforePut;
    this.beforeStarted = builder.beforeStarted;
    this.pacing = new WritePacing(refreshInterval);
    this.failures =
        new EtcdFailureLog(
            logger,
            new EtcdFailureLog.Wording(
                "the agent status " + key,
                "write of the agent status " + key,
                "could not write the agent status " + key,
                "still could not write the agent status " + key,
                "etcd refuses this agent the status " + key,
                "etcd still refuses this agent the status " + key,
                "write the key",
                "; retrying, at longer intervals up to "
                    + pacing.maxBackoff().toMillis()
                    + " ms while it fails"),
            builder.callTimeout,
            builder.schemes,
            builder.etcdEndpoints,
            builder.etcdCredentials);
    this.nanoTime = builder.nanoTime;
  }

  /**
   * A builder for the status of {@code service}, reporting the rules in force in {@code rules},
   * written through {@code client}.
   */
  public static Builder builder(Client client, String service, ActiveRulesHolder rules) {
    return new Builder(client, service, rules);
  }

  /** This agent's instance id. */
  public String instanceId() {
    return instanceId;
  }

  /** The etcd key this reporter writes. */
  public String key() {
    return key;
  }

  /** The id of the lease the key is bound to, 0 when there is none right now. */
  public long leaseId() {
    return lease.id();
  }

  /** How many times the status was written so far. */
  public long writes() {
    return writes;
  }

  /** Writes begun (successful or not); for tests. */
  long writeAttempts() {
    return writeAttempts;
  }

  /** Starts reporting in the background; returns at once. Idempotent. */
  public void start() {
    if (closed.get() || !started.compareAndSet(false, true)) {
      return;
    }
    ScheduledThreadPoolExecutor pool =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread thread = new Thread(runnable, "sluice-status-" + service);
              thread.setDaemon(true);
              return thread;
            });
    pool.setRemoveOnCancelPolicy(true);
    // On close, pending retries and refreshes are dropped rather than awaited.
    pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    beforeStarted.run();
    executor = pool;
    rules.addAppliedListener(rulesListener);
    ruleSources.forEach(s -> s.addListener(sourceListener));
    if (closed.get()) {
      // close() ran since the check above and found no executor to stop, or removed the listeners
      // before they were added: undo what this start did, or its thread would tick for ever
      removeListeners();
      pool.shutdownNow();
      return;
    }
    try {
      pool.execute(this::initDocument);
      requestUpdate();
      long refresh = refreshInterval.toMillis();
      pool.scheduleWithFixedDelay(this::requestUpdate, refresh, refresh, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closedMeanwhile) {
      // close() ran since the check above and stopped the executor: nothing more is to start
      removeListeners();
    }
  }

  /**
   * Asks for the status to be written soon: within the minimum write interval of the previous
   * write, and once for any number of requests in between. Cheap and safe from any thread.
   */
  public void requestUpdate() {
    ScheduledExecutorService pool = executor;
    if (pool == null || closed.get() || !writeScheduled.compareAndSet(false, true)) {
      return;
    }
    long delay = 0;
    if (writeBegun) {
      long sinceLast = nanoTime.getAsLong() - lastWriteNanos;
      delay = Math.max(0, minWriteInterval.toNanos() - sinceLast);
    }
    try {
      pool.schedule(() -> guarded(this::write), delay, TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      writeScheduled.set(false); // shut down: closing
    }
  }

  /**
   * Stops reporting and revokes the lease, which removes the status key at once. Idempotent.
   *
   * <p>The revoke is sent from the calling thread, not queued behind a write in flight: a write
   * stuck on an etcd that stopped answering would otherwise keep it from being sent at all, and the
   * key would live a whole TTL. Such a write is interrupted, not awaited. Its put cannot outlive
   * the revoke: etcd applies it before the revoke, which then deletes the key, or refuses it after,
   * for want of its lease.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    removeListeners();
    // before the revoke, whose delete is no news
    keyWatch.close();
    ScheduledExecutorService pool = executor;
    if (pool == null) {
      return;
    }
    // From now on no lease is taken up: one etcd grants later is revoked unused (see
    // StatusLease#grant). Without a lease (the first write still waiting for an etcd that is away
    // or slow) there is no key to delete.
    long held = lease.close();
    // Pending refreshes and retries are dropped, and a write in flight is interrupted: its thread
    // is released now, not when a silent etcd's call times out.
    pool.shutdownNow();
    // At least stop keeping the lease alive: with a client that outlives this reporter, the key
    // would otherwise never expire should the revoke fail.
    lease.stopKeepAlive();
    if (held != 0) {
      lease.revoke(held, REVOKE_TIMEOUT);
    }
  }

  /** Stops hearing of the rules and the rule sources. */
  private void removeListeners() {
    rules.removeAppliedListener(rulesListener);
    ruleSources.forEach(s -> s.removeListener(sourceListener));
  }

  // ---------------------------------------------------------------- executor thread

  /**
   * Runs a task of the reporter's thread; a failure (a bug, or a class that cannot load) is logged
   * once per stretch of failures, not at every refresh, and the reporter goes on. The next write
   * that succeeds ends the stretch, saying the status is written again. Never throws: a log handler
   * that fails at the line (the same one the task may have failed on) leaves the failure untold,
   * and the next one tries the WARNING again.
   */
  private void guarded(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException | LinkageError e) {
      taskFailures.failed(
          "the status reporter of " + service + " failed; going on",
          "the status reporter of " + service + " failed again",
          e);
    }
  }

  /**
   * Stamps the start time and looks up host and versions, once ({@code StatusDocument#init}). A
   * failure there is not a failed write nor a task that fails again at every refresh: it is said
   * once, in a line of its own, and the status is written without what it lacks. Not {@link
   * #guarded}: its WARNING would stand for a stretch of task failures that the first write,
   * although none had failed, would end by saying the status is written again. Never throws.
   */
  private void initDocument() {
    try {
      document.init();
    } catch (RuntimeException | LinkageError e) {
      QuietLog.write(
          logger,
          Level.WARNING,
          "the status reporter of "
              + service
              + " could not look up the agent's start time, host and versions; its status is"
              + " written without those it could not look up until the app restarts",
          e);
    }
  }

  private void write() {
    // Stamp before accepting new requests, so a request racing with this write is delayed by the
    // full interval instead of writing right after it.
    long begun = nanoTime.getAsLong();
    lastWriteNanos = begun;
    writeBegun = true;
    writeScheduled.set(false);
    if (closed.get() || pacing.backingOff(nanoTime.getAsLong())) {
      return;
    }
    AgentStatus status = StatusCaps.cap(document.build());
    if (pacing.unchanged(status, lease.id() != 0, nanoTime.getAsLong())) {
      return;
    }
    writeAttempts++;
    if (pacing.retrying()) {
      // A retry: without this, after a long outage gRPC would wait up to 2 minutes before trying
      // etcd again, and every write until then would fail at once.
      EtcdChannels.reconnectNow(client);
    }
    try {
      if (lease.id() == 0) {
        if (!lease.grant()) {
          return; // closed meanwhile: nothing may be written that close() would not revoke
        }
        failures.answered();
      }
      put(status);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      if (closed.get()) {
        return; // close() revoked the lease or is about to: not a failure worth a line
      }
      if (EtcdErrors.isLeaseNotFound(e)) {
        dropLease();
        leaseLost("the status lease of " + key + " was lost; granting a new one");
        try {
          if (lease.grant()) {
            put(status);
          }
          return;
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        } catch (Exception again) {
          e = again;
        }
      }
      pacing.failed(begun);
      failures.failed(e);
    }
  }

  private void put(AgentStatus status) throws Exception {
    beforePut.run();
    // The lease's id, read once: close() sets it to 0 as it revokes the lease, and a put with lease
    // 0 binds the key to no lease at all, a key that would never expire. Revoked since this write
    // began, the lease is gone with the reporter: nothing is written.
    long leaseId = lease.id();
    if (leaseId == 0) {
      return;
    }
    long revision = writer.put(status, leaseId);
    failures.answered();
    try {
      keyWatch.watchFrom(revision + 1);
    } catch (RuntimeException e) {
      // the write stands; without the watch a deleted key is written again within the minute
      QuietLog.write(logger, Level.FINE, "could not watch " + key + " for deletes", e);
    }
    pacing.written(status, nanoTime.getAsLong());
    writes++;
    leaseLossTold = false;
    boolean stretchSaid = failures.recovered();
    // a failure of the reporter's own ends too: one that comes back after this write is warned
    // of again, not left at FINE for the reporter's lifetime
    boolean taskFailureSaid = taskFailures.ended();
    if (stretchSaid || taskFailureSaid) {
      // the write stands whatever its line does: a log handler that fails here must not make
      // guarded() report a failed task after a successful write
      QuietLog.write(logger, Level.INFO, "the agent status " + key + " is written again", null);
    }
  }

  /**
   * Says that the lease was lost, once per stretch of failures at INFO (a lost lease is replaced at
   * once, and the key written again, with no one to act), then at FINE until a write succeeds.
   * Never throws, and is called once the lease is dropped: a log handler that fails at the line
   * must neither skip the new grant nor leave the dead lease to be written under.
   */
  private void leaseLost(String line) {
    if (leaseLossTold) {
      QuietLog.write(logger, Level.FINE, line + " (again, without a successful write since)", null);
    } else {
      leaseLossTold = QuietLog.write(logger, Level.INFO, line, null);
    }
  }

  private void dropLease() {
    lease.drop();
    pacing.forgetWritten();
  }

  /**
   * Called on a jetcd thread when the status key was deleted while the lease lives: the status is
   * written again at once, whether or not it changed, on the reporter's thread; also while backing
   * off after failed writes, since etcd has just answered.
   */
  private void keyDeleted() {
    ScheduledExecutorService pool = executor;
    if (pool == null || closed.get()) {
      return;
    }
    try {
      pool.execute(() -> guarded(pacing::keyDeleted));
    } catch (RuntimeException e) {
      return; // closing
    }
    requestUpdate();
  }

  /** Called on a jetcd thread: the rest happens on the reporter's. */
  private void onLeaseLost(long id, Throwable error) {
    ScheduledExecutorService pool = executor;
    if (pool != null && !closed.get()) {
      try {
        pool.execute(() -> guarded(() -> replaceLostLease(id, error)));
      } catch (RuntimeException ignored) {
        // Closing.
      }
    }
  }

  private void replaceLostLease(long id, Throwable error) {
    if (closed.get() || id != lease.id()) {
      return;
    }
    // Either the lease is gone or jetcd stopped keeping it alive (no answer within its TTL, its
    // lease client closed): both end the same way, so a fresh lease is granted; an orphaned old one
    // expires with no keys on it. A broken stream alone is not told here (see StatusLease).
    dropLease();
    requestUpdate();
    leaseLost(
        "the status lease of "
            + key
            + " is no longer kept alive ("
            + EtcdErrors.rootMessage(error)
            + "); granting a new one");
  }

  /** Builds a {@link StatusReporter}; {@link #build()} does no I/O. */
  public static final class Builder {
    private final Client client;
    private final String service;
    private final ActiveRulesHolder rules;
    private final List<RuleSource> ruleSources = new ArrayList<>();
    private EtcdKeys keys = EtcdKeys.defaults();
    private String instanceId;
    private String host;
    private AgentStatus.Versions versions;
    private Supplier<List<AgentStatus.BreakerState>> breakers = List::of;
    private Supplier<List<AgentStatus.TargetStats>> topTargets = List::of;
    private Supplier<List<AgentStatus.UnguardedClient>> unguardedClients;
    private Duration leaseTtl = Duration.ofSeconds(10);
    private Duration refreshInterval = Duration.ofSeconds(5);
    private Duration minWriteInterval = Duration.ofMillis(200);
    private Duration callTimeout = Duration.ofSeconds(5);
    private int maxStatusBytes = StatusCaps.MAX_STATUS_BYTES;
    private Clock clock = Clock.systemUTC();
    private LongSupplier nanoTime = System::nanoTime;
    private LongConsumer leaseGranted = id -> {};
    private Runnable beforePut = () -> {};
    private Runnable beforeStarted = () -> {};
    private EtcdSchemeMismatch schemes = EtcdSchemeMismatch.unknown();
    private List<URI> etcdEndpoints = List.of();
    private EtcdCredentials etcdCredentials = EtcdCredentials.PASSWORD;

    private Builder(Client client, String service, ActiveRulesHolder rules) {
      this.client = Objects.requireNonNull(client, "client");
      this.service = EtcdKeys.requireSegment("service", service);
      this.rules = Objects.requireNonNull(rules, "rules");
    }

    /** The etcd key layout, default namespace {@code /sluice}. */
    public Builder keys(EtcdKeys keys) {
      this.keys = Objects.requireNonNull(keys, "keys");
      return this;
    }

    /** This process's instance id; default a random UUID. */
    public Builder instanceId(String instanceId) {
      this.instanceId = EtcdKeys.requireSegment("instance id", instanceId);
      return this;
    }

    /** The host name to report; default the local host name, looked up in {@code start()}. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The versions to report; default detected from the class path. */
    public Builder versions(AgentStatus.Versions versions) {
      this.versions = Objects.requireNonNull(versions, "versions");
      return this;
    }

    /** A source whose rejections are reported and whose changes trigger an update. */
    public Builder addRuleSource(RuleSource source) {
      ruleSources.add(Objects.requireNonNull(source, "source"));
      return this;
    }

    /** Live breaker states, e.g. the breaker registry's {@code breakerStates()}. */
    public Builder breakers(Supplier<List<AgentStatus.BreakerState>> breakers) {
      this.breakers = Objects.requireNonNull(breakers, "breakers");
      return this;
    }

    /**
     * The outgoing targets, busiest first, e.g. {@code registry::targetStats}: the status lists the
     * first 50 and counts the rest in {@code topTargetsOmitted}, which a supplier that cuts the
     * list itself leaves at 0.
     */
    public Builder topTargets(Supplier<List<AgentStatus.TargetStats>> topTargets) {
      this.topTargets = Objects.requireNonNull(topTargets, "topTargets");
      return this;
    }

    /**
     * The HTTP clients the app made that Sluice does not guard, e.g. the agent's; without one the
     * status leaves {@code unguardedClients} out (not told), as an app that starts its guarded
     * calls itself has nothing to say there. A new client is written with the next refresh.
     */
    public Builder unguardedClients(Supplier<List<AgentStatus.UnguardedClient>> unguardedClients) {
      this.unguardedClients = Objects.requireNonNull(unguardedClients, "unguardedClients");
      return this;
    }

    /** The lease TTL: between 2 s and 15 s, default 10 s. */
    public Builder leaseTtl(Duration ttl) {
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.compareTo(Duration.ofSeconds(2)) < 0 || ttl.compareTo(MAX_LEASE_TTL) > 0) {
        throw new IllegalArgumentException(
            "lease TTL must be between 2 s and " + MAX_LEASE_TTL.toSeconds() + " s, got " + ttl);
      }
      this.leaseTtl = ttl;
      return this;
    }

    /** How often breaker and traffic figures are refreshed; default 5 s, at least 100 ms. */
    public Builder refreshInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.toMillis() < 100) {
        throw new IllegalArgumentException(
            "refresh interval must be at least 100 ms, got " + interval);
      }
      this.refreshInterval = interval;
      return this;
    }

    /** The least time between two writes; default 200 ms, between 10 ms and 5 s. */
    public Builder minWriteInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.toMillis() < 10 || interval.compareTo(Duration.ofSeconds(5)) > 0) {
        throw new IllegalArgumentException(
            "minimum write interval must be between 10 ms and 5 s, got " + interval);
      }
      this.minWriteInterval = interval;
      return this;
    }

    /** How long one etcd call may take; default 5 s. */
    public Builder callTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.toMillis() < 1) {
        throw new IllegalArgumentException("call timeout must be positive, got " + timeout);
      }
      this.callTimeout = timeout;
      return this;
    }

    /**
     * The largest status written whole; a larger one is written {@linkplain StatusCaps#minimal
     * minimal}. For tests, which raise it to make etcd refuse a put for its size.
     */
    Builder maxStatusBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("max status bytes must be at least 1024, got " + bytes);
      }
      this.maxStatusBytes = bytes;
      return this;
    }

    /** The clock for start time and update stamps. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The monotonic clock that spaces writes, {@code System::nanoTime} but in tests: its readings,
     * like {@code System.nanoTime()}'s, have an arbitrary origin and may be negative.
     */
    Builder nanoTime(LongSupplier nanoTime) {
      this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
      return this;
    }

    /**
     * Hears, on the reporter's thread, of each lease etcd granted, before the reporter takes it up:
     * tests hold the reporter there to close it while a grant is on its way.
     */
    Builder onLeaseGranted(LongConsumer leaseGranted) {
      this.leaseGranted = Objects.requireNonNull(leaseGranted, "leaseGranted");
      return this;
    }

    /**
     * Runs on the reporter's thread before each put of the status, once the write has its lease:
     * tests hold the reporter there to close it while a write is on its way.
     */
    Builder beforePut(Runnable beforePut) {
      this.beforePut = Objects.requireNonNull(beforePut, "beforePut");
      return this;
    }

    /**
     * Runs in {@code start()} once the reporter's thread pool is made, before it is in use: tests
     * close the reporter there, as another thread may while it starts.
     */
    Builder beforeStarted(Runnable beforeStarted) {
      this.beforeStarted = Objects.requireNonNull(beforeStarted, "beforeStarted");
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

    /** The reporter, not started. */
    public StatusReporter build() {
      return new StatusReporter(this);
    }
  }
}
