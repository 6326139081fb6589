package io.sluice.controlplane.agents;

import io.sluice.rules.wire.AgentStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How far a service's current rules have reached its live agents.
 *
 * @param service the service
 * @param source the service whose document applies ({@code _default} possibly), or {@code null}
 *     when only built-in defaults apply
 * @param revision the revision agents should run, 0 for built-in defaults
 * @param current agents that applied it
 * @param older agents still on an older revision (and not rejecting the current one)
 * @param rejected agents that rejected it (that very revision, see {@link #of}), with why
 * @param unreadableAgents status keys of those agents holding a status the control plane cannot
 *     read (its log says why): those agents are in none of the lists, so this says the lists are
 *     short of them ({@link AgentInventory#unreadableByService}); the services list's {@code
 *     unreadableAgents} of the service
 * @param ahead agents on a revision above {@code revision} (and not rejecting it): not behind, as
 *     {@code older} would say, but on a document the control plane no longer holds as current. What
 *     agents report makes two cases: a document deleted since, whose delete the agent has not
 *     applied yet (once it has, it reports the revision of {@code _default}'s document, or 0 for
 *     the built-in defaults, and is current); or a document etcd no longer holds at all, because it
 *     was restored from an older backup, which the agent keeps in force until a document of its
 *     service is written (its rule source tells a loss from a delete by etcd's revision going
 *     back). Added after the other lists: clients that read only those miss these agents there
 * @param onRulesFile agents that report {@code rulesSource} {@code file}: they run a local rules
 *     file, report revision 0 and never take the document stored in etcd, so they are neither
 *     behind nor current whatever {@code revision} is (not even when it is the built-in defaults'
 *     0: a rules file is not the built-in defaults). Sorted out before any other list. An agent on
 *     its {@code last-known-good} snapshot or on the built-in {@code defaults} (etcd away, or no
 *     rules read yet) is not here: it takes the document once it reads etcd, so it is sorted by its
 *     revision like an agent on {@code etcd}. Added after {@code ahead}: before it these agents
 *     were in {@code older} (or {@code current} against the built-in defaults)
 * @param counts how many agents each list holds, and in all: said with the lists, and without them
 *     ({@link #withoutAgents}), so a page of thousands of agents reads its head counts without
 *     every agent's entry. Added after {@code onRulesFile}
 * @param sluiceVersions how many of the rollout's agents (every list) report each Sluice version,
 *     sorted by version; agents that report none under {@code unreported} ({@link SluiceVersions}).
 *     What tells an upgrade under way across every agent, where a page lists only the first 200.
 *     Added with {@code counts}
 */
public record Rollout(
    String service,
    String source,
    long revision,
    List<AgentRef> current,
    List<AgentRef> older,
    List<AgentRef> rejected,
    int unreadableAgents,
    List<AgentRef> ahead,
    List<AgentRef> onRulesFile,
    Counts counts,
    Map<String, Integer> sluiceVersions) {

  /** The {@code rulesSource} of an agent that runs a local rules file. */
  static final String RULES_FILE_SOURCE = "file";

  /**
   * One agent in a rollout.
   *
   * @param service the service the agent reports (for {@code _default}'s rollout, the services that
   *     fall back to it)
   * @param instanceId the agent
   * @param host its host
   * @param appliedRevision the revision it runs
   * @param errors why it rejected the current revision (rejected agents only)
   * @param rulesSource where the rules it runs came from, as it reports it: {@code etcd}, {@code
   *     last-known-good} (its disk snapshot: it has applied none from etcd since it started),
   *     {@code file} or {@code defaults}; {@code null} from agents older than this field. With
   *     {@code rejectedRevision}, what tells a script that an agent runs its last known good rules
   * @param rejectedRevision the revision it last rejected, in any list (an older agent may have
   *     rejected a revision that was replaced since, an agent past a restore of etcd one that etcd
   *     no longer holds, see {@link Rollout#of}), or {@code null} when it reports none
   * @param errorsOmitted errors it left out of {@code errors} to keep its status small (rejected
   *     agents only, like {@code errors}; 0 otherwise)
   */
  public record AgentRef(
      String service,
      String instanceId,
      String host,
      long appliedRevision,
      List<String> errors,
      String rulesSource,
      Long rejectedRevision,
      int errorsOmitted) {

    /** The agent, with why it rejected the current revision when {@code withErrors}. */
    static AgentRef of(AgentStatus a, boolean withErrors) {
      AgentStatus.Rejection rejection = a.rejected();
      return new AgentRef(
          a.service(),
          a.instanceId(),
          a.host(),
          a.appliedRevision(),
          withErrors ? rejection.errors() : List.of(),
          a.rulesSource(),
          rejection == null ? null : rejection.revision(),
          withErrors ? rejection.errorsOmitted() : 0);
    }
  }

  /**
   * Counts, for the services list and the rollout's {@code counts}.
   *
   * @param total every agent in the rollout, {@code ahead} and {@code onRulesFile} ones included
   * @param ahead agents on a revision above the current one ({@link Rollout#ahead})
   * @param onRulesFile agents that run a local rules file ({@link Rollout#onRulesFile}), counted in
   *     {@code total} and in no other count
   */
  public record Counts(
      int total, int current, int older, int rejected, int ahead, int onRulesFile) {}

  /**
   * Sorts the agents that run a service's rules into current, rejected, ahead and older: the
   * service's own agents, or for {@code _default} those of every service without a document of its
   * own; {@code unreadableAgents} is how many of their status keys could not be read. An agent on a
   * rules file is on a rules file, whatever revision it reports. Of the rest, an agent on the
   * current revision is current whatever it rejected; one rejecting that very revision is rejected
   * wherever it stands; of the rest, those above it are ahead, the others older.
   *
   * <p>Only a rejection of the current revision is one: a rejected revision above it names a
   * document the control plane does not hold as current. An agent reports such a rejection after
   * etcd was restored from an older backup that lacks the document: its rule source keeps the rules
   * in force through the loss and, with them, the slot's last rejection (a delete would have ended
   * it), so the agent goes on reporting, say, revision 600 rejected while the document now current
   * is at 100 and was never judged by it. For the moments the control plane's watch of the rules
   * lags an agent's, it is also a change not seen here yet, which the next read sorts. Such an
   * agent is sorted by the revision it runs; its {@code rejectedRevision} still says what it
   * rejected.
   */
  static Rollout of(
      String service,
      String source,
      long revision,
      List<AgentStatus> agents,
      int unreadableAgents) {
    List<AgentRef> current = new ArrayList<>();
    List<AgentRef> older = new ArrayList<>();
    List<AgentRef> rejected = new ArrayList<>();
    List<AgentRef> ahead = new ArrayList<>();
    List<AgentRef> onRulesFile = new ArrayList<>();
    for (AgentStatus a : agents) {
      if (RULES_FILE_SOURCE.equals(a.rulesSource())) {
        onRulesFile.add(AgentRef.of(a, false));
      } else if (a.appliedRevision() == revision) {
        current.add(AgentRef.of(a, false));
      } else if (a.rejected() != null && a.rejected().revision() == revision) {
        rejected.add(AgentRef.of(a, true));
      } else if (a.appliedRevision() > revision) {
        ahead.add(AgentRef.of(a, false));
      } else {
        older.add(AgentRef.of(a, false));
      }
    }
    Counts counts =
        new Counts(
            current.size() + older.size() + rejected.size() + ahead.size() + onRulesFile.size(),
            current.size(),
            older.size(),
            rejected.size(),
            ahead.size(),
            onRulesFile.size());
    return new Rollout(
        service,
        source,
        revision,
        current,
        older,
        rejected,
        unreadableAgents,
        ahead,
        onRulesFile,
        counts,
        SluiceVersions.of(agents));
  }

  /**
   * This rollout with every list empty and everything else as it is, {@code counts} and {@code
   * sluiceVersions} included: what a page that shows only how many agents stand where reads ({@code
   * ?agents=false}), rather than an entry per agent of a fleet of thousands. The {@code rejected}
   * list goes too: the rejected agents' errors are in their statuses ({@code GET /api/v1/agents}),
   * where the web UI reads them, and a document every agent rejects would make it as long as the
   * fleet.
   */
  Rollout withoutAgents() {
    return new Rollout(
        service,
        source,
        revision,
        List.of(),
        List.of(),
        List.of(),
        unreadableAgents,
        List.of(),
        List.of(),
        counts,
        sluiceVersions);
  }
}
