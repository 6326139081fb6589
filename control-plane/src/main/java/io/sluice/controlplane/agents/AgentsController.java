package io.sluice.controlplane.agents;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.FlagParameters;
import io.sluice.controlplane.ProblemType;
import io.sluice.controlplane.rules.EffectiveRules;
import io.sluice.controlplane.rules.RuleStore;
import io.sluice.controlplane.rules.RulesWatch;
import io.sluice.controlplane.security.ServiceNames;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.wire.AgentStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Services, their live agents, rollout of the current rules, and unprotected dependencies. */
@RestController
class AgentsController {

  private final AgentInventory inventory;
  private final RuleStore rules;
  private final EffectiveRules effective;
  private final RulesWatch documents;

  AgentsController(
      AgentInventory inventory, RuleStore rules, EffectiveRules effective, RulesWatch documents) {
    this.inventory = inventory;
    this.rules = rules;
    this.effective = effective;
    this.documents = documents;
  }

  /**
   * One row of the services list.
   *
   * @param service the service
   * @param revision its own document's revision, or {@code null} when it has none
   * @param source the service whose document its agents should run, or {@code null} for defaults
   * @param effectiveRevision that document's revision, 0 for built-in defaults
   * @param agents live agents by rollout state; for {@code _default}, the agents of every service
   *     without a document of its own, which run it
   * @param breakersOpen breakers open, forced open or half-open across those agents, counted from
   *     each agent's {@code breakersByState} when it reports one, else from its listed breakers
   *     ({@link OpenBreakers})
   * @param unreadableAgents agent status keys of those agents that hold a status the control plane
   *     cannot read (logged with why): left out of {@code agents}, {@code breakersOpen} and every
   *     list of agents, so counted here that they are missing ({@link
   *     AgentInventory#unreadableByService})
   */
  record ServiceSummary(
      String service,
      Long revision,
      String source,
      long effectiveRevision,
      Rollout.Counts agents,
      int breakersOpen,
      int unreadableAgents) {}

  @GetMapping("/api/v1/services")
  List<ServiceSummary> services() {
    Map<String, Long> own = rules.revisions();
    List<AgentStatus> agents = inventory.all();
    Map<String, Integer> unreadable = inventory.unreadableByService();
    // grouped once: filtering every agent for every service made the list O(services x agents)
    Map<String, List<AgentStatus>> byService =
        agents.stream().collect(Collectors.groupingBy(AgentStatus::service));
    TreeSet<String> names = new TreeSet<>(own.keySet());
    names.addAll(byService.keySet());
    // a service whose every agent's status is unreadable has agents all the same
    names.addAll(unreadable.keySet());
    List<ServiceSummary> summaries = new ArrayList<>();
    for (String service : names) {
      // a key under a name no document can have (written around the API) is not the service's
      // own document: its agents run _default, as its rollout and GET of its rules say
      Long revision = RuleDocument.isServiceName(service) ? own.get(service) : null;
      String source =
          revision != null
              ? service
              : own.containsKey(RuleDocument.DEFAULT_SERVICE) ? RuleDocument.DEFAULT_SERVICE : null;
      long effectiveRevision = source == null ? 0 : own.get(source);
      List<AgentStatus> mine =
          service.equals(RuleDocument.DEFAULT_SERVICE)
              ? fallingBackToDefault(agents, own.keySet())
              : byService.getOrDefault(service, List.of());
      int unreadableOfMine = unreadableOf(service, unreadable, own.keySet());
      summaries.add(
          new ServiceSummary(
              service,
              revision,
              source,
              effectiveRevision,
              Rollout.of(service, source, effectiveRevision, mine, unreadableOfMine).counts(),
              OpenBreakers.of(mine),
              unreadableOfMine));
    }
    return summaries;
  }

