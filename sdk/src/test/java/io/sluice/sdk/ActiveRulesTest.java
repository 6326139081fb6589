package io.sluice.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.rules.CompiledRules;
import io.sluice.rules.RuleCodec;
import org.junit.jupiter.api.Test;

class ActiveRulesTest {

  /**
   * An app that prints the rules in force (as one checking its wiring does) reads what they are.
   */
  @Test
  void printsServiceSourceRevisionAndTheNamesOfItsRules() {
    String json =
        """
        {"schemaVersion": 1, "service": "orders",
         "sampling": {"defaultRatio": 0.1,
           "rules": [{"name": "checkout", "match": {"spanName": "checkout*"}, "ratio": 1.0}]},
         "breakers": [{"name": "payments", "match": {"host": "payments"},
           "failureRateThreshold": 50, "slidingWindow": {"type": "COUNT", "size": 10},
           "minimumCalls": 5, "waitInOpenState": "10s", "halfOpenCalls": 2,
           "onOpen": {"mode": "error"}}]}
        """;
    ActiveRules rules =
        new ActiveRules(
            CompiledRules.compile(RuleCodec.parse(json).orElseThrow()), 6, ActiveRules.Source.ETCD);

    assertThat(rules)
        .hasToString(
            "ActiveRules[service=orders, source=ETCD, revision=6, samplingRules=[checkout],"
                + " breakers=[payments]]");
    assertThat(ActiveRules.defaults("orders"))
        .hasToString(
            "ActiveRules[service=orders, source=DEFAULTS, revision=0, samplingRules=[],"
                + " breakers=[]]");
  }
}
