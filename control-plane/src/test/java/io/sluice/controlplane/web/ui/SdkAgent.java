package io.sluice.controlplane.web.ui;

import io.etcd.jetcd.Client;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.source.EtcdRuleSource;
import io.sluice.sdk.source.LastKnownGoodStore;
import io.sluice.sdk.status.StatusReporter;
import java.nio.file.Path;
import java.util.List;

/**
 * A real agent runtime in the test JVM: the {@code sdk}'s {@link EtcdRuleSource} keeps the
 * service's rules in force from etcd and its {@link StatusReporter} keeps the status key alive
 * under a lease, exactly as inside an instrumented application. Breaker states and busiest targets
 * are fixed by the test, as no traffic flows.
 */
final class SdkAgent implements AutoCloseable {

  private final Client client;
  private final ActiveRulesHolder rules;
  private final EtcdRuleSource source;
  private final StatusReporter reporter;

  SdkAgent(
      String endpoint,
      String service,
      String instanceId,
      String host,
      Path stateDir,
      List<AgentStatus.BreakerState> breakers,
      List<AgentStatus.TargetStats> targets) {
    client = Client.builder().endpoints(endpoint).build();
    rules = new ActiveRulesHolder(ActiveRules.defaults(service));
    source =
        EtcdRuleSource.builder(client, rules, service)
            .lastKnownGood(LastKnownGoodStore.create(stateDir))
            .build();
    reporter =
        StatusReporter.builder(client, service, rules)
            .instanceId(instanceId)
            .host(host)
            .addRuleSource(source)
            .breakers(() -> breakers)
            .topTargets(() -> targets)
            .build();
  }

  void start() {
    source.start();
    reporter.start();
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
