package io.sluice.sdk.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EtcdRuleSourceTest {

  // Nothing listens on port 1: a client that is never answered.
  private final Client client = Client.builder().endpoints("http://127.0.0.1:1").build();
  private final ActiveRulesHolder rules = new ActiveRulesHolder(ActiveRules.defaults("orders"));

  @AfterEach
  void closeClient() {
    client.close();
  }

  @Test
  void refusesBadSettingsNamingTheValue() {
    assertThatThrownBy(() -> EtcdRuleSource.builder(client, rules, "a/b"))
        .hasMessageContaining("'a/b'");
    assertThatThrownBy(() -> EtcdRuleSource.builder(client, rules, ".."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "service must not be '.' or '..', which URLs and paths read as this or the parent"
                + " directory and drop, got '..'");
    assertThatThrownBy(
            () ->
                EtcdRuleSource.builder(client, rules, "orders")
                    .retryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("min=PT2S, max=PT1S");
  }

  @Test
  void refusesALastKnownGoodStoreOfAnotherNamespace(@TempDir Path dir) {
    EtcdRuleSource.Builder builder =
        EtcdRuleSource.builder(client, rules, "orders")
            .keys(new EtcdKeys("/staging"))
            .lastKnownGood(LastKnownGoodStore.create(dir));

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the last-known-good store is for the namespace '/sluice' but the rules are read from"
                + " '/staging'");
    assertThat(
            builder
                .lastKnownGood(LastKnownGoodStore.builder(dir).namespace("staging/").build())
                .build())
        .isNotNull();
  }

  @Test
  void keepsTheRulesInForceAndReleasesItsThreadWhenEtcdNeverAnswers() {
    EtcdRuleSource source =
        EtcdRuleSource.builder(client, rules, "never-answered")
            .callTimeout(Duration.ofMillis(300))
            .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(100))
            .build();
    source.start();
    assertThat(source.isWatching()).isFalse();

    source.close();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> !threadAlive("sluice-etcd-rules-never-answered"));
    assertThat(rules.current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
    assertThat(source.lastRejection()).isNull();
  }

  private static boolean threadAlive(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }
}
