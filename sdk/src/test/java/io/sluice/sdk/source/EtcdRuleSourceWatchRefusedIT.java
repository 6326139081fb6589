package io.sluice.sdk.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.etcd.WatchRefusingProxy;
import io.sluice.testing.logging.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An etcd whose reads work and whose watches are refused, behind a proxy that passes only some of
 * etcd's methods: the source reads the rules at every retry, and must not take each read for the
 * end of the refusal and warn of it anew.
 */
class EtcdRuleSourceWatchRefusedIT {

  /** Generous: the first jetcd client of a JVM loads gRPC and Netty. */
  private static final Duration AWAIT = Duration.ofSeconds(30);

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  @Test
  void warnsOnceOfAWatchRefusedThoughEveryRetryReadsTheRules() throws Exception {
    try (WatchRefusingProxy proxy = new WatchRefusingProxy(etcd.server().port());
        Client client = Client.builder().endpoints(proxy.endpoint()).build();
        LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      EtcdRuleSource source =
          EtcdRuleSource.builder(
                  client, new ActiveRulesHolder(ActiveRules.defaults("orders")), "orders")
              .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
              .build();
      try {
        source.start();
        // two watches (the service's key and _default's) per retry, each retry after a read
        await("ten watches refused").atMost(AWAIT).until(() -> proxy.watchesRefused() >= 10);
      } finally {
        source.close();
      }

      List<LogRecord> records = log.records();
      assertThat(records.stream().filter(r -> r.getLevel() == Level.WARNING))
          .as("one warning, though each of the retries read the rules before its watch failed")
          .singleElement()
          .satisfies(
              r ->
                  assertThat(r.getMessage())
                      .startsWith("etcd is unreachable for the rules of orders")
                      .contains("this proxy does not pass watches"));
      assertThat(records.stream().map(LogRecord::getMessage))
          .as("etcd is not said to answer again while every watch fails")
          .noneMatch(m -> m.startsWith("etcd answers again"));
    }
  }
}
