package io.sluice.sdk.config;

import io.etcd.jetcd.Client;
import io.sluice.etcd.TemporaryStateDirectory;
import io.sluice.etcd.UnsafeStateDirectoryException;
import io.sluice.rules.OneLineText;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.QuietLog;
import io.sluice.sdk.source.EtcdRuleSource;
import io.sluice.sdk.source.FileRuleSource;
import io.sluice.sdk.source.LastKnownGoodStore;
import io.sluice.sdk.source.RuleSource;
import io.sluice.sdk.status.StatusReporter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Everything a {@link SluiceConfig} asks for to keep rules live, started and closed as one: with
 * {@code sluice.etcd.endpoints}, a jetcd client, an {@link EtcdRuleSource} backed by a {@link
 * LastKnownGoodStore} under {@code sluice.state.dir}, and a {@link StatusReporter}; otherwise with
 * {@code sluice.rules.file}, a {@link FileRuleSource}; otherwise nothing (the built-in defaults
 * stay). With both etcd and a file configured, etcd wins and the file is ignored with a warning,
 * unless the etcd client cannot be made. A TLS file that cannot be read or used, known only then (a
 * certificate a sidecar writes after the app started, a key that does not fit): the file, else the
 * last-known-good rules, run without etcd while the files are read again every few seconds, and
 * once they can be used etcd takes over as at a start (see {@link #waitForTlsFiles}). Another
 * failure to make the client: the file runs without etcd until a restart, as it does for a
 * configuration the agent refuses. When the JVM knows no home, the state directory's fallback under
 * the temporary directory must be this user's own ({@link TemporaryStateDirectory}), or no snapshot
 * is read or written there. A configuration that stands in for a refused one ({@link
 * Builder#replacesRefusedConfiguration()}, the javaagent's fallback) runs, without a rules file,
 * the last-known-good rules through that same store and check.
 *
 * <p>Exists for the javaagent and for applications that configure Sluice by properties. With etcd,
 * {@link #start()} returns at once and does all the work — TLS files, client, first read — on a
 * background thread, because the agent calls it on the application's start-up thread and etcd may
 * be slow or away; the INFO line that says the rules come from etcd is logged there, once the
 * client is made, so that it never claims etcd for an agent that runs without it. With a rules
 * file, {@code start()} reads it before returning ({@link FileRuleSource#start()}): a local read is
 * cheap, and the application's first calls then run on the file's rules. Nothing in here ever
 * throws into the caller after {@link Builder#build()}: failures are logged, and the rules in force
 * stay.
 */
public final class ConfiguredRules implements AutoCloseable {

  private static final Logger logger = Logger.getLogger(ConfiguredRules.class.getName());

  /**
   * How OpenTelemetry names a service without a name: {@code unknown_service:<process>} (a bare
   * {@code unknown_service} is a valid name here, so it never reaches the warning).
   */
  private static final String OPEN_TELEMETRY_UNNAMED = "unknown_service";

  private final SluiceConfig config;
  private final ActiveRulesHolder holder;
  private final Supplier<List<AgentStatus.BreakerState>> breakers;
  private final Supplier<List<AgentStatus.TargetStats>> topTargets;
  private final Supplier<List<AgentStatus.UnguardedClient>> unguardedClients;
  private final String instanceId;
  private final Function<SluiceConfig, Client> clients;
  private final Function<String, String> systemProperties;
  private final String serviceNameOrigin;
  private final ConfigLookup settingNames;
  private final String stateDirAdvice;
  private final boolean replacesRefused;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch ready = new CountDownLatch(1);

  /** Counted down by {@link #close()}: ends a wait for the etcd TLS files. */
  private final CountDownLatch closing = new CountDownLatch(1);

  private final Duration tlsRetry;

  /**
   * The last-known-good store made while the etcd TLS files are waited for without a rules file;
   * written and read on the start thread only.
   */
  private LastKnownGoodStore waitingStore;

  /** Whether {@link #waitingStore} was made (it is null when the store was refused). */
  private boolean waitingStoreMade;

  /** The latest reason the etcd TLS files could not be used; start thread only. */
  private String tlsProblem;

  // Written by the starting thread before ready counts down, and once more when etcd takes over
  // after a wait for its TLS files (see waitForTlsFiles).
  private volatile Client client;
  private volatile RuleSource source;
  private volatile StatusReporter statusReporter;

  private ConfiguredRules(Builder builder) {
    this.config = builder.config;
    this.holder = builder.holder;
    this.breakers = builder.breakers;
    this.topTargets = builder.topTargets;
    this.unguardedClients = builder.unguardedClients;
    this.instanceId = builder.instanceId;
    // with no names given, as the configuration recorded them when it was read or built
    ConfigLookup names =
        builder.settingNames != null ? builder.settingNames : config.settingNames();
    this.settingNames = names;
    this.stateDirAdvice = names.missing(ConfigKeys.STATE_DIR);
    this.clients =
        builder.clients != null
            ? builder.clients
            : etcdConfig -> EtcdClientFactory.create(etcdConfig, names);
    this.systemProperties = builder.systemProperties;
    this.serviceNameOrigin =
        builder.serviceNameOrigin != null || builder.settingNames != null
            ? builder.serviceNameOrigin
            : names.origin(ConfigKeys.SERVICE_NAME);
    this.replacesRefused = builder.replacesRefused;
    this.tlsRetry = builder.tlsRetry;
  }

  /** A builder for what {@code config} asks for, keeping {@code holder} up to date. */
  public static Builder builder(SluiceConfig config, ActiveRulesHolder holder) {
    return new Builder(config, holder);
  }

  /**
   * Starts what the configuration asks for. With etcd, everything happens in the background and
   * this returns at once; the etcd rules (or the last-known-good ones) arrive later. With a rules
   * file, the file is read, validated and published before this returns, so a valid file's rules
   * are in force (a missing or invalid file leaves the rules in force, as {@link
   * FileRuleSource#start()} says), and the file is watched in the background from then on. Never
   * throws. Idempotent.
   */
  public void start() {
    if (closed.get() || !started.compareAndSet(false, true)) {
      return;
    }
    if (!config.usesEtcd()) {
      // a local file (or nothing): no network to wait on
      startParts();
      return;
    }
    Thread thread =
        new Thread(
            () -> {
              if (startParts()) {
                waitForTlsFiles();
              }
            },
            "sluice-rules-start");
    thread.setDaemon(true);
    thread.start();
  }

  /** The rule source in use, or {@code null} before it is set up or when none is configured. */
  public RuleSource source() {
    return source;
  }

  /** The status reporter, or {@code null} before it is set up or without etcd. */
  public StatusReporter statusReporter() {
    return statusReporter;
  }

  /**
   * Asks the status reporter, when there is one, to write the status soon (debounced), e.g. after a
   * breaker transition; does nothing before it is set up or without etcd. Cheap, never throws.
   */
  public void requestStatusUpdate() {
    StatusReporter reporter = statusReporter;
    if (reporter != null) {
      reporter.requestUpdate();
    }
  }

  /**
   * Waits until the background start has set up the source and reporter (not until rules arrive
   * from etcd). Without etcd, {@link #start()} has already done so when it returns, file read
   * included.
   *
   * @return whether it finished within the timeout
   */
  public boolean awaitStarted(long timeout, TimeUnit unit) throws InterruptedException {
    return ready.await(timeout, unit);
  }

  /**
   * Closes the reporter (revoking its lease), the source and the client that exist. Idempotent.
   * Never waits for a background start still in progress: whatever it creates from now on, it
   * closes itself (see {@link #startParts}). A start still creating the client (class loading
   * through the agent took over a second on two cores) has nothing to close yet, and the app's
   * exit, which runs this from a shutdown hook, must not wait for it.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closing.countDown();
    closeParts();
  }

  /**
   * Why a service runs the {@code _default} document: its name cannot have one, or it has no name
   * set at all and Sluice runs it as {@code unknown_service:<process>}.
   *
   * @param origin the key the name was read from, or null when not known (given in code, or read by
   *     {@link SluiceConfig#fromSystem()}: the configuration does not say which)
   */
  static String withoutOwnDocument(String service, String origin) {
    if (service.startsWith(OPEN_TELEMETRY_UNNAMED + ":")) {
      // not "OpenTelemetry names it so": the app's resource may name its spans' service otherwise
      // (the agent takes a name its detectors find and says so before this is reached)
      return "no service name is set ("
          + ConfigKeys.SERVICE_NAME
          + ", OTEL_SERVICE_NAME or service.name in otel.resource.attributes), so Sluice names"
          + " the service "
          + service
          + "; only the _default document applies: set the name to give the service rules of its"
          + " own";
    }
    return (origin == null ? "the service name " : origin + "=")
        + service
        + " can have no rule document of its own (a service name is "
        + RuleDocument.SERVICE_NAME_RULE
        + "); only the _default document applies";
  }

  /** Closes the reporter, the source and the client that exist so far; each close is idempotent. */
  private void closeParts() {
    closeQuietly(statusReporter);
    closeQuietly(source);
    closeQuietly(client);
  }

  /**
   * Sets up the source (and reporter); on the caller's thread without etcd, else a background one.
   * Returns whether the etcd client could not be made for its TLS files, and something else runs
   * until they can be used (see {@link #waitForTlsFiles}).
   */
  private boolean startParts() {
    boolean waitingForTls = false;
    try {
      String service = config.serviceName();
      if ((config.usesEtcd() || config.rulesFile() != null)
          && service != null
          && !RuleDocument.isServiceName(service)) {
        say(Level.WARNING, withoutOwnDocument(service, serviceNameOrigin));
      }
      if (config.usesEtcd()) {
        waitingForTls = !startEtcd();
      } else if (config.rulesFile() != null) {
        startFile();
      } else if (replacesRefused && service != null) {
        // the same store, and checks, as with etcd: only the line that says what runs differs
        LastKnownGoodStore store = lastKnownGoodStore(true);
        if (store != null) {
          store.load(service).ifPresent(this::publishUntilCorrected);
        }
      }
    } catch (RuntimeException | LinkageError e) {
      setupFailed(e);
    } finally {
      if (closed.get()) {
        closeParts(); // close() may have run before these parts existed
      }
      ready.countDown();
    }
    return waitingForTls;
  }

  /**
   * Makes the etcd client and runs etcd, or what runs without it; returns false when the client
   * could not be made for its TLS files (then the rules file or the last-known-good rules run until
   * they can be used: see {@link #waitForTlsFiles}).
   */
  private boolean startEtcd() {
    String service = config.serviceName();
    Client etcd;
    try {
      etcd = clients.apply(config);
    } catch (EtcdTlsException e) {
      // a configuration mistake, or files not written yet: one line, no stack trace
      tlsUnusable(e);
      try {
        waitingStore = startWithoutEtcd(service, false);
        waitingStoreMade = config.rulesFile() == null;
      } catch (RuntimeException | LinkageError failed) {
        // what runs meanwhile could not be set up: the files are still waited for, as said
        setupFailed(failed);
      }
      return false;
    } catch (RuntimeException | LinkageError e) {
      // a LinkageError too: an app with a clashing gRPC, Netty or Vert.x on its class path; the
      // rules file or last-known-good rules still run, as for any other client failure
      clientFailed(e);
      startWithoutEtcd(service, true);
      return true;
    }
    runEtcd(etcd, lastKnownGoodStore(false), true);
    return true;
  }

  /**
   * Reads the etcd TLS files again every {@link Builder#tlsRetry} until the client can be made, and
   * then runs etcd as a start would have (the rules file stops being followed: etcd wins), or until
   * {@link #close()}. Exists because a certificate is often written by a sidecar after the app
   * started (a Vault or SPIFFE agent, a CSI driver that mounts late): before, the agent ran without
   * etcd until a restart. Runs on the background start thread, after {@link #awaitStarted} is
   * through: what runs meanwhile is set up. Files that still cannot be used are said again at FINE,
   * or as a WARNING when the problem changed; a failure other than the files' ends the wait with
   * one SEVERE line.
   */
  private void waitForTlsFiles() {
    try {
      while (!closing.await(tlsRetry.toMillis(), TimeUnit.MILLISECONDS)) {
        Client etcd;
        try {
          etcd = clients.apply(config);
        } catch (EtcdTlsException e) {
          tlsUnusable(e);
          continue;
        } catch (RuntimeException | LinkageError e) {
          clientFailed(e);
          return;
        }
        if (closed.get()) {
          closeQuietly(etcd);
          return;
        }
        RuleSource waiting = source;
        say(
            Level.INFO,
            "Sluice: the etcd TLS files can be used now; "
                + (waiting != null ? "the rules file is no longer followed and " : "")
                + "the rules come from etcd");
        closeQuietly(waiting);
        // a store refused while waiting (its warning said) is not asked for again
        runEtcd(etcd, waitingStoreMade ? waitingStore : lastKnownGoodStore(false), false);
        if (closed.get()) {
          closeParts(); // close() may have run while these parts were made
        }
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | LinkageError e) {
      setupFailed(e);
      if (closed.get()) {
        closeParts();
      }
    }
  }

  /**
   * Says why the etcd TLS files cannot be used, and what runs meanwhile: a WARNING the first time
   * and whenever the problem changes (the files written, but with a key that does not fit: a
   * WARNING naming a missing file would otherwise stay the last word), FINE for a repeat.
   */
  private void tlsUnusable(EtcdTlsException e) {
    boolean changed = !Objects.equals(e.getMessage(), tlsProblem);
    tlsProblem = e.getMessage();
    QuietLog.write(
        logger,
        changed ? Level.WARNING : Level.FINE,
        "Sluice: " + e.getMessage() + "; " + withoutEtcdUntilTlsFiles(),
        null);
  }

  /** The SEVERE line of an etcd client that could not be made, for another reason than TLS. */
  private void clientFailed(Throwable e) {
    QuietLog.write(
        logger,
        Level.SEVERE,
        "Sluice could not create its etcd client ("
            + e.getMessage()
            + "); "
            + withoutEtcdUntilRestart(),
        e);
  }

  /** The SEVERE line of a rule source that could not be set up: the rules in force stay. */
  private static void setupFailed(Throwable e) {
    QuietLog.write(
        logger,
        Level.SEVERE,
        "Sluice could not set up its rule source (" + e.getMessage() + "); the rules in force stay",
        e);
  }

  /**
   * Runs etcd with {@code etcd}: the rule source and the status reporter, under {@code store};
   * {@code atStart}: says that a rules file configured too is ignored, and puts the stored rules in
   * force until etcd's first read (after a wait for the TLS files, the line that etcd takes over
   * said so, and the rules in force stay until etcd answers).
   */
  private void runEtcd(Client etcd, LastKnownGoodStore store, boolean atStart) {
    String service = config.serviceName();
    client = etcd;
    if (closed.get()) {
      return;
    }
    // said only now that etcd is what runs: without a client the rules file, the last-known-good
    // rules or the defaults run (startWithoutEtcd), and a line said earlier would claim etcd
    say(
        Level.INFO,
        "Sluice: rules for '"
            + service
            + "' from etcd "
            + config.etcdEndpoints()
            + ", status reported under "
            + config.etcdKeys().agentsPrefix(service));
    if (atStart && config.rulesFile() != null) {
      say(
          Level.WARNING,
          settingNames.origin(ConfigKeys.RULES_FILE)
              + "="
              + config.rulesFile()
              + " is ignored: "
              + settingNames.origin(ConfigKeys.ETCD_ENDPOINTS)
              + " is set and etcd wins");
    }
    EtcdRuleSource etcdSource =
        EtcdRuleSource.builder(etcd, holder, service)
            .keys(config.etcdKeys())
            .etcdEndpoints(config.etcdEndpoints())
            .etcdCredentials(config.etcdCredentials())
            .lastKnownGood(store)
            // after a wait for the TLS files, the rules file's or these same rules are in force:
            // the snapshot would only set a file's rules back until etcd answers
            .lastKnownGoodAtStart(atStart)
            .build();
    StatusReporter.Builder reporter =
        StatusReporter.builder(etcd, service, holder)
            .keys(config.etcdKeys())
            .etcdEndpoints(config.etcdEndpoints())
            .etcdCredentials(config.etcdCredentials())
            .addRuleSource(etcdSource)
            .breakers(breakers)
            .topTargets(topTargets);
    if (unguardedClients != null) {
      reporter.unguardedClients(unguardedClients);
    }
    if (instanceId != null) {
      reporter.instanceId(instanceId);
    }
    source = etcdSource;
    statusReporter = reporter.build();
    etcdSource.start();
    statusReporter.start();
  }

  /**
   * What runs when the etcd client cannot be made: the rules file when one is configured, as a
   * refused configuration runs on a valid rules file; else the last-known-good rules, which beat
   * the defaults. {@code untilRestart}: for another reason than its TLS files, so no rules come
   * from etcd before a restart; else until the files can be used ({@link #waitForTlsFiles}).
   * Returns the last-known-good store it made, null with a rules file or a store refused.
   */
  private LastKnownGoodStore startWithoutEtcd(String service, boolean untilRestart) {
    if (config.rulesFile() != null) {
      startFile();
      return null;
    }
    LastKnownGoodStore store = lastKnownGoodStore(untilRestart);
    loadLastKnownGood(store, service);
    return store;
  }

  /** The end of the line that says the etcd TLS files cannot be used: what runs meanwhile. */
  private String withoutEtcdUntilTlsFiles() {
    return (config.rulesFile() == null
            ? "running without etcd"
            : "running without etcd, " + onFile() + ",")
        + " until the files can be used (read again every "
        + (tlsRetry.toMillis() % 1000 == 0
            ? tlsRetry.toSeconds() + " s)"
            : tlsRetry.toMillis() + " ms)");
  }

  /** The end of the line that says the etcd client could not be made: what runs instead. */
  private String withoutEtcdUntilRestart() {
    return "running without etcd until a restart"
        + (config.rulesFile() == null ? "" : ", " + onFile());
  }

  /** {@code on the rules file sluice.rules.file=/x}, the file named by its setting. */
  private String onFile() {
    return "on the rules file "
        + settingNames.origin(ConfigKeys.RULES_FILE)
        + "="
        + config.rulesFile();
  }

  /** Reads the rules file before returning, then watches it ({@link FileRuleSource#start()}). */
  private void startFile() {
    FileRuleSource file =
        FileRuleSource.builder(config.rulesFile(), holder)
            .service(config.serviceName())
            .setting(settingNames.origin(ConfigKeys.RULES_FILE))
            .build();
    source = file;
    file.start();
  }

  /**
   * The last-known-good store under the state directory, or {@code null} when that directory lies
   * in the fallback under the temporary directory ({@link TemporaryStateDirectory}) and the
   * fallback is not this user's own: another local user could read the snapshot there or plant one,
   * so none is read or written, and the rules come from etcd alone (without etcd, the built-in
   * defaults run). Either case, or the fallback's being a temporary directory, is said in one
   * WARNING.
   *
   * @param withoutEtcd whether no etcd client will be there before a restart (it could not be made
   *     for another reason than its TLS files, or the configuration replaces a refused one), so
   *     that no rules come from etcd before a restart (see {@link
   *     LastKnownGoodStore.Builder#withoutEtcd})
   */
  private LastKnownGoodStore lastKnownGoodStore(boolean withoutEtcd) {
    Path fallback = TemporaryStateDirectory.containing(config.stateDir(), systemProperties);
    if (fallback != null) {
      try {
        // one that could not be closed to readers is fit to use: the store says so, once
        TemporaryStateDirectory.secure(fallback);
      } catch (UnsafeStateDirectoryException e) {
        say(Level.WARNING, refusedStateDir(e, withoutEtcd));
        return null;
      } catch (IOException | RuntimeException e) {
        // cannot be created or read: the store's first save names the directory and the key
        QuietLog.write(logger, Level.FINE, "could not check the state directory " + fallback, e);
      }
    }
    // said once, at start: the snapshot is only needed at a later start, too late to say it then
    String temporary =
        SluiceConfig.temporaryStateDirNotice(config.stateDir(), systemProperties, stateDirAdvice);
    if (temporary != null) {
      say(Level.WARNING, temporary);
    }
    LastKnownGoodStore.Builder store =
        LastKnownGoodStore.builder(config.stateDir())
            .namespace(config.namespace())
            .etcdEndpoints(config.etcdEndpoints())
            .stateDirSetting(settingNames.origin(ConfigKeys.STATE_DIR));
    if (withoutEtcd) { // no client: a refused snapshot leaves the defaults until a restart
      store.withoutEtcd();
    }
    // checked again with every load and save: a cleaner may remove it while the app runs
    return (fallback == null ? store : store.privateRoot(fallback)).build();
  }

  /**
   * The one WARNING for a state directory fallback that is not this user's own; {@code
   * withoutEtcd}: no rules come from etcd before a restart, so the built-in defaults run now.
   */
  private String refusedStateDir(UnsafeStateDirectoryException e, boolean withoutEtcd) {
    return "Sluice neither reads nor saves last-known-good rules in "
        + config.stateDir()
        + ", under the temporary directory because the JVM knows no home directory (user.home="
        + systemProperties.apply("user.home")
        + "): "
        + e.getMessage()
        + (withoutEtcd
            ? "; with no rules from etcd before a restart, the built-in defaults run: set "
            : "; the rules still come from etcd, but an agent that starts while etcd is away runs"
                + " the built-in defaults: set ")
        + stateDirAdvice
        + " to a directory only this user can write";
  }

  private void loadLastKnownGood(LastKnownGoodStore store, String service) {
    if (store != null) {
      store.load(service).ifPresent(this::publishLastKnownGood);
    }
  }

  private void publishLastKnownGood(ActiveRules rules) {
    say(
        Level.INFO,
        "running the last-known-good rules (revision " + rules.revision() + ") without etcd");
    holder.publish(rules);
  }

  private void publishUntilCorrected(ActiveRules rules) {
    say(
        Level.INFO,
        "Sluice: running the last-known-good rules (revision "
            + rules.revision()
            + ") until the configuration refused above is corrected");
    holder.publish(rules);
  }

  /**
   * Logs a line however the app's log handlers fail: a line that cannot be said must not stop the
   * setup it tells of (no rule source, no status, for the whole run).
   */
  private static void say(Level level, String line) {
    QuietLog.write(logger, level, line, null);
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception | LinkageError e) {
      // a LinkageError too (clashing gRPC or Netty jars, as at start): the next part still closes
      QuietLog.write(
          logger, Level.WARNING, "closing " + closeable.getClass().getSimpleName() + " failed", e);
    }
  }

  /** Builds {@link ConfiguredRules}; {@link #build()} does no I/O. */
  public static final class Builder {
    private final SluiceConfig config;
    private final ActiveRulesHolder holder;
    private Supplier<List<AgentStatus.BreakerState>> breakers = List::of;
    private Supplier<List<AgentStatus.TargetStats>> topTargets = List::of;
    private Supplier<List<AgentStatus.UnguardedClient>> unguardedClients;
    private String instanceId;
    private Function<SluiceConfig, Client> clients; // EtcdClientFactory but in tests
    private ConfigLookup settingNames;
    private Function<String, String> systemProperties = System::getProperty;
    private String serviceNameOrigin;
    private boolean replacesRefused;
    private Duration tlsRetry = Duration.ofSeconds(5);

    private Builder(SluiceConfig config, ActiveRulesHolder holder) {
      this.config = Objects.requireNonNull(config, "config");
      this.holder = Objects.requireNonNull(holder, "holder");
    }

    /** Live breaker states for the agent status, e.g. the breaker registry's. */
    public Builder breakers(Supplier<List<AgentStatus.BreakerState>> breakers) {
      this.breakers = Objects.requireNonNull(breakers, "breakers");
      return this;
    }

    /**
     * The outgoing targets for the agent status, busiest first, e.g. the breaker registry's {@code
     * targetStats} (see {@code StatusReporter.Builder#topTargets}).
     */
    public Builder topTargets(Supplier<List<AgentStatus.TargetStats>> topTargets) {
      this.topTargets = Objects.requireNonNull(topTargets, "topTargets");
      return this;
    }

    /**
     * The HTTP clients the app made that Sluice does not guard, for the agent status (see {@code
     * StatusReporter.Builder#unguardedClients}); default: not told.
     */
    public Builder unguardedClients(Supplier<List<AgentStatus.UnguardedClient>> unguardedClients) {
      this.unguardedClients = Objects.requireNonNull(unguardedClients, "unguardedClients");
      return this;
    }

    /**
     * This process's instance id in the agent status; default a random UUID. With etcd it is the
     * last segment of the status key {@code {namespace}/v1/agents/{service}/{instanceId}}, so
     * {@link #build()} refuses one that is blank, has a {@code /}, or is {@code .} or {@code ..}
     * (which the control plane's URLs could never address); without etcd no status is reported and
     * it is not used.
     */
    public Builder instanceId(String instanceId) {
      this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
      return this;
    }

    /** How often the etcd TLS files are read again while they cannot be used; 5 s but in tests. */
    Builder tlsRetry(Duration tlsRetry) {
      this.tlsRetry = Objects.requireNonNull(tlsRetry, "tlsRetry");
      return this;
    }

    /** Where the etcd client comes from; {@link EtcdClientFactory#create} but in tests. */
    Builder clients(Function<SluiceConfig, Client> clients) {
      this.clients = Objects.requireNonNull(clients, "clients");
      return this;
    }

    /**
     * Where {@code user.home} and the like are read to tell whether the state directory is a
     * temporary one; {@code System::getProperty} but in tests (give the properties the
     * configuration was read with: {@link SluiceConfig#fromProperties(ConfigLookup, Function)}).
     */
    public Builder systemProperties(Function<String, String> systemProperties) {
      this.systemProperties = Objects.requireNonNull(systemProperties, "systemProperties");
      return this;
    }

    /**
     * The setting the configuration's service name was read from, such as {@code
     * otel.service.name}, for the warning about a name that can have no rule document; unset, the
     * warning names it as the configuration recorded it ({@link SluiceConfig#settingNames()}:
     * {@code environment variable OTEL_SERVICE_NAME=…}, {@code builder().serviceName(…)=…}), or
     * says {@code the service name …} when {@link #settingNames} was given.
     */
    public Builder serviceNameOrigin(String origin) {
      this.serviceNameOrigin = Objects.requireNonNull(origin, "origin");
      return this;
    }

    /**
     * Where the configuration's settings were set ({@link ConfigLookup#origin}), for the warnings
     * given at start about settings the configuration accepted: a TLS file that cannot be used,
     * read only when the etcd client is made ({@code environment variable
     * SLUICE_ETCD_TLS_CA_FILE=/x: no such file} for one set in the environment), a rules file that
     * etcd overrides, and a state directory that cannot be used, whose advice names what to set by
     * {@link ConfigLookup#missing} ({@code builder().stateDir(…)} for {@link
     * ConfigLookup#givenInCode()}). Unset, each setting is named as the configuration recorded when
     * it was read or built ({@link SluiceConfig#settingNames()}), which is what a caller wants but
     * to name settings otherwise (the javaagent names a kept state directory so).
     */
    public Builder settingNames(ConfigLookup names) {
      this.settingNames = Objects.requireNonNull(names, "names");
      return this;
    }

    /**
     * Says that the configuration stands in for one that was refused (the javaagent's, which then
     * runs without etcd on what of it was valid), so that without a rules file the last-known-good
     * rules its state directory holds for its service and namespace run until the refused one is
     * corrected: one typo in a setting should not drop every breaker. They are read through the
     * same store as with etcd, so a state directory under the temporary directory is used only when
     * it is this user's own ({@link TemporaryStateDirectory}), and a snapshot that cannot be used
     * leaves the built-in defaults until a restart. Leave it unset when the refused configuration's
     * namespace was refused too: another namespace's rules are no substitute.
     */
    public Builder replacesRefusedConfiguration() {
      this.replacesRefused = true;
      return this;
    }

    /**
     * The runtime, not started.
     *
     * @throws IllegalArgumentException for an {@link #instanceId} that cannot be one segment of the
     *     status key, with etcd
     */
    public ConfiguredRules build() {
      if (instanceId != null && config.usesEtcd()) {
        requireInstanceIdSegment();
      }
      return new ConfiguredRules(this);
    }

    /**
     * Refuses here, saying why, an instance id the status reporter would refuse on the background
     * thread that starts etcd, where the refusal would leave the etcd rules unread.
     */
    private void requireInstanceIdSegment() {
      try {
        EtcdKeys.requireSegment("instance id", instanceId);
      } catch (IllegalArgumentException e) {
        ConfigLookup names = settingNames != null ? settingNames : config.settingNames();
        throw new IllegalArgumentException(
            "ConfiguredRules.builder(…).instanceId(…)="
                + OneLineText.escape(instanceId)
                + ": refused because "
                + names.origin(ConfigKeys.ETCD_ENDPOINTS)
                + " is set: the instance id is the last segment of the etcd key"
                + " {namespace}/v1/agents/{service}/{instanceId}, and an "
                + e.getMessage()
                + " (without etcd no status is reported and the instance id is not used)",
            e);
      }
    }
  }
}
