package io.sluice.sdk.status;

import static io.sluice.sdk.source.TestDocuments.document;
import static io.sluice.sdk.source.TestDocuments.invalidDocument;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.LeaseOption;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.AgentStatusCodec;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.breaker.BreakerRegistry;
import io.sluice.sdk.breaker.GuardedCall;
import io.sluice.sdk.config.EtcdClientFactory;
import io.sluice.sdk.config.SluiceConfig;
import io.sluice.sdk.source.EtcdRuleSource;
import io.sluice.sdk.source.FailingLogLines;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.logging.LogCapture;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class StatusReporterIT {

  /**
   * Bound for waits that are not the measured latency: generous, because the first test in a JVM
   * loads jetcd, gRPC and Netty, which takes over ten seconds on a loaded two-core machine.
   */
  private static final Duration AWAIT = Duration.ofSeconds(30);

  /** A bound for a write that must not wait for a refresh of a minute. */
  private static final Duration WELL_BEFORE_THE_REFRESH = Duration.ofSeconds(10);

  /**
   * The call timeout of reporters refreshing once a minute, whose tests start by awaiting the first
   * write: a failed write is retried a refresh interval later, past that await. The first test of
   * the class makes the JVM's first jetcd client, whose first write took over the default 5 s on a
   * loaded machine.
   */
  private static final Duration FIRST_WRITE_TIMEOUT = AWAIT;

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  private static final EtcdKeys keys = EtcdKeys.defaults();
  private static final AtomicInteger services = new AtomicInteger();

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  @Test
  void reportsTheAppliedRevisionUnderALeaseAndDisappearsOnClose() throws Exception {
    String service = newService();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
    EtcdRuleSource source = closeLater(EtcdRuleSource.builder(client(), holder, service).build());
    List<AgentStatus.BreakerState> breakers =
        List.of(new AgentStatus.BreakerState("payments", "payments:8080", "OPEN", 62.5, 0, false));
    List<AgentStatus.TargetStats> targets =
        List.of(new AgentStatus.TargetStats("payments:8080", 120, 75, 230.0, "payments"));
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(client(), service, holder)
                .instanceId("instance-1")
                .addRuleSource(source)
                .breakers(() -> breakers)
                .topTargets(() -> targets)
                .build());
    source.start();
    reporter.start();

    Client reader = client();
    String key = keys.agent(service, "instance-1");
    assertThat(reporter.key()).isEqualTo(key);
    await().atMost(AWAIT).until(() -> status(reader, key).isPresent());
    await().atMost(AWAIT).until(source::isWatching);
    assertThat(status(reader, key).get().rulesSource()).isEqualTo("defaults");

    long revision = etcd.server().put(keys.rules(service), document(service, 0.5));
    long written = System.nanoTime();
    await()
        .atMost(AWAIT)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> status(reader, key).map(AgentStatus::appliedRevision).orElse(0L) == revision);
    System.out.println(
        "[measure] rule put -> status shows the applied revision in "
            + (System.nanoTime() - written) / 1_000_000
            + " ms");

    AgentStatus status = status(reader, key).orElseThrow();
    assertThat(status.instanceId()).isEqualTo("instance-1");
    assertThat(status.service()).isEqualTo(service);
    assertThat(status.pid()).isEqualTo(ProcessHandle.current().pid());
    assertThat(status.host()).isNotBlank();
    assertThat(status.versions().java()).isEqualTo(Runtime.version().toString());
    assertThat(status.versions().opentelemetry()).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(status.startTime()).isNotNull();
    assertThat(status.updatedAt()).isAfterOrEqualTo(status.startTime());
    assertThat(status.rulesSource()).isEqualTo("etcd");
    assertThat(status.rejected()).isNull();
    assertThat(status.breakers()).isEqualTo(breakers);
    assertThat(status.topTargets()).isEqualTo(targets);

    KeyValue kv = keyValue(reader, key).orElseThrow();
    assertThat(kv.getLease()).isEqualTo(reporter.leaseId()).isNotZero();
    long ttl =
        reader
            .getLeaseClient()
            .timeToLive(kv.getLease(), LeaseOption.DEFAULT)
            .get(AWAIT.toSeconds(), TimeUnit.SECONDS)
            .getGrantedTTL();
    assertThat(ttl).isBetween(1L, 15L);

    LeaseExpiry expiry = LeaseExpiry.of(reader, kv.getLease());
    long closing = System.nanoTime();
    reporter.close();
    long closeMillis = (System.nanoTime() - closing) / 1_000_000;
    // close() waits a little for the revoke; on a loaded machine etcd may finish it later. A key
    // left to expire with its lease instead lives on until the lease runs out, at the earliest
    // when the lease's time left, asked before the close, is up (renewals only push that later).
    await("the revoke deletes the key, not the lease running out")
        .atMost(expiry.left())
        .pollInterval(Duration.ofMillis(20))
        .until(() -> keyValue(reader, key).isEmpty());
    System.out.println("[measure] status close (lease revoke) took " + closeMillis + " ms");
  }

  /**
   * A status key deleted while its lease lives (an operator clearing the agents with {@code etcdctl
   * del --prefix}) is written again at once: an unchanged status is otherwise rewritten only once a
   * minute, and the agent was missing from the control plane that long.
   */
  @Test
  void aStatusKeyDeletedBehindTheReporterIsWrittenAgainAtOnce() throws Exception {
    String service = newService();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(client(), service, holder)
                .instanceId("deleted-1")
                .callTimeout(FIRST_WRITE_TIMEOUT)
                // the longest lease: the restart below must not outlast it (a lease lost to it
                // writes the key again, which this test asserts did not happen)
                .leaseTtl(StatusReporter.MAX_LEASE_TTL)
                .build());
    reporter.start();
    Client reader = client();
    String key = keys.agent(service, "deleted-1");
    await().atMost(AWAIT).until(() -> keyValue(reader, key).isPresent());
    long lease = keyValue(reader, key).orElseThrow().getLease();

    for (int i = 0; i < 2; i++) { // and again: the watch goes on after a delete
      etcd.server().delete(key);
      await("written again well before the once-a-minute rewrite")
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> keyValue(reader, key).isPresent());
      assertThat(keyValue(reader, key).orElseThrow().getLease()).isEqualTo(lease);
    }

    // an etcd restart within the lease's TTL interrupts the watch: jetcd resumes it, and a delete
    // after it is noticed as soon, not at the next put (before, the interruption ended the watch)
    long written = keyValue(reader, key).orElseThrow().getModRevision();
    etcd.server().stop();
    etcd.server().start();
    await("etcd answers the test's reader again")
        .atMost(AWAIT)
        .ignoreExceptionsInstanceOf(ExecutionException.class)
        .until(() -> keyValue(reader, key).isPresent());
    assertThat(keyValue(reader, key).orElseThrow().getModRevision())
        .as("the status was not written again after the restart")
        .isEqualTo(written);
    etcd.server().delete(key);
    await("written again after a delete that followed an etcd restart")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptionsInstanceOf(ExecutionException.class)
        .until(() -> keyValue(reader, key).isPresent());
    assertThat(WritePacing.REWRITE_UNCHANGED_NANOS).isGreaterThan(Duration.ofSeconds(40).toNanos());
  }

  /**
   * A status key deleted while the reporter backs off after failed writes is written again at once:
   * etcd has just answered (the delete came through the watch). Once etcd is back from an outage
   * longer than the lease's TTL, the lease it restored expires with the key a TTL later, and the
   * agent was missing from the control plane until the next retry, up to three refresh intervals
   * after the last failure. The reporter's clock stops as etcd does, so its backoff never ends by
   * itself.
   */
  @Test
  void aKeyDeletedWhileBackingOffIsWrittenAgainAtOnce() throws Exception {
    String service = newService();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
    AtomicLong stoppedAt = new AtomicLong(Long.MIN_VALUE);
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(client(), service, holder)
                .instanceId("backing-off-1")
                .callTimeout(FIRST_WRITE_TIMEOUT)
                .leaseTtl(StatusReporter.MAX_LEASE_TTL)
                .nanoTime(
                    () -> {
                      long stopped = stoppedAt.get();
                      return stopped == Long.MIN_VALUE ? System.nanoTime() : stopped;
                    })
                .build());
    reporter.start();
    Client reader = client();
    String key = keys.agent(service, "backing-off-1");
    await().atMost(AWAIT).until(() -> keyValue(reader, key).isPresent());

    stoppedAt.set(System.nanoTime());
    etcd.server().stop();
    long attempts = reporter.writeAttempts();
    try {
      reporter.requestUpdate();
      await("a write fails while etcd is away")
          .atMost(AWAIT)
          .until(() -> reporter.writeAttempts() > attempts);
    } finally {
      etcd.server().start();
    }
    await("etcd answers the test's reader again")
        .atMost(AWAIT)
        .ignoreExceptionsInstanceOf(ExecutionException.class)
        .until(() -> keyValue(reader, key).isPresent());
    etcd.server().delete(key);

    await("written again, though backing off")
        .atMost(AWAIT)
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptionsInstanceOf(ExecutionException.class)
        .until(() -> keyValue(reader, key).isPresent());
  }

  /**
   * {@code System.nanoTime()} has an arbitrary origin and may be negative. Before, "never written"
   * was a last write at 0, and a first write measured from it was put off by about a century: the
   * agent never showed up.
   */
  @Test
  void writesTheFirstStatusAtOnceWhenTheMonotonicClockReadsNegative() throws Exception {
    String service = newService();
    long origin = Long.MIN_VALUE / 2; // readings around -146 years, counting up as time passes
    long start = System.nanoTime();
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(
                    client(), service, new ActiveRulesHolder(ActiveRules.defaults(service)))
                .nanoTime(() -> origin + (System.nanoTime() - start))
                .build());
    reporter.start();

    Client reader = client();
    await().atMost(AWAIT).until(() -> status(reader, reporter.key()).isPresent());
  }

  /**
   * close() while etcd's answer to the lease grant is on its way to the reporter: the grant goes on
   * without it. Before, the reporter took the lease up after close had returned and wrote its key
   * under it, never revoked: the agent stayed listed for a whole TTL after it had stopped.
   */
  @Test
  void closeWhileALeaseIsBeingGrantedRevokesItAndWritesNoKey() throws Exception {
    String service = newService();
    CountDownLatch granted = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    AtomicLong grantedId = new AtomicLong();
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(
                    client(), service, new ActiveRulesHolder(ActiveRules.defaults(service)))
                .leaseTtl(StatusReporter.MAX_LEASE_TTL)
                .onLeaseGranted(
                    id -> {
                      grantedId.set(id);
                      granted.countDown();
                      awaitUninterruptibly(closed); // etcd's answer still "on its way"
                    })
                .build());
    reporter.start();
    assertThat(granted.await(AWAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

    reporter.close();
    closed.countDown();

    Client reader = client();
    await("the lease granted while closing is revoked, not left to run out its 15 s")
        .atMost(Duration.ofSeconds(8))
        .until(() -> remainingTtl(reader, grantedId.get()) == -1);
    assertThat(keyValue(reader, reporter.key())).isEmpty();
    assertThat(reporter.writes()).isZero();
  }

  /**
   * close() while a write that had its lease is about to put the status: close revokes the lease,
   * and the put is not sent. Before, the put read the lease's id again, 0 once close had revoked
   * it, and wrote the key bound to no lease at all: a key that never expires, an agent listed for
   * ever after it stopped.
   */
  @Test
  void closeWhileAWriteIsAboutToPutWritesNoKeyWithoutALease() throws Exception {
    String service = newService();
    CountDownLatch putting = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(
                    client(), service, new ActiveRulesHolder(ActiveRules.defaults(service)))
                .leaseTtl(StatusReporter.MAX_LEASE_TTL)
                .callTimeout(FIRST_WRITE_TIMEOUT)
                .beforePut(
                    () -> {
                      putting.countDown();
                      awaitUninterruptibly(closed); // the put still to be sent
                    })
                .build());
    reporter.start();
    assertThat(putting.await(AWAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    long lease = reporter.leaseId();
    assertThat(lease).as("the write has its lease").isNotZero();

    reporter.close();
    closed.countDown();

    Client reader = client();
    await("the lease is revoked").atMost(AWAIT).until(() -> remainingTtl(reader, lease) == -1);
    await("no key is written once the reporter is closed")
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> keyValue(reader, reporter.key()).isEmpty());
    assertThat(reporter.writes()).isZero();
  }

  /**
   * close() while the reporter starts (here from within start(), once its thread pool is made, as
   * another thread may close it then): the reporter leaves no thread behind and writes nothing.
   * Before, close found no thread pool yet and returned, and start went on: a thread ticking every
   * refresh for ever, and the reporter's listeners left on the rules.
   */
  @Test
  void closeWhileStartingLeavesNoThreadBehind() throws Exception {
    String service = newService();
    AtomicReference<StatusReporter> starting = new AtomicReference<>();
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(
                    client(), service, new ActiveRulesHolder(ActiveRules.defaults(service)))
                .beforeStarted(() -> starting.get().close())
                .build());
    starting.set(reporter);
    reporter.start();

    await("no thread of the closed reporter lives")
        .atMost(AWAIT)
        .until(
            () ->
                Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().equals("sluice-status-" + service)));
    assertThat(reporter.writes()).isZero();
    assertThat(keyValue(client(), reporter.key())).isEmpty();
  }

  /** Waits for {@code latch} through interrupts (a closing reporter's), at most {@link #AWAIT}. */
  private static void awaitUninterruptibly(CountDownLatch latch) {
    long deadline = System.nanoTime() + AWAIT.toNanos();
    boolean interrupted = false;
    while (latch.getCount() > 0 && System.nanoTime() - deadline < 0) {
      try {
        latch.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The seconds lease {@code id} has left, -1 once it is revoked or expired. */
  private static long remainingTtl(Client client, long id) throws Exception {
    return client
        .getLeaseClient()
        .timeToLive(id, LeaseOption.DEFAULT)
        .get(AWAIT.toSeconds(), TimeUnit.SECONDS)
        .getTTL();
  }

  /**
   * etcd grants a lease but jetcd refuses to keep it alive (its lease client was closed meanwhile):
   * the lease is revoked, never held, the write fails with one WARNING for the stretch, and the
   * next write grants a new lease. Before, the lease was held all the same: the next write put the
   * status under it, the key expired with it a TTL later with nothing said, and the reporter went
   * on believing it held a lease.
   */
  @Test
  void aLeaseJetcdDoesNotKeepAliveIsRevokedNotWrittenUnderAndGrantedAgain() throws Exception {
    String service = newService();
    Client client = client();
    List<Long> grantedIds = new CopyOnWriteArrayList<>();
    try (LogCapture log = LogCapture.of(StatusReporter.class)) {
      StatusReporter reporter =
          closeLater(
              StatusReporter.builder(
                      client, service, new ActiveRulesHolder(ActiveRules.defaults(service)))
                  .leaseTtl(StatusReporter.MAX_LEASE_TTL)
                  .refreshInterval(Duration.ofMillis(100))
                  .onLeaseGranted(
                      id -> {
                        grantedIds.add(id);
                        // from now on jetcd refuses every keep-alive: "lease client is closed"
                        client.getLeaseClient().close();
                      })
                  .build());
      reporter.start();

      await().atMost(AWAIT).until(() -> grantedIds.size() >= 3 || reporter.writes() > 0);
      Client reader = client();
      assertThat(reporter.writes()).as("writes under a lease no one keeps alive").isZero();
      assertThat(keyValue(reader, reporter.key())).isEmpty();
      assertThat(reporter.leaseId()).isZero();
      await("every lease granted is revoked, not left to run out its 15 s")
          .atMost(Duration.ofSeconds(8))
          .until(() -> remainingTtl(reader, grantedIds.get(0)) == -1);
      assertThat(log.records())
          .filteredOn(r -> r.getLevel() == Level.WARNING)
          .singleElement()
          .satisfies(
              r ->
                  assertThat(r.getMessage())
                      .startsWith("could not write the agent status " + reporter.key()));
    }
  }

  /**
   * A lease etcd loses at every attempt (here revoked as soon as it is granted) is said lost once
   * per stretch of failures, at INFO, as the other failures are; a write that succeeds ends the
   * stretch, and a loss after it is said again. Before, every attempt logged "the status lease of …
   * was lost; granting a new one" at INFO.
   */
  @Test
  void aLeaseLostAtEveryAttemptIsSaidOncePerStretch() throws Exception {
    String service = newService();
    Client admin = client();
    AtomicBoolean revoking = new AtomicBoolean(true);
    List<Long> grantedIds = new CopyOnWriteArrayList<>();
    try (LogCapture log = LogCapture.of(StatusReporter.class)) {
      StatusReporter reporter =
          closeLater(
              StatusReporter.builder(
                      client(), service, new ActiveRulesHolder(ActiveRules.defaults(service)))
                  .refreshInterval(Duration.ofMillis(100))
                  .onLeaseGranted(
                      id -> {
                        grantedIds.add(id);
                        if (revoking.get()) {
                          // gone before the reporter writes under it
                          admin.getLeaseClient().revoke(id).join();
                        }
                      })
                  .build());
      reporter.start();

      // three attempts at least, each losing two leases (the one it writes under, and the new one)
      await().atMost(AWAIT).until(() -> grantedIds.size() >= 6);
      assertThat(reporter.writes()).isZero();
      revoking.set(false);
      await().atMost(AWAIT).until(() -> reporter.writes() > 0);
      assertThat(leaseLossLines(log, reporter.key())).as("one line for the stretch").hasSize(1);

      // a new stretch: the lease lost once more, after a write that worked, is said again
      long held = reporter.leaseId();
      admin.getLeaseClient().revoke(held).get(AWAIT.toSeconds(), TimeUnit.SECONDS);
      await()
          .atMost(AWAIT)
          .until(
              () ->
                  keyValue(admin, reporter.key())
                      .map(KeyValue::getLease)
                      .filter(lease -> lease != held)
                      .isPresent());
      assertThat(leaseLossLines(log, reporter.key())).hasSize(2);
    }
  }

  /**
   * A lost lease is replaced, and the key written again under a new one, even when a log handler of
   * the app's throws at the line saying the lease was lost. Before, the line came before the lease
   * was dropped: its exception skipped the new grant, and the reporter went on writing under the
   * dead lease, failing at every attempt.
   */
  @Test
  void aLostLeaseIsReplacedWhenTheLineSayingSoThrows() throws Exception {
    String service = newService();
    Client admin = client();
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(
                    client(), service, new ActiveRulesHolder(ActiveRules.defaults(service)))
                .refreshInterval(Duration.ofMillis(100))
                .build());
    reporter.start();
    await().atMost(AWAIT).until(() -> reporter.writes() > 0);
    long held = reporter.leaseId();

    try (FailingLogLines line = FailingLogLines.of(StatusReporter.class, "the status lease of")) {
      admin.getLeaseClient().revoke(held).get(AWAIT.toSeconds(), TimeUnit.SECONDS);
      await()
          .atMost(AWAIT)
          .until(
              () ->
                  keyValue(admin, reporter.key())
                      .map(KeyValue::getLease)
                      .filter(lease -> lease != held)
                      .isPresent());
      assertThat(line.failed()).isPositive();
    }
  }

  /**
   * A failure of the reporter's own whose WARNING a log handler of the app's fails to write is
   * warned of at the next failure, once the handler writes again. Before, the failure counted as
   * told though its line was never written: every later one went to FINE, unseen.
   */
  @Test
  void aTaskFailureWhoseWarningThrowsIsWarnedOfNextTime() throws Exception {
    String service = newService();
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(
                    client(), service, new ActiveRulesHolder(ActiveRules.defaults(service)))
                .refreshInterval(Duration.ofMillis(100))
                .clock(
                    new Clock() {
                      @Override
                      public ZoneId getZone() {
                        return ZoneOffset.UTC;
                      }

                      @Override
                      public Clock withZone(ZoneId zone) {
                        return this;
                      }

                      @Override
                      public Instant instant() {
                        throw new IllegalStateException("a bug: the clock fails");
                      }
                    })
                .build());
    // the failing handler first: it throws before the capture sees the line
    try (FailingLogLines line = FailingLogLines.of(StatusReporter.class, "the status reporter of");
        LogCapture log = LogCapture.of(StatusReporter.class)) {
      reporter.start();
      await().atMost(AWAIT).until(() -> line.failed() > 0);
      line.close();

      await()
          .atMost(AWAIT)
          .until(
              () ->
                  log.records().stream()
                      .anyMatch(
                          r ->
                              r.getLevel() == Level.WARNING
                                  && r.getMessage().endsWith(" failed; going on")));
    }
  }

  /**
   * A failure of the reporter's own that ends, and comes back after a status was written again, is
   * warned of again, and the write between says the status is written again. Before, the first
   * WARNING was the only one for the reporter's lifetime: every later failure went to FINE, unseen,
   * and nothing said the reporter worked again.
   */
  @Test
  void aTaskFailureThatComesBackAfterAWriteIsWarnedOfAgain() throws Exception {
    String service = newService();
    AtomicBoolean clockFails = new AtomicBoolean();
    AtomicReference<List<AgentStatus.BreakerState>> breakers = new AtomicReference<>(List.of());
    Clock clock = Clock.systemUTC();
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(
                    client(), service, new ActiveRulesHolder(ActiveRules.defaults(service)))
                .refreshInterval(Duration.ofMillis(100))
                .breakers(breakers::get)
                .clock(
                    new Clock() {
                      @Override
                      public ZoneId getZone() {
                        return ZoneOffset.UTC;
                      }

                      @Override
                      public Clock withZone(ZoneId zone) {
                        return this;
                      }

                      @Override
                      public Instant instant() {
                        if (clockFails.get()) {
                          throw new IllegalStateException("a bug: the clock fails");
                        }
                        return clock.instant();
                      }
                    })
                .build());
    try (LogCapture log = LogCapture.of(StatusReporter.class)) {
      reporter.start();
      await().atMost(AWAIT).until(() -> reporter.writes() > 0);

      clockFails.set(true);
      await().atMost(AWAIT).until(() -> taskFailures(log) == 1);
      clockFails.set(false);
      long written = reporter.writes();
      // a meaningful change, so the next refresh writes rather than waiting for the minute's
      // rewrite
      breakers.set(List.of(new AgentStatus.BreakerState("p", "a:1", "OPEN", 60, 0, false)));
      await().atMost(AWAIT).until(() -> reporter.writes() > written);
      await()
          .atMost(AWAIT)
          .until(
              () ->
                  log.records().stream()
                      .anyMatch(
                          r ->
                              r.getLevel() == Level.INFO
                                  && r.getMessage()
                                      .equals(
                                          "the agent status "
                                              + reporter.key()
                                              + " is written again")));

      clockFails.set(true);
      await().atMost(AWAIT).until(() -> taskFailures(log) == 2);
    }
  }

  /**
   * A failure of the look-ups done once at start (start time, host, versions) is said in a line of
   * its own, and the status is written without them; no write had failed, so none says the status
   * is written again, and a later failure of the reporter's own would be warned of as the first.
   * Before, the look-ups ran as any task of the reporter's: their failure was warned of as {@code
   * failed; going on}, and the first write, which nothing had kept from working, said {@code is
   * written again}.
   */
  @Test
  void aFailingLookUpAtStartIsSaidAsSuchAndNoWriteSaysTheStatusIsWrittenAgain() throws Exception {
    String service = newService();
    AtomicBoolean firstReading = new AtomicBoolean(true);
    AtomicReference<List<AgentStatus.BreakerState>> breakers = new AtomicReference<>(List.of());
    Clock clock = Clock.systemUTC();
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(
                    client(), service, new ActiveRulesHolder(ActiveRules.defaults(service)))
                .refreshInterval(Duration.ofMillis(100))
                .breakers(breakers::get)
                .clock(
                    new Clock() {
                      @Override
                      public ZoneId getZone() {
                        return ZoneOffset.UTC;
                      }

                      @Override
                      public Clock withZone(ZoneId zone) {
                        return this;
                      }

                      @Override
                      public Instant instant() {
                        // the first reading is the start time's, looked up once at start
                        if (firstReading.compareAndSet(true, false)) {
                          throw new IllegalStateException("a bug: the clock fails once");
                        }
                        return clock.instant();
                      }
                    })
                .build());
    try (LogCapture log = LogCapture.of(StatusReporter.class)) {
      reporter.start();
      await().atMost(AWAIT).until(() -> reporter.writes() > 0);
      // a second write, on the same thread: whatever the first one said is said by then
      breakers.set(List.of(new AgentStatus.BreakerState("p", "a:1", "OPEN", 60, 0, false)));
      await().atMost(AWAIT).until(() -> reporter.writes() > 1);

      assertThat(log.records())
          .filteredOn(r -> r.getMessage().startsWith("the status reporter of " + service))
          .extracting(r -> r.getLevel() + " " + r.getMessage())
          .containsExactly(
              "WARNING the status reporter of "
                  + service
                  + " could not look up the agent's start time, host and versions; its status is"
                  + " written without those it could not look up until the app restarts");
      assertThat(log.messages()).noneSatisfy(m -> assertThat(m).endsWith(" is written again"));
    }
    AgentStatus written = status(client(), reporter.key()).orElseThrow();
    assertThat(written.startTime()).isNull();
    assertThat(written.breakers())
        .extracting(AgentStatus.BreakerState::policy)
        .containsExactly("p");
  }

  /** The WARNINGs that say the reporter's own task failed. */
  private static long taskFailures(LogCapture log) {
    return log.records().stream()
        .filter(r -> r.getLevel() == Level.WARNING)
        .filter(r -> r.getMessage().endsWith(" failed; going on"))
        .count();
  }

  /**
   * A write that succeeds after an outage stands when a log handler of the app's throws at the line
   * saying so. Before, the line was written unguarded after the write: its exception counted the
   * write as failed, backed off and warned of a second outage that never was.
   */
  @Test
  void aWriteAfterAnOutageStandsWhenTheLineSayingSoThrows() throws Exception {
    String service = newService();
    Client reader = client();
    etcd.server().stop();
    // the failing handler first: it throws before the capture sees the line
    try (FailingLogLines line = FailingLogLines.of(StatusReporter.class, "the agent status ");
        LogCapture log = LogCapture.of(StatusReporter.class)) {
      StatusReporter reporter;
      try {
        reporter =
            closeLater(
                StatusReporter.builder(
                        client(), service, new ActiveRulesHolder(ActiveRules.defaults(service)))
                    .refreshInterval(Duration.ofMillis(100))
                    .callTimeout(Duration.ofSeconds(2))
                    .build());
        reporter.start();
        await().atMost(AWAIT).until(() -> !couldNotWrite(log, reporter.key()).isEmpty());
      } finally {
        etcd.server().start();
      }
      await().atMost(AWAIT).until(() -> line.failed() > 0);
      await().atMost(AWAIT).until(() -> status(reader, reporter.key()).isPresent());
      reporter.close();

      assertThat(couldNotWrite(log, reporter.key())).hasSize(1);
    }
  }

  /** The WARNINGs that say the agent status {@code key} could not be written. */
  private static List<String> couldNotWrite(LogCapture log, String key) {
    return log.records().stream()
        .filter(r -> r.getLevel() == Level.WARNING)
        .map(r -> r.getMessage())
        .filter(m -> m.startsWith("could not write the agent status " + key))
        .toList();
  }

  /** The INFO lines that say the status lease of {@code key} was lost. */
  private static List<String> leaseLossLines(LogCapture log, String key) {
    return log.records().stream()
        .filter(r -> r.getLevel() == Level.INFO)
        .map(r -> r.getMessage())
        .filter(m -> m.startsWith("the status lease of " + key + " "))
        .filter(m -> m.endsWith("; granting a new one"))
        .toList();
  }

  @Test
  void reportsARejectedDocumentWithItsErrors() throws Exception {
    String service = newService();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
    EtcdRuleSource source = closeLater(EtcdRuleSource.builder(client(), holder, service).build());
    StatusReporter reporter =
        closeLater(StatusReporter.builder(client(), service, holder).addRuleSource(source).build());
    source.start();
    reporter.start();
    Client reader = client();

    long good = etcd.server().put(keys.rules(service), document(service, 0.5));
    await()
        .atMost(AWAIT)
        .until(
            () ->
                status(reader, reporter.key()).map(AgentStatus::appliedRevision).orElse(0L)
                    == good);
    long bad = etcd.server().put(keys.rules(service), invalidDocument(service));
    await()
        .atMost(AWAIT)
        .until(() -> status(reader, reporter.key()).map(AgentStatus::rejected).isPresent());

    AgentStatus status = status(reader, reporter.key()).orElseThrow();
    assertThat(status.appliedRevision()).isEqualTo(good);
    assertThat(status.rejected().revision()).isEqualTo(bad);
    assertThat(status.rejected().errors())
        .containsExactly(
            "$.sampling.defaultRatio: must be from 0 to 1, not 1.5",
            "$.breakers[0].slidingWindow.size: must be at least 1, not 0");
    assertThat(holder.current().revision()).isEqualTo(good);
  }

  /**
   * A rejection that no longer stands leaves the status at once, though no rules were applied with
   * it: the refused document deleted while {@code _default} applies, and a refused {@code _default}
   * fixed while the service's own document applies. It stayed until the next refresh (a minute
   * here), as only applied and rejected documents asked for a write.
   */
  @Test
  void aRejectionThatNoLongerStandsLeavesTheStatusWithoutWaitingForTheRefresh() throws Exception {
    String service = newService();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
    EtcdRuleSource source = closeLater(EtcdRuleSource.builder(client(), holder, service).build());
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(client(), service, holder)
                .addRuleSource(source)
                .refreshInterval(Duration.ofSeconds(60))
                .build());
    String defaults = keys.rules(RuleDocument.DEFAULT_SERVICE);
    long fallback = etcd.server().put(defaults, document(RuleDocument.DEFAULT_SERVICE, 0.5));
    source.start();
    reporter.start();
    Client reader = client();

    long bad = etcd.server().put(keys.rules(service), invalidDocument(service));
    awaitRejected(reader, reporter, bad);
    etcd.server().delete(keys.rules(service));
    awaitNoRejection(reader, reporter);
    assertThat(holder.current().revision()).isEqualTo(fallback);

    long own = etcd.server().put(keys.rules(service), document(service, 0.4));
    long badDefaults = etcd.server().put(defaults, invalidDocument(RuleDocument.DEFAULT_SERVICE));
    awaitRejected(reader, reporter, badDefaults);
    etcd.server().put(defaults, document(RuleDocument.DEFAULT_SERVICE, 0.6));
    awaitNoRejection(reader, reporter);
    assertThat(holder.current().revision()).isEqualTo(own);
  }

  /** Waits until the status says the document at {@code revision} was rejected. */
  private static void awaitRejected(Client reader, StatusReporter reporter, long revision) {
    await()
        .atMost(AWAIT)
        .until(
            () ->
                status(reader, reporter.key())
                    .map(AgentStatus::rejected)
                    .map(r -> r.revision() == revision)
                    .orElse(false));
  }

  /** Waits, well within a refresh of a minute, until the status says no rejection. */
  private static void awaitNoRejection(Client reader, StatusReporter reporter) {
    await()
        .atMost(WELL_BEFORE_THE_REFRESH)
        .until(() -> status(reader, reporter.key()).map(AgentStatus::rejected).isEmpty());
  }

  @Test
  void grantsANewLeaseWhenTheOldOneIsLost() throws Exception {
    String service = newService();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(client(), service, holder)
                .refreshInterval(Duration.ofSeconds(5))
                .build());
    reporter.start();
    Client admin = client();
    await().atMost(AWAIT).until(() -> keyValue(admin, reporter.key()).isPresent());
    long oldLease = keyValue(admin, reporter.key()).orElseThrow().getLease();

    admin.getLeaseClient().revoke(oldLease).get(AWAIT.toSeconds(), TimeUnit.SECONDS);
    long revoked = System.nanoTime();
    await()
        .atMost(AWAIT)
        .until(
            () ->
                keyValue(admin, reporter.key())
                    .map(KeyValue::getLease)
                    .filter(lease -> lease != oldLease)
                    .isPresent());
    System.out.println(
        "[measure] lost lease re-created and status rewritten in "
            + (System.nanoTime() - revoked) / 1_000_000
            + " ms");
    assertThat(reporter.leaseId()).isNotEqualTo(oldLease);
    assertThat(keyValue(admin, reporter.key()).orElseThrow().getLease())
        .isEqualTo(reporter.leaseId());
  }

  /**
   * A started rule source retrying every 100 to 500 ms and a started status reporter reporting it
   * every {@code refresh}, each on an etcd client of its own (so each has to bring its own channel
   * back after an outage).
   */
  private Started startedWithRuleSource(
      String service, ActiveRulesHolder holder, Duration refresh) {
    return startedWithRuleSource(service, holder, refresh, Duration.ofSeconds(5));
  }

  /**
   * As {@link #startedWithRuleSource(String, ActiveRulesHolder, Duration)}, leases of {@code ttl}.
   */
  private Started startedWithRuleSource(
      String service, ActiveRulesHolder holder, Duration refresh, Duration ttl) {
    EtcdRuleSource source =
        closeLater(
            EtcdRuleSource.builder(client(), holder, service)
                .retryBackoff(Duration.ofMillis(100), Duration.ofMillis(500))
                .build());
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(client(), service, holder)
                .addRuleSource(source)
                .leaseTtl(ttl)
                .refreshInterval(refresh)
                .build());
    source.start();
    reporter.start();
    return new Started(source, reporter);
  }

  private record Started(EtcdRuleSource source, StatusReporter reporter) {}

  @Test
  void keepsReportingAcrossAnEtcdRestart() throws Exception {
    String service = newService();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
    StatusReporter reporter =
        startedWithRuleSource(service, holder, Duration.ofSeconds(1)).reporter();
    Client reader = client();
    await().atMost(AWAIT).until(() -> status(reader, reporter.key()).isPresent());

    etcd.server().stop();
    etcd.server().start();
    long revision = etcd.server().put(keys.rules(service), document(service, 0.5));
    long restarted = System.nanoTime();
    // the test's own reader lost its connection in the restart too: its first reads may fail
    // UNAVAILABLE until its channel is back
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptionsInstanceOf(ExecutionException.class)
        .until(() -> appliedRevision(reader, reporter.key()) == revision);
    System.out.println(
        "[measure] after an etcd restart the status showed a new revision in "
            + (System.nanoTime() - restarted) / 1_000_000
            + " ms");
    long lease = keyValue(reader, reporter.key()).orElseThrow().getLease();
    assertThat(
            reader
                .getLeaseClient()
                .timeToLive(lease, LeaseOption.DEFAULT)
                .get(AWAIT.toSeconds(), TimeUnit.SECONDS)
                .getTTL())
        .as("the key is bound to a live lease")
        .isPositive();
  }

  /**
   * An etcd restart well within the lease's TTL breaks jetcd's keep-alive stream, which jetcd opens
   * again for the same lease: the key stays bound to it and is never deleted, and keep-alives renew
   * it again. Before, a broken keep-alive stream counted as a lost lease: the key moved to a new
   * one, or, when the new grant failed while etcd was away, expired with the old one although etcd
   * was back well within its TTL (the agent gone from the control plane until the next retry).
   */
  @Test
  void anEtcdRestartWithinTheLeasesTtlKeepsTheLeaseAndTheKey() throws Exception {
    String service = newService();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
    StatusReporter reporter =
        startedWithRuleSource(service, holder, Duration.ofSeconds(1), StatusReporter.MAX_LEASE_TTL)
            .reporter();
    Client reader = client();
    await().atMost(AWAIT).until(() -> keyValue(reader, reporter.key()).isPresent());
    KeyValue before = keyValue(reader, reporter.key()).orElseThrow();

    etcd.server().stop();
    etcd.server().start();
    long revision = etcd.server().put(keys.rules(service), document(service, 0.5));
    // the test's own reader lost its connection in the restart too: its first reads may fail
    // UNAVAILABLE until its channel is back
    await()
        .atMost(AWAIT)
        .ignoreExceptionsInstanceOf(ExecutionException.class)
        .until(() -> appliedRevision(reader, reporter.key()) == revision);

    KeyValue after = keyValue(reader, reporter.key()).orElseThrow();
    assertThat(after.getLease()).as("the key's lease").isEqualTo(before.getLease());
    assertThat(reporter.leaseId()).isEqualTo(before.getLease());
    assertThat(after.getCreateRevision())
        .as("the key was never deleted")
        .isEqualTo(before.getCreateRevision());
    // only a keep-alive makes a lease's time to live grow: jetcd keeps the lease alive again
    AtomicLong lowest = new AtomicLong(Long.MAX_VALUE);
    await("a keep-alive renews the lease after the restart")
        .atMost(AWAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              long ttl = remainingTtl(reader, before.getLease());
              lowest.accumulateAndGet(ttl, Math::min);
              return ttl > lowest.get();
            });
  }

  /**
   * An outage long enough for gRPC's own reconnect backoff (1 s, growing 1.6-fold with ±20 %
   * jitter, up to 2 min) to space its attempts far apart: they fall near 26 s, 43 s and 70 s after
   * the connection is lost (each within about ±5 s: three standard deviations of the summed
   * jitter). The hold plus etcd's stop and restart bring etcd back about 32 s after the loss, past
   * the first of them, so gRPC alone would connect again about 11 s later, hardly ever within 5 s.
   */
  private static final Duration LONG_OUTAGE = Duration.ofSeconds(30);

  /**
   * How soon after a long outage the agent must see etcd again: before gRPC's own attempt. Sluice's
   * retries (at most 500 ms apart here) take about a second at most.
   */
  private static final Duration RECONNECTED_WITHIN = Duration.ofSeconds(5);

  @Test
  void reconnectsAtItsOwnRetryPaceNotGrpcsWhenEtcdReturnsAfterALongOutage() throws Exception {
    String service = newService();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
    Started started = startedWithRuleSource(service, holder, Duration.ofMillis(500));
    EtcdRuleSource source = started.source();
    StatusReporter reporter = started.reporter();
    long before = etcd.server().put(keys.rules(service), document(service, 0.3));
    Client reader = client();
    await().atMost(AWAIT).until(() -> appliedRevision(reader, reporter.key()) == before);

    etcd.server().stop();
    await().atMost(AWAIT).until(() -> !source.isWatching());
    // The outage itself, the rules in force staying all along.
    await()
        .during(LONG_OUTAGE)
        .atMost(LONG_OUTAGE.plusSeconds(10))
        .until(() -> holder.current().revision() == before);
    etcd.server().start();
    long after = etcd.server().put(keys.rules(service), document(service, 0.8));
    long back = System.nanoTime();
    // Bounded generously so that a failure shows how long it took, not just that it was too long.
    await().atMost(Duration.ofMinutes(2)).until(() -> holder.current().revision() == after);
    long ruleMillis = (System.nanoTime() - back) / 1_000_000;
    // A reader from before the outage would wait out gRPC's backoff itself.
    Client freshReader = client();
    await()
        .atMost(Duration.ofMinutes(2))
        .until(() -> appliedRevision(freshReader, reporter.key()) == after);
    long statusMillis = (System.nanoTime() - back) / 1_000_000;
    System.out.println(
        "[measure] etcd back after a "
            + LONG_OUTAGE.toSeconds()
            + " s outage: new rule applied in "
            + ruleMillis
            + " ms, status showing it in "
            + statusMillis
            + " ms");
    assertThat(ruleMillis)
        .as("ms from etcd's return to a new rule applied")
        .isLessThan(RECONNECTED_WITHIN.toMillis());
    assertThat(statusMillis)
        .as("ms from etcd's return to the status showing that rule")
        .isLessThan(RECONNECTED_WITHIN.toMillis());
  }

  @Test
  void showsABreakerThatOpenedWithoutWaitingForTheRefresh() throws Exception {
    String service = newService();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
    EtcdRuleSource source = closeLater(EtcdRuleSource.builder(client(), holder, service).build());
    BreakerRegistry registry = closeLater(BreakerRegistry.builder(holder).build());
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(client(), service, holder)
                .addRuleSource(source)
                .breakers(registry::breakerStates)
                .topTargets(() -> registry.topTargets(5))
                .refreshInterval(Duration.ofSeconds(60))
                .build());
    registry.addTransitionListener(reporter::requestUpdate);
    source.start();
    reporter.start();
    long revision =
        etcd.server()
            .put(
                keys.rules(service),
                """
                {"schemaVersion": 1, "service": "%s",
                 "breakers": [{"name": "payments", "match": {"host": "payments*"},
                               "slidingWindow": {"type": "COUNT", "size": 4}, "minimumCalls": 4,
                               "waitInOpenState": "1m"}]}
                """
                    .formatted(service));
    await().atMost(AWAIT).until(() -> holder.current().revision() == revision);
    Client reader = client();
    await()
        .atMost(AWAIT)
        .until(
            () ->
                status(reader, reporter.key()).map(AgentStatus::appliedRevision).orElse(0L)
                    == revision);
    assertThat(status(reader, reporter.key()).orElseThrow().breakers()).isEmpty();

    for (int i = 0; i < 4; i++) {
      GuardedCall call = registry.start("payments.internal", 8080, "POST", "/pay");
      assertThat(call.permitted()).isTrue();
      call.onResponse(503);
    }
    assertThat(registry.start("payments.internal", 8080, "POST", "/pay").permitted()).isFalse();
    long opened = System.nanoTime();

    // The refresh is a minute away: only the transition listener can explain a write within
    // 20 s (the bound leaves room for a slow etcd fsync on a loaded machine).
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () ->
                status(reader, reporter.key()).orElseThrow().breakers().stream()
                    .anyMatch(b -> b.policy().equals("payments") && b.state().equals("OPEN")));
    System.out.println(
        "[measure] breaker opened -> status shows OPEN in "
            + (System.nanoTime() - opened) / 1_000_000
            + " ms");
    AgentStatus status = status(reader, reporter.key()).orElseThrow();
    assertThat(status.breakers())
        .singleElement()
        .satisfies(
            b -> {
              assertThat(b.key()).isEqualTo("payments.internal:8080");
              assertThat(b.failureRate()).isEqualTo(100.0);
            });
    assertThat(status.topTargets())
        .singleElement()
        .satisfies(t -> assertThat(t.coveredBy()).isEqualTo("payments"));
  }

  @Test
  void debouncesABurstOfUpdatesToAFewWritesPerSecond() {
    String service = newService();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
    AtomicInteger calls = new AtomicInteger();
    // Every status differs meaningfully (another breaker each time), so only the debounce keeps
    // writes down.
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(client(), service, holder)
                .breakers(
                    () ->
                        List.of(
                            new AgentStatus.BreakerState(
                                "p", "h:" + calls.incrementAndGet(), "CLOSED", 0, 0, false)))
                .refreshInterval(Duration.ofSeconds(60))
                .callTimeout(FIRST_WRITE_TIMEOUT)
                .build());
    reporter.start();
    await().atMost(AWAIT).until(() -> reporter.writes() >= 1);

    long before = reporter.writes();
    long start = System.nanoTime();
    long requests = 0;
    while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1)) {
      reporter.requestUpdate();
      requests++;
    }
    long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
    await().atMost(AWAIT).until(() -> reporter.writes() > before);
    long burstWrites = reporter.writes() - before;
    System.out.println(
        "[measure] "
            + requests
            + " update requests in "
            + elapsedMillis
            + " ms -> "
            + burstWrites
            + " writes");
    // 200 ms apart at least: one per 200 ms of the burst, plus the one pending at its end.
    assertThat(burstWrites).isBetween(1L, elapsedMillis / 200 + 2);
  }

  @Test
  void figuresThatDriftSlightlyAtEveryRefreshAreNotRewrittenEachTime() throws Exception {
    String service = newService();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
    AtomicInteger samples = new AtomicInteger();
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(client(), service, holder)
                .breakers(() -> driftingBreakers(samples.incrementAndGet(), "CLOSED", 3))
                .topTargets(() -> driftingTargets(samples.get(), 1))
                .refreshInterval(Duration.ofMillis(100))
                // a sample at every refresh, not every 200 ms (the default least time between
                // writes, which paces the refreshes too)
                .minWriteInterval(Duration.ofMillis(100))
                .build());
    reporter.start();
    Client reader = client();
    await().atMost(AWAIT).until(() -> keyValue(reader, reporter.key()).isPresent());
    long keyVersion = keyValue(reader, reporter.key()).orElseThrow().getVersion();
    long revision = etcd.server().revision();
    int from = samples.get();

    // 40 refreshes, every one with figures that differ from the last written by a few percent
    await().atMost(AWAIT).until(() -> samples.get() >= from + 40);

    long puts = keyValue(reader, reporter.key()).orElseThrow().getVersion() - keyVersion;
    long revisions = etcd.server().revision() - revision;
    System.out.println(
        "[measure] "
            + (samples.get() - from)
            + " refreshes with drifting figures -> "
            + puts
            + " puts of the status key, etcd revision +"
            + revisions);
    assertThat(puts).as("puts of the status key").isLessThanOrEqualTo(1);
    // room for a key of an earlier test whose lease expires meanwhile
    assertThat(revisions).as("etcd revisions").isLessThanOrEqualTo(3);
  }

  @Test
  void writesAStateChangeAndAFigureThatReallyMovedPromptlyAmongDriftingFigures() throws Exception {
    String service = newService();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
    AtomicInteger samples = new AtomicInteger();
    AtomicReference<String> state = new AtomicReference<>("CLOSED");
    AtomicInteger load = new AtomicInteger(1);
    StatusReporter reporter =
        closeLater(
            StatusReporter.builder(client(), service, holder)
                .breakers(() -> driftingBreakers(samples.incrementAndGet(), state.get(), 3))
                .topTargets(() -> driftingTargets(samples.get(), load.get()))
                .refreshInterval(Duration.ofMillis(100))
                .build());
    reporter.start();
    Client reader = client();
    await().atMost(AWAIT).until(() -> status(reader, reporter.key()).isPresent());

    state.set("OPEN");
    reporter.requestUpdate(); // as the breaker registry's transition listener does
    long opened = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () ->
                status(reader, reporter.key()).orElseThrow().breakers().stream()
                    .allMatch(b -> b.state().equals("OPEN")));
    System.out.println(
        "[measure] state change among drifting figures -> status shows it in "
            + (System.nanoTime() - opened) / 1_000_000
            + " ms");

    load.set(2); // twice the calls: a real move, written at the next refresh
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () ->
                status(reader, reporter.key()).orElseThrow().topTargets().get(0).callsPerMinute()
                    >= 2400);
  }

  @Test
  void capsAHugeBreakerListSoTheNewStatusReplacesTheOld() throws Exception {
    String service = newService();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
    AtomicReference<List<AgentStatus.BreakerState>> breakers =
        new AtomicReference<>(
            List.of(new AgentStatus.BreakerState("tenants", "a:443", "CLOSED", -1, -1, false)));
    StatusReporter reporter = startedWithBreakers(service, holder, breakers::get, b -> b);
    Client reader = client();

    // a host-glob policy over 15 000 tenant hosts: about 1.7 MB of JSON, over etcd's 1.5 MiB
    List<AgentStatus.BreakerState> many = new ArrayList<>();
    for (int i = 0; i < 15_000; i++) {
      String state = i % 5_000 == 4_999 ? "OPEN" : "CLOSED";
      many.add(
          new AgentStatus.BreakerState(
              "tenants",
              String.format(Locale.ROOT, "tenant-%05d.example.com:443", i),
              state,
              12.5,
              0,
              false));
    }
    breakers.set(many);
    reporter.requestUpdate();

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> status(reader, reporter.key()).orElseThrow().breakersOmitted() > 0);
    AgentStatus status = status(reader, reporter.key()).orElseThrow();
    assertThat(status.breakers()).hasSize(200);
    assertThat(status.breakersOmitted()).isEqualTo(14_800);
    assertThat(status.breakers().subList(0, 3))
        .extracting(AgentStatus.BreakerState::key)
        .as("breakers not CLOSED come first")
        .containsExactly(
            "tenant-04999.example.com:443",
            "tenant-09999.example.com:443",
            "tenant-14999.example.com:443");
    assertThat(status.breakers().get(3).key()).isEqualTo("tenant-00000.example.com:443");
    assertThat(keyValue(reader, reporter.key()).orElseThrow().getValue().size())
        .isLessThan(64 * 1024);
  }

  /**
   * Past the 200 listed breakers the counts by state are the only place an open breaker shows: a
   * change there alone is written without waiting for the (here one-minute) refresh.
   */
  @Test
  void countsEveryBreakerByStateAndWritesAChangeAmongTheUnlistedOnes() throws Exception {
    String service = newService();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
    AtomicReference<List<AgentStatus.BreakerState>> breakers =
        new AtomicReference<>(tenants(250, 1_000));
    StatusReporter reporter = startedWithBreakers(service, holder, breakers::get, b -> b);
    Client reader = client();
    AgentStatus first = status(reader, reporter.key()).orElseThrow();
    assertThat(first.breakers()).hasSize(200);
    assertThat(first.breakers()).allSatisfy(b -> assertThat(b.state()).isEqualTo("OPEN"));
    assertThat(first.breakersOmitted()).isEqualTo(1_050);
    assertThat(first.breakersByState()).isEqualTo(Map.of("OPEN", 250, "CLOSED", 1_000));

    // 50 more open, all past the listed 200: the list and the omitted count stay the same
    breakers.set(tenants(300, 950));
    reporter.requestUpdate();

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                Map.of("OPEN", 300, "CLOSED", 950)
                    .equals(status(reader, reporter.key()).orElseThrow().breakersByState()));
    AgentStatus second = status(reader, reporter.key()).orElseThrow();
    assertThat(second.breakers()).isEqualTo(first.breakers());
    assertThat(second.breakersOmitted()).isEqualTo(first.breakersOmitted());
  }

  /**
   * A write stuck on an etcd that stopped answering held the revoke back: close() queued it behind
   * that write, gave up on both after 2.5 s, and the key lived on for a whole TTL. The revoke is
   * now sent by close() itself, so etcd deletes the key as soon as it answers again.
   */
  @Test
  void closeRevokesTheLeaseWhileAWriteIsStuckOnAFrozenEtcd() throws Exception {
    String service = newService();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
    AtomicReference<List<AgentStatus.BreakerState>> breakers = new AtomicReference<>(tenants(0, 1));
    StatusReporter reporter =
        startedWithBreakers(
            service,
            holder,
            breakers::get,
            // the longest lease, and a write that stays stuck for as long as etcd is frozen
            b -> b.leaseTtl(StatusReporter.MAX_LEASE_TTL).callTimeout(Duration.ofMinutes(2)));
    Client reader = client();
    String key = reporter.key();
    long attempts = reporter.writeAttempts();
    LeaseExpiry expiry = LeaseExpiry.of(reader, keyValue(reader, key).orElseThrow().getLease());

    etcd.server().freeze();
    try {
      breakers.set(tenants(1, 0));
      reporter.requestUpdate();
      await("a write on its way to the frozen etcd")
          .atMost(AWAIT)
          .until(() -> reporter.writeAttempts() > attempts);
      CompletableFuture<Void> closing = CompletableFuture.runAsync(reporter::close);
      await("close() returns while etcd is frozen")
          .atMost(Duration.ofSeconds(10))
          .until(closing::isDone);
    } finally {
      etcd.server().thaw();
    }
    // the lease's time left, asked before the freeze, is not up yet: a key gone before it is up
    // was deleted by the revoke (a frozen etcd expires nothing, and renewals only push it later)
    await("the revoke deletes the key once etcd answers again, not the lease running out")
        .atMost(expiry.left())
        .pollInterval(Duration.ofMillis(50))
        .until(() -> keyValue(reader, key).isEmpty());
  }

  /** {@code open} open breakers of a host-glob policy, then {@code closed} closed ones. */
  private static List<AgentStatus.BreakerState> tenants(int open, int closed) {
    List<AgentStatus.BreakerState> breakers = new ArrayList<>();
    for (int i = 0; i < open + closed; i++) {
      breakers.add(
          new AgentStatus.BreakerState(
              "tenants",
              String.format(Locale.ROOT, "tenant-%05d.example.com:443", i),
              i < open ? "OPEN" : "CLOSED",
              i < open ? 80 : 0,
              0,
              false));
    }
    return breakers;
  }

  @Test
  void writesAMinimalStatusWhenEtcdRefusesTheCappedOneForItsSize() throws Exception {
    String service = newService();
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults(service));
    AtomicReference<List<AgentStatus.BreakerState>> breakers = new AtomicReference<>(List.of());
    StatusReporter reporter =
        startedWithBreakers(
            service,
            holder,
            breakers::get,
            b -> b.maxStatusBytes(64 * 1024 * 1024)); // let the put reach etcd
    Client reader = client();

    // 200 breakers with 9 000-character policy names: capped, still about 1.8 MB
    List<AgentStatus.BreakerState> huge = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      huge.add(
          new AgentStatus.BreakerState(
              String.format(Locale.ROOT, "p%03d-", i) + "x".repeat(9_000),
              "h:" + i,
              "CLOSED",
              0,
              0,
              false));
    }
    breakers.set(huge);
    reporter.requestUpdate();

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> status(reader, reporter.key()).orElseThrow().breakersOmitted() == 300);
    assertThat(status(reader, reporter.key()).orElseThrow().breakers()).isEmpty();
    assertThat(status(reader, reporter.key()).orElseThrow().breakersByState())
        .as("the counts by state survive the minimal status")
        .isEqualTo(Map.of("CLOSED", 300));
    assertThat(keyValue(reader, reporter.key()).orElseThrow().getLease())
        .isEqualTo(reporter.leaseId());
  }

  /** Breakers whose rates move by a few percent from sample to sample. */
  private static List<AgentStatus.BreakerState> driftingBreakers(
      int sample, String state, int count) {
    List<AgentStatus.BreakerState> breakers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      breakers.add(
          new AgentStatus.BreakerState(
              "payments",
              "payments-" + i + ":8080",
              state,
              20 + (sample % 3) * 0.5,
              5 + (sample % 2) * 0.25,
              false));
    }
    return breakers;
  }

  /**
   * Targets whose figures move like the sliding per-minute estimate and p99 buckets do under steady
   * traffic: a few percent either way. {@code load} multiplies them.
   */
  private static List<AgentStatus.TargetStats> driftingTargets(int sample, int load) {
    return List.of(
        new AgentStatus.TargetStats(
            "payments:8080",
            load * (1200L + (sample % 7) * 10),
            load * (60L + sample % 4),
            230.0 + sample % 5,
            "payments",
            (long) (sample % 2),
            0L),
        new AgentStatus.TargetStats(
            "inventory:8080", 600L + (sample % 3) * 5, 0, 12.0 + (sample % 2) * 0.5, null));
  }

  private static Optional<AgentStatus> status(Client client, String key) throws Exception {
    return keyValue(client, key).flatMap(kv -> AgentStatusCodec.parse(kv.getValue().getBytes()));
  }

  /** The revision the status in etcd says is applied, 0 while there is no status. */
  private static long appliedRevision(Client client, String key) throws Exception {
    return status(client, key).map(AgentStatus::appliedRevision).orElse(0L);
  }

  /**
   * The key as etcd has it. Each of the test's own etcd calls may take as long as a whole await: a
   * fresh client's first call, or the first after an outage, took over 5 s on a loaded machine, and
   * its timeout, thrown out of an await's condition, failed the test at once.
   */
  private static Optional<KeyValue> keyValue(Client client, String key) throws Exception {
    List<KeyValue> kvs =
        client
            .getKVClient()
            .get(ByteSequence.from(key, StandardCharsets.UTF_8))
            .get(AWAIT.toSeconds(), TimeUnit.SECONDS)
            .getKvs();
    return kvs.isEmpty() ? Optional.empty() : Optional.of(kvs.get(0));
  }

  /**
   * A started reporter of {@code breakers} whose refresh comes only once a minute, so what the test
   * sees written comes from changes; returns once its first status is in etcd.
   */
  private StatusReporter startedWithBreakers(
      String service,
      ActiveRulesHolder holder,
      Supplier<List<AgentStatus.BreakerState>> breakers,
      UnaryOperator<StatusReporter.Builder> more)
      throws Exception {
    StatusReporter reporter =
        closeLater(
            more.apply(
                    StatusReporter.builder(client(), service, holder)
                        .breakers(breakers)
                        .refreshInterval(Duration.ofSeconds(60))
                        // see FIRST_WRITE_TIMEOUT
                        .callTimeout(FIRST_WRITE_TIMEOUT))
                .build());
    reporter.start();
    Client reader = client();
    await().atMost(AWAIT).until(() -> status(reader, reporter.key()).isPresent());
    return reporter;
  }

  private <T extends AutoCloseable> T closeLater(T closeable) {
    toClose.add(closeable);
    return closeable;
  }

  @Test
  void closeDoesNotWaitForASilentEtcd() throws Exception {
    // an etcd that accepts connections and never answers: the lease grant waits for its timeout
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Client unanswered = clientOf("http://127.0.0.1:" + silent.getLocalPort());
      String service = newService();
      StatusReporter reporter =
          StatusReporter.builder(
                  unanswered, service, new ActiveRulesHolder(ActiveRules.defaults(service)))
              .callTimeout(Duration.ofMinutes(2))
              .build();
      reporter.start();
      await().atMost(AWAIT).until(() -> reporter.writeAttempts() > 0);

      CompletableFuture<Void> closing = CompletableFuture.runAsync(reporter::close);
      // bounded by the revoke's short timeout, not the two-minute call timeout
      await().atMost(Duration.ofSeconds(10)).until(closing::isDone);
    }
  }

  /**
   * A first write that times out before etcd ever answered (a JVM still starting on a busy machine
   * can be that slow while etcd is fine) is told quietly, once; the warning comes when the next
   * write fails too, as for the rule source's first read.
   */
  @Test
  void aFirstWriteThatTimesOutIsToldQuietlyAndAWarningFollowsIfItGoesOn() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        LogCapture log = LogCapture.of(StatusReporter.class)) {
      Client unanswered = clientOf("http://127.0.0.1:" + silent.getLocalPort());
      String service = newService();
      StatusReporter reporter =
          closeLater(
              StatusReporter.builder(
                      unanswered, service, new ActiveRulesHolder(ActiveRules.defaults(service)))
                  .refreshInterval(Duration.ofMillis(100))
                  .callTimeout(Duration.ofMillis(300))
                  .build());
      reporter.start();
      await()
          .atMost(AWAIT)
          .until(() -> log.warnings().stream().anyMatch(m -> m.contains("could not write")));

      List<String> told = log.messages().stream().filter(m -> m.contains(service)).toList();
      assertThat(told.get(0))
          .startsWith("etcd has not answered the first write of the agent status ")
          .contains(" within 300 ms; retrying");
      assertThat(told).filteredOn(m -> m.contains("has not answered")).hasSize(1);
      assertThat(log.records())
          .filteredOn(r -> r.getMessage().contains("could not write the agent status"))
          .singleElement()
          .satisfies(r -> assertThat(r.getLevel()).isEqualTo(Level.WARNING));
    }
  }

  private Client client() {
    return clientOf(etcd.endpoint());
  }

  /** A client of the etcd at {@code endpoint}, closed after the test. */
  private Client clientOf(String endpoint) {
    return closeLater(
        EtcdClientFactory.create(
            SluiceConfig.builder().addEtcdEndpoint(endpoint).serviceName("test").build()));
  }

  private static String newService() {
    return "status-" + services.incrementAndGet();
  }
}
