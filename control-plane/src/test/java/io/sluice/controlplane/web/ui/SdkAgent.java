package io.sluice.controlplane.web.ui;

import io.etcd.jetcd.Client;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.source.EtcdRuleSource;
import io.sluice.sdk.source.LastKnownGoodStore;
import io.sluice.sdk.status.StatusReporter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * A real agent runtime in the test JVM: the {@code sdk}'s {@link EtcdRuleSource} keeps the
 * service's rules in force from etcd and its {@link StatusReporter} keeps the status key alive
 * under a lease, exactly as inside an instrumented application. Breaker states, busiest targets and
 * unguarded clients are fixed by the test, as no traffic flows and no client is made.
 */
final class SdkAgent implements AutoCloseable {

  private final Client client;
  private final ActiveRulesHolder rules;
  private final EtcdRuleSource source;
  private final StatusReporter reporter;

  /** What the status says of unguarded clients; {@code null}: not told, as the SDK's own apps. */
  private volatile List<AgentStatus.UnguardedClient> unguardedClients;

  SdkAgent(
      String endpoint,
      String service,
      String instanceId,
      String host,
      Path stateDir,
      List<AgentStatus.BreakerState> breakers,
      List<AgentStatus.TargetStats> targets) {
    this(endpoint, service, instanceId, host, stateDir, breakers, () -> targets, null);
  }

  /**
   * As the other constructor, with busiest targets that may change from one report to the next and,
   * unless {@code null}, the reporter's refresh interval instead of its default (5 s): a test that
   * waits for reports need not wait that long.
   */
  SdkAgent(
      String endpoint,
      String service,
      String instanceId,
      String host,
      Path stateDir,
      List<AgentStatus.BreakerState> breakers,
      Supplier<List<AgentStatus.TargetStats>> targets,
      Duration reportEvery) {
    client = Client.builder().endpoints(endpoint).build();
    rules = new ActiveRulesHolder(ActiveRules.defaults(service));
    source =
        EtcdRuleSource.builder(client, rules, service)
            .lastKnownGood(LastKnownGoodStore.create(stateDir))
            .build();
    StatusReporter.Builder builder =
        StatusReporter.builder(client, service, rules)
            .instanceId(instanceId)
            .host(host)
            .addRuleSource(source)
            .breakers(() -> breakers)
            .topTargets(targets)
            .unguardedClients(() -> unguardedClients);
    if (reportEvery != null) {
      builder.refreshInterval(reportEvery);
    }
    reporter = builder.build();
  }

  void start() {
    source.start();
    reporter.start();
  }

  /**
   * Has the status name {@code clients} as made by the app and not guarded, as the agent's does,
   * and written at once.
   */
  void unguardedClients(List<AgentStatus.UnguardedClient> clients) {
    unguardedClients = List.copyOf(clients);
    reporter.requestUpdate();
  }

  /** The revision of the rules in force. */
  long appliedRevision() {
    return rules.current().revision();
  }

  @Override
  public void close() {
    reporter.close();
    source.close();
    client.close();
  }
}