  /**
   * The agents whose rules are {@code _default}'s: those of every service without a document of its
   * own (no agent reports {@code _default} as its name, so counting by name would always say 0). An
   * agent reports only the revision it applied, not whose document that was; etcd gives every rule
   * write its own revision, so sorting these agents by {@code _default}'s revision tells which of
   * them run its current rules.
   *
   * <p>The one definition behind {@code _default}'s row in the services list, its rollout and
   * {@code /api/v1/agents?fallingBackToDefault=true}, so the overview and {@code _default}'s page
   * count the same agents.
   *
   * <p>While {@code _default} has no document either, these agents run the built-in defaults. They
   * are listed all the same, not left out: they are the agents a {@code _default} document would
   * reach once written, which is what its page is for, and {@code _default}'s rollout then sorts
   * them against the built-in defaults (no source, revision 0), as its page's header says.
   *
   * @param withOwnDocument the services that have a document of their own: for the services list,
   *     those of the documents it read from etcd anyway; elsewhere the rules watch's, from memory,
   *     so that listing who runs {@code _default} reads nothing from etcd (and works through an
   *     outage, as listing agents always did)
   */
  private static List<AgentStatus> fallingBackToDefault(
      List<AgentStatus> agents, Set<String> withOwnDocument) {
    return agents.stream().filter(a -> fallsBackToDefault(a.service(), withOwnDocument)).toList();
  }

  /**
   * Whether the agents of {@code service} run {@code _default} (see {@link #fallingBackToDefault}).
   */
  private static boolean fallsBackToDefault(String service, Set<String> withOwnDocument) {
    return service.equals(RuleDocument.DEFAULT_SERVICE)
        || !RuleDocument.isServiceName(service)
        || !withOwnDocument.contains(service);
  }

  /**
   * How many unreadable status keys the agents running {@code service}'s rules have: its own, or
   * for {@code _default} those of every service falling back to it (see {@link
   * #fallingBackToDefault}).
   *
   * @param unreadable {@link AgentInventory#unreadableByService()}
   */
  private static int unreadableOf(
      String service, Map<String, Integer> unreadable, Set<String> withOwnDocument) {
    if (!service.equals(RuleDocument.DEFAULT_SERVICE)) {
      return unreadable.getOrDefault(service, 0);
    }
    return unreadable.entrySet().stream()
        .filter(e -> fallsBackToDefault(e.getKey(), withOwnDocument))
        .mapToInt(Map.Entry::getValue)
        .sum();
  }

  /**
   * The agents whose rules a service's page shows: its own by name; for {@code _default}, those
   * falling back to it.
   */
  private List<AgentStatus> runningRulesOf(String service) {
    return service.equals(RuleDocument.DEFAULT_SERVICE)
        ? fallingBackToDefault(inventory.all(), documents.servicesWithADocument())
        : inventory.of(service);
  }

