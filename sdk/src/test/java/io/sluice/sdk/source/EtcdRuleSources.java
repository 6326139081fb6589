package io.sluice.sdk.source;

import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.config.EtcdClientFactory;
import io.sluice.sdk.config.SluiceConfig;
import io.sluice.testing.etcd.EtcdExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The sources and clients an {@link EtcdRuleSource} IT starts against its class's etcd, closed
 * after each test, newest first; and the waits and etcd writes those ITs share. Register it as an
 * instance field beside the class's static {@link EtcdExtension}, so that the ITs split by theme
 * ({@code EtcdRuleSourceIT}, {@code EtcdRuleSourceLastKnownGoodIT}) start and wait alike without
 * copies.
 */
final class EtcdRuleSources implements AfterEachCallback {

  /**
   * Bound for waits that are not the measured latency: generous, because the first test in a JVM
   * loads jetcd, gRPC and Netty, which takes over ten seconds on a loaded two-core machine.
   */
  static final Duration AWAIT = Duration.ofSeconds(30);

  private static final AtomicInteger services = new AtomicInteger();

  private final EtcdExtension etcd;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  EtcdRuleSources(EtcdExtension etcd) {
    this.etcd = etcd;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    toClose.clear();
  }

  /** Closes {@code closeable} after the test, before what was registered earlier. */
  <T extends AutoCloseable> T closeAfter(T closeable) {
    toClose.add(closeable);
    return closeable;
  }

  /** A source that retries every 100 to 500 ms while etcd is away. */
  EtcdRuleSource.Builder retryingQuickly(ActiveRulesHolder holder, String service) {
    return retryingQuickly(client(), holder, service);
  }

  /** As {@link #retryingQuickly(ActiveRulesHolder, String)}, through {@code client}. */
  static EtcdRuleSource.Builder retryingQuickly(
      Client client, ActiveRulesHolder holder, String service) {
    return EtcdRuleSource.builder(client, holder, service)
        .retryBackoff(Duration.ofMillis(100), Duration.ofMillis(500));
  }

  EtcdRuleSource started(EtcdRuleSource.Builder builder) {
    return started(builder.build());
  }

  EtcdRuleSource started(EtcdRuleSource source) {
    closeAfter(source);
    source.start();
    return source;
  }

  /** A client of the class's etcd. */
  Client client() {
    return client(etcd.endpoint());
  }

  Client client(String endpoint) {
    return closeAfter(
        EtcdClientFactory.create(
            SluiceConfig.builder().addEtcdEndpoint(endpoint).serviceName("test").build()));
  }

  /**
   * Writes twenty revisions of a key no source reads, so that the revisions written after them are
   * ones an etcd wiped later (see {@code EtcdServer#wipeData}) will not reach for a while.
   */
  void writeRevisionsAWipedEtcdWillNotReach(String service) {
    for (int i = 0; i < 20; i++) {
      etcd.server().put("/unrelated/" + service, "x" + i);
    }
  }

  /**
   * Stops etcd, waits for {@code source} to see its watches fail, and starts etcd again on an empty
   * data dir: a member restarted empty, or a restore from a backup older than the rules.
   */
  void restartEtcdWiped(EtcdRuleSource source) {
    etcd.server().stop();
    await().atMost(AWAIT).until(() -> !source.isWatching());
    etcd.server().wipeData();
    etcd.server().start();
  }

  /** Waits until {@code holder} holds the rules of etcd revision {@code revision}. */
  static void awaitApplied(ActiveRulesHolder holder, long revision) {
    await().atMost(AWAIT).until(() -> holder.current().revision() == revision);
  }

  /** Waits until {@code holder} holds rules from {@code source}. */
  static void awaitSource(ActiveRulesHolder holder, ActiveRules.Source source) {
    await().atMost(AWAIT).until(() -> holder.current().source() == source);
  }

  static ActiveRulesHolder holder(String service) {
    return new ActiveRulesHolder(ActiveRules.defaults(service));
  }

  /** A service name no other test of the JVM uses, so tests share etcd without meeting. */
  static String newService() {
    return "svc-" + services.incrementAndGet();
  }
}
