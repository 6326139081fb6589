package io.sluice.sdk.source;

import io.etcd.jetcd.Client;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.EtcdProblemsWarnedOnce;
import java.time.Duration;

/** The rule source warns of etcd refusing its credentials and of an outage once each. */
class EtcdRuleSourceProblemsIT extends EtcdProblemsWarnedOnce {

  EtcdRuleSourceProblemsIT() {
    super(
        EtcdRuleSource.class,
        new Lines(
            "etcd refuses this agent the rules of orders",
            "etcd is unreachable for the rules of orders",
            "etcd still refuses the rules of orders",
            "etcd is still unreachable for the rules of orders"));
  }

  @Override
  protected AutoCloseable start(Client client) {
    EtcdRuleSource source =
        EtcdRuleSource.builder(
                client, new ActiveRulesHolder(ActiveRules.defaults("orders")), "orders")
            .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
            .callTimeout(Duration.ofSeconds(2))
            .build();
    source.start();
    return source;
  }
}
