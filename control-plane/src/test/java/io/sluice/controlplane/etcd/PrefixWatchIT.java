package io.sluice.controlplane.etcd;

import static io.sluice.controlplane.etcd.CountedCallsClients.clientThrough;
import static io.sluice.controlplane.etcd.CountedCallsClients.startedCalls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.etcd.WatchRefusingProxy;
import io.sluice.testing.logging.LogCapture;
import io.sluice.testing.net.RefusedPorts;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** A prefix watch whose reads fail says so: once in the log, and in health until a read works. */
class PrefixWatchIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  @Test
  void reportsAFailingReadOnceInTheLogAndInHealthUntilAReadSucceeds() {
    etcd.server().put("/watched/small", "s");
    etcd.server().put("/watched/big", "x".repeat(100_000));
    LogCapture log = LogCapture.of(PrefixWatch.class);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    // an inbound limit the big value does not fit: every read of the prefix fails
    try (Client client =
        Client.builder().endpoints(etcd.endpoint()).maxInboundMessageSize(64 * 1024).build()) {
      EtcdGateway gateway = TestGateways.on(client, Duration.ofSeconds(5));
      PrefixWatches watches = new PrefixWatches(gateway, scheduler);
      WatchesHealthIndicator health = new WatchesHealthIndicator(watches);
      Map<String, String> mirrored = new ConcurrentHashMap<>();
      PrefixWatch watch = watches.start("things", "/watched/", new Mirror(mirrored));

      assertThat(watch.awaitFirstRead(Duration.ofMillis(500))).isFalse();
      // 30 s: the first read of a JVM loads gRPC and Netty, over ten seconds on a loaded machine
      await().atMost(Duration.ofSeconds(30)).until(() -> watch.state().failedReads() >= 3);
      assertThat(watch.state().inSync()).isFalse();
      assertThat(watch.state().revision()).isZero();
      assertThat(watch.state().failure()).contains("RESOURCE_EXHAUSTED");
      assertThat(warnings(log.records())).hasSize(1);
      assertThat(warnings(log.records()).get(0).getMessage())
          .contains("could not read /watched/")
          .contains("RESOURCE_EXHAUSTED");
      Health down = health.health();
      assertThat(down.getStatus()).isEqualTo(Status.DOWN);
      assertThat(down.getDetails().get("things").toString())
          .contains("inSync=false")
          .contains("RESOURCE_EXHAUSTED");

      etcd.server().delete("/watched/big");
      long revision = etcd.server().revision();
      await().atMost(Duration.ofSeconds(15)).until(() -> watch.state().inSync());
      assertThat(watch.state().revision()).isEqualTo(revision);
      assertThat(watch.awaitFirstRead(Duration.ZERO)).isTrue();
      assertThat(mirrored).isEqualTo(Map.of("/watched/small", "s"));
      assertThat(health.health().getStatus()).isEqualTo(Status.UP);
      assertThat(warnings(log.records())).hasSize(1);
      assertThat(log.records())
          .anyMatch(r -> r.getLevel() == Level.INFO && r.getMessage().contains("again after"));

      // mirrors changes from the revision after the read on
      etcd.server().put("/watched/later", "l");
      await().atMost(Duration.ofSeconds(10)).until(() -> mirrored.containsKey("/watched/later"));
      watch.close();
    } finally {
      log.close();
      scheduler.shutdownNow();
    }
  }

  /**
   * A watch that starts from a revision etcd has compacted away (etcd moved on and compacted
   * between the watch's read and its start, as it may while the watch lags or is cut off) is told
   * so by etcd: it says so at INFO, reads the prefix again at once, and goes on watching from the
   * new read, health UP at the new revision once it has. Nothing covered it: the read that replaced
   * the broken watch at once deadlocked with jetcd reporting the break (see {@link PrefixWatch}'s
   * class note), and the mirror never read again. The time limit makes that a failure, not a hung
   * build (the client's close hung with it).
   */
  @Test
  @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aWatchThatFallsBehindACompactionReadsThePrefixAgainAndGoesOn() {
    etcd.server().put("/lagging/a", "1");
    RangeHooks hooks = new RangeHooks();
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (LogCapture log = LogCapture.of(PrefixWatch.class);
        Client client = Client.builder().endpoints(etcd.endpoint()).interceptor(hooks).build()) {
      PrefixWatches watches =
          new PrefixWatches(TestGateways.on(client, Duration.ofSeconds(30)), scheduler);
      WatchesHealthIndicator health = new WatchesHealthIndicator(watches);
      Map<String, String> mirrored = new ConcurrentHashMap<>();
      List<String> applied = new CopyOnWriteArrayList<>();
      long compactedAt = fallBehindACompaction(hooks, "b");
      PrefixWatch watch =
          watches.start("lagging", "/lagging/", new RecordingMirror(mirrored, applied));

      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> watch.state().inSync() && watch.state().revision() >= compactedAt);
      assertThat(log.records())
          .filteredOn(r -> r.getLevel() == Level.INFO)
          .extracting(LogRecord::getMessage)
          .containsExactly("watch of /lagging/ fell behind a compaction; reading it again");
      assertThat(warnings(log.records())).as("no failure to warn of").isEmpty();
      assertThat(applied)
          .as("read again, no event of the compacted stream")
          .hasSizeGreaterThanOrEqualTo(2)
          .containsOnly("reset");
      assertThat(mirrored)
          .isEqualTo(Map.of("/lagging/a", "1", "/lagging/b1", "b", "/lagging/b2", "b"));
      Health up = health.health();
      assertThat(up.getStatus()).isEqualTo(Status.UP);
      assertThat(up.getDetails().get("lagging").toString())
          .isEqualTo("{inSync=true, lastReadRevision=" + watch.state().revision() + "}");

      // again, and again: jetcd reports the break while the read that replaces the watch runs
      for (String round : List.of("c", "d", "e", "f", "g")) {
        long compacted = fallBehindACompaction(hooks, round);
        watch.readAgainNow();
        await("round " + round)
            .atMost(Duration.ofSeconds(30))
            .until(() -> watch.state().inSync() && watch.state().revision() >= compacted);
        assertThat(mirrored).containsEntry("/lagging/" + round + "2", round);
      }

      // and goes on: watched from the revision after the last read
      etcd.server().put("/lagging/z", "4");
      await().atMost(Duration.ofSeconds(10)).until(() -> "4".equals(mirrored.get("/lagging/z")));
      assertThat(applied).endsWith("put /lagging/z");
      assertThat(warnings(log.records())).isEmpty();
      watch.close();
    } finally {
      scheduler.shutdownNow();
    }
  }

  /**
   * jetcd reports a watch it gives up on twice, its error and then its end. When the end came
   * before the read that follows had replaced the watch (the scheduler busy), it was taken for a
   * second break: the read was put off by a pause, and three compactions in a row were warned of as
   * a proxy cutting watch streams (CI saw that WARNING in the case above). A watch breaks once, and
   * a compaction, which etcd tells through the stream, is no quick break.
   */
  @Test
  @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aWatchJetcdGivesUpOnBreaksOnceThoughItsErrorAndItsEndAreBothReported() throws Exception {
    RangeHooks hooks = new RangeHooks();
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (LogCapture log = LogCapture.of(PrefixWatch.class, Level.FINE);
        Client client = Client.builder().endpoints(etcd.endpoint()).interceptor(hooks).build()) {
      PrefixWatches watches =
          new PrefixWatches(TestGateways.on(client, Duration.ofSeconds(30)), scheduler);
      Map<String, String> mirrored = new ConcurrentHashMap<>();
      PrefixWatch watch = watches.start("once", "/once/", new Mirror(mirrored));
      awaitTheWatchStreaming(watch, "/once/", mirrored);

      for (String round : List.of("a", "b", "c", "d")) {
        CountDownLatch release = new CountDownLatch(1);
        // the scheduler is busy from before the watch starts until the break has been reported
        long compacted =
            fallBehindACompaction(
                hooks, "/once/", round, () -> scheduler.execute(() -> awaitQuietly(release)));
        long told = compactionsTold(log);
        watch.readAgainNow();
        try {
          await("round " + round + "'s compaction told")
              .atMost(Duration.ofSeconds(30))
              .until(() -> compactionsTold(log) > told);
          await("round " + round + ": no second break")
              .during(Duration.ofMillis(500))
              .atMost(Duration.ofSeconds(5))
              .until(() -> breaksTold(log) == 0);
        } finally {
          release.countDown();
        }
        await("round " + round + " read again")
            .atMost(Duration.ofSeconds(30))
            .until(() -> watch.state().inSync() && watch.state().revision() >= compacted);
      }
      assertThat(warnings(log.records())).as("warned of").isEmpty();
      watch.close();
    } finally {
      scheduler.shutdownNow();
    }
  }

  private static long compactionsTold(LogCapture log) {
    return log.messages().stream().filter(m -> m.contains("fell behind a compaction")).count();
  }

  /** Breaks said at FINE, as any break but a compaction (and the warned one) is. */
  private static long breaksTold(LogCapture log) {
    return log.messages().stream().filter(m -> m.contains(" broke; reading it again in ")).count();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Has the next read of {@code /lagging/} followed, once etcd answered it and before the watch
   * starts from the revision after it, by two changes ({@code /lagging/<round>1} and {@code 2}) and
   * a compaction of everything before the second: the watch starts from a compacted revision.
   *
   * @return the revision compacted at, which the read after the watch's break is at or after
   */
  private static long fallBehindACompaction(RangeHooks hooks, String round) {
    return fallBehindACompaction(hooks, "/lagging/", round, () -> {});
  }

  /**
   * As {@link #fallBehindACompaction(RangeHooks, String)}, under {@code prefix}, running {@code
   * then} after the compaction, still before the watch starts.
   */
  private static long fallBehindACompaction(
      RangeHooks hooks, String prefix, String round, Runnable then) {
    long compactAt = etcd.server().revision() + 2;
    hooks.afterAnswer(
        RangeHooks.under(prefix),
        1,
        () -> {
          etcd.server().put(prefix + round + "1", round);
          etcd.server().put(prefix + round + "2", round);
          etcd.server().compact();
          then.run();
        });
    return compactAt;
  }

  /**
   * A mirror's read that etcd's compaction overtakes each time (before its last page, three times
   * in a row) leaves the mirror out of sync: health says why in the compaction's words, not an
   * outage's, and the mirror is in sync again once a read gets through. The log says it once at
   * INFO without a stack trace: it was a WARNING with one, as an outage is.
   */
  @Test
  void aReadCompactedAwayEachTimeSaysSoInHealthUntilAReadGetsThrough() {
    for (int i = 0; i < 2 * RangeReader.MIN_PAGE_KEYS; i++) {
      etcd.server().put("/compacting/" + String.format(Locale.ROOT, "%02d", i), "v");
    }
    RangeHooks hooks = new RangeHooks();
    AtomicBoolean compacting = new AtomicBoolean(true);
    AtomicInteger compactions = new AtomicInteger();
    // before every page after the first, while compacting: a write, and the read's revision gone
    hooks.beforeSend(
        RangeHooks.under("/compacting/")
            .and(RangeHooks.atARevision())
            .and(request -> compacting.get()),
        Integer.MAX_VALUE,
        () -> {
          etcd.server().put("/elsewhere", "c" + compactions.incrementAndGet());
          etcd.server().compact();
        });
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (LogCapture log = LogCapture.of(PrefixWatch.class);
        Client client = Client.builder().endpoints(etcd.endpoint()).interceptor(hooks).build()) {
      PrefixWatches watches =
          new PrefixWatches(TestGateways.on(client, Duration.ofSeconds(30)), scheduler);
      WatchesHealthIndicator health = new WatchesHealthIndicator(watches);
      Map<String, String> mirrored = new ConcurrentHashMap<>();
      PrefixWatch watch = watches.start("compacting", "/compacting/", new Mirror(mirrored));

      await().atMost(Duration.ofSeconds(30)).until(() -> watch.state().failedReads() >= 1);
      assertThat(watch.state().failure())
          .startsWith(
              "etcd compacted away the revision the read was at (read the range from"
                  + " /compacting/")
          .contains("), 3 times in a row")
          .doesNotContain("did not answer");
      Health down = health.health();
      assertThat(down.getStatus()).isEqualTo(Status.DOWN);
      assertThat(down.getDetails().get("compacting").toString())
          .contains("inSync=false")
          .contains("compacted away the revision the read was at")
          .contains("3 times in a row");

      compacting.set(false);
      await().atMost(Duration.ofSeconds(30)).until(() -> watch.state().inSync());
      // etcd answered each time: said once at INFO, without a stack trace, not as an outage (the
      // retry that got through came after the line)
      assertThat(warnings(log.records())).as("no outage to warn of").isEmpty();
      assertThat(log.records())
          .filteredOn(r -> r.getLevel() == Level.INFO)
          .filteredOn(r -> r.getMessage().startsWith("could not read /compacting/"))
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getThrown()).as("stack trace").isNull();
                assertThat(r.getMessage())
                    .startsWith(
                        "could not read /compacting/ (nothing mirrored yet): etcd compacted away")
                    .contains("(etcd answered: no outage); trying again in ");
              });
      assertThat(mirrored).hasSize(2 * RangeReader.MIN_PAGE_KEYS);
      assertThat(health.health().getStatus()).isEqualTo(Status.UP);
      assertThat(compactions.get()).isGreaterThanOrEqualTo(RangeReader.MAX_ATTEMPTS);
      watch.close();
    } finally {
      scheduler.shutdownNow();
    }
  }

  /**
   * The start waits for every mirror's first read at once ({@link FirstReadGate}), up to the etcd
   * deadline in all. Each mirror waited for itself, one after the other, so a start against an etcd
   * that did not answer took that deadline once per mirror before the port opened.
   */
  @Test
  void theStartWaitsOnceForAllMirrorsNotOncePerMirror() throws Exception {
    int nothingListens = RefusedPorts.any();
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (LogCapture log = LogCapture.of(FirstReadGate.class);
        Client client = Client.builder().endpoints("http://127.0.0.1:" + nothingListens).build()) {
      EtcdGateway gateway = TestGateways.on(client, Duration.ofSeconds(1));
      PrefixWatches watches = new PrefixWatches(gateway, scheduler);
      PrefixWatch agents = watches.start("agents", "/a/", new Mirror(new ConcurrentHashMap<>()));
      PrefixWatch rules = watches.start("rules", "/r/", new Mirror(new ConcurrentHashMap<>()));
      Duration deadline = Duration.ofSeconds(3);

      long started = System.nanoTime();
      new FirstReadGate(watches, deadline).start();
      Duration waited = Duration.ofNanos(System.nanoTime() - started);

      // once: 3 s. One after the other, each mirror waits its full deadline: 6 s at least, so
      // anything under twice the deadline is once (a bound of 1.5 times it, 1.5 s over the wait,
      // was one a loaded machine's scheduling could overshoot)
      assertThat(waited)
          .isGreaterThan(deadline.minusMillis(100))
          .isLessThan(deadline.multipliedBy(2));
      assertThat(agents.state().inSync()).isFalse();
      assertThat(rules.state().inSync()).isFalse();
      assertThat(warnings(log.records()))
          .extracting(LogRecord::getMessage)
          .satisfiesExactly(
              agentsWarning ->
                  assertThat(agentsWarning)
                      .startsWith("the agents mirror was not read from etcd within 3000 ms")
                      .contains("the port opens anyway"),
              rulesWarning ->
                  assertThat(rulesWarning)
                      .startsWith("the rules mirror was not read from etcd within 3000 ms"));
      agents.close();
      rules.close();
    } finally {
      scheduler.shutdownNow();
    }
  }

  /**
   * A health check while etcd refuses a mirror has it read again at once; once the control plane
   * shuts its scheduler down, the check still answers with the mirrors' states instead of failing
   * with the scheduler's refusal to take the read (which Spring would turn into a bare DOWN and a
   * warning).
   */
  @Test
  void aHealthCheckOfARefusedMirrorAnswersWhileTheSchedulerShutsDown() throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (EtcdServer authEtcd = EtcdServer.fromPath()) {
      try (Client client = refusedClientOf(authEtcd)) {
        EtcdGateway gateway = TestGateways.on(client, Duration.ofSeconds(5));
        PrefixWatches watches = new PrefixWatches(gateway, scheduler);
        WatchesHealthIndicator health = new WatchesHealthIndicator(watches);
        PrefixWatch watch = watches.start("things", "/watched/", new Mirror(new HashMap<>()));
        await().atMost(Duration.ofSeconds(30)).until(() -> watch.state().notPermitted());

        scheduler.shutdownNow();
        Health down = health.health();
        assertThat(down.getStatus()).isEqualTo(Status.DOWN);
        assertThat(down.getDetails()).containsOnlyKeys("things");
        assertThat(down.getDetails().get("things").toString()).contains("inSync=false");
        watch.close();
      }
    } finally {
      scheduler.shutdownNow();
    }
  }

  /**
   * A streak of failed reads warns of etcd refusing the control plane's credentials once and of
   * etcd being down once, however often etcd flips between the two (down, then back up still
   * refusing): each flip back to the refusal warned again, and an outage after a refusal not at
   * all.
   */
  @Test
  void warnsOfARefusalAndOfAnOutageOnceEachThoughEtcdFlipsBetweenThem() {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (EtcdServer authEtcd = EtcdServer.fromPath();
        LogCapture log = LogCapture.of(PrefixWatch.class)) {
      try (Client client = refusedClientOf(authEtcd)) {
        EtcdGateway gateway = TestGateways.on(client, Duration.ofSeconds(5));
        PrefixWatch watch =
            new PrefixWatches(gateway, scheduler)
                .start("things", "/watched/", new Mirror(new HashMap<>()));
        await().atMost(Duration.ofSeconds(30)).until(() -> watch.state().notPermitted());
        for (int flip = 0; flip < 2; flip++) {
          authEtcd.stop();
          // read again now rather than after the refused read's 30 s pause
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () -> {
                    watch.retrySoonIfRefused();
                    return !watch.state().notPermitted() && watch.state().failure() != null;
                  });
          authEtcd.start();
          await().atMost(Duration.ofSeconds(30)).until(() -> watch.state().notPermitted());
        }

        List<String> warnings =
            warnings(log.records()).stream().map(LogRecord::getMessage).toList();
        assertThat(warnings)
            .as("one warning per problem, though etcd flipped between them twice")
            .hasSize(2)
            .anySatisfy(m -> assertThat(m).contains("refused the control plane's credentials"))
            .anySatisfy(
                m ->
                    assertThat(m)
                        .startsWith("could not read /watched/")
                        .doesNotContain("refused the control plane's credentials"));
        watch.close();
      }
    } finally {
      scheduler.shutdownNow();
    }
  }

  /**
   * jetcd resumes a broken watch by itself on whatever answers the client port: while the embedded
   * etcd does not run, another etcd that took its port could feed the mirror its keys. Today's
   * jetcd reports the break first, and the read that follows replaces the watch before jetcd
   * resumes it, so a real stranger on the port cannot reach the mirror (EmbeddedEtcdStrangerIT);
   * the guard must hold without that order. Here etcd keeps running, so the watch never breaks, and
   * only the embedded etcd's supervisor (its trouble, the gateway's collaborator) says it is down:
   * an event then is one from whatever holds the port. It is dropped, said once, and the mirror
   * reads etcd again once the supervisor says it runs.
   */
  @Test
  void dropsEventsThatComeWhileTheEmbeddedEtcdDoesNotRun() {
    etcd.server().put("/embedded/ours", "o");
    AtomicReference<String> trouble = new AtomicReference<>();
    try (FineWatchBench at = new FineWatchBench()) {
      EtcdGateway gateway =
          EtcdGateway.builder(at.client(), EtcdKeys.defaults(), Duration.ofSeconds(5))
              .embeddedTrouble(trouble::get)
              .build();
      Map<String, String> mirrored = new ConcurrentHashMap<>();
      PrefixWatch watch =
          new PrefixWatches(gateway, at.scheduler())
              .start("agents", "/embedded/", new Mirror(mirrored));
      assertThat(watch.awaitFirstRead(Duration.ofSeconds(30))).isTrue();
      etcd.server().put("/embedded/watched", "w");
      await("the watch runs")
          .atMost(Duration.ofSeconds(10))
          .until(() -> mirrored.containsKey("/embedded/watched"));

      trouble.set("the embedded etcd exited with 137 and is being started again");
      etcd.server().put("/embedded/stranger-1", "s");
      etcd.server().put("/embedded/stranger-2", "s");
      await("the event is dropped or mirrored")
          .atMost(Duration.ofSeconds(10))
          .until(() -> droppedEvents(at.log()) > 0 || mirrored.containsKey("/embedded/stranger-1"));
      assertThat(mirrored).isEqualTo(Map.of("/embedded/ours", "o", "/embedded/watched", "w"));
      await("the read again is refused while the embedded etcd does not run")
          .atMost(Duration.ofSeconds(10))
          .until(() -> !watch.state().inSync());
      assertThat(watch.state().failure()).contains("embedded etcd is not running");

      // the port is the embedded etcd's again: its keys, not what came meanwhile
      etcd.server().delete("/embedded/stranger-1");
      etcd.server().delete("/embedded/stranger-2");
      trouble.set(null);
      await("the mirror reads etcd again")
          .atMost(Duration.ofSeconds(15))
          .until(() -> watch.state().inSync());
      assertThat(mirrored).isEqualTo(Map.of("/embedded/ours", "o", "/embedded/watched", "w"));
      assertThat(droppedEvents(at.log())).as("said once").isEqualTo(1);

      etcd.server().put("/embedded/later", "l");
      await("and watches it again")
          .atMost(Duration.ofSeconds(10))
          .until(() -> mirrored.containsKey("/embedded/later"));
      watch.close();
    }
  }

  /**
   * An event jetcd queued from a stream it resumed on another etcd that held the port while the
   * embedded etcd did not run could still come once it runs again: its trouble then is cleared, so
   * the guard of the run before let it through, into the mirror. A watch now remembers the embedded
   * etcd's run it started in and drops events once that has changed, then reads again. Here etcd
   * keeps running, and only the supervisor (its runs and trouble, supplied by the test) says it ran
   * again; it does not tell the watches, so only the event can make them notice.
   */
  @Test
  void dropsEventsThatComeInALaterRunOfTheEmbeddedEtcdThanTheWatchStartedIn() {
    etcd.server().put("/later-run/ours", "o");
    SuppliedEmbeddedEtcd embedded = new SuppliedEmbeddedEtcd();
    try (FineWatchBench at = new FineWatchBench()) {
      Map<String, String> mirrored = new ConcurrentHashMap<>();
      List<String> applied = new CopyOnWriteArrayList<>();
      PrefixWatch watch =
          new PrefixWatches(embeddedGateway(at.client(), embedded), at.scheduler())
              .start("agents", "/later-run/", new RecordingMirror(mirrored, applied));
      assertThat(watch.awaitFirstRead(Duration.ofSeconds(30))).isTrue();
      etcd.server().put("/later-run/watched", "w");
      await("the watch runs")
          .atMost(Duration.ofSeconds(10))
          .until(() -> mirrored.containsKey("/later-run/watched"));

      embedded.exited("the embedded etcd exited with 137 and is being started again");
      embedded.runsAgainUntold();
      // what comes now, queued from whatever held the port meanwhile, is not applied as it comes:
      // the prefix is read again instead, from the embedded etcd (here the same one)
      etcd.server().put("/later-run/queued", "q");
      await("the event is dropped or applied")
          .atMost(Duration.ofSeconds(10))
          .until(() -> droppedEvents(at.log()) > 0 || applied.contains("put /later-run/queued"));
      assertThat(applied).doesNotContain("put /later-run/queued");
      assertThat(at.log().records())
          .filteredOn(r -> r.getMessage().startsWith("dropped "))
          .singleElement()
          .satisfies(
              r ->
                  assertThat(r.getMessage())
                      .contains("the embedded etcd ran again since the watch started (run 2,"));
      await("the mirror reads etcd again")
          .atMost(Duration.ofSeconds(10))
          .until(() -> mirrored.containsKey("/later-run/queued"));
      assertThat(watch.state().inSync()).isTrue();

      etcd.server().put("/later-run/later", "l");
      await("and applies the events of the run it read in")
          .atMost(Duration.ofSeconds(10))
          .until(() -> applied.contains("put /later-run/later"));
      assertThat(droppedEvents(at.log())).as("said once").isEqualTo(1);
      watch.close();
    }
  }

  /**
   * jetcd also tells every open watch's listener it completed from inside the client's {@code
   * close()}, on the closing thread. A client closed with a watch still open and its scheduler
   * already shut down (a shutdown that did not stop the watches first): taken for a break, the
   * watch scheduled a read, and the scheduler's refusal came out of the client's {@code close()},
   * which left the rest of the client open.
   */
  @Test
  void aClientClosedUnderAnOpenWatchClosesQuietly() {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    Client client = Client.builder().endpoints(etcd.endpoint()).build();
    try {
      Map<String, String> mirrored = new ConcurrentHashMap<>();
      List<String> applied = new CopyOnWriteArrayList<>();
      PrefixWatch watch =
          new PrefixWatches(TestGateways.on(client, Duration.ofSeconds(5)), scheduler)
              .start("agents", "/orphaned/", new RecordingMirror(mirrored, applied));
      assertThat(watch.awaitFirstRead(Duration.ofSeconds(30))).isTrue();
      etcd.server().put("/orphaned/watched", "w");
      await("the watch runs")
          .atMost(Duration.ofSeconds(10))
          .until(() -> applied.contains("put /orphaned/watched"));
      scheduler.shutdownNow();

      assertThatCode(client::close).as("the client's close").doesNotThrowAnyException();
      watch.close();
    } finally {
      scheduler.shutdownNow();
      client.close();
    }
  }

  /**
   * A mirror's read still waiting for etcd when the control plane stops is cancelled by the stop
   * ({@link OutstandingCalls#stop()}), a little before the watches close: it was the first failure
   * of a streak, warned of as {@code could not read …}, a WARNING at the stop for a read that
   * failed only because the control plane stopped. It is said at FINE only.
   */
  @Test
  void aReadTheStopCancelsIsNotWarnedOf() throws Exception {
    Duration timeout = Duration.ofSeconds(30);
    OutstandingCalls calls = startedCalls(timeout);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (Client client = clientThrough(calls, etcd.endpoint(), timeout);
        LogCapture log = LogCapture.of(PrefixWatch.class, Level.FINE)) {
      PrefixWatches watches = new PrefixWatches(stoppedBy(calls, client, timeout), scheduler);
      Map<String, String> mirrored = new ConcurrentHashMap<>();
      PrefixWatch watch = watches.start("stopping", "/stopping/", new Mirror(mirrored));
      awaitTheWatchStreaming(watch, "/stopping/", mirrored);
      etcd.server().stop();
      try {
        awaitTheBrokenWatchsReadWaitingForEtcd(calls);

        calls.stop();

        await("the cancelled read is taken")
            .atMost(Duration.ofSeconds(10))
            .until(() -> watch.state().failedReads() >= 1);
        assertThat(watch.state().failure()).contains("the control plane is stopping");
        awaitTheFailedReadSaidAtFine(log);
        assertThat(warnings(log.records()))
            .extracting(LogRecord::getMessage)
            .as("warned of since the stop")
            .isEmpty();
      } finally {
        watches.close();
        etcd.server().start();
      }
    } finally {
      scheduler.shutdownNow();
    }
  }

  /**
   * A mirror's read still waiting for etcd when the stop interrupts its thread (the scheduler shut
   * down with the control plane) failed with {@link EtcdUnavailableException#interrupted()}: it was
   * warned of as etcd's failure, {@code could not read …}, a WARNING at the stop. It is said at
   * FINE only, as a read the stop cancels is.
   */
  @Test
  void aReadTheStopInterruptsIsNotWarnedOf() throws Exception {
    Duration timeout = Duration.ofSeconds(30);
    OutstandingCalls calls = startedCalls(timeout);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (Client client = clientThrough(calls, etcd.endpoint(), timeout);
        LogCapture log = LogCapture.of(PrefixWatch.class, Level.FINE)) {
      PrefixWatches watches = new PrefixWatches(stoppedBy(calls, client, timeout), scheduler);
      Map<String, String> mirrored = new ConcurrentHashMap<>();
      PrefixWatch watch = watches.start("interrupted", "/interrupted/", new Mirror(mirrored));
      awaitTheWatchStreaming(watch, "/interrupted/", mirrored);
      etcd.server().stop();
      try {
        awaitTheBrokenWatchsReadWaitingForEtcd(calls);

        scheduler.shutdownNow(); // interrupts the thread waiting for the read

        await("the interrupted read is taken")
            .atMost(Duration.ofSeconds(10))
            .until(() -> watch.state().failedReads() >= 1);
        assertThat(watch.state().failure()).contains("interrupted while waiting for etcd");
        awaitTheFailedReadSaidAtFine(log);
        assertThat(warnings(log.records()))
            .extracting(LogRecord::getMessage)
            .as("warned of since the stop")
            .isEmpty();
      } finally {
        watches.close();
        calls.stop();
        etcd.server().start();
      }
    } finally {
      scheduler.shutdownNow();
    }
  }

  /**
   * Health names the mirrors the watches hold ({@link PrefixWatches#states()}, component {@code
   * watches}): a watch its feature closed stayed there, in sync as of its last read, until a watch
   * of the same name replaced it, so health could name a mirror that had stopped. A closed watch is
   * dropped, whoever closed it; a watch that replaced it under its name stays.
   */
  @Test
  void healthNamesNoWatchOnceItIsClosed() {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
      PrefixWatches watches =
          new PrefixWatches(TestGateways.on(client, Duration.ofSeconds(30)), scheduler);
      PrefixWatch agents = watches.start("agents", "/named/a/", new Mirror(new HashMap<>()));
      PrefixWatch rules = watches.start("rules", "/named/r/", new Mirror(new HashMap<>()));
      assertThat(agents.awaitFirstRead(Duration.ofSeconds(30))).isTrue();
      assertThat(rules.awaitFirstRead(Duration.ofSeconds(30))).isTrue();
      assertThat(watches.states()).containsOnlyKeys("agents", "rules");

      agents.close(); // by its feature
      assertThat(watches.states()).as("after the agents' watch closed").containsOnlyKeys("rules");

      PrefixWatch replacing = watches.start("rules", "/named/r/", new Mirror(new HashMap<>()));
      assertThat(replacing.awaitFirstRead(Duration.ofSeconds(30))).isTrue();
      rules.close(); // the one replaced, after the new one took its name
      assertThat(watches.states())
          .as("after the replaced watch closed")
          .containsOnlyKeys("rules")
          .hasEntrySatisfying("rules", state -> assertThat(state.inSync()).isTrue());

      watches.close(); // by their owner, as the etcd client is about to close
      assertThat(watches.states()).as("after the owner closed them all").isEmpty();
      assertThat(replacing.isClosed()).isTrue();
    } finally {
      scheduler.shutdownNow();
    }
  }

  /**
   * jetcd tells every open watch it completed from inside the client's {@code close()}, which a
   * watch cannot tell from a stream etcd ended. A client closed under an open watch while its
   * scheduler still ran was taken for a break: the watch read the closed client again and again, a
   * WARNING ({@code etcd call failed … rejected from … Terminated}) then a FINE line every 5 s, for
   * as long as the scheduler ran. The watches' owner now closes them first ({@link
   * PrefixWatches#close}): they stop for good, say nothing, and schedule nothing more.
   */
  @Test
  void watchesClosedByTheirOwnerBeforeTheClientStopForGoodAndQuietly() {
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    Logger logger = Logger.getLogger(PrefixWatch.class.getName());
    Level level = logger.getLevel();
    Client client = Client.builder().endpoints(etcd.endpoint()).build();
    try (LogCapture log = LogCapture.of(PrefixWatch.class)) {
      Map<String, String> mirrored = new ConcurrentHashMap<>();
      List<String> applied = new CopyOnWriteArrayList<>();
      PrefixWatches watches =
          new PrefixWatches(TestGateways.on(client, Duration.ofSeconds(5)), scheduler);
      PrefixWatch watch =
          watches.start("agents", "/owned/", new RecordingMirror(mirrored, applied));
      assertThat(watch.awaitFirstRead(Duration.ofSeconds(30))).isTrue();
      etcd.server().put("/owned/watched", "w");
      await("the watch runs")
          .atMost(Duration.ofSeconds(10))
          .until(() -> applied.contains("put /owned/watched"));
      logger.setLevel(Level.FINE);
      int before = log.records().size();

      watches.close();
      client.close();

      List<LogRecord> all = log.records();
      assertThat(all.subList(before, all.size()))
          .as("said from the close on")
          .extracting(r -> r.getLevel() + " " + r.getMessage())
          .isEmpty();
      assertThat(scheduler.getQueue()).as("reads scheduled").isEmpty();
      assertThat(watch.state().inSync()).as("the last read stands").isTrue();
      assertThat(applied)
          .as("the mirror after the close")
          .containsExactly("reset", "put /owned/watched");
      assertThatThrownBy(() -> watches.start("rules", "/late/", new Mirror(mirrored)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("the etcd client is closed");
    } finally {
      logger.setLevel(level);
      scheduler.shutdownNow();
      client.close();
    }
  }

  /**
   * jetcd tells a watcher's listener it completed from inside {@code close()}, on the closing
   * thread. A read that replaced a live watch (the embedded etcd ran again, events dropped) closed
   * it before the watch's generation moved on, so its own close was taken for the watch breaking:
   * another read was scheduled, which closed the new watch the same way, and so on, every 100 ms to
   * 5 s for as long as the control plane ran, its changes coming only from those reads.
   */
  @Test
  void aReadThatReplacesALiveWatchIsNotTakenForTheWatchBreaking() {
    etcd.server().put("/replaced/first", "f");
    try (FineWatchBench at = new FineWatchBench()) {
      Map<String, String> mirrored = new ConcurrentHashMap<>();
      List<String> applied = new CopyOnWriteArrayList<>();
      PrefixWatch watch =
          new PrefixWatches(TestGateways.on(at.client(), Duration.ofSeconds(5)), at.scheduler())
              .start("agents", "/replaced/", new RecordingMirror(mirrored, applied));
      assertThat(watch.awaitFirstRead(Duration.ofSeconds(30))).isTrue();
      etcd.server().put("/replaced/watched", "w");
      await("the watch runs")
          .atMost(Duration.ofSeconds(10))
          .until(() -> applied.contains("put /replaced/watched"));

      watch.readAgainNow();
      await("read again")
          .atMost(Duration.ofSeconds(10))
          .until(() -> applied.stream().filter("reset"::equals).count() == 2);
      await("and no read after it")
          .during(Duration.ofMillis(1500))
          .atMost(Duration.ofSeconds(5))
          .until(() -> applied.stream().filter("reset"::equals).count() == 2);
      etcd.server().put("/replaced/later", "l");
      await("the new watch applies what comes")
          .atMost(Duration.ofSeconds(10))
          .until(() -> applied.contains("put /replaced/later"));
      assertThat(applied.stream().filter("reset"::equals)).as("reads").hasSize(2);
      assertThat(at.log().records())
          .as("no watch broke")
          .noneMatch(r -> r.getMessage().contains(" broke"));
      watch.close();
    }
  }

  /**
   * After the embedded etcd's outage, the mirrors read it again only when their pause after the
   * outage's failed reads was up: up to 5 s after it ran again. The supervisor now tells the
   * watches, which read at once. The pauses here are made 30 s and more, so a mirror that catches
   * up within 10 s did not wait for its pause. etcd keeps running; only the supervisor (supplied by
   * the test) says it exited and runs again.
   */
  @Test
  void readsAtOnceWhenTheEmbeddedEtcdRunsAgain() {
    etcd.server().put("/prompt/ours", "o");
    SuppliedEmbeddedEtcd embedded = new SuppliedEmbeddedEtcd();
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
      Map<String, String> mirrored = new ConcurrentHashMap<>();
      PrefixWatch watch =
          new PrefixWatches(
                  embeddedGateway(client, embedded),
                  scheduler,
                  new PrefixWatch.Backoff(Duration.ofSeconds(30), Duration.ofSeconds(60)))
              .start("agents", "/prompt/", new Mirror(mirrored));
      assertThat(watch.awaitFirstRead(Duration.ofSeconds(30))).isTrue();

      // an event while it does not run has the prefix read, which is refused: the next read is
      // 30 s away
      embedded.exited("the embedded etcd exited with 137 and is being started again");
      etcd.server().put("/prompt/meanwhile", "m");
      await("the read is refused while the embedded etcd does not run")
          .atMost(Duration.ofSeconds(10))
          .until(() -> watch.state().failedReads() > 0);
      assertThat(watch.state().failure()).contains("embedded etcd is not running");

      embedded.runsAgain();
      await("the mirror reads etcd as soon as it runs again")
          .atMost(Duration.ofSeconds(10))
          .until(() -> watch.state().inSync() && mirrored.containsKey("/prompt/meanwhile"));
      etcd.server().put("/prompt/later", "l");
      await("and watches it again")
          .atMost(Duration.ofSeconds(10))
          .until(() -> mirrored.containsKey("/prompt/later"));
      watch.close();
    } finally {
      scheduler.shutdownNow();
    }
  }

  /** A gateway over {@code client} as the embedded etcd's, with {@code embedded} its supervisor. */
  private static EtcdGateway embeddedGateway(Client client, EmbeddedEtcdRuns embedded) {
    return EtcdGateway.builder(client, EtcdKeys.defaults(), Duration.ofSeconds(5))
        .embedded(embedded)
        .build();
  }

  /**
   * A {@link Mirror} that also records each read handed over ({@code reset}) and each event applied
   * as it came ({@code put <key>}, {@code delete <key>}).
   */
  record RecordingMirror(Map<String, String> keys, List<String> applied)
      implements PrefixWatch.Listener {
    @Override
    public void reset(Map<String, KeyValue> snapshot, long revision) {
      applied.add("reset");
      new Mirror(keys).reset(snapshot, revision);
    }

    @Override
    public void put(KeyValue kv) {
      applied.add("put " + EtcdGateway.text(kv.getKey()));
      new Mirror(keys).put(kv);
    }

    @Override
    public void delete(String key, long revision) {
      applied.add("delete " + key);
      new Mirror(keys).delete(key, revision);
    }
  }

  /**
   * What the tests that read {@link PrefixWatch}'s FINE lines open, closed in reverse: a scheduler
   * for the watches, that logger at FINE with its records captured, a client of the class's etcd.
   */
  private static final class FineWatchBench implements AutoCloseable {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final Logger logger = Logger.getLogger(PrefixWatch.class.getName());
    private final Level level = logger.getLevel();
    private final LogCapture log;
    private final Client client;

    FineWatchBench() {
      logger.setLevel(Level.FINE);
      log = LogCapture.of(PrefixWatch.class);
      client = Client.builder().endpoints(etcd.endpoint()).build();
    }

    ScheduledExecutorService scheduler() {
      return scheduler;
    }

    LogCapture log() {
      return log;
    }

    Client client() {
      return client;
    }

    @Override
    public void close() {
      try (log;
          client) {
        logger.setLevel(level);
      } finally {
        scheduler.shutdownNow();
      }
    }
  }

  /** How many FINE records said that a watch dropped events while the embedded etcd was down. */
  private static long droppedEvents(LogCapture log) {
    return log.records().stream()
        .filter(r -> r.getLevel() == Level.FINE && r.getMessage().startsWith("dropped "))
        .count();
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }

  static List<LogRecord> warnings(List<LogRecord> records) {
    return records.stream().filter(r -> r.getLevel() == Level.WARNING).toList();
  }

  /** Keeps key → value text. */
  record Mirror(Map<String, String> keys) implements PrefixWatch.Listener {
    @Override
    public void reset(Map<String, KeyValue> snapshot, long revision) {
      Set<String> fresh = snapshot.keySet();
      keys.keySet().retainAll(fresh);
      snapshot.forEach((key, kv) -> keys.put(key, EtcdGateway.text(kv.getValue())));
    }

    @Override
    public void put(KeyValue kv) {
      keys.put(EtcdGateway.text(kv.getKey()), EtcdGateway.text(kv.getValue()));
    }

    @Override
    public void delete(String key, long revision) {
      keys.remove(key);
    }
  }

  /**
   * Behind a proxy that passes etcd's reads but refuses its watches, each watch broke at once and
   * the prefix was read again 100 ms later, for ever: the whole prefix ten times a second, with
   * nothing logged above FINE. Quick breaks in a row now space the reads out (twice as long after
   * each, up to 5 s), and the log says once what is going on.
   */
  @Test
  void watchesThatBreakAtOnceSpaceTheReadsOutAndAreSaidOnce() throws Exception {
    etcd.server().put("/proxied/a", "1");
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (WatchRefusingProxy proxy = new WatchRefusingProxy(etcd.server().port());
        LogCapture log = LogCapture.of(PrefixWatch.class);
        Client client = Client.builder().endpoints(proxy.endpoint()).build()) {
      PrefixWatch watch =
          new PrefixWatches(TestGateways.on(client, Duration.ofSeconds(5)), scheduler)
              .start("proxied", "/proxied/", new Mirror(new ConcurrentHashMap<>()));
      await().atMost(Duration.ofSeconds(30)).until(() -> proxy.watchesRefused() >= 1);
      int first = proxy.watchesRefused();
      // reads 100, 200, 400, 800 and 1600 ms after the breaks: at most five more watches in 3 s
      await()
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(5))
          .until(() -> proxy.watchesRefused() - first <= 5);
      assertThat(proxy.watchesRefused()).as("the watch is tried again").isGreaterThan(first);
      assertThat(watch.state().inSync()).as("its reads work").isTrue();
      assertThat(warnings(log.records()))
          .singleElement()
          .satisfies(
              warning ->
                  assertThat(warning.getMessage())
                      .contains("the watch of /proxied/ broke 3 times in a row")
                      .contains("Does a proxy or gateway in front of etcd"));
      watch.close();
    } finally {
      scheduler.shutdownNow();
    }
  }

  /**
   * Starts {@code authEtcd} with auth on and answers a client of it whose password is wrong: etcd
   * refuses its every read.
   */
  private static Client refusedClientOf(EtcdServer authEtcd) {
    authEtcd.start();
    authEtcd.addUser("root", "root-secret", "root");
    authEtcd.enableAuth();
    return Client.builder()
        .endpoints(authEtcd.endpoint())
        .user(bytes("root"))
        .password(bytes("wrong-secret"))
        .build();
  }

  /** A gateway over {@code client} whose calls the stop of {@code calls} cancels. */
  private static EtcdGateway stoppedBy(OutstandingCalls calls, Client client, Duration timeout) {
    return EtcdGateway.builder(client, EtcdKeys.defaults(), timeout)
        .stopping(calls::stopping)
        .build();
  }

  /**
   * Waits until the watch's stream is open: a key put under {@code prefix} reaches the mirror. The
   * first read alone does not show it: jetcd opens the stream after it, in the background, and a
   * stream not yet open when etcd stops waits for etcd to come back (jetcd's calls wait for ready)
   * instead of breaking, so the read that follows a break never comes.
   */
  private static void awaitTheWatchStreaming(
      PrefixWatch watch, String prefix, Map<String, String> mirrored) {
    assertThat(watch.awaitFirstRead(Duration.ofSeconds(30))).isTrue();
    etcd.server().put(prefix + "streaming", "s");
    await("the watch's stream is open")
        .atMost(Duration.ofSeconds(10))
        .until(() -> mirrored.containsKey(prefix + "streaming"));
  }

  /**
   * Waits until the failed read is said, at FINE: it is logged just after the state counts it, and
   * a read said at no level at all would hide a failure from whoever turns the level up.
   */
  private static void awaitTheFailedReadSaidAtFine(LogCapture log) {
    await("the failed read said at FINE")
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                log.records().stream()
                    .anyMatch(
                        r ->
                            r.getLevel() == Level.FINE
                                && r.getMessage().startsWith("could not read /")));
  }

  /** Waits, etcd stopped, until the watch broke and the one read it asks for waits for etcd. */
  private static void awaitTheBrokenWatchsReadWaitingForEtcd(OutstandingCalls calls) {
    await("the watch broke and its read waits for etcd")
        .atMost(Duration.ofSeconds(20))
        .until(calls::waiting, n -> n == 1);
  }
}
