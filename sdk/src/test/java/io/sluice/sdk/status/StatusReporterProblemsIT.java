package io.sluice.sdk.status;

import io.etcd.jetcd.Client;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.EtcdProblemsWarnedOnce;
import java.time.Duration;

/**
 * The status reporter warns of etcd refusing its credentials and of failed writes otherwise (etcd
 * down) once each.
 */
class StatusReporterProblemsIT extends EtcdProblemsWarnedOnce {

  private static final String KEY = "/sluice/v1/agents/orders/orders-1";

  StatusReporterProblemsIT() {
    super(
        StatusReporter.class,
        new Lines(
            "etcd refuses this agent the status " + KEY,
            "could not write the agent status " + KEY,
            "etcd still refuses this agent the status " + KEY,
            "still could not write the agent status " + KEY));
  }

  @Override
  protected AutoCloseable start(Client client) {
    StatusReporter reporter =
        StatusReporter.builder(
                client, "orders", new ActiveRulesHolder(ActiveRules.defaults("orders")))
            .instanceId("orders-1")
            .host("test-host")
            .refreshInterval(Duration.ofMillis(100))
            .callTimeout(Duration.ofSeconds(2))
            .build();
    reporter.start();
    return reporter;
  }
}
