package io.sluice.controlplane.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.tuple;

import io.sluice.rules.wire.AgentStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutTest {

  static AgentStatus agent(String id, long applied, AgentStatus.Rejection rejected) {
    return agent(id, "etcd", applied, rejected);
  }

  static AgentStatus agent(
      String id, String rulesSource, long applied, AgentStatus.Rejection rejected) {
    return new AgentStatus(
        id,
        "orders",
        "h",
        1,
        null,
        null,
        null,
        rulesSource,
        applied,
        rejected,
        List.of(),
        List.of());
  }

  @Test
  void sortsAgentsIntoCurrentOlderAndRejectedWithWhy() {
    Rollout rollout =
        Rollout.of(
            "orders",
            "orders",
            10,
            List.of(
                agent("current", 10, null),
                agent("older", 7, null),
                agent("rejected", 7, new AgentStatus.Rejection(10, List.of("$.x: bad"))),
                agent("rejected-long-ago", 7, new AgentStatus.Rejection(5, List.of("old")))),
            2);
    assertThat(rollout.current())
        .extracting(Rollout.AgentRef::instanceId)
        .containsExactly("current");
    assertThat(rollout.older())
        .extracting(Rollout.AgentRef::instanceId)
        .containsExactly("older", "rejected-long-ago");
    assertThat(rollout.rejected())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.instanceId()).isEqualTo("rejected");
              assertThat(r.errors()).containsExactly("$.x: bad");
            });
    assertThat(rollout.counts()).isEqualTo(new Rollout.Counts(4, 1, 2, 1, 0, 0));
    // an unreadable status is no agent of any list: said beside them
    assertThat(rollout.unreadableAgents()).isEqualTo(2);
  }

  @Test
  void tellsWhereEachAgentsRulesCameFromAndWhatItLastRejected() {
    AgentStatus lastKnownGood =
        new AgentStatus(
            "snapshot",
            "orders",
            "h",
            1,
            null,
            null,
            null,
            "last-known-good",
            7,
            new AgentStatus.Rejection(10, List.of("$.a: bad"), 49),
            List.of(),
            List.of());
    AgentStatus rejectedBefore =
        new AgentStatus(
            "current",
            "orders",
            "h",
            1,
            null,
            null,
            null,
            "etcd",
            10,
            new AgentStatus.Rejection(8, List.of("$.b: bad")),
            List.of(),
            List.of());
    Rollout rollout = Rollout.of("orders", "orders", 10, List.of(lastKnownGood, rejectedBefore), 0);

    assertThat(rollout.rejected())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.rulesSource()).isEqualTo("last-known-good");
              assertThat(r.rejectedRevision()).isEqualTo(10L);
              assertThat(r.errors()).containsExactly("$.a: bad");
              assertThat(r.errorsOmitted()).isEqualTo(49);
            });
    assertThat(rollout.current())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.rulesSource()).isEqualTo("etcd");
              assertThat(r.rejectedRevision()).isEqualTo(8L);
              assertThat(r.errors()).isEmpty();
              assertThat(r.errorsOmitted()).isZero();
            });
    assertThat(Rollout.of("orders", "orders", 10, List.of(agent("plain", 10, null)), 0).current())
        .singleElement()
        .satisfies(r -> assertThat(r.rejectedRevision()).isNull());
  }

  /**
   * Agents still on a document deleted since (its delete not applied yet), or one etcd lost when it
   * was restored from an older backup, report a revision above the one they should run: they are
   * not behind, and the counts say so.
   */
  @Test
  void sortsAgentsAboveTheCurrentRevisionAsAheadNotOlder() {
    // orders' document (revision 12) was deleted: _default's revision 8 applies
    Rollout rollout =
        Rollout.of(
            "orders",
            "_default",
            8,
            List.of(
                agent("applied-the-delete", 8, null),
                agent("still-on-the-deleted-one", 12, null),
                agent("behind", 5, null),
                agent("rejects-default", 12, new AgentStatus.Rejection(8, List.of("$.x: bad")))),
            0);

    assertThat(rollout.ahead())
        .extracting(Rollout.AgentRef::instanceId, Rollout.AgentRef::appliedRevision)
        .containsExactly(tuple("still-on-the-deleted-one", 12L));
    assertThat(rollout.older()).extracting(Rollout.AgentRef::instanceId).containsExactly("behind");
    assertThat(rollout.current())
        .extracting(Rollout.AgentRef::instanceId)
        .containsExactly("applied-the-delete");
    assertThat(rollout.rejected())
        .extracting(Rollout.AgentRef::instanceId)
        .containsExactly("rejects-default");
    assertThat(rollout.counts()).isEqualTo(new Rollout.Counts(4, 1, 1, 1, 1, 0));

    // built-in defaults (revision 0) after the last document went: every agent on one is ahead
    assertThat(Rollout.of("orders", null, 0, List.of(agent("kept", 3, null)), 0).ahead())
        .extracting(Rollout.AgentRef::instanceId)
        .containsExactly("kept");
  }

  /**
   * An agent on a local rules file reports revision 0 and never takes etcd's document: it is on a
   * rules file, not behind, and not current against the built-in defaults' 0 either. Agents on
   * their last-known-good snapshot or the built-in defaults (etcd away) do take the document once
   * they read etcd: they stay sorted by their revision.
   */
  @Test
  void sortsAgentsOnARulesFileApartFromTheRollout() {
    List<AgentStatus> agents =
        List.of(
            agent("on-etcd", "etcd", 10, null),
            agent("on-a-file", "file", 0, null),
            agent("file-rejected", "file", 0, new AgentStatus.Rejection(0, List.of("$.x: bad"))),
            agent("snapshot", "last-known-good", 7, null),
            agent("etcd-away", "defaults", 0, null));
    Rollout rollout = Rollout.of("orders", "orders", 10, agents, 0);

    assertThat(rollout.onRulesFile())
        .extracting(Rollout.AgentRef::instanceId, Rollout.AgentRef::rulesSource)
        .containsExactly(tuple("on-a-file", "file"), tuple("file-rejected", "file"));
    assertThat(rollout.older())
        .extracting(Rollout.AgentRef::instanceId)
        .containsExactly("snapshot", "etcd-away");
    assertThat(rollout.current())
        .extracting(Rollout.AgentRef::instanceId)
        .containsExactly("on-etcd");
    assertThat(rollout.rejected()).isEmpty();
    assertThat(rollout.counts()).isEqualTo(new Rollout.Counts(5, 1, 2, 0, 0, 2));

    // against the built-in defaults (revision 0): the file's 0 is no sign it runs them
    Rollout defaults = Rollout.of("orders", null, 0, agents, 0);
    assertThat(defaults.onRulesFile())
        .extracting(Rollout.AgentRef::instanceId)
        .containsExactly("on-a-file", "file-rejected");
    assertThat(defaults.current())
        .extracting(Rollout.AgentRef::instanceId)
        .containsExactly("etcd-away");
    assertThat(defaults.counts()).isEqualTo(new Rollout.Counts(5, 1, 0, 0, 2, 2));
  }

  /**
   * After etcd was restored from an older backup that lacks the service's document, an agent keeps
   * its rules through the loss and, with them, the rejection it last recorded (revision 600): that
   * rejection is of a document that no longer exists, not of the one current now (revision 100).
   * Only a rejection of the current revision itself makes an agent rejected.
   */
  @Test
  void aRejectionOfARevisionAboveTheCurrentOneIsNoRejectionOfIt() {
    AgentStatus.Rejection lost = new AgentStatus.Rejection(600, List.of("$.x: bad"));
    Rollout rollout =
        Rollout.of(
            "orders",
            "orders",
            100,
            List.of(
                agent("kept-through-the-loss", 500, lost),
                agent("below-it", 90, lost),
                agent("rejects-the-current", 90, new AgentStatus.Rejection(100, List.of("$.y")))),
            0);

    assertThat(rollout.ahead())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.instanceId()).isEqualTo("kept-through-the-loss");
              // what it rejected is still said, without errors it has not found in this document
              assertThat(r.rejectedRevision()).isEqualTo(600L);
              assertThat(r.errors()).isEmpty();
            });
    assertThat(rollout.older())
        .extracting(Rollout.AgentRef::instanceId)
        .containsExactly("below-it");
    assertThat(rollout.rejected())
        .extracting(Rollout.AgentRef::instanceId)
        .containsExactly("rejects-the-current");
    assertThat(rollout.counts()).isEqualTo(new Rollout.Counts(3, 0, 1, 1, 1, 0));
  }

  static AgentStatus agentRunning(String id, long applied, AgentStatus.Versions versions) {
    return new AgentStatus(
        id, "orders", "h", 1, versions, null, null, "etcd", applied, null, List.of(), List.of());
  }

  /**
   * Every rollout says how many of its agents run each Sluice version, whatever list they are in,
   * sorted by version; agents that report none are counted under one key, not left out.
   */
  @Test
  void countsTheSluiceVersionsOfEveryAgentSortedByVersion() {
    Rollout rollout =
        Rollout.of(
            "orders",
            "orders",
            10,
            List.of(
                agentRunning("b", 10, new AgentStatus.Versions("0.2.0", "1.65.0", "21")),
                agentRunning("a", 7, new AgentStatus.Versions("0.1.0", "1.65.0", "17")),
                agentRunning("c", 12, new AgentStatus.Versions("0.2.0", null, null)),
                agentRunning("no-versions", 10, null),
                agentRunning("no-sluice", 10, new AgentStatus.Versions(null, "1.65.0", "21")),
                agentRunning("empty", 10, new AgentStatus.Versions("", "1.65.0", "21")),
                agent("on-a-file", "file", 0, null)),
            0);

    assertThat(rollout.sluiceVersions())
        .containsExactly(entry("0.1.0", 1), entry("0.2.0", 2), entry(SluiceVersions.UNREPORTED, 4));
    assertThat(rollout.counts()).isEqualTo(new Rollout.Counts(7, 4, 1, 0, 1, 1));
    assertThat(Rollout.of("orders", null, 0, List.of(), 0).sluiceVersions()).isEmpty();
  }

  /**
   * Without its agents, a rollout is still the same rollout: every list is empty, and the counts,
   * the Sluice versions and the rest say what they said with the lists.
   */
  @Test
  void withoutAgentsKeepsTheCountsAndVersionsAndEmptiesEveryList() {
    Rollout full =
        Rollout.of(
            "orders",
            "_default",
            10,
            List.of(
                agentRunning("current", 10, new AgentStatus.Versions("0.2.0", null, null)),
                agentRunning("older", 7, new AgentStatus.Versions("0.1.0", null, null)),
                agent("rejected", 7, new AgentStatus.Rejection(10, List.of("$.x: bad"))),
                agent("ahead", 12, null),
                agent("on-a-file", "file", 0, null)),
            3);

    Rollout counted = full.withoutAgents();

    assertThat(counted.current()).isEmpty();
    assertThat(counted.older()).isEmpty();
    assertThat(counted.rejected()).isEmpty();
    assertThat(counted.ahead()).isEmpty();
    assertThat(counted.onRulesFile()).isEmpty();
    assertThat(counted.counts())
        .isEqualTo(full.counts())
        .isEqualTo(new Rollout.Counts(5, 1, 1, 1, 1, 1));
    assertThat(counted.sluiceVersions())
        .containsExactly(entry("0.1.0", 1), entry("0.2.0", 1), entry(SluiceVersions.UNREPORTED, 3));
    assertThat(counted)
        .extracting(Rollout::service, Rollout::source, Rollout::revision, Rollout::unreadableAgents)
        .containsExactly("orders", "_default", 10L, 3);
  }
}
