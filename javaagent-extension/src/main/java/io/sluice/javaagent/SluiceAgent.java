package io.sluice.javaagent;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.breaker.CallGuard;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The extension's runtime in one JVM: the rules in force, the breakers, and the background work
 * that keeps them live.
 *
 * <p>This is the one static instance of the extension, and deliberately so: the agent creates the
 * auto-configuration customizer, the sampler provider and the agent listener separately through
 * {@code ServiceLoader}, and this is where they meet. Nothing here does I/O until {@link
 * #startInBackground()}, which the agent listener calls once the agent is up.
 */
final class SluiceAgent {

  private static final Logger logger = Logger.getLogger(SluiceAgent.class.getName());
  private static final SluiceAgent INSTANCE = new SluiceAgent();

  private final AtomicBoolean configured = new AtomicBoolean();
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile boolean bridgeInstalled;
  private volatile AgentSettings settings;
  private volatile ActiveRulesHolder rules;
  private volatile CallGuard guard = CallGuard.NONE;

  private SluiceAgent() {}

  static SluiceAgent instance() {
    return INSTANCE;
  }

  void bridgeInstalled(boolean installed) {
    this.bridgeInstalled = installed;
  }

  /**
   * Builds the rules holder and the breakers from the agent's final configuration, and connects the
   * bridge. Runs once, on the agent's start-up thread, before instrumentation is installed.
   */
  void configure(ConfigProperties config) {
    if (!configured.compareAndSet(false, true)) {
      return;
    }
    AgentSettings current = AgentSettings.from(config);
    settings = current;
    rules = new ActiveRulesHolder(ActiveRules.defaults(current.service()));
    if (bridgeInstalled) {
      try {
        BridgeHooks.connect(this::guard);
      } catch (RuntimeException | LinkageError e) {
        logger.log(Level.WARNING, "Sluice could not connect its breakers to the HTTP clients", e);
      }
    }
  }

  /** The rules in force; built-in defaults until a source publishes. */
  ActiveRulesHolder rules() {
    ActiveRulesHolder current = rules;
    if (current == null) {
      // Only when the sampler is asked for before configuration, which the agent does not do.
      current = new ActiveRulesHolder(ActiveRules.defaults("unknown_service:java"));
      rules = current;
    }
    return current;
  }

  /** The call guard outgoing HTTP calls ask; guards nothing until the breakers are up. */
  CallGuard guard() {
    return guard;
  }

  /**
   * Starts the rule source and status reporter on a daemon thread, so the app's start never waits
   * for etcd. Failures are logged once; the app keeps running on the rules it has.
   */
  void startInBackground() {
    AgentSettings current = settings;
    if (current == null || !started.compareAndSet(false, true)) {
      return;
    }
    if (current.defaultsOnly()) {
      logger.info(
          "Sluice: neither sluice.etcd.endpoints nor sluice.rules.file is set; running on built-in"
              + " defaults (keep sampled parents, no circuit breakers)");
      return;
    }
    Thread starter =
        new Thread(
            () -> {
              try {
                startSources(current);
              } catch (RuntimeException | LinkageError e) {
                logger.log(Level.WARNING, "Sluice could not start its rule source", e);
              }
            },
            "sluice-start");
    starter.setDaemon(true);
    starter.start();
  }

  private void startSources(AgentSettings current) {
    logger.info("Sluice: rule sources are not available in this build; running on defaults");
  }
}
