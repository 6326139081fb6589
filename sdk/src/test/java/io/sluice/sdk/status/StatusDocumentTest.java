package io.sluice.sdk.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.rules.wire.AgentStatus;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.sdk.HeldListener;
import io.sluice.sdk.source.FailingLogLines;
import io.sluice.sdk.source.FileRuleSource;
import io.sluice.sdk.source.RuleSource;
import io.sluice.testing.logging.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusDocumentTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "ETCD, etcd",
    "ETCD_DEFAULT, etcd",
    "FILE, file",
    "LAST_KNOWN_GOOD, last-known-good",
    "DEFAULTS, defaults"
  })
  void namesRulesSourcesAsTheStatusContractDoes(ActiveRules.Source source, String name) {
    assertThat(StatusDocument.rulesSource(source)).isEqualTo(name);
  }

  @Test
  void countsEveryBreakerByItsState() {
    List<AgentStatus.BreakerState> breakers =
        List.of(
            new AgentStatus.BreakerState("p", "a:1", "OPEN", 60, 0, false),
            new AgentStatus.BreakerState("p", "b:1", "CLOSED", 0, 0, false),
            new AgentStatus.BreakerState("q", "q", "OPEN", 70, 0, true),
            new AgentStatus.BreakerState("p", "c:1", "HALF_OPEN", -1, -1, false));

    assertThat(StatusDocument.countByState(breakers))
        .isEqualTo(Map.of("OPEN", 2, "CLOSED", 1, "HALF_OPEN", 1));
    assertThat(StatusDocument.countByState(List.of())).isEmpty();
  }

  /**
   * A document with more problems than a parse lists (1000, then one counting the rest): the status
   * lists the first ones and counts every other problem found as omitted, not only the other
   * entries listed.
   */
  @Test
  void countsEveryProblemOfARejectionPastThoseTheParseLists(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("rules.json");
    Files.writeString(
        file,
        "{\"schemaVersion\": 1, \"service\": \"orders\", \"breakers\": [{\"name\": \"b\","
            + " \"failureStatusCodes\": ["
            + String.join(",", Collections.nCopies(1500, "1"))
            + "]}]}");
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    try (FileRuleSource source = FileRuleSource.builder(file, holder).service("orders").build()) {
      source.start(); // reads the file once before it returns
      assertThat(source.lastRejection().errors()).hasSize(1001);
      StatusDocument document = document(holder, List.of(source));

      AgentStatus.Rejection full = document.build().rejected();
      AgentStatus.Rejection capped = StatusCaps.cap(document.build()).rejected();
      AgentStatus.Rejection minimal = StatusCaps.minimal(document.build()).rejected();

      assertThat(full.errors().size() + full.errorsOmitted()).isEqualTo(1500);
      assertThat(capped.errors()).hasSize(StatusCaps.MAX_ERRORS);
      assertThat(capped.errors().get(0)).startsWith("$.breakers[0].failureStatusCodes[0]: ");
      assertThat(capped.errorsOmitted()).isEqualTo(1500 - StatusCaps.MAX_ERRORS);
      assertThat(minimal.errorsOmitted()).isEqualTo(1500);
    }
  }

  /**
   * The status names the revision the breakers run, not one that has taken force while the breakers
   * are still being retuned to it: the control plane shows a rule change as applied only once calls
   * meet it. Before, the status read the snapshot in force, so a status written in that moment said
   * "applied" to a test (or an operator) whose next call still met the old policy.
   */
  @Test
  void namesTheRevisionOnlyOnceEveryRulesListenerHasBeenTold() throws Exception {
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    StatusDocument document = document(holder, List.of());
    ActiveRules next =
        new ActiveRules(ActiveRules.defaults("orders").rules(), 42, ActiveRules.Source.ETCD);

    Thread publisher;
    try (HeldListener retune = HeldListener.on(holder)) {
      publisher = retune.publishAndHold(holder, next);
      assertThat(holder.current()).isSameAs(next);
      assertThat(document.build().appliedRevision()).isZero();
    }
    publisher.join(Duration.ofSeconds(30).toMillis());
    assertThat(publisher.isAlive()).isFalse();
    assertThat(document.build().appliedRevision()).isEqualTo(42);
    assertThat(document.build().rulesSource()).isEqualTo("etcd");
  }

  /**
   * A log handler that throws at the line saying a supplier failed neither escapes {@code build()}
   * nor leaves the failure untold: the next build says it. Before, the failure counted as told
   * before its line, and the exception escaped the build.
   */
  @Test
  void buildsAndTellsASupplierFailureLaterWhenItsLineThrows() {
    StatusDocument document =
        new StatusDocument(
            "i",
            "orders",
            new ActiveRulesHolder(ActiveRules.defaults("orders")),
            List.of(),
            () -> {
              throw new IllegalStateException("a bug: the breakers fail");
            },
            List::of,
            null,
            Clock.systemUTC(),
            "h",
            new AgentStatus.Versions("1", "1", "17"));
    document.init();
    // the failing handler first: it throws before the capture sees the line
    try (FailingLogLines line = FailingLogLines.once(StatusReporter.class, "a status supplier");
        LogCapture log = LogCapture.of(StatusReporter.class)) {
      assertThat(document.build().breakers()).isEmpty();
      assertThat(line.failed()).isEqualTo(1);
      assertThat(log.messages()).noneMatch(m -> m.startsWith("a status supplier failed"));

      assertThat(document.build().breakers()).isEmpty();
      assertThat(log.messages())
          .filteredOn(m -> m.startsWith("a status supplier failed"))
          .hasSize(1);
    }
  }

  /**
   * A supplier that fails, works, then fails again is warned of at each stretch of failures, and
   * its working again is said once in between. Before, the first failure's WARNING was the only
   * line for the reporter's lifetime: a later failure went unsaid, and so did the recovery.
   */
  @Test
  void warnsOfASupplierFailingAgainAfterItWorked() {
    AtomicBoolean failing = new AtomicBoolean(true);
    StatusDocument document =
        document(
            () -> {
              if (failing.get()) {
                throw new IllegalStateException("a bug: the breakers fail");
              }
              return List.of(new AgentStatus.BreakerState("p", "a:1", "OPEN", 60, 0, false));
            },
            List::of);
    try (LogCapture log = LogCapture.of(StatusReporter.class)) {
      document.build();
      document.build();
      assertThat(supplierLines(log)).containsExactly(failed("breakers"));

      failing.set(false);
      assertThat(document.build().breakers()).hasSize(1);
      document.build();
      assertThat(supplierLines(log)).containsExactly(failed("breakers"), worksAgain("breakers"));

      failing.set(true);
      assertThat(document.build().breakers()).isEmpty();
      assertThat(supplierLines(log))
          .containsExactly(failed("breakers"), worksAgain("breakers"), failed("breakers"));
    }
  }

  /**
   * Each supplier has its own stretch of failures: the breakers failing does not hide the busiest
   * targets failing too, nor does one working again end the other's stretch.
   */
  @Test
  void warnsOfEachFailingSupplier() {
    AtomicBoolean breakersFail = new AtomicBoolean(true);
    StatusDocument document =
        document(
            () -> {
              if (breakersFail.get()) {
                throw new IllegalStateException("a bug: the breakers fail");
              }
              return List.of();
            },
            () -> {
              throw new IllegalStateException("a bug: the targets fail");
            });
    try (LogCapture log = LogCapture.of(StatusReporter.class)) {
      document.build();
      breakersFail.set(false);
      document.build();
      document.build();

      assertThat(supplierLines(log))
          .containsExactly(failed("breakers"), failed("topTargets"), worksAgain("breakers"));
    }
  }

  /**
   * The agent's unguarded clients are in the status as its supplier gives them; without a supplier
   * (the SDK's own apps) the status does not tell, and a supplier that throws leaves them untold
   * too, with its warning: an empty list would say the app uses none.
   */
  @Test
  void namesTheUnguardedClientsItsSupplierGivesAndNoneWhenItCannotTell() {
    AgentStatus.UnguardedClient okhttp =
        new AgentStatus.UnguardedClient(
            "an OkHttp 3 client of a release before 3.12", "Sluice guards OkHttp 3.12 and later");
    ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
    AtomicBoolean failing = new AtomicBoolean();
    StatusDocument told =
        document(
            holder,
            List.of(),
            List::of,
            List::of,
            () -> {
              if (failing.get()) {
                throw new IllegalStateException("a bug: the clients fail");
              }
              return List.of(okhttp);
            });

    assertThat(told.build().unguardedClients()).containsExactly(okhttp);
    assertThat(document(holder, List.of()).build().unguardedClients()).isNull();
    try (LogCapture log = LogCapture.of(StatusReporter.class)) {
      failing.set(true);
      assertThat(told.build().unguardedClients()).isNull();
      assertThat(supplierLines(log)).containsExactly(failed("unguardedClients"));
    }
  }

  private static StatusDocument document(
      Supplier<List<AgentStatus.BreakerState>> breakers,
      Supplier<List<AgentStatus.TargetStats>> topTargets) {
    return document(
        new ActiveRulesHolder(ActiveRules.defaults("orders")), List.of(), breakers, topTargets);
  }

  /** A started status document of {@code orders} on {@code holder}, without breakers or targets. */
  private static StatusDocument document(ActiveRulesHolder holder, List<RuleSource> sources) {
    return document(holder, sources, List::of, List::of);
  }

  private static StatusDocument document(
      ActiveRulesHolder holder,
      List<RuleSource> sources,
      Supplier<List<AgentStatus.BreakerState>> breakers,
      Supplier<List<AgentStatus.TargetStats>> topTargets) {
    return document(holder, sources, breakers, topTargets, null);
  }

  private static StatusDocument document(
      ActiveRulesHolder holder,
      List<RuleSource> sources,
      Supplier<List<AgentStatus.BreakerState>> breakers,
      Supplier<List<AgentStatus.TargetStats>> topTargets,
      Supplier<List<AgentStatus.UnguardedClient>> unguardedClients) {
    StatusDocument document =
        new StatusDocument(
            "i",
            "orders",
            holder,
            sources,
            breakers,
            topTargets,
            unguardedClients,
            Clock.systemUTC(),
            "h",
            new AgentStatus.Versions("1", "1", "17"));
    document.init();
    return document;
  }

  /** The lines about status suppliers, each with its level. */
  private static List<String> supplierLines(LogCapture log) {
    return log.records().stream()
        .filter(r -> r.getMessage().startsWith("a status supplier "))
        .map(r -> r.getLevel() + " " + r.getMessage())
        .toList();
  }

  private static String failed(String supplier) {
    return "WARNING a status supplier failed (" + supplier + "); reporting none of its values";
  }

  private static String worksAgain(String supplier) {
    return "INFO a status supplier works again (" + supplier + "); reporting its values";
  }

  @Test
  void detectsTheVersionsItRunsWith() {
    var versions = StatusDocument.detectVersions();

    assertThat(versions.java()).isEqualTo(Runtime.version().toString());
    assertThat(versions.opentelemetry()).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(versions.sluice()).as("the build's version").matches("\\d+\\.\\d+\\.\\d+.*");
  }
}
