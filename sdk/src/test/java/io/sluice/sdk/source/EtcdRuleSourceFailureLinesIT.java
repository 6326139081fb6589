package io.sluice.sdk.source;

import static io.sluice.sdk.source.EtcdRuleSources.AWAIT;
import static io.sluice.sdk.source.EtcdRuleSources.awaitApplied;
import static io.sluice.sdk.source.EtcdRuleSources.awaitSource;
import static io.sluice.sdk.source.EtcdRuleSources.holder;
import static io.sluice.sdk.source.EtcdRuleSources.newService;
import static io.sluice.sdk.source.TestDocuments.document;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.etcd.NotEtcdHttpServer;
import io.sluice.testing.logging.LogCapture;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rule source's lines of a failed read or watch, against a real etcd (or what stands in its
 * place), when a log handler of the app's throws at the first of them (a full disk, a broken
 * appender): the line is said at the next failure of its kind, and the handler's exception is no
 * failure of the source's. Before, each line's "said once" flag was set before the line was written
 * and the exception failed the source's task: the stretch's one WARNING was never written (every
 * later failure went to FINE), and a WARNING said the source itself had failed.
 */
class EtcdRuleSourceFailureLinesIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  @RegisterExtension final EtcdRuleSources sources = new EtcdRuleSources(etcd);

  @AfterEach
  void restartEtcd() {
    if (!etcd.server().isRunning()) {
      etcd.server().start();
    }
  }

  @Test
  void anOutageWarningWhoseLineThrowsIsWarnedOfAtTheNextFailure() {
    String service = newService();
    etcd.server().stop();
    // the failing handler first: it throws before the capture sees the line
    try (FailingLogLines line =
            FailingLogLines.once(EtcdRuleSource.class, "etcd is unreachable for the rules of ");
        LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      sources.started(quickly(sources.client(), service));

      String said = "etcd is unreachable for the rules of " + service + " (";
      await().atMost(AWAIT).until(() -> !warningsStarting(log, said).isEmpty());

      assertThat(line.failed()).as("lines the handler failed").isOne();
      assertThat(warningsStarting(log, said)).hasSize(1);
      assertThat(taskFailures(log, service)).isEmpty();
    }
  }

  @Test
  void aRefusalWarningWhoseLineThrowsIsWarnedOfAtTheNextFailure() {
    String service = newService();
    try (EtcdServer secured = EtcdServer.fromPath()) {
      secured.start();
      secured.enableAuthWithAgent("orders-agent", "agent-secret");
      Client guessing =
          sources.closeAfter(
              Client.builder()
                  .endpoints(secured.endpoint())
                  .user(bytes("orders-agent"))
                  .password(bytes("guessed"))
                  .build());
      try (FailingLogLines line =
              FailingLogLines.once(EtcdRuleSource.class, "etcd refuses this agent the rules of ");
          LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
        EtcdRuleSource source = quickly(guessing, service);
        sources.started(source);

        String said = "etcd refuses this agent the rules of " + service + " (";
        await().atMost(AWAIT).until(() -> !warningsStarting(log, said).isEmpty());

        assertThat(line.failed()).as("lines the handler failed").isOne();
        assertThat(warningsStarting(log, said))
            .singleElement()
            .asString()
            .contains("authentication failed");
        assertThat(taskFailures(log, service)).isEmpty();
        source.close();
      }
    }
  }

  @Test
  void aNotEtcdWarningWhoseLineThrowsIsWarnedOfAtTheNextFailure() {
    String service = newService();
    try (NotEtcdHttpServer proxy = NotEtcdHttpServer.answering(403, "RBAC: access denied");
        FailingLogLines line = FailingLogLines.once(EtcdRuleSource.class, "etcd at ");
        LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      EtcdRuleSource source =
          EtcdRuleSource.builder(sources.client(proxy.endpoint()), holder(service), service)
              .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(100))
              .etcdEndpoints(List.of(URI.create(proxy.endpoint())))
              .build();
      sources.started(source);

      await().atMost(AWAIT).until(() -> !warningsStarting(log, "etcd at ").isEmpty());

      assertThat(line.failed()).as("lines the handler failed").isOne();
      assertThat(warningsStarting(log, "etcd at "))
          .singleElement()
          .asString()
          .contains("from something that is not etcd")
          .contains(", for the rules of " + service + " (");
      assertThat(taskFailures(log, service)).isEmpty();
      source.close();
    }
  }

  /**
   * The quiet INFO line of a first read that timed out is said at the next timeout when its line
   * threw, before the WARNING of a failure that goes on.
   */
  @Test
  void aFirstTimeoutWhoseLineThrowsIsToldQuietlyAtTheNextTimeout() throws Exception {
    String service = newService();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        FailingLogLines line =
            FailingLogLines.once(
                EtcdRuleSource.class, "etcd has not answered the first read of the rules of ");
        LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      EtcdRuleSource source =
          EtcdRuleSource.builder(
                  sources.client("http://127.0.0.1:" + silent.getLocalPort()),
                  holder(service),
                  service)
              .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(100))
              .callTimeout(Duration.ofMillis(300))
              .build();
      sources.started(source);

      String warned = "etcd is unreachable for the rules of " + service + " (";
      await().atMost(AWAIT).until(() -> !warningsStarting(log, warned).isEmpty());

      assertThat(line.failed()).as("lines the handler failed").isOne();
      List<String> told =
          log.messages().stream().filter(m -> m.contains(" rules of " + service + " ")).toList();
      assertThat(told.get(0))
          .startsWith("etcd has not answered the first read of the rules of " + service)
          .contains(" within 300 ms; retrying");
      assertThat(told).filteredOn(m -> m.contains("has not answered")).hasSize(1);
      assertThat(taskFailures(log, service)).isEmpty();
      source.close();
    }
  }

  /**
   * A log handler that throws at the line saying etcd answers again does not fail the task that saw
   * the watches come up: they stay up, with no failure said, and the next document is applied.
   * Before, the task failed, closed the watches it had just opened and read everything again.
   */
  @Test
  void aHandlerFailingAtTheAnswersAgainLineLeavesTheWatchesUp() {
    String service = newService();
    EtcdKeys keys = EtcdKeys.defaults();
    ActiveRulesHolder holder = holder(service);
    etcd.server().stop();
    try (FailingLogLines line = FailingLogLines.of(EtcdRuleSource.class, "etcd answers again");
        LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      EtcdRuleSource source =
          sources.started(
              EtcdRuleSource.builder(sources.client(), holder, service)
                  .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(100))
                  .callTimeout(Duration.ofSeconds(2)));
      String said = "etcd is unreachable for the rules of " + service + " (";
      try {
        await().atMost(AWAIT).until(() -> !warningsStarting(log, said).isEmpty());
      } finally {
        etcd.server().start();
      }

      await().atMost(AWAIT).until(source::isWatching);
      long written = etcd.server().put(keys.rules(service), document(service, 0.4));
      awaitApplied(holder, written);

      assertThat(line.failed()).as("lines the handler failed").isOne();
      assertThat(taskFailures(log, service)).isEmpty();
    }
  }

  /**
   * A log handler that throws at the line saying which rules were applied does not keep them from
   * being saved as the last-known-good ones. Before, the line came before the save and its
   * exception failed the task; the retry's read found the rules published already, and they were
   * never saved: an agent restarted while etcd is down ran older rules.
   */
  @Test
  void rulesWhoseAppliedLineThrowsAreSavedAsTheLastKnownGood(@TempDir Path stateDir) {
    String service = newService();
    EtcdKeys keys = EtcdKeys.defaults();
    LastKnownGoodStore store = LastKnownGoodStore.create(stateDir);
    ActiveRulesHolder holder = holder(service);
    EtcdRuleSource source =
        sources.started(
            EtcdRuleSource.builder(sources.client(), holder, service)
                .lastKnownGood(store)
                .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(100)));
    await().atMost(AWAIT).until(source::isWatching);

    try (FailingLogLines line =
            FailingLogLines.of(EtcdRuleSource.class, "applied the rule document");
        LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      long written = etcd.server().put(keys.rules(service), document(service, 0.4));
      awaitApplied(holder, written);

      await()
          .atMost(AWAIT)
          .until(() -> store.load(service).map(ActiveRules::revision).orElse(0L) == written);
      assertThat(line.failed()).as("lines the handler failed").isOne();
      assertThat(taskFailures(log, service)).isEmpty();
    }
  }

  /**
   * A log handler that throws at the line saying the source starts on the last-known-good rules
   * does not keep them from being put in force while etcd is down. Before, the line came first and
   * its exception failed the task: the agent ran the built-in defaults until etcd answered.
   */
  @Test
  void startsOnTheLastKnownGoodRulesWhenTheLineSayingSoThrows(@TempDir Path stateDir) {
    String service = newService();
    EtcdKeys keys = EtcdKeys.defaults();
    LastKnownGoodStore store = LastKnownGoodStore.create(stateDir);
    long stored = etcd.server().put(keys.rules(service), document(service, 0.25));
    ActiveRulesHolder first = holder(service);
    EtcdRuleSource firstSource =
        sources.started(
            EtcdRuleSource.builder(sources.client(), first, service).lastKnownGood(store));
    awaitApplied(first, stored);
    firstSource.close();
    await()
        .atMost(AWAIT)
        .until(() -> store.load(service).map(ActiveRules::revision).orElse(0L) == stored);

    etcd.server().stop();
    ActiveRulesHolder holder = holder(service);
    try (FailingLogLines line =
            FailingLogLines.of(EtcdRuleSource.class, "starting on the last-known-good rules");
        LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      sources.started(
          EtcdRuleSource.builder(sources.client(), holder, service)
              .lastKnownGood(store)
              .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(100))
              .callTimeout(Duration.ofSeconds(2)));

      awaitSource(holder, ActiveRules.Source.LAST_KNOWN_GOOD);
      assertThat(holder.current().revision()).isEqualTo(stored);
      assertThat(line.failed()).as("lines the handler failed").isOne();
      assertThat(taskFailures(log, service)).isEmpty();
    }
  }

  /**
   * A log handler that throws at the line saying etcd answers behind the revision the source had
   * seen (it lost data) fails no task: the source reads the rules again at once and watches on.
   * Before, the line was written plainly and its exception failed the task: a WARNING that the
   * source failed, and the read waited for the retry's backoff.
   */
  @Test
  void aHandlerFailingAtTheEtcdBehindLineFailsNoTask() {
    String service = newService();
    EtcdKeys local = new EtcdKeys("/behind-" + service);
    ActiveRulesHolder holder = holder(service);
    EtcdRuleSource source = sources.started(sources.retryingQuickly(holder, service).keys(local));
    sources.writeRevisionsAWipedEtcdWillNotReach(service);
    long before = etcd.server().put(local.rules(service), document(service, 0.3));
    awaitApplied(holder, before);
    await().atMost(AWAIT).until(source::isWatching);

    try (FailingLogLines line = FailingLogLines.of(EtcdRuleSource.class, "etcd is at revision ");
        LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      sources.restartEtcdWiped(source);
      await().atMost(AWAIT).until(() -> line.failed() > 0 && source.isWatching());

      assertThat(taskFailures(log, service)).isEmpty();
      assertThat(holder.current().revision()).as("kept through the loss").isEqualTo(before);
      long after = etcd.server().put(local.rules(service), document(service, 0.8));
      awaitApplied(holder, after);
      assertThat(taskFailures(log, service)).isEmpty();
    }
  }

  /**
   * The WARNING that a document is missing because etcd lost data, when a log handler throws at it,
   * fails no task and is said at the next read that finds the document still missing, once. Before,
   * it was written plainly: its exception failed the task (a WARNING that the source failed), and
   * the retry's read found the loss noted already, so it was never said.
   */
  @Test
  void aDataLossWarningWhoseLineThrowsIsWarnedOfAtTheNextRead() {
    String service = newService();
    EtcdKeys local = new EtcdKeys("/lost-" + service);
    ActiveRulesHolder holder = holder(service);
    EtcdRuleSource source = sources.started(sources.retryingQuickly(holder, service).keys(local));
    sources.writeRevisionsAWipedEtcdWillNotReach(service);
    long before = etcd.server().put(local.rules(service), document(service, 0.3));
    awaitApplied(holder, before);
    await().atMost(AWAIT).until(source::isWatching);

    String missing = "the rule document " + local.rules(service) + " is missing from etcd";
    try (FailingLogLines line = FailingLogLines.once(EtcdRuleSource.class, missing);
        LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      sources.restartEtcdWiped(source);
      await().atMost(AWAIT).until(() -> line.failed() == 1 && source.isWatching());
      assertThat(taskFailures(log, service)).isEmpty();
      assertThat(warningsStarting(log, missing)).isEmpty();

      // a later read of both keys (the one a delete of _default asks for) finds it still missing
      etcd.server().put(local.rules("_default"), document("_default", 0.05));
      etcd.server().delete(local.rules("_default"));
      await().atMost(AWAIT).until(() -> !warningsStarting(log, missing).isEmpty());

      assertThat(warningsStarting(log, missing))
          .singleElement()
          .asString()
          .contains(", behind revision " + before + " already seen: etcd lost data");
      assertThat(holder.current().revision()).as("kept through the loss").isEqualTo(before);
      assertThat(taskFailures(log, service)).isEmpty();
    }
  }

  /**
   * A log handler that throws at the line saying etcd compacted past the resumed watch fails no
   * task: the source reads everything again at once and applies the latest document. Before, the
   * line was written plainly: its exception failed the task, a WARNING said the source failed, and
   * the read waited for the retry's backoff.
   */
  @Test
  void aHandlerFailingAtTheCompactionLineFailsNoTask() throws Exception {
    String service = newService();
    EtcdKeys keys = EtcdKeys.defaults();
    ActiveRulesHolder holder = holder(service);
    // the source reaches etcd through a proxy the test cuts: etcd stays up for the test to write
    // and compact while the source cannot see it
    TcpProxy proxy = sources.closeAfter(TcpProxy.to(etcd.server().port()));
    EtcdRuleSource source =
        sources.started(
            EtcdRuleSource.builder(sources.client(proxy.endpoint()), holder, service)
                .retryBackoff(Duration.ofMillis(100), Duration.ofMillis(500)));
    long before = etcd.server().put(keys.rules(service), document(service, 0.3));
    awaitApplied(holder, before);
    await().atMost(AWAIT).until(source::isWatching);

    try (FailingLogLines line =
            FailingLogLines.of(EtcdRuleSource.class, "etcd compacted its history past ");
        LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      proxy.disconnect();
      await().atMost(AWAIT).until(() -> !source.isWatching());
      long latest = 0;
      for (int i = 1; i <= 3; i++) {
        latest = etcd.server().put(keys.rules(service), document(service, i / 10.0));
        etcd.server().put("/unrelated/" + service, "x" + i);
      }
      etcd.server().compact();
      proxy.reconnect();

      awaitApplied(holder, latest);
      await().atMost(AWAIT).until(source::isWatching);
      assertThat(line.failed()).as("lines the handler failed").isOne();
      assertThat(source.compactionResyncs()).isOne();
      assertThat(taskFailures(log, service)).isEmpty();
    }
  }

  private EtcdRuleSource quickly(Client client, String service) {
    return EtcdRuleSource.builder(client, holder(service), service)
        .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(100))
        .callTimeout(Duration.ofSeconds(2))
        .build();
  }

  private static List<String> warningsStarting(LogCapture log, String start) {
    return log.warnings().stream().filter(m -> m.startsWith(start)).toList();
  }

  /** The WARNINGs saying a task of the source failed: a log handler's exception is not one. */
  private static List<String> taskFailures(LogCapture log, String service) {
    return warningsStarting(log, "etcd rule source for " + service + " failed");
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
