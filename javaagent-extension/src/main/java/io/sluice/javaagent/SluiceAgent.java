package io.sluice.javaagent;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.autoconfigure.ResourceConfiguration;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.resources.Resource;
import io.sluice.javaagent.instrumentation.BreakerInstrumentationModule;
import io.sluice.rules.OneLineText;
import io.sluice.rules.RuleDocument;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.QuietLog;
import io.sluice.sdk.breaker.BreakerRegistry;
import io.sluice.sdk.breaker.CallGuard;
import io.sluice.sdk.config.ConfigKeys;
import io.sluice.sdk.config.ConfigLookup;
import io.sluice.sdk.config.ConfiguredRules;
import io.sluice.sdk.config.SluiceConfig;
import io.sluice.sdk.config.UnknownSettings;
import java.nio.file.Path;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The extension's runtime in one JVM: the rules in force, the breakers, and the background work
 * that keeps them live (rule source, status reporter).
 *
 * <p>This is the one static instance of the extension, and deliberately so: the agent creates the
 * auto-configuration customizer, the sampler provider and the agent listener separately through
 * {@code ServiceLoader}, and this is where they meet. Nothing here does I/O or starts threads until
 * {@link #startInBackground}, which the agent listener calls once the agent is up; the work itself
 * then runs on a daemon thread, so the app's start never waits for etcd.
 */
final class SluiceAgent {

  private static final Logger logger = Logger.getLogger(SluiceAgent.class.getName());
  private static final SluiceAgent INSTANCE =
      new SluiceAgent(Runtime.getRuntime()::addShutdownHook);
  private static final String UNKNOWN_SERVICE = "unknown_service:java";
  private static final String SAMPLER = "otel.traces.sampler";
  private static final String SDK_DISABLED = "otel.sdk.disabled";

  private final AtomicBoolean configured = new AtomicBoolean();
  private final AtomicBoolean notConfiguredSaid = new AtomicBoolean();

  /**
   * The agent's configuration while Sluice waits for the resource to name a service that has no
   * name of its own ({@link #resourceBuilt}); null otherwise.
   */
  private final AtomicReference<ConfigProperties> awaitingName = new AtomicReference<>();

  /**
   * Said when the agent is up but never ran Sluice's configuration: with a declarative
   * configuration file the OpenTelemetry agent runs no {@code AutoConfigurationCustomizerProvider},
   * Sluice's included, so without this line Sluice would be off without a word.
   */
  static final String NOT_CONFIGURED =
      "Sluice was not configured by the OpenTelemetry agent, which runs no configuration"
          + " customizer with a declarative configuration file (otel.config.file,"
          + " OTEL_CONFIG_FILE): no rules are read and no circuit breaker guards a call; configure"
          + " the agent with system properties or environment variables to use Sluice";

  private final AtomicBoolean started = new AtomicBoolean();
  private final Deque<AutoCloseable> closeOnExit = new ConcurrentLinkedDeque<>();
  private volatile boolean bridgeInstalled;
  private volatile SluiceConfig config;
  private volatile ActiveRulesHolder rules;
  private volatile CallGuard guard = CallGuard.NONE;
  private volatile boolean configRefused;
  // where the service name was set (otel.service.name, environment variable OTEL_SERVICE_NAME,
  // otel.resource.attributes entry service.name), null without a name
  private volatile String serviceNameOrigin;
  private volatile boolean lastKnownGoodAllowed = true;
  // with the configuration refused with the service name among its problems: the name as set
  // (otel.service.name=team/orders), else null
  private volatile String refusedServiceName;
  // with the configuration refused: where the state directory its fallback kept was set, or null
  private volatile String keptStateDirSetting;
  // where each setting was set, for what is checked only at start (TLS files, the state directory)
  private volatile ConfigLookup settingNames;
  private final Consumer<Thread> shutdownHooks;
  private final Function<String, String> environment;
  private final Function<String, String> systemProperties;

  /** Held while parts start and while the hook closes them, so that one sees the other's work. */
  private final ReentrantLock lifecycle = new ReentrantLock();

  private volatile boolean shutDown; // the shutdown hook has run

  /**
   * @param shutdownHooks registers a JVM shutdown hook ({@link Runtime#addShutdownHook} but in
   *     tests), which throws {@link IllegalStateException} once the JVM is shutting down
   */
  SluiceAgent(Consumer<Thread> shutdownHooks) {
    this(shutdownHooks, System::getenv);
  }

  /**
   * @param environment where settings set as environment variables are told apart from keys ({@code
   *     System::getenv} but in tests)
   */
  SluiceAgent(Consumer<Thread> shutdownHooks, Function<String, String> environment) {
    this(shutdownHooks, environment, System::getProperty);
  }

  /**
   * @param systemProperties the JVM's system properties ({@code System::getProperty} but in tests):
   *     where settings given as {@code -D} flags are told apart from the environment, and {@code
   *     user.home} and the like, which decide where the state directory is and whether it lies
   *     under the temporary directory
   */
  SluiceAgent(
      Consumer<Thread> shutdownHooks,
      Function<String, String> environment,
      Function<String, String> systemProperties) {
    this.shutdownHooks = shutdownHooks;
    this.environment = environment;
    this.systemProperties = systemProperties;
  }

  static SluiceAgent instance() {
    return INSTANCE;
  }

  void bridgeInstalled(boolean installed) {
    this.bridgeInstalled = installed;
    // the breaker modules' advice calls the bridge: without it, no advice is woven in
    BreakerInstrumentationModule.bridgeInPlace(installed);
  }

  /**
   * Reads Sluice's settings from the agent's final configuration, puts the built-in defaults in
   * force and connects the bridge. Runs once, on the agent's start-up thread, before any
   * instrumentation is installed; no I/O. Never throws: the agent's own start must not depend on
   * Sluice's settings (an exception here would stop the agent's start, and the app's with it, or
   * leave the app without any of the agent's instrumentation). Should it fail, the failure is
   * logged and the app runs with the plain OpenTelemetry agent: nothing of Sluice starts, calls go
   * unguarded, and the sampler keeps the built-in defaults (the agent's own {@code
   * parentbased_always_on}). A configuration that failed is not tried again: the sampler provider
   * asks too, and would only fail and log it a second time.
   */
  void configure(ConfigProperties properties) {
    if (!configured.compareAndSet(false, true)) {
      return;
    }
    if (awaitsDetectedName(properties)) {
      // the resource, built next, may name the service: configured when it is (resourceBuilt), or
      // without a name when something asks first
      awaitingName.set(properties);
      return;
    }
    configureNamed(properties, null);
  }

  /**
   * Whether the service has no name of its own in {@code properties}: the agent builds its resource
   * next (with its SDK off too), whose detectors may find one ({@link #resourceBuilt}). Never
   * throws.
   */
  private static boolean awaitsDetectedName(ConfigProperties properties) {
    try {
      return serviceName(properties) == null;
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /**
   * Takes the service name the agent's resource detectors found for the app's spans (from its jar's
   * name, {@code spring.application.name}) when none is set, so that the service a user sees in its
   * traces is the one whose rules apply and under which it reports, rather than an unnamed one on
   * the {@code _default} document. A name that can have no rule document is not taken, and said so.
   * The agent builds its resource after its configuration and before its sampler, on its start-up
   * thread, so this completes {@link #configure}. Never throws.
   */
  void resourceBuilt(Resource resource) {
    ConfigProperties properties = awaitingName.get();
    if (properties == null) {
      return;
    }
    String detected = null;
    try {
      detected = detectedName(resource);
    } catch (RuntimeException | LinkageError e) {
      logger.log(Level.FINE, "Sluice: the service name the agent detected could not be read", e);
    }
    configureAwaited(properties, detected);
  }

  /**
   * The detected service name the rules may be selected by, or null: none was detected
   * (OpenTelemetry then names the service {@code unknown_service:java}), or it can have no rule
   * document (said).
   */
  private static String detectedName(Resource resource) {
    String name = resource.getAttribute(AttributeKey.stringKey("service.name"));
    if (name == null || name.isEmpty() || name.startsWith("unknown_service")) {
      return null;
    }
    if (!RuleDocument.isServiceName(name)) {
      logger.info(
          "Sluice: OpenTelemetry detected the service name "
              + "'"
              + OneLineText.escape(name)
              + "'"
              + " for the app's spans, which can have no rule document (a service name is "
              + RuleDocument.SERVICE_NAME_RULE
              + "), so Sluice does not select rules by it");
      return null;
    }
    return name;
  }

  /** Configures with {@code detected} as the service's name once, if still awaiting a name. */
  private void configureAwaited(ConfigProperties properties, String detected) {
    // cleared once configured, not before: whoever finds it set waits here for the configuration
    synchronized (awaitingName) {
      if (awaitingName.get() == properties) {
        configureNamed(properties, detected);
        awaitingName.set(null);
      }
    }
  }

  /** Configures without a name if the resource never named the service (the sampler asks first). */
  private void configureIfAwaiting() {
    ConfigProperties properties = awaitingName.get();
    if (properties != null) {
      configureAwaited(properties, null);
    }
  }

  /**
   * Configures from {@code properties}, under {@code detected} when the resource named the service
   * and the configuration does not. Never throws.
   */
  private void configureNamed(ConfigProperties properties, String detected) {
    try {
      configureOnce(properties, detected);
    } catch (RuntimeException | LinkageError e) {
      config = null; // startInBackground then starts nothing
      QuietLog.write(
          logger,
          Level.WARNING,
          "Sluice could not configure itself; the app runs with the OpenTelemetry agent alone: no"
              + " rules are read, no circuit breaker guards a call, and sampling follows the"
              + " parent's decision and keeps every root trace (the agent's default)",
          e);
    }
  }

  private void configureOnce(ConfigProperties properties, String detected) {
    SluiceConfig current;
    try {
      current = readConfig(properties, detected);
    } catch (RuntimeException | LinkageError e) {
      logger.log(Level.WARNING, "Sluice could not read its configuration; running on defaults", e);
      configRefused = true;
      current = SluiceConfig.builder().build();
    }
    config = current;
    rules = new ActiveRulesHolder(ActiveRules.defaults(service(current)));
    String samplerNotice = userSamplerNotice(properties, systemProperties, environment);
    if (samplerNotice != null) {
      logger.info(samplerNotice);
    }
    String sdkNotice = sdkDisabledNotice(properties, systemProperties, environment);
    if (sdkNotice != null) {
      logger.info(sdkNotice);
    }
    if (bridgeInstalled) {
      try {
        BridgeHooks.connect(this::guard);
      } catch (RuntimeException | LinkageError e) {
        logger.log(Level.WARNING, "Sluice could not connect its breakers to the HTTP clients", e);
      }
    }
  }

  /**
   * What to tell a user whose own {@code otel.traces.sampler} replaces Sluice's (the agent lets it
   * win), so that sampling rules that seem to do nothing are explained; {@code null} otherwise.
   */
  static String userSamplerNotice(
      ConfigProperties properties,
      Function<String, String> systemProperties,
      Function<String, String> environment) {
    String sampler = properties.getString(SAMPLER);
    if (sampler == null
        || sampler.equals(SluiceSamplerProvider.NAME)
        || properties.getBoolean(SDK_DISABLED, false)) {
      // with the SDK off no sampler decides anything: sdkDisabledNotice says what runs
      return null;
    }
    // named where it was set: OTEL_TRACES_SAMPLER is not found among the JVM's flags
    return "Sluice: "
        + origin(SAMPLER, properties, systemProperties, environment)
        + "="
        + sampler
        + " is set, so it decides sampling and Sluice's sampling rules do not apply (its"
        + " breakers do); leave it unset or set it to "
        + SluiceSamplerProvider.NAME
        + " for the rules";
  }

  /**
   * What to tell a user who turned OpenTelemetry's SDK off ({@code otel.sdk.disabled=true}, which
   * leaves the agent's instrumentation and its propagators in place), so that Sluice still guarding
   * calls with spans gone is no surprise; {@code null} when the SDK is on. Never throws.
   */
  static String sdkDisabledNotice(
      ConfigProperties properties,
      Function<String, String> systemProperties,
      Function<String, String> environment) {
    try {
      if (!properties.getBoolean(SDK_DISABLED, false)) {
        return null;
      }
      return "Sluice: "
          + origin(SDK_DISABLED, properties, systemProperties, environment)
          + "="
          + properties.getString(SDK_DISABLED)
          + " turns off OpenTelemetry's SDK: no spans or metrics are exported and Sluice's"
          + " sampling rules do not apply; Sluice's rules and circuit breakers still run (outgoing"
          + " calls are guarded, the agent status is reported to etcd when it is used), and trace"
          + " headers are still read from requests and written to outgoing calls";
    } catch (RuntimeException | LinkageError e) {
      logger.log(Level.FINE, "Sluice: " + SDK_DISABLED + " could not be read", e);
      return null;
    }
  }

  /** {@code key} as the user set it: the key, or the environment variable it was read from. */
  private static String origin(
      String key,
      ConfigProperties properties,
      Function<String, String> systemProperties,
      Function<String, String> environment) {
    return ConfigLookup.withOrigins(properties::getString, systemProperties, environment)
        .origin(key);
  }

  /**
   * Sluice's settings; a refused configuration is logged and replaced by one without etcd (see
   * {@link #withoutSources}).
   */
  private SluiceConfig readConfig(ConfigProperties properties, String detected) {
    UnknownSettings.warnOnce(true); // a misspelled key is read as no key at all: say which
    String serviceName = detected != null ? detected : serviceName(properties);
    ConfigLookup lookup =
        new AgentConfigLookup(properties, serviceName, systemProperties, environment);
    // named where it was set, as the refusal names it: OTEL_SERVICE_NAME as the variable, a name
    // from the resource attributes as their entry (not "the service name", nor otel.service.name)
    serviceNameOrigin =
        serviceName == null || detected != null ? null : lookup.origin(ConfigKeys.SERVICE_NAME);
    if (detected != null) {
      logger.info(
          "Sluice: no service name is set ("
              + ConfigKeys.SERVICE_NAME
              + ", OTEL_SERVICE_NAME or service.name in otel.resource.attributes), so Sluice"
              + " selects rules by '"
              + detected
              + "', the name OpenTelemetry detected for the app's spans (from its jar or"
              + " framework): set the name to choose another");
    }
    // the fallback of a refused configuration keeps settings of it (the state directory, the
    // rules file): what is said of them later names them where they were set too
    settingNames = lookup;
    try {
      // OpenTelemetry merged system properties, environment variables and its configuration file:
      // a refused value is named where it was set, so the user looks in the right place
      return SluiceConfig.fromProperties(lookup, systemProperties);
    } catch (IllegalArgumentException e) {
      configRefused = true;
      Fallback fallback = withoutSources(properties, serviceName, systemProperties);
      lastKnownGoodAllowed = fallback.lastKnownGood();
      if (serviceName != null && fallback.config().serviceName() == null) {
        // the fallback keeps every valid name: this one was refused
        refusedServiceName = lookup.origin(ConfigKeys.SERVICE_NAME) + "=" + serviceName;
      }
      keptStateDirSetting =
          keptStateDirSetting(properties, fallback.config(), lookup, systemProperties);
      logger.warning(refusal(fallback.config(), e.getMessage(), lookup));
      return fallback.config();
    }
  }

  /**
   * The one line that says a configuration was refused, what runs instead, and every problem; a
   * rules file is named by its setting as {@code names} says it was set ({@code environment
   * variable SLUICE_RULES_FILE=/x}), as every other line about it is.
   */
  static String refusal(SluiceConfig fallback, String problems, ConfigLookup names) {
    Path rulesFile = fallback.rulesFile();
    return rulesFile == null
        ? "Sluice: invalid configuration, running without etcd or a rules file: " + problems
        : "Sluice: invalid configuration, running without etcd on the rules file "
            + names.origin(ConfigKeys.RULES_FILE)
            + "="
            + rulesFile
            + " until the settings are corrected and the app restarted: "
            + problems;
  }

  /**
   * What a refused configuration is replaced by: no etcd, under the service's name and with the
   * state directory and etcd namespace when those are themselves valid, so the last-known-good
   * rules of that namespace still apply (see {@link #start}). With the namespace refused they do
   * not: another namespace's rules are no substitute. A rules file that is itself valid is kept: it
   * is what runs without etcd ({@code sluice.rules.file} applies when etcd is not configured), and
   * a typo in an etcd setting should not leave the app with no rules at all.
   */
  static Fallback withoutSources(ConfigProperties properties, String serviceName) {
    return withoutSources(properties, serviceName, System::getProperty);
  }

  /** As {@link #withoutSources(ConfigProperties, String)}, with the JVM's properties given. */
  static Fallback withoutSources(
      ConfigProperties properties, String serviceName, Function<String, String> systemProperties) {
    Fallback withoutEtcd = withoutAnySource(properties, serviceName, systemProperties);
    Path rulesFile = validRulesFile(properties, systemProperties);
    if (rulesFile == null) {
      return withoutEtcd;
    }
    try {
      return new Fallback(
          withoutEtcd.config().toBuilder().rulesFile(rulesFile).build(),
          withoutEtcd.lastKnownGood());
    } catch (IllegalArgumentException refusedWithTheRest) {
      return withoutEtcd;
    }
  }

  /**
   * Where the state directory a refused configuration's fallback kept was set ({@code environment
   * variable SLUICE_STATE_DIR}); null when the fallback has the default one, the setting being
   * refused or unset, so that no line names a setting for a directory it did not choose.
   */
  private static String keptStateDirSetting(
      ConfigProperties properties,
      SluiceConfig fallback,
      ConfigLookup names,
      Function<String, String> systemProperties) {
    try {
      Path set = keeping(properties, null, systemProperties, ConfigKeys.STATE_DIR).stateDir();
      return properties.getString(ConfigKeys.STATE_DIR) != null && set.equals(fallback.stateDir())
          ? names.origin(ConfigKeys.STATE_DIR)
          : null;
    } catch (IllegalArgumentException refusedToo) {
      return null;
    }
  }

  /** {@code sluice.rules.file} when it is valid on its own, else null. */
  private static Path validRulesFile(
      ConfigProperties properties, Function<String, String> systemProperties) {
    try {
      return keeping(properties, null, systemProperties, ConfigKeys.RULES_FILE).rulesFile();
    } catch (IllegalArgumentException refusedToo) {
      return null;
    }
  }

  private static Fallback withoutAnySource(
      ConfigProperties properties, String serviceName, Function<String, String> systemProperties) {
    try {
      return new Fallback(
          keeping(
              properties,
              serviceName,
              systemProperties,
              ConfigKeys.STATE_DIR,
              ConfigKeys.ETCD_NAMESPACE),
          true);
    } catch (IllegalArgumentException nameStateDirOrNamespaceRefusedToo) {
      // fall through
    }
    try {
      return new Fallback(
          keeping(properties, serviceName, systemProperties, ConfigKeys.ETCD_NAMESPACE), true);
    } catch (IllegalArgumentException nameOrNamespaceRefusedToo) {
      // fall through
    }
    try {
      return new Fallback(SluiceConfig.builder().serviceName(serviceName).build(), false);
    } catch (IllegalArgumentException nameRefusedToo) {
      return new Fallback(SluiceConfig.builder().build(), false);
    }
  }

  /** A configuration of {@code keys} alone (and the service name), read as the agent reads it. */
  private static SluiceConfig keeping(
      ConfigProperties properties,
      String serviceName,
      Function<String, String> systemProperties,
      String... keys) {
    return SluiceConfig.fromProperties(
        ConfigLookup.of(kept(properties, serviceName, keys)), systemProperties);
  }

  private static Function<String, String> kept(
      ConfigProperties properties, String serviceName, String... keys) {
    List<String> kept = List.of(keys);
    return key ->
        key.equals(ConfigKeys.SERVICE_NAME)
            ? serviceName
            : kept.contains(key) ? properties.getString(key) : null;
  }

  /**
   * A configuration without etcd (with a rules file, if one was valid), and whether the
   * last-known-good rules it points to may run when it has no rules file.
   */
  record Fallback(SluiceConfig config, boolean lastKnownGood) {}

  /** The rules in force; built-in defaults until a source publishes. */
  ActiveRulesHolder rules() {
    configureIfAwaiting();
    ActiveRulesHolder current = rules;
    if (current == null) {
      // Only if the sampler were asked for before configuration, which the agent does not do.
      current = new ActiveRulesHolder(ActiveRules.defaults(UNKNOWN_SERVICE));
      rules = current;
    }
    return current;
  }

  /** The call guard outgoing HTTP calls ask; guards nothing until the breakers are up. */
  CallGuard guard() {
    return guard;
  }

  /**
   * Starts the breakers, the rule source and the status reporter on a daemon thread. Failures are
   * logged once; the app keeps running on the rules it has.
   */
  void startInBackground(MeterProvider meterProvider) {
    configureIfAwaiting();
    SluiceConfig current = config;
    if (current == null) {
      if (!configured.get() && notConfiguredSaid.compareAndSet(false, true)) {
        // a failed configuration said so itself; this is the agent never asking
        QuietLog.write(logger, Level.WARNING, NOT_CONFIGURED, null);
      }
      return;
    }
    if (!started.compareAndSet(false, true)) {
      return;
    }
    Thread starter =
        new Thread(
            () -> {
              try {
                start(current, meterProvider);
              } catch (RuntimeException | LinkageError e) {
                logger.log(
                    Level.WARNING,
                    "Sluice could not start its rule source; running on defaults",
                    e);
              }
            },
            "sluice-start");
    starter.setDaemon(true);
    starter.start();
  }

  /** What {@link #startInBackground} runs on its thread; package-private for tests. */
  void start(SluiceConfig current, MeterProvider meterProvider) {
    // The hook first: once the JVM is shutting down, registering throws, and what had started by
    // then (the status lease among it) would never be closed.
    try {
      shutdownHooks.accept(new Thread(this::closeAll, "sluice-shutdown"));
    } catch (IllegalStateException shuttingDown) {
      logger.fine("Sluice: the JVM is shutting down; not starting the rule source");
      return;
    }
    // One at a time with the hook: it closes everything started here, or runs first and nothing
    // starts. A hook that finds the start in progress leaves the closing to it.
    lifecycle.lock();
    try {
      if (!shutDown) {
        startParts(current, meterProvider);
      }
      if (shutDown) {
        closeStarted();
        guard = CallGuard.NONE;
      }
    } finally {
      lifecycle.unlock();
    }
  }

  private void startParts(SluiceConfig current, MeterProvider meterProvider) {
    ActiveRulesHolder holder = rules();
    BreakerRegistry registry = BreakerRegistry.builder(holder).meterProvider(meterProvider).build();
    closeOnExit.push(registry);
    guard = registry;
    // A refused name can have no document of its own (a document's name follows stricter rules
    // than the refusal's), so of a rules file only _default can apply, as for any such name: the
    // file runs as _default, said so, not as an unnamed service (unknown_service:java), which was
    // warned of as "no service name is set" to a user who had set one.
    String refusedName = refusedServiceName;
    boolean defaultDocumentOnly = refusedName != null && current.rulesFile() != null;
    String service = defaultDocumentOnly ? RuleDocument.DEFAULT_SERVICE : service(current);
    // The sdk's one wiring of source, last-known-good store and status reporter: the agent adds
    // only its breakers and where the service name comes from.
    ConfiguredRules.Builder builder =
        ConfiguredRules.builder(current.toBuilder().serviceName(service).build(), holder)
            .breakers(registry::breakerStates)
            .topTargets(registry::targetStats)
            .systemProperties(systemProperties);
    boolean bridged = bridgeInstalled;
    if (bridged) {
      // the bridge's classes resolve only once it is on the bootstrap path: without it the
      // status does not tell (no client is named either)
      builder.unguardedClients(UnguardedClientsStatus::named);
    }
    ConfigLookup names = settingNames;
    if (names != null) { // what is refused at start is named where it was set
      builder.settingNames(
          configRefused
              ? names.namingAs(
                  ConfigKeys.STATE_DIR,
                  keptStateDirSetting != null ? keptStateDirSetting : ConfigKeys.STATE_DIR)
              : names);
    }
    if (configRefused && lastKnownGoodAllowed && current.serviceName() != null) {
      // one typo in a setting should not drop every breaker: the rules this service last ran from
      // its etcd namespace beat the defaults, read with the checks of a start with etcd
      builder.replacesRefusedConfiguration();
    }
    String origin = serviceNameOrigin;
    if (origin != null) {
      builder.serviceNameOrigin(origin);
    }
    ConfiguredRules live = builder.build();
    closeOnExit.push(live);
    // a breaker that opens shows in the status within the write debounce, not at the next refresh
    registry.addTransitionListener(live::requestStatusUpdate);
    if (bridged) {
      try {
        BridgeHooks.askForStatusUpdates(live::requestStatusUpdate);
      } catch (RuntimeException | LinkageError e) {
        logger.log(Level.FINE, "the unguarded clients are written at the next refresh", e);
      }
    }
    live.start();
    if (current.usesEtcd()) {
      // ConfiguredRules says "rules for 'x' from etcd" once its client is made, or what runs
      // instead: a TLS file that cannot be read, known only then, leaves the rules file, the
      // last-known-good rules or the defaults, and a line said here would have claimed etcd
      return;
    }
    if (defaultDocumentOnly) {
      logger.info(
          "Sluice: rules from "
              + rulesFileNamed(current, names)
              + ", its "
              + RuleDocument.DEFAULT_SERVICE
              + " document only: the service name "
              + refusedName
              + " is refused above, and a document of the service's own needs a name of "
              + RuleDocument.SERVICE_NAME_RULE);
    } else if (current.rulesFile() != null) {
      logger.info("Sluice: rules for '" + service + "' from " + rulesFileNamed(current, names));
    } else if (configRefused) {
      // ConfiguredRules said so when it put the last-known-good rules in force
      if (holder.current().source() != ActiveRules.Source.LAST_KNOWN_GOOD) {
        logger.info(
            "Sluice: running on built-in defaults (follow the parent's sampling decision, no"
                + " circuit breakers) until the configuration refused above is corrected");
      }
    } else {
      logger.info(
          "Sluice: neither sluice.etcd.endpoints nor sluice.rules.file is set; running on built-in"
              + " defaults (follow the parent's sampling decision, no circuit breakers)");
    }
  }

  /**
   * {@code the rules file sluice.rules.file=/x}: the file named by its setting where it was set
   * ({@code environment variable SLUICE_RULES_FILE=/x}), as the refusal line and the rules file
   * source's lines name it; by its key when the agent read no settings.
   */
  private static String rulesFileNamed(SluiceConfig current, ConfigLookup names) {
    String setting = names == null ? ConfigKeys.RULES_FILE : names.origin(ConfigKeys.RULES_FILE);
    return "the rules file " + setting + "=" + current.rulesFile();
  }

  /**
   * Stops reporting (revoking the status lease), watching and the etcd client, newest first.
   *
   * <p>Never waits for a start in progress: an app whose {@code main} returns while Sluice is still
   * starting (loading classes, reading the rules file) would otherwise wait for the rest of that
   * start only to close it (1.4 to 2.6 s on two loaded cores). The start closes what it made itself
   * when it ends, if the JVM is still there; nothing it made outlives the JVM but, at worst, a
   * status key written in its last moments, which expires with its lease.
   */
  private void closeAll() {
    shutDown = true;
    if (!lifecycle.tryLock()) {
      logger.fine("Sluice: still starting at shutdown; the start closes what it made");
      return;
    }
    try {
      closeStarted();
    } finally {
      lifecycle.unlock();
    }
  }

  /** Closes what has started, newest first; with {@link #lifecycle} held. */
  private void closeStarted() {
    AutoCloseable next;
    while ((next = closeOnExit.poll()) != null) {
      try {
        next.close();
      } catch (Exception | LinkageError e) {
        logger.log(Level.FINE, "Sluice: closing " + next + " failed", e);
      }
    }
  }

  /**
   * The service's name as the agent names its resource from the configuration: {@code
   * otel.service.name} ({@code OTEL_SERVICE_NAME}), else {@code service.name} in {@code
   * otel.resource.attributes}, percent-decoded as the SDK decodes it (read by the SDK's own {@code
   * ResourceConfiguration}, so both always agree); null when neither is set, or when the attributes
   * are malformed (the agent itself then refuses to start and says why).
   */
  static String serviceName(ConfigProperties properties) {
    String name;
    try {
      name =
          ResourceConfiguration.createEnvironmentResource(properties)
              .getAttribute(AttributeKey.stringKey("service.name"));
    } catch (RuntimeException | LinkageError e) {
      logger.log(Level.FINE, "Sluice: the resource attributes could not be read", e);
      return null;
    }
    return name == null || name.isEmpty() ? null : name;
  }

  private static String service(SluiceConfig config) {
    return config.serviceName() == null ? UNKNOWN_SERVICE : config.serviceName();
  }
}
