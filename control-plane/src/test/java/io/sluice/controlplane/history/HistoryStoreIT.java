package io.sluice.controlplane.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.etcd.jetcd.Client;
import io.sluice.controlplane.etcd.EtcdUnavailableException;
import io.sluice.controlplane.etcd.RangeHooks;
import io.sluice.controlplane.etcd.TestGateways;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.etcd.EtcdExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The history a reader gets while changes are committed: read at one revision, as a snapshot, so a
 * change is never left out while an older one is shown in its place. Real etcd; the changes land
 * between the reads of one page, every time, through {@link RangeHooks}.
 */
class HistoryStoreIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  private static final EtcdKeys KEYS = EtcdKeys.defaults();
  private static final HistoryCodec CODEC = TestHistoryCodecs.plain();

  private static final RangeHooks hooks = new RangeHooks();
  private static Client client;
  private static HistoryStore store;

  @BeforeAll
  static void connect() {
    client = Client.builder().endpoints(etcd.endpoint()).interceptor(hooks).build();
    store =
        new HistoryStore(
            TestGateways.on(client, Duration.ofSeconds(30)), CODEC, HistorySettings.UNLIMITED);
  }

  @AfterEach
  void forgetTheHooks() {
    hooks.clear();
  }

  @AfterAll
  static void disconnect() {
    client.close();
  }

  /**
   * Two changes committed between a page's reads (the second's history key not written yet, as
   * between {@code RuleStore}'s commit and its history put): the page is the history before both,
   * or after both. It read the journal first and the history keys after, and showed the first
   * change as the newest, without the second, which was the current document.
   */
  @Test
  void aPageIsTheHistoryAsOfOneRevision() {
    Changes changes = new Changes("paged");
    long a = changes.made("a");
    long b = changes.made("b");
    long c = changes.made("c");
    long[] later = new long[2];
    hooks.afterAnswer(
        RangeHooks.under(KEYS.historyPrefix("paged"))
            .or(RangeHooks.under(HistoryCodec.journalKey(KEYS, "paged"))),
        1,
        () -> {
          later[0] = changes.made("d");
          later[1] = changes.committed("e");
        });

    HistoryPage<HistoryEntry> page = store.page("paged", null, 20);

    assertThat(later[1]).as("the hook ran").isPositive();
    assertThat(page.entries())
        .extracting(HistoryEntry::revision)
        .isIn(List.of(c, b, a), List.of(later[1], later[0], c, b, a));
    assertThat(store.page("paged", null, 20).entries())
        .extracting(HistoryEntry::comment)
        .containsExactly("e", "d", "c", "b", "a");
  }

  /**
   * A change committed between the two reads of one entry (its history key, then the journal)
   * copies the journal's entry to its history key and replaces the journal: the entry asked for was
   * in neither read, and answered 404 though it was there all along.
   */
  @Test
  void oneEntryIsFoundWhileAChangeIsCommitted() {
    Changes changes = new Changes("single");
    changes.made("a");
    long b = changes.committed("b"); // its history key not written yet: it is in the journal
    // after the first read of the two, whichever it is (one transaction reads both: none)
    hooks.afterAnswer(
        RangeHooks.under(KEYS.history("single", b))
            .or(RangeHooks.under(HistoryCodec.journalKey(KEYS, "single"))),
        1,
        () -> changes.committed("c"));

    assertThat(store.get("single", b)).get().extracting(HistoryEntry::comment).isEqualTo("b");
  }

  /**
   * etcd compacting away the page's revision before its journal is read at it: the page is read
   * again, at the latest revision; three times in a row, it fails saying so, as a paged read does.
   */
  @Test
  void aPageWhoseRevisionIsCompactedAwayIsReadAgain() {
    Changes changes = new Changes("compacting");
    changes.made("a");
    changes.made("b");
    AtomicInteger compactions = new AtomicInteger();
    Runnable compact =
        () -> {
          etcd.server().put("/sluice/v1/rules/other", "c" + compactions.incrementAndGet());
          etcd.server().compact();
        };
    String journal = HistoryCodec.journalKey(KEYS, "compacting");
    hooks.beforeSend(RangeHooks.under(journal).and(RangeHooks.atARevision()), 1, compact);

    assertThat(store.page("compacting", null, 20).entries())
        .extracting(HistoryEntry::comment)
        .containsExactly("b", "a");
    assertThat(compactions.get()).isEqualTo(1);

    hooks.beforeSend(RangeHooks.under(journal).and(RangeHooks.atARevision()), 3, compact);
    Throwable failure = catchThrowable(() -> store.page("compacting", null, 20));
    assertThat(failure)
        .isInstanceOfSatisfying(
            EtcdUnavailableException.class,
            e -> {
              assertThat(e.compacted()).isTrue();
              assertThat(e.compactions()).isEqualTo(HistoryStore.MAX_ATTEMPTS);
            });
    assertThat(compactions.get()).isEqualTo(4);
    assertThat(store.page("compacting", null, 20).entries()).hasSize(2);
  }

  /**
   * A service's changes written as {@code RuleStore} writes them, by hand: the commit puts the
   * entry in the journal and copies the journal's previous entry to its history key; the entry's
   * own history key follows it.
   */
  private static final class Changes {
    private final String service;
    private HistoryEntry journal;

    Changes(String service) {
      this.service = service;
    }

    /** A change committed and its history key written: its revision. */
    long made(String comment) {
      long revision = committed(comment);
      etcd.server().put(KEYS.history(service, revision), CODEC.write(journal));
      return revision;
    }

    /** A change committed, its history key not written yet: its revision. */
    long committed(String comment) {
      if (journal != null) {
        etcd.server().put(KEYS.history(service, journal.revision()), CODEC.write(journal));
      }
      HistoryEntry entry =
          new HistoryEntry(
              0, service, HistoryAction.PUT, "tester", Instant.now(), comment, null, null);
      long revision = etcd.server().put(HistoryCodec.journalKey(KEYS, service), CODEC.write(entry));
      journal = entry.withRevision(revision);
      return revision;
    }
  }
}