  /**
   * The live agents. {@code service} filters by the name agents report; {@code
   * fallingBackToDefault} keeps those that run {@code _default} (no agent reports that name); both
   * together keep the agents that pass both. {@code limit} and {@code after} page what the filters
   * keep ({@link AgentPage}), the next page's cursor in {@link #NEXT_AFTER_HEADER}; without them
   * the answer is every agent, as it always was. Every answer, paged or not, says how many agents
   * the filters keep and their open breakers ({@link #AGENTS_HEADER}, {@link
   * #BREAKERS_OPEN_HEADER}): a page showing the first of them still says the whole.
   */
  @GetMapping("/api/v1/agents")
  ResponseEntity<List<AgentStatus>> agents(
      @RequestParam(required = false) String service,
      @RequestParam(name = "fallingBackToDefault", required = false) String fallingBack,
      // long, not int: a limit past an int is answered as any other out of bounds
      @RequestParam(required = false) Long limit,
      @RequestParam(required = false) String after) {
    if (service != null && service.isBlank()) {
      // a script's unset variable: an empty list would read as "no agents run it"
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "?service= is empty: name a service, or leave the parameter out for every agent");
    }
    boolean fallingBackToDefault = FlagParameters.parse("fallingBackToDefault", fallingBack, false);
    // a filter over what agents reported, no etcd key: any name an agent may run under is fine
    // (one outside the rule language's names runs on _default and is still listed)
    List<AgentStatus> agents = service == null ? inventory.all() : inventory.of(service);
    // both from memory, as the agents alone always were: _default's Agents tab works through an
    // etcd outage, with the services that had a document when the rules watch last saw etcd
    List<AgentStatus> kept =
        fallingBackToDefault
            ? fallingBackToDefault(agents, documents.servicesWithADocument())
            : agents;
    // an empty after is a loop's first page (its cursor variable not set yet): from the start
    AgentPage page = AgentPage.of(kept, after, limit);
    ResponseEntity.BodyBuilder answer =
        ResponseEntity.ok()
            .header(AGENTS_HEADER, Integer.toString(kept.size()))
            .header(BREAKERS_OPEN_HEADER, Integer.toString(OpenBreakers.of(kept)));
    if (page.next() != null) {
      answer.header(NEXT_AFTER_HEADER, page.next());
    }
    return answer.body(page.agents());
  }

  /**
   * {@code /agents?limit=}: the cursor to pass as {@code after} for the next page; absent on the
   * last page (and without {@code limit}, whose answer is every agent after {@code after}).
   */
  static final String NEXT_AFTER_HEADER = "X-Sluice-Next-After";

  /**
   * {@code /agents}: the open, forced-open and half-open breakers of every agent the filters keep,
   * on every page ({@link OpenBreakers}), as the services list counts them for a service.
   */
  static final String BREAKERS_OPEN_HEADER = "X-Sluice-Breakers-Open";

  /**
   * How far the service's rules reached its agents. {@code agents=false} leaves every list empty
   * and keeps the counts and the Sluice versions ({@link Rollout#withoutAgents}): the service's
   * page reads it on every refresh for its head, and with thousands of agents the lists were most
   * of the answer and none of what it showed.
   */
  @GetMapping("/api/v1/services/{service}/rollout")
  Rollout rollout(
      @PathVariable String service,
      @RequestParam(name = "agents", required = false) String withAgents) {
    ServiceNames.requireReported(service);
    // before anything is read: a bad flag is the client's mistake, whatever etcd's state
    boolean listAgents = FlagParameters.parse("agents", withAgents, true);
    EffectiveRules.Effective current = effective.of(service);
    List<AgentStatus> agents = runningRulesOf(service);
    // from memory, as the agents are: for _default, with the same services as runningRulesOf
    int unreadable =
        unreadableOf(
            service,
            inventory.unreadableByService(),
            service.equals(RuleDocument.DEFAULT_SERVICE)
                ? documents.servicesWithADocument()
                : Set.of());
    Rollout rollout = Rollout.of(service, current.source(), current.revision(), agents, unreadable);
    return listAgents ? rollout : rollout.withoutAgents();
  }

  /**
   * The unprotected targets, with how complete the reports behind them are in headers ({@link
   * UnprotectedTargets.Reports}): the answer stays the list it always was. Refused (409) while the
   * stored document is one the agents reject: judged by the built-in defaults, every target their
   * last good rules guard would be listed as unprotected.
   */
  @GetMapping("/api/v1/services/{service}/unprotected")
  ResponseEntity<List<UnprotectedTargets.Target>> unprotected(@PathVariable String service) {
    ServiceNames.requireReported(service);
    // before the agents: a stored document they reject leaves no rules to judge coverage by
    RuleDocument current = effective.known(service).rules().document();
    List<AgentStatus> agents = runningRulesOf(service);
    List<UnprotectedTargets.Target> targets = UnprotectedTargets.find(agents, current);
    UnprotectedTargets.Reports reports = UnprotectedTargets.Reports.of(agents);
    return ResponseEntity.ok()
        .header(AGENTS_HEADER, Integer.toString(reports.agents()))
        .header(AGENTS_CAPPED_HEADER, Integer.toString(reports.agentsCapped()))
        .header(TARGETS_OMITTED_HEADER, Long.toString(reports.targetsOmitted()))
        .body(targets);
  }

  /**
   * {@code /unprotected}: how many agents' reports were read; {@code /agents}: how many agents the
   * filters keep, on every page (the whole that the pages list).
   */
  static final String AGENTS_HEADER = "X-Sluice-Agents";

  /** {@code /unprotected}: how many of them left targets out of their reports. */
  static final String AGENTS_CAPPED_HEADER = "X-Sluice-Agents-Capped";

  /** {@code /unprotected}: how many targets they left out, summed over those agents. */
  static final String TARGETS_OMITTED_HEADER = "X-Sluice-Targets-Omitted";
}
