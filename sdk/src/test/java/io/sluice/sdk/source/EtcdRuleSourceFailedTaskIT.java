package io.sluice.sdk.source;

import static io.sluice.sdk.source.EtcdRuleSources.AWAIT;
import static io.sluice.sdk.source.EtcdRuleSources.awaitApplied;
import static io.sluice.sdk.source.EtcdRuleSources.awaitSource;
import static io.sluice.sdk.source.EtcdRuleSources.holder;
import static io.sluice.sdk.source.EtcdRuleSources.newService;
import static io.sluice.sdk.source.TestDocuments.document;
import static io.sluice.sdk.source.TestDocuments.invalidDocument;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.logging.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What {@code EtcdRuleSource} tells when one of its tasks fails partway with rejections or delete
 * lines waiting to be told: the real way there is a log handler of the app's that throws at one of
 * those lines (they are written plainly, each dropped only once written, so that none is lost). The
 * failed task tells what waits at once, before the retry's read, which may be an outage away;
 * without it, they waited for that read. Each test of those counts the source's reads (etcd
 * transactions) at the moment the line or listener is told. Also: how often a failed task is warned
 * of.
 */
class EtcdRuleSourceFailedTaskIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  @RegisterExtension final EtcdRuleSources sources = new EtcdRuleSources(etcd);

  @Test
  void aRejectionWhoseLineThrowsIsToldByTheFailedTaskBeforeTheRetryReads() {
    String service = newService();
    EtcdKeys local = new EtcdKeys("/failed-task-" + service);
    long bad = etcd.server().put(local.rules(service), invalidDocument(service));
    AtomicInteger reads = new AtomicInteger();
    List<Long> readsAtRejection = new CopyOnWriteArrayList<>();
    // before the capture: the failed line reaches neither
    try (FailingLogLines line =
            FailingLogLines.once(EtcdRuleSource.class, "rejected the rule document");
        ReadsAtLines lines = ReadsAtLines.of(reads)) {
      EtcdRuleSource source =
          EtcdRuleSource.builder(counting(reads), holder(service), service)
              .keys(local)
              .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(100))
              .build();
      source.addListener(
          new RuleSourceListener() {
            @Override
            public void onRejected(RuleRejection rejection) {
              readsAtRejection.add((long) reads.get());
            }
          });
      sources.started(source);

      await().atMost(AWAIT).until(source::isWatching);
      assertThat(line.failed()).isEqualTo(1);
      assertThat(readsAtRejection).as("reads when the listener heard of it").containsExactly(1L);
      assertThat(lines.readsAt("rejected the rule document " + local.rules(service)))
          .as("reads when its line was written")
          .containsExactly(1);
      assertThat(source.lastRejection().revision()).isEqualTo(bad);
    }
  }

  @Test
  void aDeleteLineThatThrowsIsWrittenByTheFailedTaskBeforeTheRetryReads() {
    String service = newService();
    EtcdKeys local = new EtcdKeys("/failed-task-" + service);
    String key = local.rules(service);
    long own = etcd.server().put(key, document(service, 0.4));
    AtomicInteger reads = new AtomicInteger();
    ActiveRulesHolder holder = holder(service);
    EtcdRuleSource source =
        sources.started(
            EtcdRuleSource.builder(counting(reads), holder, service)
                .keys(local)
                .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(100)));
    awaitApplied(holder, own);
    await().atMost(AWAIT).until(source::isWatching);
    int before = reads.get();

    String deleted = "the rule document " + key + " was deleted";
    try (FailingLogLines line = FailingLogLines.once(EtcdRuleSource.class, deleted);
        ReadsAtLines lines = ReadsAtLines.of(reads)) {
      etcd.server().delete(key);

      awaitSource(holder, ActiveRules.Source.DEFAULTS);
      await().atMost(AWAIT).until(source::isWatching);
      assertThat(line.failed()).isEqualTo(1);
      assertThat(lines.readsAt(deleted))
          .as("reads when the delete's line was written: the delete's own, not the retry's")
          .containsExactly(before + 1);
    }
  }

  /**
   * A failed task is warned of once per stretch of failed tasks, not once per source: the watches
   * coming up after the retry's read end the stretch with one INFO line, as they end an outage's
   * with {@code etcd answers again}, and a task failing after that is warned of anew. Here a log
   * handler throws at every rejection line, so each invalid document fails its task. Before, the
   * second failure, however long after the first, went to FINE only.
   */
  @Test
  void aFailedTaskIsWarnedOfOncePerStretchOfFailures() {
    String service = newService();
    EtcdKeys local = new EtcdKeys("/failed-task-" + service);
    etcd.server().put(local.rules(service), invalidDocument(service));
    String failed = "etcd rule source for " + service + " failed; reading again";
    String worksAgain = "etcd rule source for " + service + " works again; watching the rules";
    // before the capture: the failed lines reach neither
    try (FailingLogLines line =
            FailingLogLines.of(EtcdRuleSource.class, "rejected the rule document");
        LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      EtcdRuleSource source =
          sources.started(
              EtcdRuleSource.builder(sources.client(), holder(service), service)
                  .keys(local)
                  .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(100)));
      // the task's line, then the failed task's try to tell it again; the retry watches
      await().atMost(AWAIT).until(() -> line.failed() == 2 && source.isWatching());

      etcd.server().put(local.rules(service), invalidDocument(service));
      await().atMost(AWAIT).until(() -> line.failed() == 4 && source.isWatching());

      await()
          .atMost(AWAIT)
          .untilAsserted(
              () ->
                  assertThat(log.messages())
                      .filteredOn(m -> m.startsWith("etcd rule source for " + service))
                      .containsExactly(failed, worksAgain, failed, worksAgain));
      assertThat(log.records())
          .filteredOn(r -> r.getMessage().equals(worksAgain))
          .allSatisfy(r -> assertThat(r.getLevel()).isEqualTo(Level.INFO));
    }
  }

  /**
   * A listener that throws an {@code Error} that is not the JVM's own ({@code AssertionError} under
   * {@code -ea}), of the holder or of the source, neither keeps the other listeners from being told
   * nor ends the source: its read went on to watch, and later documents apply. The error left the
   * source's task before it watched, and its executor kept it without a word: the source ran the
   * first rules for good.
   */
  @Test
  void aListenerThatThrowsAnErrorNeitherStopsTheOthersNorEndsTheSource() {
    String service = newService();
    EtcdKeys local = new EtcdKeys("/failed-task-" + service);
    long first = etcd.server().put(local.rules(service), document(service, 0.4));
    ActiveRulesHolder holder = holder(service);
    AtomicInteger thrown = new AtomicInteger();
    List<Long> toldAfterIt = new CopyOnWriteArrayList<>();
    holder.addListener(
        rules -> {
          if (thrown.getAndIncrement() == 0) {
            throw new AssertionError("a holder listener's assertion");
          }
        });
    holder.addListener(rules -> toldAfterIt.add(rules.revision()));
    try (LogCapture log = LogCapture.of(ActiveRulesHolder.class)) {
      EtcdRuleSource source =
          EtcdRuleSource.builder(sources.client(), holder, service)
              .keys(local)
              .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(100))
              .build();
      AtomicInteger sourceThrown = new AtomicInteger();
      source.addListener(
          new RuleSourceListener() {
            @Override
            public void onApplied(ActiveRules rules) {
              if (sourceThrown.getAndIncrement() == 0) {
                throw new AssertionError("a source listener's assertion");
              }
            }
          });
      sources.started(source);

      awaitApplied(holder, first);
      await().atMost(AWAIT).until(source::isWatching);
      long second = etcd.server().put(local.rules(service), document(service, 0.6));
      awaitApplied(holder, second);
      assertThat(toldAfterIt).contains(first, second);
      assertThat(log.messages()).contains("a rules listener failed; the others were still told");
    }
  }

  /**
   * A client of the class's etcd counting its transactions (the source's reads) in {@code txns}.
   */
  private Client counting(AtomicInteger txns) {
    ClientInterceptor counter =
        new ClientInterceptor() {
          @Override
          public <Q, A> ClientCall<Q, A> interceptCall(
              MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
            if (method.getFullMethodName().equals("etcdserverpb.KV/Txn")) {
              txns.incrementAndGet();
            }
            return next.newCall(method, options);
          }
        };
    return sources.closeAfter(
        Client.builder().endpoints(etcd.server().endpoint()).interceptor(counter).build());
  }

  /**
   * Notes, for each line {@code EtcdRuleSource} writes, how many reads were made when it was
   * written; added on creation, removed by {@link #close()}.
   */
  private static final class ReadsAtLines extends Handler implements AutoCloseable {
    private final Logger logger = Logger.getLogger(EtcdRuleSource.class.getName());
    private final AtomicInteger reads;
    private final List<Map.Entry<String, Integer>> lines = new CopyOnWriteArrayList<>();

    private ReadsAtLines(AtomicInteger reads) {
      this.reads = reads;
    }

    static ReadsAtLines of(AtomicInteger reads) {
      ReadsAtLines lines = new ReadsAtLines(reads);
      lines.logger.addHandler(lines);
      return lines;
    }

    /** The read counts at each line written that starts with {@code start}. */
    List<Integer> readsAt(String start) {
      return lines.stream()
          .filter(line -> line.getKey().startsWith(start))
          .map(Map.Entry::getValue)
          .toList();
    }

    @Override
    public void publish(LogRecord record) {
      lines.add(Map.entry(record.getMessage(), reads.get()));
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
      logger.removeHandler(this);
    }
  }
}
