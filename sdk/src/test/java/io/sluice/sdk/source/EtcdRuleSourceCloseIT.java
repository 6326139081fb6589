package io.sluice.sdk.source;

import static io.sluice.sdk.source.EtcdRuleSources.AWAIT;
import static io.sluice.sdk.source.EtcdRuleSources.holder;
import static io.sluice.sdk.source.SourceListeners.onApplied;
import static io.sluice.sdk.source.TestDocuments.document;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.logging.LogCapture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@link EtcdRuleSource#close()} ends its watches, seen from etcd: this class has an etcd of
 * its own, so etcd's count of watchers is the source's.
 */
class EtcdRuleSourceCloseIT {

  private static final Pattern WATCHERS =
      Pattern.compile("^etcd_debugging_mvcc_watcher_total (\\d+)", Pattern.MULTILINE);

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  @RegisterExtension final EtcdRuleSources sources = new EtcdRuleSources(etcd);

  /**
   * A listener (or a last-known-good save on a hung disk) holds the source's thread when the app
   * stops: close() gives up on it after a quarter of a second, and the watches end all the same.
   * Before, they were left to the thread, which never got to them: etcd kept both watches open for
   * as long as the caller's client lived.
   */
  @Test
  void closeEndsTheWatchesWhenTheSourcesThreadIsStuckAndSaysWhere() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    EtcdRuleSource source = watchingThenHeldInItsEtcdRules("stuck", release);

