package io.sluice.sdk.status;

import io.sluice.rules.wire.AgentStatus;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.QuietLog;
import io.sluice.sdk.source.RuleRejection;
import io.sluice.sdk.source.RuleSource;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Builds this agent's {@link AgentStatus} as of now, uncapped: the rules in force, the latest
 * rejection among the rule sources, the breakers and busiest targets from their suppliers, and
 * every breaker counted by state before {@link StatusCaps} cuts the list.
 *
 * <p>Kept apart from the reporter so what the status says is separate from when and how it is
 * written. Host and versions are looked up once in {@link #init()}, on the reporter's thread (a
 * host name lookup can block); a supplier that throws costs its values, never the status, and is
 * warned of once until it works again. Confined to the reporter's thread.
 */
final class StatusDocument {

  // The reporter's logger: one name for everything the status reporting logs.
  private static final Logger logger = Logger.getLogger(StatusReporter.class.getName());

  private final String instanceId;
  private final String service;
  private final ActiveRulesHolder rules;
  private final List<RuleSource> ruleSources;
  private final Supplied<AgentStatus.BreakerState> breakers;
  private final Supplied<AgentStatus.TargetStats> topTargets;

  /** {@code null}: not told (see {@code StatusReporter.Builder#unguardedClients}). */
  private final Supplied<AgentStatus.UnguardedClient> unguardedClients;

  private final Clock clock;
  private final String configuredHost;
  private final AgentStatus.Versions configuredVersions;

  private Instant startTime;
  private String host;
  private AgentStatus.Versions versions;

  StatusDocument(
      String instanceId,
      String service,
      ActiveRulesHolder rules,
      List<RuleSource> ruleSources,
      Supplier<List<AgentStatus.BreakerState>> breakers,
      Supplier<List<AgentStatus.TargetStats>> topTargets,
      Supplier<List<AgentStatus.UnguardedClient>> unguardedClients,
      Clock clock,
      String configuredHost,
      AgentStatus.Versions configuredVersions) {
    this.instanceId = instanceId;
    this.service = service;
    this.rules = rules;
    this.ruleSources = ruleSources;
    this.breakers = new Supplied<>("breakers", breakers, List.of());
    this.topTargets = new Supplied<>("topTargets", topTargets, List.of());
    // a failure leaves them untold: none would say the app uses no unguarded client
    this.unguardedClients =
        unguardedClients == null
            ? null
            : new Supplied<>("unguardedClients", unguardedClients, null);
    this.clock = clock;
    this.configuredHost = configuredHost;
    this.configuredVersions = configuredVersions;
  }

  /** Stamps the start time and looks up host and versions, unless configured. */
  void init() {
    startTime = clock.instant();
    host = configuredHost != null ? configuredHost : localHost();
    versions = configuredVersions != null ? configuredVersions : detectVersions();
  }

  /** The status as of now, with every breaker, target and unguarded client the suppliers gave. */
  AgentStatus build() {
    // what the breakers run, not a snapshot that took force while they are still being retuned
    ActiveRules current = rules.applied();
    List<AgentStatus.BreakerState> breakerStates = breakers.get();
    return new AgentStatus(
        instanceId,
        service,
        host,
        ProcessHandle.current().pid(),
        versions,
        startTime,
        clock.instant(),
        rulesSource(current.source()),
        current.revision(),
        rejection(),
        breakerStates,
        topTargets.get(),
        0,
        0,
        countByState(breakerStates),
        unguardedClients == null ? null : unguardedClients.get());
  }

  /**
   * Every breaker counted by state, before {@link StatusCaps} cuts the list: the control plane
   * counts open breakers from this, which stays right past the listed 200.
   */
  static Map<String, Integer> countByState(List<AgentStatus.BreakerState> breakers) {
    Map<String, Integer> counts = new HashMap<>();
    for (AgentStatus.BreakerState b : breakers) {
      counts.merge(String.valueOf(b.state()), 1, Integer::sum);
    }
    return counts;
  }

  private AgentStatus.Rejection rejection() {
    RuleRejection latest = null;
    for (RuleSource source : ruleSources) {
      RuleRejection r = source.lastRejection();
      if (r != null && (latest == null || r.time().isAfter(latest.time()))) {
        latest = r;
      }
    }
    // the problems past those the parse lists are omitted too: StatusCaps adds those it cuts
    return latest == null
        ? null
        : new AgentStatus.Rejection(
            latest.revision(), latest.messages(), latest.problemCount() - latest.errors().size());
  }

  /**
   * One supplier's values, or {@code whenFailed} when it throws or gives none: its failure is
   * warned of once per stretch of failures, and the first call that works after one ends the
   * stretch with one INFO line, so a supplier that fails again later is warned of again. Each
   * supplier has its stretch: one failing never hides that the other fails too.
   */
  private static final class Supplied<T> {
    private final String name;
    private final Supplier<List<T>> supplier;
    private final List<T> whenFailed;
    private boolean failureTold;

    Supplied(String name, Supplier<List<T>> supplier, List<T> whenFailed) {
      this.name = name;
      this.supplier = supplier;
      this.whenFailed = whenFailed;
    }

    List<T> get() {
      List<T> values;
      try {
        values = supplier.get();
      } catch (RuntimeException | LinkageError e) {
        if (!failureTold) {
          // counted as told once written: a log handler that fails at the line must neither
          // escape build() nor leave the failure untold for good
          failureTold =
              QuietLog.write(
                  logger,
                  Level.WARNING,
                  "a status supplier failed (" + name + "); reporting none of its values",
                  e);
        }
        return whenFailed;
      }
      if (failureTold) {
        failureTold = false;
        QuietLog.write(
            logger,
            Level.INFO,
            "a status supplier works again (" + name + "); reporting its values",
            null);
      }
      return values == null ? whenFailed : values; // none to tell, as when it fails
    }
  }

  /** The {@code rulesSource} spelling of the status contract. */
  static String rulesSource(ActiveRules.Source source) {
    return switch (source) {
      case ETCD, ETCD_DEFAULT -> "etcd";
      case FILE -> "file";
      case LAST_KNOWN_GOOD -> "last-known-good";
      case DEFAULTS -> "defaults";
    };
  }

  private static String localHost() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException | RuntimeException e) {
      String env = System.getenv("HOSTNAME");
      return env != null && !env.isBlank() ? env : "unknown";
    }
  }

  /**
   * Versions of Sluice (from a resource the build fills in: a jar manifest is not read in every
   * class loader, the agent's extension loader among them), the OpenTelemetry SDK and Java.
   */
  static AgentStatus.Versions detectVersions() {
    String sluice = null;
    try (InputStream in = StatusDocument.class.getResourceAsStream("sluice-version.properties")) {
      if (in != null) {
        Properties properties = new Properties();
        properties.load(in);
        sluice = properties.getProperty("version");
      }
    } catch (IOException | RuntimeException ignored) {
      // Unknown then.
    }
    String otel = null;
    try (InputStream in =
        io.opentelemetry.sdk.OpenTelemetrySdk.class.getResourceAsStream(
            "/io/opentelemetry/sdk/common/version.properties")) {
      if (in != null) {
        Properties properties = new Properties();
        properties.load(in);
        otel = properties.getProperty("sdk.version");
      }
    } catch (IOException | RuntimeException ignored) {
      // Unknown then.
    }
    return new AgentStatus.Versions(
        sluice != null ? sluice : "dev",
        otel != null ? otel : "unknown",
        Runtime.version().toString());
  }
}
