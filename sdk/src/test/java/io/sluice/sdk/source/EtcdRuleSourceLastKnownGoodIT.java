package io.sluice.sdk.source;

import static io.sluice.sdk.source.EtcdRuleSources.AWAIT;
import static io.sluice.sdk.source.EtcdRuleSources.awaitApplied;
import static io.sluice.sdk.source.EtcdRuleSources.awaitSource;
import static io.sluice.sdk.source.EtcdRuleSources.holder;
import static io.sluice.sdk.source.EtcdRuleSources.newService;
import static io.sluice.sdk.source.SourceListeners.onApplied;
import static io.sluice.sdk.source.SourceLogLines.applied;
import static io.sluice.sdk.source.SourceLogLines.appliedForAServiceWithoutItsOwn;
import static io.sluice.sdk.source.SourceLogLines.noDocument;
import static io.sluice.sdk.source.SourceLogLines.noValidDocument;
import static io.sluice.sdk.source.SourceLogLines.rejectedAndTheBuiltInDefaultsFollow;
import static io.sluice.sdk.source.SourceLogLines.rejectedAndTheRulesStay;
import static io.sluice.sdk.source.SourceLogLines.startingOnLastKnownGood;
import static io.sluice.sdk.source.TestDocuments.document;
import static io.sluice.sdk.source.TestDocuments.invalidDocument;
import static io.sluice.sdk.source.TestDocuments.terseBreakers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.rules.RuleCodec;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.logging.LogCapture;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.assertj.core.api.ThrowingConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EtcdRuleSource} on its last-known-good snapshot: saved as applied, put in force at a start
 * before etcd answers (down, silent, or up), replaced by etcd's first answer, or kept past it when
 * etcd answers behind the snapshot (lost data) or with the snapshot's document rejected; a
 * snapshot's document deleted while the agent was down is a delete, said once. One etcd for the
 * class; the running source's tests are {@link EtcdRuleSourceIT}'s.
 */
class EtcdRuleSourceLastKnownGoodIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  @RegisterExtension final EtcdRuleSources sources = new EtcdRuleSources(etcd);

  private static final EtcdKeys keys = EtcdKeys.defaults();

  @TempDir Path stateDir;

  @Test
  void startsOnTheLastKnownGoodRulesWhileEtcdIsDownThenSwitchesToEtcd() {
    Restart agent = agentOfTheDefaultNamespace();
    long stored = agent.startFirstOnOwnDocumentSavedByClose();

    server().stop();
    long started = System.nanoTime();
    agent.restartOnLastKnownGood();
    System.out.println(
        "[measure] etcd down at start: last-known-good in force after "
            + (System.nanoTime() - started) / 1_000_000
            + " ms");
    assertThat(agent.holder.current().revision()).isEqualTo(stored);
    assertThat(agent.holder.current().document().sampling().defaultRatio()).isEqualTo(0.25);

    server().start();
    long fresh = server().put(agent.ownRules(), document(agent.service, 0.75));
    await().atMost(Duration.ofSeconds(20)).until(() -> agent.holder.current().revision() == fresh);
    assertThat(agent.holder.current().source()).isEqualTo(ActiveRules.Source.ETCD);
  }

  /**
   * The last-known-good rules are put in force at every start, etcd healthy or not: the line said
   * "until etcd answers", which on a normal start read as an outage. It says what is true in both
   * cases, that they run while the first read is under way.
   */
  @Test
  void aStartOnTheLastKnownGoodRulesWithEtcdUpDoesNotReadAsAnOutage() {
    Restart agent = agentOfTheDefaultNamespace();
    long stored = agent.startFirstOnOwnDocumentSavedByClose();
    try (LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      sources.started(
          EtcdRuleSource.builder(sources.client(), agent.holder, agent.service)
              .lastKnownGood(agent.store));
      awaitSource(agent.holder, ActiveRules.Source.ETCD);

      assertThat(log.messages())
          .filteredOn(m -> m.contains("last-known-good"))
          .containsExactly(
              startingOnLastKnownGood(agent.service)
                  + " (revision "
                  + stored
                  + ") while the first read from etcd is under way");
    }
  }

  /**
   * A document near the size limit, written tersely (breakers with a name and nothing else), is
   * saved as it was applied, so an agent restarted while etcd is away can start on it. Before, the
   * canonical form was saved: every default spelled out, twenty times the document, refused at
   * load.
   */
  @Test
  void savesADocumentNearTheSizeLimitSoThatItLoadsBack() {
    String service = newService();
    LastKnownGoodStore store = LastKnownGoodStore.create(stateDir);
    long stored =
        server()
            .put(keys.rules(service), terseBreakers(service, RuleCodec.MAX_DOCUMENT_BYTES - 64));
    ActiveRulesHolder holder = holder(service);
    sources.started(EtcdRuleSource.builder(sources.client(), holder, service).lastKnownGood(store));
    awaitApplied(holder, stored);

    await("the saved snapshot loads back")
        .atMost(AWAIT)
        .until(() -> store.load(service).map(ActiveRules::revision).orElse(0L) == stored);
    assertThat(store.load(service).orElseThrow().document()).isEqualTo(holder.current().document());
  }

  @Test
  void putsTheLastKnownGoodRulesInForceBeforeASilentEtcdTimesOut() throws Exception {
    Restart agent = agentOfTheDefaultNamespace();
    long stored = agent.startFirstOnOwnDocumentSavedByClose();

    // an etcd that accepts connections and never answers: the first read waits for its timeout
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      EtcdRuleSource source =
          sources.started(
              EtcdRuleSource.builder(
                      sources.client("http://127.0.0.1:" + silent.getLocalPort()),
                      agent.holder,
                      agent.service)
                  .callTimeout(Duration.ofMinutes(2))
                  .lastKnownGood(agent.store));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> agent.holder.current().source() == ActiveRules.Source.LAST_KNOWN_GOOD);
      assertThat(agent.holder.current().revision()).isEqualTo(stored);
      assertThat(source.isWatching()).isFalse();
    }
  }

  @Test
  void keepsTheLastKnownGoodRulesWhenEtcdAnswersWithAnInvalidDocument() {
    Restart agent = agentOfTheDefaultNamespace();
    long stored = agent.startFirstOnOwnDocumentSavedByClose();
    // while no agent runs, the document is replaced by one this agent refuses
    long bad = server().put(agent.ownRules(), invalidDocument(agent.service));

    server().stop();
    EtcdRuleSource source = agent.restartOnLastKnownGood();

    server().start();
    await().atMost(AWAIT).until(source::isWatching);
    assertThat(source.lastRejection()).isNotNull();
    assertThat(source.lastRejection().revision()).isEqualTo(bad);
    assertThat(agent.holder.current().source()).isEqualTo(ActiveRules.Source.LAST_KNOWN_GOOD);
    assertThat(agent.holder.current().revision()).isEqualTo(stored);
    assertThat(agent.holder.current().document().sampling().defaultRatio()).isEqualTo(0.25);
    assertThat(agent.store.load(agent.service))
        .get()
        .extracting(ActiveRules::revision)
        .isEqualTo(stored);

    long fixed = server().put(agent.ownRules(), document(agent.service, 0.75));
    awaitApplied(agent.holder, fixed);
    assertThat(agent.holder.current().source()).isEqualTo(ActiveRules.Source.ETCD);
    await().atMost(AWAIT).until(() -> agent.savedRevision() == fixed);
  }

  /**
   * An agent that ran on {@code _default} (its service had no document) saved that as its last
   * known good. Restarted after its own document was written invalid, it starts on the snapshot,
   * and must go on following {@code _default} as an agent that never restarted does: the rejected
   * document never replaced the snapshot, so nothing falls back past a rejection. Before, every
   * later {@code _default} was ignored until the service's own document was fixed.
   */
  @Test
  void followsDefaultChangesAfterStartingOnTheDefaultsSnapshotWhileTheOwnDocumentIsRejected() {
    Restart agent = new Restart("/lkg-default-");
    agent.startFirstOnDefault();

    long bad = server().put(agent.ownRules(), invalidDocument(agent.service));
    EtcdRuleSource source = agent.restartUntilWatching();
    assertThat(source.lastRejection()).isNotNull();
    assertThat(source.lastRejection().revision()).isEqualTo(bad);

    long nextDefault = server().put(agent.defaultRules(), document("_default", 0.5));
    awaitApplied(agent.holder, nextDefault);
    assertThat(agent.holder.current().source()).isEqualTo(ActiveRules.Source.ETCD_DEFAULT);
    assertThat(agent.holder.current().document().sampling().defaultRatio()).isEqualTo(0.5);
  }

  /**
   * An agent restarted on the snapshot of its own document, which was deleted while it was down and
   * {@code _default} written invalid meanwhile. A delete is an intent, seen live or after a
   * restart: the deleted document's rules go, to the built-in defaults as a valid {@code _default}
   * is missing, and the invalid {@code _default} is rejected and reported as ever. Before, the
   * snapshot stayed in force (falling back "past a rejection") until a document was written, where
   * an agent that never restarted dropped it.
   */
  @Test
  void dropsTheSnapshotOfItsOwnDocumentDeletedWhileDownEvenPastAnInvalidDefault() {
    Restart agent = new Restart("/lkg-deleted-");
    long stored = agent.startFirstOnOwnDocument();
    // while no agent runs, its document is deleted and _default written invalid
    server().delete(agent.ownRules());
    long bad = server().put(agent.defaultRules(), invalidDocument("_default"));

    try (LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      EtcdRuleSource source = agent.restartUntilWatching();

      assertThat(agent.applied)
          .containsExactly(ActiveRules.Source.LAST_KNOWN_GOOD, ActiveRules.Source.DEFAULTS);
      assertThat(agent.holder.current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
      assertThat(source.lastRejection()).isNotNull();
      assertThat(source.lastRejection().origin()).isEqualTo(agent.defaultRules());
      assertThat(source.lastRejection().revision()).isEqualTo(bad);
      // each line true of the next: the delete is said, and the rejection does not claim the
      // rules in force stay when they go to the built-in defaults right after it
      assertThat(log.messages())
          .filteredOn(m -> !m.startsWith("etcd "))
          .satisfiesExactly(
              m -> assertThat(m).startsWith(startingOnLastKnownGood(agent.service)),
              m ->
                  assertThat(m)
                      .startsWith(rejectedAndTheBuiltInDefaultsFollow(agent.defaultRules(), bad)),
              // at etcd's revision as it answered, past the rejected one: after it
              m -> assertThat(m).satisfies(deletedWhileDown(agent.ownRules(), stored)),
              m ->
                  assertThat(m)
                      .isEqualTo(noValidDocument(agent.service, agent.defaultRules(), bad)));
      await().atMost(AWAIT).until(() -> !Files.exists(agent.store.file(agent.service)));
    }
  }

  /**
   * As above with a valid {@code _default}: the deleted document's rules go to {@code _default}.
   */
  @Test
  void dropsTheSnapshotOfItsOwnDocumentDeletedWhileDownForAValidDefault() {
    Restart agent = new Restart("/lkg-deleted-");
    long stored = agent.startFirstOnOwnDocument();
    server().delete(agent.ownRules());
    long fallback = server().put(agent.defaultRules(), document("_default", 0.05));

    EtcdRuleSource source;
    try (LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      source = agent.restartUntilWatching();
      // said once, as a running agent says a delete; before, nothing said it at all
      assertThat(log.messages())
          .filteredOn(m -> m.contains(" was deleted ") || m.startsWith("applied "))
          .satisfiesExactly(
              m -> assertThat(m).satisfies(deletedWhileDown(agent.ownRules(), stored)),
              m ->
                  assertThat(m)
                      .isEqualTo(
                          appliedForAServiceWithoutItsOwn(
                              agent.defaultRules(), fallback, agent.service)));
    }

    assertThat(agent.applied)
        .containsExactly(ActiveRules.Source.LAST_KNOWN_GOOD, ActiveRules.Source.ETCD_DEFAULT);
    assertThat(agent.holder.current().revision()).isEqualTo(fallback);
    assertThat(source.lastRejection()).isNull();
    await().atMost(AWAIT).until(() -> agent.savedRevision() == fallback);
  }

  /**
   * An agent restarted on a snapshot of {@code _default} (its service had no document), which was
   * written invalid while it was down: a rejection never changes the rules in force, so the
   * snapshot stays, and the rejection is reported.
   */
  @Test
  void keepsTheSnapshotOfDefaultWhenDefaultWasWrittenInvalidWhileDown() {
    Restart agent = new Restart("/lkg-default-invalid-");
    long stored = agent.startFirstOnDefault();
    long bad = server().put(agent.defaultRules(), invalidDocument("_default"));

    EtcdRuleSource source;
    try (LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      source = agent.restartUntilWatching();
      // the document the snapshot was read from is there, rejected: no delete, and they stay
      assertThat(log.messages())
          .filteredOn(m -> !m.startsWith("etcd "))
          .satisfiesExactly(
              m -> assertThat(m).startsWith(startingOnLastKnownGood(agent.service)),
              m -> assertThat(m).startsWith(rejectedAndTheRulesStay(agent.defaultRules(), bad)));
    }

    assertThat(agent.applied).containsExactly(ActiveRules.Source.LAST_KNOWN_GOOD);
    assertThat(agent.holder.current().revision()).isEqualTo(stored);
    assertThat(agent.holder.current().document().sampling().defaultRatio()).isEqualTo(0.05);
    assertThat(source.lastRejection()).isNotNull();
    assertThat(source.lastRejection().revision()).isEqualTo(bad);
    assertThat(agent.store.load(agent.service))
        .get()
        .extracting(ActiveRules::revision)
        .isEqualTo(stored);
  }

  /**
   * As above, then the service's own document is written and deleted: a running agent falls back
   * from it to the last valid {@code _default} it had (the rejected one never replaced it), and so
   * must an agent restarted on that {@code _default}'s snapshot, not to the built-in defaults.
   */
  @Test
  void fallsBackToTheDefaultSnapshotKeptPastARejectedDefaultWhenTheOwnDocumentIsDeleted() {
    Restart agent = new Restart("/lkg-default-invalid-");
    long stored = agent.startFirstOnDefault();
    long bad = server().put(agent.defaultRules(), invalidDocument("_default"));
    EtcdRuleSource source = agent.restartUntilWatching();
    assertThat(agent.holder.current().revision()).isEqualTo(stored);
    assertThat(source.lastRejection().revision()).isEqualTo(bad);

    long own = server().put(agent.ownRules(), document(agent.service, 0.6));
    awaitApplied(agent.holder, own);
    server().delete(agent.ownRules());
    await().atMost(AWAIT).until(() -> agent.holder.current().revision() != own);

    // the last valid _default, as a running agent has it; not keep-everything-guard-nothing
    assertThat(agent.holder.current().source()).isNotEqualTo(ActiveRules.Source.DEFAULTS);
    assertThat(agent.holder.current().revision()).isEqualTo(stored);
    assertThat(agent.holder.current().document().sampling().defaultRatio()).isEqualTo(0.05);
    await().atMost(AWAIT).until(() -> agent.savedRevision() == stored);
  }

  /**
   * An agent restarted on a snapshot of {@code _default} (its service had no document), whose
   * {@code _default} was deleted while it was down, while the service's own document was written:
   * the delete is said once, as for a snapshot of the service's own document, and the service's
   * document follows.
   */
  @Test
  void dropsTheSnapshotOfDefaultDeletedWhileDownForTheServicesOwnDocument() {
    Restart agent = new Restart("/lkg-default-deleted-");
    long stored = agent.startFirstOnDefault();
    server().delete(agent.defaultRules());
    long own = server().put(agent.ownRules(), document(agent.service, 0.6));

    try (LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      EtcdRuleSource source = agent.restartUntilWatching();
      assertThat(log.messages())
          .filteredOn(m -> !m.startsWith("etcd "))
          .satisfiesExactly(
              m -> assertThat(m).startsWith(startingOnLastKnownGood(agent.service)),
              m -> assertThat(m).satisfies(deletedWhileDown(agent.defaultRules(), stored)),
              m -> assertThat(m).isEqualTo(applied(agent.ownRules(), own)));
    }
    assertThat(agent.applied)
        .containsExactly(ActiveRules.Source.LAST_KNOWN_GOOD, ActiveRules.Source.ETCD);
    assertThat(agent.holder.current().revision()).isEqualTo(own);
    await().atMost(AWAIT).until(() -> agent.savedRevision() == own);
  }

  /**
   * As above with no document of the service's own: the delete is said once, then the built-in
   * defaults apply.
   */
  @Test
  void dropsTheSnapshotOfDefaultDeletedWhileDownForTheBuiltInDefaults() {
    Restart agent = new Restart("/lkg-default-deleted-");
    long stored = agent.startFirstOnDefault();
    server().delete(agent.defaultRules());

    try (LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      EtcdRuleSource source = agent.restartUntilWatching();
      assertThat(log.messages())
          .filteredOn(m -> !m.startsWith("etcd "))
          .satisfiesExactly(
              m -> assertThat(m).startsWith(startingOnLastKnownGood(agent.service)),
              m -> assertThat(m).satisfies(deletedWhileDown(agent.defaultRules(), stored)),
              m -> assertThat(m).isEqualTo(noDocument(agent.service, agent.keys)));
    }
    assertThat(agent.applied)
        .containsExactly(ActiveRules.Source.LAST_KNOWN_GOOD, ActiveRules.Source.DEFAULTS);
    await().atMost(AWAIT).until(() -> !Files.exists(agent.store.file(agent.service)));
  }

  /**
   * As above with the service's own document written invalid meanwhile: the delete is said once,
   * the rejection says the rules become the built-in defaults, and they do.
   */
  @Test
  void dropsTheSnapshotOfDefaultDeletedWhileDownPastAnInvalidOwnDocument() {
    Restart agent = new Restart("/lkg-default-deleted-");
    long stored = agent.startFirstOnDefault();
    server().delete(agent.defaultRules());
    long bad = server().put(agent.ownRules(), invalidDocument(agent.service));

    EtcdRuleSource source;
    try (LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      source = agent.restartUntilWatching();
      assertThat(log.messages())
          .filteredOn(m -> !m.startsWith("etcd "))
          .satisfiesExactly(
              m -> assertThat(m).startsWith(startingOnLastKnownGood(agent.service)),
              m ->
                  assertThat(m)
                      .startsWith(rejectedAndTheBuiltInDefaultsFollow(agent.ownRules(), bad)),
              // at etcd's revision as it answered, past the rejected one: after it
              m -> assertThat(m).satisfies(deletedWhileDown(agent.defaultRules(), stored)),
              m -> assertThat(m).isEqualTo(noValidDocument(agent.service, agent.ownRules(), bad)));
    }
    assertThat(agent.applied)
        .containsExactly(ActiveRules.Source.LAST_KNOWN_GOOD, ActiveRules.Source.DEFAULTS);
    assertThat(source.lastRejection().revision()).isEqualTo(bad);
  }

  /**
   * An agent of a fresh service, started first until it has saved a snapshot, then restarted on it,
   * as an agent that went down and came back. It reads a namespace of its own (the given prefix and
   * the service's name) and keeps its last-known-good rules in that namespace's store; or, {@link
   * EtcdRuleSourceLastKnownGoodIT#agentOfTheDefaultNamespace()}, the default keys and the store's
   * default file.
   *
   * <p>How the first run's snapshot is checked differs, and is named: {@link
   * #startFirstOnOwnDocument} waits for the save before it stops the first source; {@link
   * #startFirstOnOwnDocumentSavedByClose} stops it as soon as the document is applied and reads the
   * store right after {@code close()} returns, so the snapshot must be on disk by then.
   */
  private final class Restart {
    final String service = newService();
    final EtcdKeys keys;
    final LastKnownGoodStore store;

    /** The restarted source's rules. */
    final ActiveRulesHolder holder = holder(service);

    /**
     * The source of every snapshot the source {@link #restartUntilWatching} publishes, the
     * last-known-good one first.
     */
    final List<ActiveRules.Source> applied = new CopyOnWriteArrayList<>();

    Restart(String namespacePrefix) {
      String namespace = namespacePrefix + service;
      keys = new EtcdKeys(namespace);
      store = LastKnownGoodStore.builder(stateDir).namespace(namespace).build();
    }

    /** Through {@link EtcdRuleSourceLastKnownGoodIT#agentOfTheDefaultNamespace()}. */
    Restart(EtcdKeys keys, LastKnownGoodStore store) {
      this.keys = keys;
      this.store = store;
    }

    /** The key of the service's own rule document. */
    String ownRules() {
      return keys.rules(service);
    }

    /** The key of the namespace's {@code _default} rule document. */
    String defaultRules() {
      return keys.rules("_default");
    }

    /**
     * Runs a first source until it has applied a document of the service's own (ratio 0.25) and
     * saved it, then stops it: an agent that went down on its own rules. Returns the document's
     * revision.
     */
    long startFirstOnOwnDocument() {
      return startFirstOn(service, 0.25, FirstRunSave.AWAITED);
    }

    /**
     * As {@link #startFirstOnOwnDocument} with a {@code _default} document (ratio 0.05) and none of
     * the service's own: an agent that went down on {@code _default}'s rules.
     */
    long startFirstOnDefault() {
      return startFirstOn("_default", 0.05, FirstRunSave.AWAITED);
    }

    /**
     * As {@link #startFirstOnOwnDocument}, but the first source is stopped as soon as it applied
     * the document, and the snapshot is read from the store right after {@code close()} returns,
     * without waiting: it must be there.
     */
    long startFirstOnOwnDocumentSavedByClose() {
      return startFirstOn(service, 0.25, FirstRunSave.DONE_BY_CLOSE);
    }

    /**
     * {@link #startFirstOnOwnDocumentSavedByClose} at a revision a wiped etcd will not reach for a
     * while, then stops etcd and wipes its data, as a restore from an older backup or a member
     * restarted empty does; returns the snapshot's revision.
     */
    long startFirstOnOwnDocumentThenStopAndWipeEtcd() {
      sources.writeRevisionsAWipedEtcdWillNotReach(service);
      long stored = startFirstOnOwnDocumentSavedByClose();
      server().stop();
      server().wipeData();
      return stored;
    }

    private long startFirstOn(String documentOf, double ratio, FirstRunSave save) {
      long written = server().put(keys.rules(documentOf), document(documentOf, ratio));
      ActiveRulesHolder first = holder(service);
      EtcdRuleSource firstSource =
          sources.started(
              EtcdRuleSource.builder(sources.client(), first, service)
                  .keys(keys)
                  .lastKnownGood(store));
      awaitApplied(first, written);
      if (save == FirstRunSave.AWAITED) {
        await().atMost(AWAIT).until(() -> savedRevision() == written);
      }
      firstSource.close();
      if (save == FirstRunSave.DONE_BY_CLOSE) {
        assertThat(store.load(service)).get().extracting(ActiveRules::revision).isEqualTo(written);
      }
      return written;
    }

    /**
     * Starts the source again on {@link #store}, into {@link #holder}, while etcd is down, retrying
     * every 100 to 500 ms; waits until the snapshot's rules are in force.
     */
    EtcdRuleSource restartOnLastKnownGood() {
      EtcdRuleSource source =
          sources.started(sources.retryingQuickly(holder, service).keys(keys).lastKnownGood(store));
      awaitSource(holder, ActiveRules.Source.LAST_KNOWN_GOOD);
      return source;
    }

    /** The revision of the snapshot in {@link #store}, 0 if there is none. */
    long savedRevision() {
      return store.load(service).map(ActiveRules::revision).orElse(0L);
    }

    /**
     * Starts the source again on {@link #store}, as the agent restarted, into {@link #holder}, and
     * waits until it watches etcd: its first read has been answered and applied or rejected.
     */
    EtcdRuleSource restartUntilWatching() {
      EtcdRuleSource source =
          EtcdRuleSource.builder(sources.client(), holder, service)
              .keys(keys)
              .lastKnownGood(store)
              .build();
      sources.closeAfter(source);
      source.addListener(onApplied(rules -> applied.add(rules.source())));
      source.start();
      await().atMost(AWAIT).until(source::isWatching);
      return source;
    }
  }

  /** How a {@link Restart}'s first run makes sure its snapshot was saved before the restart. */
  private enum FirstRunSave {
    /** Waits until the store holds the snapshot, then closes the first source. */
    AWAITED,
    /** Closes the first source once it applied the document; the store must hold it then. */
    DONE_BY_CLOSE
  }

  /**
   * A {@link Restart} of the default namespace ({@link EtcdKeys#defaults()}), keeping its snapshot
   * where {@link LastKnownGoodStore#create} does.
   */
  private Restart agentOfTheDefaultNamespace() {
    return new Restart(EtcdKeys.defaults(), LastKnownGoodStore.create(stateDir));
  }

  /**
   * The line that says the document {@code key}, which the last-known-good rules of revision {@code
   * stored} were read from, was deleted while the agent was down.
   */
  private static ThrowingConsumer<String> deletedWhileDown(String key, long stored) {
    return m ->
        assertThat(m)
            .startsWith(
                "the rule document "
                    + key
                    + " was deleted while this agent was down, after revision "
                    + stored
                    + " of the last-known-good rules read from it (found missing by the first read"
                    + " from etcd, at revision ")
            .endsWith(")");
  }

  /**
   * An agent that starts on its last-known-good rules while etcd is away, and then finds etcd back
   * behind the revision those rules came from and without their document, keeps them as a running
   * agent would (see {@link #keepsTheRulesInForceWhenEtcdComesBackBehindAndWithoutThem}): etcd lost
   * data, nobody deleted the rules, and an agent that happened to restart must not drop every
   * breaker while the others keep theirs.
   */
  @Test
  void keepsTheLastKnownGoodRulesWhenEtcdComesBackBehindThemAndWithoutTheirDocument() {
    Restart agent = agentOfTheDefaultNamespace();
    long stored = agent.startFirstOnOwnDocumentThenStopAndWipeEtcd();
    EtcdRuleSource source = agent.restartOnLastKnownGood();
    try (LogCapture log = LogCapture.of(EtcdRuleSource.class)) {
      server().start();
      await().atMost(Duration.ofSeconds(20)).until(source::isWatching);
      assertThat(log.messages())
          .anySatisfy(
              m ->
                  assertThat(m)
                      .contains(agent.ownRules())
                      .contains("missing")
                      .contains("the rules in force stay"));
    }
    assertThat(agent.holder.current().revision()).isEqualTo(stored);
    assertThat(agent.holder.current().document().sampling().defaultRatio()).isEqualTo(0.25);
    assertThat(agent.store.load(agent.service))
        .get()
        .extracting(ActiveRules::revision)
        .isEqualTo(stored);

    long fresh = server().put(agent.ownRules(), document(agent.service, 0.75));
    awaitApplied(agent.holder, fresh);
    assertThat(agent.holder.current().source()).isEqualTo(ActiveRules.Source.ETCD);
  }

  /**
   * The snapshot's revision tells a data loss from a delete only at the first read after starting
   * on it. Afterwards a delete is a delete even while etcd's revisions are still below the
   * snapshot's: a {@code _default} document written and deleted then is gone, and once the
   * service's own document is written and deleted too, the built-in defaults apply, not the deleted
   * {@code _default}.
   */
  @Test
  void aDeleteAfterStartingOnLastKnownGoodBehindItsRevisionIsStillADelete() {
    Restart agent = agentOfTheDefaultNamespace();
    long stored = agent.startFirstOnOwnDocumentThenStopAndWipeEtcd();
    EtcdRuleSource source = agent.restartOnLastKnownGood();
    server().start();
    await().atMost(Duration.ofSeconds(20)).until(source::isWatching);
    assertThat(agent.holder.current().revision()).isEqualTo(stored);

    server().put(agent.defaultRules(), document("_default", 0.05));
    server().delete(agent.defaultRules());
    long own = server().put(agent.ownRules(), document(agent.service, 0.75));
    awaitApplied(agent.holder, own);
    server().delete(agent.ownRules());

    assertThat(server().revision()).isLessThan(stored);
    await().atMost(AWAIT).until(() -> agent.holder.current().source() != ActiveRules.Source.ETCD);
    assertThat(agent.holder.current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
  }

  /**
   * A {@code _default} snapshot kept through a data loss (etcd back behind it, without it) that
   * comes back in force after the service's own document was written, saved, and deleted: the
   * last-known-good file must follow the rules in force again, not keep the deleted document, or a
   * restart while etcd is away runs rules that were deleted.
   */
  @Test
  void theSnapshotFollowsDefaultRulesKeptThroughALossBackInForceAfterADelete() {
    Restart agent = new Restart("/lkg-kept-default-");
    sources.writeRevisionsAWipedEtcdWillNotReach(agent.service);
    long stored = agent.startFirstOnDefault();
    server().stop();
    server().wipeData();
    EtcdRuleSource source = agent.restartOnLastKnownGood();
    server().start();
    await().atMost(Duration.ofSeconds(20)).until(source::isWatching);
    assertThat(agent.holder.current().revision()).isEqualTo(stored);

    long own = server().put(agent.ownRules(), document(agent.service, 0.75));
    awaitApplied(agent.holder, own);
    await().atMost(AWAIT).until(() -> agent.savedRevision() == own);
    server().delete(agent.ownRules());
    await().atMost(AWAIT).until(() -> agent.holder.current().revision() == stored);
    assertThat(agent.holder.current().document().service()).isEqualTo("_default");

    // the file holds the rules in force (the _default document), not the deleted one
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(agent.store.load(agent.service))
                    .get()
                    .satisfies(r -> assertThat(r.document().service()).isEqualTo("_default"))
                    .extracting(ActiveRules::revision)
                    .isEqualTo(stored));
  }

  @Test
  void refusesAGarbledLastKnownGoodFileWithOneClearLogLineAndRunsOnDefaults() throws Exception {
    String service = newService();
    LastKnownGoodStore store = LastKnownGoodStore.create(stateDir);
    Files.createDirectories(stateDir);
    Files.writeString(store.file(service), "{\"format\":1,\"revision\":7,\"document\":{\"schemaV");
    server().stop();
    ActiveRulesHolder holder = holder(service);
    List<ActiveRules> applied = new CopyOnWriteArrayList<>();
    try (LogCapture log = LogCapture.of(LastKnownGoodStore.class)) {
      EtcdRuleSource source =
          EtcdRuleSource.builder(sources.client(), holder, service)
              .lastKnownGood(store)
              .retryBackoff(Duration.ofMillis(100), Duration.ofMillis(200))
              .build();
      source.addListener(onApplied(applied::add));
      sources.closeAfter(source);
      source.start();
      await().atMost(AWAIT).until(() -> !log.messages().isEmpty());
      assertThat(log.messages())
          .singleElement()
          .asString()
          .contains("refusing last-known-good rules " + store.file(service))
          .contains("not JSON")
          .contains("built-in defaults apply");
      assertThat(holder.current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
      assertThat(applied).isEmpty();
    }
  }

  private static EtcdServer server() {
    return etcd.server();
  }
}