    try (LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      long start = System.nanoTime();
      source.close();
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isLessThan(EtcdRuleSource.CLOSE_TIMEOUT.plusSeconds(2));

      await("etcd's watchers of the closed source, while its client stays open")
          .atMost(Duration.ofSeconds(10))
          .until(() -> watchers() == 0);
      assertThat(log.messages())
          .singleElement()
          .asString()
          .startsWith("the etcd rule source of stuck did not stop within 250 ms, busy in ")
          .contains(EtcdRuleSourceCloseIT.class.getName())
          .endsWith(": abandoned that, closed the watches");
    } finally {
      release.countDown();
    }
  }

  /**
   * A log handler of the app's that throws at close()'s line about the thread it gave up on neither
   * makes close() throw into the app nor keeps the watches open. Before, the line threw out of
   * close() before the pool was shut down and the watches closed: etcd kept both open.
   */
  @Test
  void closeEndsTheWatchesAndThrowsNothingWhenItsAbandonedLineThrows() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    EtcdRuleSource source = watchingThenHeldInItsEtcdRules("stuck-line", release);

    try (FailingLogLines line = FailingLogLines.of(EtcdRuleSource.class, "the etcd rule source")) {
      source.close();

      assertThat(line.failed()).isEqualTo(1);
      await("etcd's watchers of the closed source, while its client stays open")
          .atMost(Duration.ofSeconds(10))
          .until(() -> watchers() == 0);
    } finally {
      release.countDown();
    }
  }

  /**
   * Starts a source of {@code service} on a client of its own, waits until etcd counts its two
   * watches, then writes the service's document: a listener holds the source's thread in those
   * rules, through interrupts, until {@code release}. Returns once the thread is held.
   */
  private EtcdRuleSource watchingThenHeldInItsEtcdRules(String service, CountDownLatch release)
      throws Exception {
    CountDownLatch stuck = new CountDownLatch(1);
    Client client = sources.client();
    EtcdRuleSource source = sources.closeAfter(sourceOf(client, service).build());
    source.addListener(
        whenEtcdRulesApplied(
            () -> {
              stuck.countDown();
              holdThroughInterrupts(release);
            }));
    source.start();
    await().atMost(AWAIT).until(source::isWatching);
    await().atMost(AWAIT).until(() -> watchers() == 2);
    etcd.server().put(EtcdKeys.defaults().rules(service), document(service, 0.5));
    assertThat(stuck.await(AWAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    return source;
  }

  /**
   * What a thread that close() abandoned goes on to read is neither published, saved nor logged:
   * the app has stopped its rules. Before, a read held up in the service's document (here by a
   * listener of its rejection; in a newcomer's app, by the first compile on a busy machine) went on
   * after close() to log that rejection and to publish and save the {@code _default} rules it read
   * with it.
   */
  @Test
  void whatAnAbandonedReadGoesOnToReadIsNeitherPublishedNorLogged(@TempDir Path stateDir)
      throws Exception {
    String service = "abandoned";
    etcd.server().put(EtcdKeys.defaults().rules(service), document("someone-else", 0.5));
    etcd.server().put(EtcdKeys.defaults().rules("_default"), document("_default", 0.25));
    ActiveRulesHolder holder = holder(service);
    Client client = sources.client();
    try (HeldInRejection held = new HeldInRejection()) {
      EtcdRuleSource source =
          sources.closeAfter(
              EtcdRuleSource.builder(client, holder, service)
                  .lastKnownGood(LastKnownGoodStore.builder(stateDir).build())
                  .build());

      assertThat(held.linesAfterClose(source)).isEmpty();
      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
      assertThat(held.applied).isEmpty();
      assertThat(stateDir).isEmptyDirectory();
    }
  }

  /**
   * Nor does the abandoned read log what it goes on to find in the {@code _default} document: here
   * the source started on a last-known-good {@code _default} snapshot from a revision etcd has not
   * reached (etcd lost data), the read is held in the service's rejection over close(), and the
   * {@code _default} document missing from etcd would be the "etcd lost data" WARNING. Before, that
   * line came after close() returned.
   */
  @Test
  void anAbandonedReadLogsNothingOfTheDefaultDocument(@TempDir Path stateDir) throws Exception {
    String service = "abandoned-default";
    etcd.server().put(EtcdKeys.defaults().rules(service), document("someone-else", 0.5));
    LastKnownGoodStore store = LastKnownGoodStore.builder(stateDir).build();
    byte[] defaultDocument = document("_default", 0.25).getBytes(StandardCharsets.UTF_8);
    ActiveRules ahead =
        new ActiveRules(
            DocumentCompiler.compile(defaultDocument, Set.of("_default")).rules(),
            1_000_000,
            ActiveRules.Source.ETCD_DEFAULT);
    assertThat(store.save(service, ahead, defaultDocument)).isTrue();
    ActiveRulesHolder holder = holder(service);
    Client client = sources.client();
    try (HeldInRejection held = new HeldInRejection()) {
      EtcdRuleSource source =
          sources.closeAfter(
              EtcdRuleSource.builder(client, holder, service).lastKnownGood(store).build());

      assertThat(held.linesAfterClose(source)).isEmpty();
    }
  }

  /**
   * A listener that holds the source's thread over close() (here in the rules of its first read)
   * lets it go on afterwards: the rules it was told of are not saved as the last-known-good ones
   * then, and nothing the thread goes on to do (the watch, on a client the app has closed since) is
   * logged, nor are the source's other listeners told of them. Before, the abandoned thread saved
   * them after close(): with the rules closed and built again on one state directory, that save
   * could land after the new source's and leave older rules on disk; and the next listener heard of
   * them after close() had returned.
   */
  @Test
  void anAbandonedThreadSavesAndLogsNothingAfterClose(@TempDir Path stateDir) throws Exception {
    String service = "abandoned-save";
    etcd.server().put(EtcdKeys.defaults().rules(service), document(service, 0.5));
    LastKnownGoodStore store = LastKnownGoodStore.builder(stateDir).build();
    CountDownLatch stuck = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Thread> sourceThread = new AtomicReference<>();
    Client client = sources.client();
    try {
      EtcdRuleSource source =
          sources.closeAfter(sourceOf(client, service).lastKnownGood(store).build());
      source.addListener(
          whenEtcdRulesApplied(
              () -> {
                sourceThread.set(Thread.currentThread());
                stuck.countDown();
                holdThroughInterrupts(release);
              }));
      List<ActiveRules> toldNext = new CopyOnWriteArrayList<>();
      source.addListener(onApplied(toldNext::add));
      try (LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
        source.start();
        assertThat(stuck.await(AWAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        source.close();
        int atClose = log.messages().size();
        client.close();

        release.countDown();
        sourceThread.get().join(AWAIT.toMillis());
        assertThat(sourceThread.get().isAlive()).as("the abandoned thread ended").isFalse();
        await("the writes asked for are done")
            .atMost(Duration.ofSeconds(10))
            .until(() -> !store.writerRunning());

        List<String> all = log.messages();
        assertThat(all.subList(atClose, all.size())).isEmpty();
      }
      assertThat(toldNext)
          .as("the next listener, after close()")
          .noneMatch(rules -> rules.source() == ActiveRules.Source.ETCD);
      assertThat(store.file(service)).doesNotExist();
    } finally {
      release.countDown();
    }
  }

  /**
   * A watch event held up in a listener over close() (one that swallows the interrupt, as app code
   * may) logs nothing of what the thread goes on to do: here the next event of the same response, a
   * delete, reads etcd again, on a client the app has closed since. Before, that read's failure was
   * logged after close() had returned, as though etcd were unreachable.
   */
  @Test
  void aWatchEventHeldOverCloseLogsNothingOfTheEventsAfterIt() throws Exception {
    String service = "replayed";
    String key = EtcdKeys.defaults().rules(service);
    etcd.server().put(key, document("someone-else", 0.5));
    CountDownLatch firstHeld = new CountDownLatch(1);
    CountDownLatch firstRelease = new CountDownLatch(1);
    CountDownLatch secondHeld = new CountDownLatch(1);
    CountDownLatch secondRelease = new CountDownLatch(1);
    AtomicReference<Thread> sourceThread = new AtomicReference<>();
    List<RuleRejection> rejections = new CopyOnWriteArrayList<>();
    Client client = sources.client();
    try {
      EtcdRuleSource source = sources.closeAfter(sourceOf(client, service).build());
      source.addListener(
          new RuleSourceListener() {
            @Override
            public void onRejected(RuleRejection rejection) {
              rejections.add(rejection);
              sourceThread.set(Thread.currentThread());
              if (rejections.size() == 1) {
                firstHeld.countDown();
                holdThroughInterrupts(firstRelease);
              } else {
                secondHeld.countDown();
                holdThroughInterrupts(secondRelease);
                Thread.interrupted(); // swallowed
              }
            }
          });
      try (LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
        source.start();
        // the first read's rejection holds the thread; what is written meanwhile comes to the watch
        // from the read's revision on, in one response: another rejected document, then a delete
        assertThat(firstHeld.await(AWAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        etcd.server().put(key, document("someone-else", 0.6));
        etcd.server().delete(key);
        firstRelease.countDown();
        assertThat(secondHeld.await(AWAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        source.close();
        int atClose = log.messages().size();
        client.close();
        secondRelease.countDown();
        sourceThread.get().join(AWAIT.toMillis());
        assertThat(sourceThread.get().isAlive()).as("the abandoned thread ended").isFalse();

        List<String> all = log.messages();
        assertThat(all.subList(atClose, all.size())).isEmpty();
      }
    } finally {
      firstRelease.countDown();
      secondRelease.countDown();
    }
  }

  /**
   * Rules put in force while close() is called (a listener still being told of them, well within
   * the quarter second close() waits for the thread) are saved as the last-known-good ones, as
   * close() waits for that: they are the rules the app last ran. Before, the save was dropped as
   * soon as close() had been called, abandoned thread or not, and an app restarted while etcd was
   * away ran the rules it had before them.
   */
  @Test
  void rulesPutInForceWhileCloseWaitsForTheThreadAreSaved(@TempDir Path stateDir) throws Exception {
    String service = "saved-as-closed";
    etcd.server().put(EtcdKeys.defaults().rules(service), document(service, 0.5));
    LastKnownGoodStore store = LastKnownGoodStore.builder(stateDir).build();
    CountDownLatch told = new CountDownLatch(1);
    AtomicReference<Thread> closer = new AtomicReference<>();
    Client client = sources.client();
    EtcdRuleSource source =
        sources.closeAfter(sourceOf(client, service).lastKnownGood(store).build());
    source.addListener(
        whenEtcdRulesApplied(
            () -> {
              told.countDown();
              // returns once close() waits for this thread (its closed flag is set by then)
              await("close() waits for the source's thread")
                  .pollDelay(Duration.ZERO)
                  .pollInterval(Duration.ofMillis(1))
                  .atMost(AWAIT)
                  .until(
                      () ->
                          closer.get() != null
                              && closer.get().getState() == Thread.State.TIMED_WAITING);
            }));
    source.start();
    assertThat(told.await(AWAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    Thread closing = new Thread(source::close, "closes-the-source");
    closer.set(closing);
    closing.start();
    closing.join(AWAIT.toMillis());
    assertThat(closing.isAlive()).as("close() returned").isFalse();
    await("the writes asked for are done")
        .atMost(Duration.ofSeconds(10))
        .until(() -> !store.writerRunning());

    assertThat(store.load(service))
        .as("the rules in force at close() are the last-known-good ones")
        .get()
        .extracting(rules -> rules.document().service())
        .isEqualTo(service);
  }

  /**
   * Holds the source's thread in its first rejection, through interrupts, so that close() gives up
   * on it; then lets the abandoned thread run to its end and tells what it logged meanwhile.
   */
  private static final class HeldInRejection implements RuleSourceListener, AutoCloseable {
    final List<ActiveRules> applied = new CopyOnWriteArrayList<>();
    private final CountDownLatch stuck = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicReference<Thread> sourceThread = new AtomicReference<>();

    @Override
    public void onApplied(ActiveRules rules) {
      applied.add(rules);
    }

    @Override
    public void onRejected(RuleRejection rejection) {
      sourceThread.set(Thread.currentThread());
      stuck.countDown();
      holdThroughInterrupts(release);
    }

    /**
     * Starts {@code source} with this as its listener, closes it while its thread is held here,
     * then releases that thread and waits for it to end.
     *
     * @return the source's log lines from close() on
     */
    List<String> linesAfterClose(EtcdRuleSource source) throws InterruptedException {
      source.addListener(this);
      try (LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
        source.start();
        assertThat(stuck.await(AWAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        source.close();
        int atClose = log.messages().size();

        release.countDown();
        sourceThread.get().join(AWAIT.toMillis());

        assertThat(sourceThread.get().isAlive()).as("the abandoned thread ended").isFalse();
        List<String> all = log.messages();
        return List.copyOf(all.subList(atClose, all.size()));
      }
    }

    @Override
    public void close() {
      release.countDown();
    }
  }

  /** A source of {@code service}'s rules whose holder starts with the defaults. */
  private static EtcdRuleSource.Builder sourceOf(Client client, String service) {
    return EtcdRuleSource.builder(client, holder(service), service);
  }

  /** A listener that runs {@code then}, on the source's thread, when rules read from etcd apply. */
  private static RuleSourceListener whenEtcdRulesApplied(Runnable then) {
    return new RuleSourceListener() {
      @Override
      public void onApplied(ActiveRules rules) {
        if (rules.source() == ActiveRules.Source.ETCD) {
          then.run();
        }
      }
    };
  }

  /**
   * Holds the calling thread until {@code release}, through interrupts, at most {@link
   * EtcdRuleSources#AWAIT}.
   */
  private static void holdThroughInterrupts(CountDownLatch release) {
    long deadline = System.nanoTime() + AWAIT.toNanos();
    boolean interrupted = false;
    while (release.getCount() > 0 && System.nanoTime() - deadline < 0) {
      try {
        release.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** How many watchers etcd has open, from its metrics. */
  private static long watchers() throws Exception {
    HttpResponse<String> metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(etcd.endpoint() + "/metrics"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    Matcher count = WATCHERS.matcher(metrics.body());
    assertThat(count.find()).as("etcd's metrics count watchers").isTrue();
    return Long.parseLong(count.group(1));
  }
}
