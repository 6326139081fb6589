package io.sluice.controlplane.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.sluice.rules.ParseResult;
import io.sluice.rules.RuleCodec;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.wire.AgentStatus;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

class UnprotectedTargetsTest {

  static AgentStatus agent(String id, AgentStatus.TargetStats... targets) {
    return new AgentStatus(
        id, "orders", "h", 1, null, null, null, "etcd", 5, null, List.of(), List.of(targets));
  }

  /** An agent of {@code orders} that runs a local rules file: its policies are its file's. */
  static AgentStatus onRulesFile(String id, AgentStatus.TargetStats... targets) {
    return new AgentStatus(
        id, "orders", "h", 1, null, null, null, "file", 0, null, List.of(), List.of(targets));
  }

  /** A document with these breaker policies (JSON, {@code '} for {@code "}). */
  static RuleDocument breakers(String breakers) {
    return RuleCodec.parse(
            """
            {"schemaVersion":1,"service":"orders","sampling":{"defaultRatio":1},"breakers":%s}
            """
                .formatted(breakers.replace('\'', '"')))
        .orElseThrow();
  }

  /** One policy, {@code pay}, for POST calls to payments hosts only. */
  private static final RuleDocument PAY_POST_ONLY =
      breakers(
          """
          [{"name":"pay","match":{"host":"payments*","method":"POST"}}]
          """);

  static List<String> listed(RuleDocument document, AgentStatus... agents) {
    return UnprotectedTargets.find(List.of(agents), document).stream()
        .map(UnprotectedTargets.Target::target)
        .toList();
  }

  /**
   * An agent on a local rules file never runs the document, so it is judged by what it reports
   * alone: a target a document's policy guards whole is listed with the calls the agent says went
   * unguarded (its file has no such policy), a target its file's policy guarded in full is not
   * (though the document has no policy of that name), one guarded in part is listed with the rest
   * and that policy; each row counts the agents on a rules file. The same reports from an agent on
   * the document are judged as before. Before, the file's agent was judged against the document
   * too: the first target read as protected, the second as all unguarded.
   */
  @Test
  void judgesAnAgentOnARulesFileByWhatItReportsAlone() {
    RuleDocument document = breakers("[{'name':'pay','match':{'host':'payments','port':8080}}]");
    AgentStatus.TargetStats payments =
        new AgentStatus.TargetStats("payments:8080", 100, 4, 20.0, null, 100L, 4L, 0L);
    AgentStatus.TargetStats ledger =
        new AgentStatus.TargetStats("ledger:9000", 50, 0, 10.0, "ledger-file", 0L, 0L, 0L);
    AgentStatus.TargetStats search =
        new AgentStatus.TargetStats("search:9200", 60, 2, 30.0, "search-post", 20L, 1L, 0L);

    List<UnprotectedTargets.Target> found =
        UnprotectedTargets.find(
            List.of(
                onRulesFile("file-1", payments, ledger, search),
                agent(
                    "etcd-1",
                    new AgentStatus.TargetStats("payments:8080", 80, 0, 15.0, "pay", 0L, 0L, 0L))),
            document);

    assertThat(found)
        .extracting(
            UnprotectedTargets.Target::target,
            UnprotectedTargets.Target::callsPerMinute,
            UnprotectedTargets.Target::errorsPerMinute,
            UnprotectedTargets.Target::agents,
            UnprotectedTargets.Target::agentsOnRulesFile,
            UnprotectedTargets.Target::guardedCallsPerMinute,
            UnprotectedTargets.Target::guardedBy)
        .containsExactly(
            tuple("payments:8080", 100L, 4L, 1, 1, 0L, List.of()),
            tuple("search:9200", 20L, 1L, 1, 1, 40L, List.of("search-post")));
    assertThat(listed(document, agent("etcd-2", payments, ledger, search)))
        .containsExactly("search:9200", "ledger:9000");
    assertThat(UnprotectedTargets.find(List.of(agent("etcd-2", ledger)), document))
        .singleElement()
        .extracting(UnprotectedTargets.Target::agentsOnRulesFile)
        .isEqualTo(0);
  }

  /**
   * Whether the policy an agent on a rules file names is in shadow mode is its file's to say: named
   * for the calls of one kind when all its matched calls were of that kind, and for neither when
   * they were of both (it could be either).
   */
  @Test
  void namesARulesFileAgentsPolicyOnlyForTheKindOfCallsItCanHaveMatched() {
    RuleDocument none = breakers("[]");
    List<UnprotectedTargets.Target> watched =
        UnprotectedTargets.find(
            List.of(
                onRulesFile(
                    "file-1",
                    new AgentStatus.TargetStats("a:1", 60, 0, 10.0, "watch", 60L, 0L, 60L),
                    new AgentStatus.TargetStats("b:1", 60, 0, 10.0, "mixed", 30L, 0L, 20L))),
            none);

    assertThat(watched)
        .extracting(
            UnprotectedTargets.Target::target,
            UnprotectedTargets.Target::shadowedCallsPerMinute,
            UnprotectedTargets.Target::shadowedBy,
            UnprotectedTargets.Target::guardedCallsPerMinute,
            UnprotectedTargets.Target::guardedBy)
        .containsExactly(
            tuple("a:1", 60L, List.of("watch"), 0L, List.of()),
            tuple("b:1", 20L, List.of(), 30L, List.of()));
  }

  @Test
  void listsTheDemoTargetAMethodAndPathPolicyNeverGuarded() {
    // demo README step 1: a policy for POST /pay/** without host or port
    RuleDocument document =
        breakers(
            """
            [{"name":"payments","match":{"method":"POST","path":"/pay/**"}}]
            """);
    List<UnprotectedTargets.Target> found =
        UnprotectedTargets.find(
            List.of(
                agent(
                    "orders-1",
                    new AgentStatus.TargetStats("127.0.0.1:8083", 601, 0, 12.0, null),
                    new AgentStatus.TargetStats("127.0.0.1:8082", 598, 3, 20.0, "payments"))),
            document);
    assertThat(found)
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.target()).isEqualTo("127.0.0.1:8083");
              assertThat(t.callsPerMinute()).isEqualTo(601);
              assertThat(t.agents()).isEqualTo(1);
              assertThat(t.suggestedPolicy().get("match"))
                  .isEqualTo(Map.of("host", "127.0.0.1", "port", 8083));
            });
  }

  static Stream<Arguments> coverageCases() {
    String hostAndPort = "[{'name':'pay','match':{'host':'payments*','port':8080}}]";
    String hostOnly = "[{'name':'pay','match':{'host':'PAYMENTS*'}}]";
    String postOnly = "[{'name':'pay','match':{'host':'payments*','port':8080,'method':'POST'}}]";
    String pathOnly = "[{'name':'pay','match':{'path':'/pay/**'}}]";
    String restrictedFirst =
        "[{'name':'pay','match':{'host':'payments*','path':'/pay/**'}},"
            + "{'name':'rest','match':{'host':'payments*'}}]";
    String elsewhere = "[{'name':'pay','match':{'host':'billing*'}}]";
    String inShadowMode = "[{'name':'pay','match':{'host':'payments*','port':8080},'shadow':true}]";
    String shadowFirst =
        "[{'name':'pay','match':{'host':'payments*','path':'/pay/**'},'shadow':true},"
            + "{'name':'rest','match':{'host':'payments*'}}]";
    String shadowAfter =
        "[{'name':'rest','match':{'host':'payments*'}},"
            + "{'name':'pay','match':{'host':'payments*'},'shadow':true}]";
    return Stream.of(
        // the document is decisive: a host/port policy without method or path guards every call
        Arguments.of(
            "host and port policy, agent silent (older revision)", hostAndPort, null, false),
        Arguments.of("host-only policy, any case, agent silent", hostOnly, null, false),
        Arguments.of(
            "catch-all after a restricted one, agent silent", restrictedFirst, null, false),
        Arguments.of("host and port policy, agent names it", hostAndPort, "pay", false),
        // a restricted policy guards only some calls: the agent's report decides
        Arguments.of("POST-only policy, no call guarded", postOnly, null, true),
        Arguments.of("POST-only policy, some calls guarded", postOnly, "pay", false),
        Arguments.of("path-only policy, no call guarded", pathOnly, null, true),
        Arguments.of("path-only policy, some calls guarded", pathOnly, "pay", false),
        // a coveredBy the current document contradicts is about older rules
        Arguments.of("agent names a policy since removed", "[]", "pay", true),
        Arguments.of("agent names a policy since renamed", pathOnly, "old-pay", true),
        Arguments.of("agent names a policy now for other hosts", elsewhere, "pay", true),
        Arguments.of("no policy at all, agent silent", "[]", null, true),
        // a policy in shadow mode lets every call through: it protects nothing
        Arguments.of(
            "host and port policy in shadow mode, agent names it", inShadowMode, "pay", true),
        Arguments.of("host and port policy in shadow mode, agent silent", inShadowMode, null, true),
        Arguments.of(
            "catch-all after a shadow one, agent names the shadow one", shadowFirst, "pay", true),
        Arguments.of("catch-all after a shadow one, agent names it", shadowFirst, "rest", false),
        Arguments.of("shadow policy after a catch-all, agent names it", shadowAfter, "pay", false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("coverageCases")
  void listsATargetOnlyWhenNoBreakerGuardsItsCalls(
      String description, String policies, String coveredBy, boolean listed) {
    assertThat(
            listed(
                breakers(policies),
                agent(
                    "a", new AgentStatus.TargetStats("payments-1:8080", 100, 1, 50.0, coveredBy))))
        .isEqualTo(listed ? List.of("payments-1:8080") : List.of());
  }

  @Test
  void listsTheUnguardedPartOfATargetAMethodRestrictedPolicyGuardsInPart() {
    List<UnprotectedTargets.Target> found =
        UnprotectedTargets.find(
            List.of(
                agent(
                    "a",
                    new AgentStatus.TargetStats("payments:8080", 100, 12, 300.0, "pay", 30L, 9L)),
                agent(
                    "b", new AgentStatus.TargetStats("payments:8080", 50, 0, 40.0, "pay", 0L, 0L))),
            PAY_POST_ONLY);
    assertThat(found)
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.callsPerMinute()).isEqualTo(30);
              assertThat(t.errorsPerMinute()).isEqualTo(9);
              assertThat(t.errorRate()).isEqualTo(0.3);
              assertThat(t.agents()).as("b's calls were all guarded").isEqualTo(1);
              assertThat(t.guardedCallsPerMinute()).isEqualTo(70);
              assertThat(t.guardedBy()).containsExactly("pay");
            });
  }

  /**
   * A policy in shadow mode records and reports but rejects nothing: the calls it matched are
   * listed as unprotected, with the policy named, so a service whose policies are all still in
   * shadow mode no longer reads as "every target is covered".
   */
  @Test
  void callsAPolicyInShadowModeMatchedAreListedWithThatPolicy() {
    RuleDocument document =
        breakers(
            """
            [{"name":"pay","match":{"host":"payments*","method":"POST"},"shadow":true}]
            """);
    List<UnprotectedTargets.Target> found =
        UnprotectedTargets.find(
            List.of(
                agent(
                    "a",
                    new AgentStatus.TargetStats("payments:8080", 100, 12, 300.0, "pay", 30L, 9L)),
                agent("b", new AgentStatus.TargetStats("payments:8080", 50, 5, 40.0, "pay"))),
            document);
    assertThat(found)
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.callsPerMinute()).as("every call of both agents").isEqualTo(150);
              assertThat(t.errorsPerMinute()).isEqualTo(17);
              assertThat(t.agents()).isEqualTo(2);
              assertThat(t.shadowedCallsPerMinute())
                  .as("a's 70 it matched, and all of b's (too old to tell them apart)")
                  .isEqualTo(120);
              assertThat(t.shadowedBy()).containsExactly("pay");
              assertThat(t.guardedCallsPerMinute()).isZero();
              assertThat(t.guardedBy()).isEmpty();
            });
  }

  /**
   * An agent that counts the calls a policy in shadow mode matched among its unguarded ones gives
   * the same row whichever policy its latest call had: here a shadow policy for {@code /pay/**}
   * comes before a catch-all that guards the rest. Before, the row came and went with {@code
   * coveredBy}: hidden when it named the catch-all, every call counted when it named the shadow
   * one.
   */
  @ParameterizedTest
  @ValueSource(strings = {"rest", "pay"})
  void theCallsAPolicyInShadowModeMatchedAreListedWhicheverPolicyTheLatestCallHad(String latest) {
    RuleDocument document =
        breakers(
            """
            [{"name":"pay","match":{"host":"payments*","path":"/pay/**"},"shadow":true},
             {"name":"rest","match":{"host":"payments*"}}]
            """);
    List<UnprotectedTargets.Target> found =
        UnprotectedTargets.find(
            List.of(
                agent(
                    "a",
                    new AgentStatus.TargetStats(
                        "payments:8080", 100, 12, 300.0, latest, 40L, 10L, 40L))),
            document);
    assertThat(found)
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.callsPerMinute()).isEqualTo(40);
              assertThat(t.errorsPerMinute()).isEqualTo(10);
              assertThat(t.shadowedCallsPerMinute()).isEqualTo(40);
              assertThat(t.shadowedBy()).containsExactly("pay");
              assertThat(t.guardedCallsPerMinute()).isEqualTo(60);
              assertThat(t.guardedBy()).containsExactly("rest");
            });
  }

  /**
   * An agent whose {@code coveredBy} is about older rules counts every call as unprotected, and
   * still says how many a policy in shadow mode matched: named after the document's policy in
   * shadow mode for that host and port.
   */
  @Test
  void theShadowCountOfAnAgentOnOlderRulesIsListedWithTheDocumentsShadowPolicy() {
    RuleDocument document =
        breakers(
            """
            [{"name":"pay","match":{"host":"payments*"},"shadow":true}]
            """);
    List<UnprotectedTargets.Target> found =
        UnprotectedTargets.find(
            List.of(
                agent(
                    "a",
                    new AgentStatus.TargetStats(
                        "payments:8080", 100, 12, 300.0, "old-pay", 70L, 10L, 30L))),
            document);
    assertThat(found)
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.callsPerMinute()).isEqualTo(100);
              assertThat(t.shadowedCallsPerMinute()).isEqualTo(30);
              assertThat(t.shadowedBy()).containsExactly("pay");
              assertThat(t.guardedCallsPerMinute()).isZero();
            });
  }

  /** An agent whose every call an enforcing policy guarded, none in shadow mode: not listed. */
  @Test
  void aTargetWhoseShadowCountIsZeroAndEveryCallGuardedIsNotListed() {
    assertThat(
            listed(
                PAY_POST_ONLY,
                agent(
                    "a",
                    new AgentStatus.TargetStats(
                        "payments:8080", 100, 12, 300.0, "pay", 0L, 0L, 0L))))
        .isEmpty();
  }

  @Test
  void aTargetWhoseEveryCallARestrictedPolicyGuardedIsNotListed() {
    assertThat(
            listed(
                PAY_POST_ONLY,
                agent(
                    "a",
                    new AgentStatus.TargetStats("payments:8080", 100, 12, 300.0, "pay", 0L, 0L))))
        .isEmpty();
  }

  @Test
  void callsGuardedByAPolicyTheDocumentNoLongerHasCountAsUnguarded() {
    RuleDocument document = breakers("[]");
    List<UnprotectedTargets.Target> found =
        UnprotectedTargets.find(
            List.of(
                agent(
                    "a",
                    new AgentStatus.TargetStats("payments:8080", 100, 12, 300.0, "old", 30L, 2L))),
            document);
    assertThat(found)
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.callsPerMinute()).isEqualTo(100);
              assertThat(t.errorsPerMinute()).isEqualTo(12);
              assertThat(t.guardedCallsPerMinute()).isZero();
              assertThat(t.guardedBy()).isEmpty();
            });
  }

  @Test
  void countsOnlyTheAgentsWhoseCallsWentUnguarded() {
    RuleDocument document = PAY_POST_ONLY;
    List<UnprotectedTargets.Target> found =
        UnprotectedTargets.find(
            List.of(
                agent("a", new AgentStatus.TargetStats("payments:8080", 100, 10, 300.0, "pay")),
                agent("b", new AgentStatus.TargetStats("payments:8080", 40, 4, 900.0, null))),
            document);
    assertThat(found)
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.callsPerMinute()).isEqualTo(40);
              assertThat(t.errorsPerMinute()).isEqualTo(4);
              assertThat(t.p99Millis()).isEqualTo(900);
              assertThat(t.agents()).isEqualTo(1);
            });
  }

  @Test
  void aggregatesBusyUnguardedTargetsOverAgentsAndSkipsGuardedOnes() {
    RuleDocument document =
        breakers(
            """
            [{"name":"pay","match":{"host":"payments*","port":8080}},
             {"name":"cache-policy","match":{"host":"cache","method":"GET"}}]
            """);
    List<UnprotectedTargets.Target> found =
        UnprotectedTargets.find(
            List.of(
                agent(
                    "a",
                    new AgentStatus.TargetStats("warehouse:9000", 100, 10, 300.0, null),
                    new AgentStatus.TargetStats("payments:8080", 100, 10, 300.0, null),
                    new AgentStatus.TargetStats("idle:1", 0, 0, 0.0, null),
                    new AgentStatus.TargetStats("not-host-and-port", 5, 0, 0.0, null)),
                agent(
                    "b",
                    new AgentStatus.TargetStats("warehouse:9000", 300, 10, 900.0, null),
                    new AgentStatus.TargetStats("cache:6379", 50, 0, 2.0, "cache-policy"),
                    new AgentStatus.TargetStats("[::1]:8443", 10, 0, 1.0, null))),
            document);
    assertThat(found)
        .extracting(UnprotectedTargets.Target::target)
        .containsExactly("warehouse:9000", "[::1]:8443");
    UnprotectedTargets.Target warehouse = found.get(0);
    assertThat(warehouse.callsPerMinute()).isEqualTo(400);
    assertThat(warehouse.errorsPerMinute()).isEqualTo(20);
    assertThat(warehouse.errorRate()).isEqualTo(0.05);
    assertThat(warehouse.p99Millis()).isEqualTo(900);
    assertThat(warehouse.agents()).isEqualTo(2);
  }

  /**
   * An agent all of whose calls to a target were rejected reports no p99: the row takes the p99 the
   * other agents report, and a row no agent has a p99 for has none (the UI shows "—"), with a
   * suggested slow-call duration that does not come from a made-up 0 ms.
   */
  @Test
  void aTargetWithoutAP99FromSomeAgentsTakesTheOthersAndWithoutAnyHasNone() {
    List<UnprotectedTargets.Target> found =
        UnprotectedTargets.find(
            List.of(
                agent(
                    "a",
                    new AgentStatus.TargetStats("warehouse:9000", 100, 0, null, null),
                    new AgentStatus.TargetStats("ledger:7000", 40, 0, null, null)),
                agent(
                    "b",
                    new AgentStatus.TargetStats("warehouse:9000", 50, 0, 1800.0, null),
                    new AgentStatus.TargetStats("ledger:7000", 10, 0, null, null))),
            breakers("[]"));

    assertThat(found)
        .extracting(UnprotectedTargets.Target::target, UnprotectedTargets.Target::p99Millis)
        .containsExactly(tuple("warehouse:9000", 1800.0), tuple("ledger:7000", null));
    assertThat(found.get(0).suggestedPolicy().get("slowCallDuration")).isEqualTo("4s");
    assertThat(found.get(1).suggestedPolicy().get("slowCallDuration"))
        .isEqualTo(UnprotectedTargets.SLOW_SECONDS_WITHOUT_P99 + "s");
  }

  /**
   * A p99 no agent measures (a status written by hand or by a broken agent: infinite, negative)
   * counts as none, and a huge one suggests a duration the rule language still reads, where the
   * suggestion said {@code 9223372036854775807s}.
   */
  @Test
  void aP99NoAgentMeasuresCountsAsNoneAndAHugeOneStillSuggestsAReadableDuration() {
    List<UnprotectedTargets.Target> found =
        UnprotectedTargets.find(
            List.of(
                agent(
                    "a",
                    new AgentStatus.TargetStats(
                        "warehouse:9000", 100, 0, Double.POSITIVE_INFINITY, null),
                    new AgentStatus.TargetStats("ledger:7000", 40, 0, -5.0, null),
                    new AgentStatus.TargetStats("vault:8200", 40, 0, Double.NaN, null))),
            breakers("[]"));
    assertThat(found).extracting(UnprotectedTargets.Target::p99Millis).containsOnlyNulls();
    assertThat(found)
        .extracting(t -> t.suggestedPolicy().get("slowCallDuration"))
        .containsOnly(UnprotectedTargets.SLOW_SECONDS_WITHOUT_P99 + "s");

    Map<String, Object> huge = UnprotectedTargets.suggest(new String[] {"slow", "80"}, 1e300);
    assertThat(huge.get("slowCallDuration")).isEqualTo("999999999s");
    assertThat(RuleCodec.parse(ordersDocumentWith(List.of(huge))).errors()).isEmpty();
  }

  @Test
  void suggestsAPolicyTheRuleLanguageAccepts() {
    Map<String, Object> policy =
        UnprotectedTargets.suggest(new String[] {"Ware_House", "9000"}, 900.0);
    assertThat(policy.get("slowCallDuration")).isEqualTo("2s");
    assertThat(policy.get("name")).isEqualTo("ware_house-9000");
    ParseResult parsed = RuleCodec.parse(ordersDocumentWith(List.of(policy)));
    assertThat(parsed.errors()).isEmpty();
    assertThat(parsed.document().breakers().get(0).shadow()).isTrue();
    assertThat(parsed.document().breakers().get(0).match().host()).isEqualTo("Ware_House");
  }

  /**
   * A suggested policy reads as the documentation writes one, at every start: its {@code match} and
   * {@code slidingWindow} came in an immutable map's order, which changes from one start of the
   * control plane to the next ({@code "port"} before {@code "host"} in one, after it in another).
   */
  @Test
  void suggestsAPolicyWhoseMembersComeInTheDocumentedOrder() {
    Map<String, Object> policy =
        UnprotectedTargets.suggest(new String[] {"warehouse", "9000"}, 900.0);
    assertThat(policy.keySet())
        .containsExactly(
            "name",
            "match",
            "failureRateThreshold",
            "slowCallRateThreshold",
            "slowCallDuration",
            "slidingWindow",
            "minimumCalls",
            "waitInOpenState",
            "halfOpenCalls",
            "failureStatusCodes",
            "onOpen",
            "shadow");
    assertThat(keys(policy.get("match"))).containsExactly("host", "port");
    assertThat(keys(policy.get("slidingWindow"))).containsExactly("type", "size");
  }

  /** The keys of a map of the policy, in its order. */
  private static List<Object> keys(Object map) {
    return List.copyOf(((Map<?, ?>) map).keySet());
  }

  @Test
  void namesASuggestedPolicyAfterHostAndPortWithinTheNameLimit() {
    assertThat(UnprotectedTargets.suggestedName("127.0.0.1", "8082")).isEqualTo("127.0.0.1-8082");
    assertThat(UnprotectedTargets.suggestedName("127.0.0.1", "8083")).isEqualTo("127.0.0.1-8083");
    assertThat(UnprotectedTargets.suggestedName("::1", "443")).matches("--1-[0-9a-f]{8}-443");
    String longName = UnprotectedTargets.suggestedName("h".repeat(200), "65535");
    assertThat(longName).hasSize(128).matches("h+-[0-9a-f]{8}-65535");
  }

  @Test
  void twoTargetsNeverShareASuggestedName() {
    List<UnprotectedTargets.Target> found =
        UnprotectedTargets.find(
            List.of(
                agent(
                    "a",
                    // a zone keeps its case: two interfaces, two targets, two breaker keys
                    new AgentStatus.TargetStats("[fe80::1%ETH0]:80", 100, 1, 50.0, null),
                    new AgentStatus.TargetStats("[fe80::1%eth0]:80", 100, 1, 50.0, null),
                    // the host name the IPv6 literal would read as once its ':' and '%' are '-'
                    new AgentStatus.TargetStats("fe80--1-eth0:80", 100, 1, 50.0, null),
                    // the host name that spells the hashed name of [fe80::1%eth0]:80
                    new AgentStatus.TargetStats("fe80--1-eth0-016a8c97:80", 100, 1, 50.0, null),
                    // two long host names that differ only after the name's cut
                    new AgentStatus.TargetStats("h".repeat(200) + "a:80", 100, 1, 50.0, null),
                    new AgentStatus.TargetStats("h".repeat(200) + "b:80", 100, 1, 50.0, null))),
            breakers("[]"));
    assertThat(found).hasSize(6);
    List<Object> policies = found.stream().map(t -> (Object) t.suggestedPolicy()).toList();
    assertThat(policies.stream().map(p -> ((Map<?, ?>) p).get("name")).distinct()).hasSize(6);
    assertThat(RuleCodec.parse(ordersDocumentWith(policies)).errors())
        .as("all of them added at once")
        .isEmpty();
    assertThat(UnprotectedTargets.suggestedName("Ware_House", "9000"))
        .as("host names are case-insensitive: one target, one name")
        .isEqualTo(UnprotectedTargets.suggestedName("ware_house", "9000"));
    assertThat(UnprotectedTargets.suggestedName("fe80::1%eth0", "80"))
        .as("the first 8 hex digits of the host's SHA-256: the same on every control plane")
        .isEqualTo("fe80--1-eth0-016a8c97-80");
    assertThat(UnprotectedTargets.suggestedName("fe80--1-eth0-016a8c97", "80"))
        .as("a host ending as a hash does is hashed too")
        .isEqualTo("fe80--1-eth0-016a8c97-c18ae096-80");
    assertThat(UnprotectedTargets.suggestedName("orders-v2", "8080"))
        .as("any other plain host keeps host-port")
        .isEqualTo("orders-v2-8080");
    // names pinned, so that a change of the rule is a decision: policies added before keep theirs
    assertThat(UnprotectedTargets.suggestedName("[::1]", "443")).isEqualTo("--1-eff8e7ca-443");
    assertThat(UnprotectedTargets.suggestedName("fe80::1%ETH0", "80"))
        .isEqualTo("fe80--1-eth0-bf158531-80");
    assertThat(UnprotectedTargets.suggestedName("orders-deadbeef", "80"))
        .isEqualTo("orders-deadbeef-1e221e9c-80");
    assertThat(UnprotectedTargets.suggestedName("h".repeat(200), "65535"))
        .isEqualTo("h".repeat(113) + "-b753db5b-65535");
  }

  @Test
  void anIpv6TargetAnOlderAgentSpelledOtherwiseIsJudgedInTheSpellingPoliciesAreCompiledTo() {
    // agents before RFC 5952 keys reported the host as their client spelled it
    RuleDocument loopback = breakers("[{'name':'loop','match':{'host':'::1','port':8443}}]");
    assertThat(
            listed(
                loopback,
                agent(
                    "old",
                    new AgentStatus.TargetStats("[0:0:0:0:0:0:0:1]:8443", 100, 1, 50.0, null))))
        .isEmpty();
    assertThat(
            listed(
                breakers("[]"),
                agent(
                    "old",
                    new AgentStatus.TargetStats("[0:0:0:0:0:0:0:1]:8443", 100, 1, 50.0, null))))
        .as("listed in the spelling policies are matched in, as current agents report it")
        .containsExactly("[::1]:8443");
  }

  @Test
  void oneTargetSpelledTwoWaysByAgentsOfTwoVersionsIsOneRowWithBothAgentsTraffic() {
    // a rolling upgrade: the older agents report hosts as their clients spelled them, the newer
    // ones in canonical form; one dependency must not be split over two rows whose suggested
    // policies share a name (adding both to the editor would be refused as a duplicate)
    List<UnprotectedTargets.Target> found =
        UnprotectedTargets.find(
            List.of(
                agent(
                    "old",
                    new AgentStatus.TargetStats("[0:0:0:0:0:0:0:1]:8443", 100, 10, 50.0, null),
                    new AgentStatus.TargetStats("Payments:8080", 30, 3, 20.0, null)),
                agent(
                    "new",
                    new AgentStatus.TargetStats("[::1]:8443", 50, 5, 80.0, null),
                    new AgentStatus.TargetStats("payments:8080", 60, 6, 10.0, null))),
            breakers("[]"));
    assertThat(found)
        .extracting(UnprotectedTargets.Target::target)
        .containsExactly("[::1]:8443", "payments:8080");
    UnprotectedTargets.Target loopback = found.get(0);
    assertThat(loopback.callsPerMinute()).isEqualTo(150);
    assertThat(loopback.errorsPerMinute()).isEqualTo(15);
    assertThat(loopback.p99Millis()).isEqualTo(80);
    assertThat(loopback.agents()).isEqualTo(2);
    assertThat(found.get(1).callsPerMinute()).isEqualTo(90);
    assertThat(found.get(1).agents()).isEqualTo(2);
    assertThat(found.get(1).suggestedPolicy().get("name")).isEqualTo("payments-8080");
  }

  @Test
  void anOlderAgentThatReportsOneTargetUnderTwoSpellingsCountsAsOneAgent() {
    // before canonical keys, an agent kept one target per spelling its clients used
    List<UnprotectedTargets.Target> found =
        UnprotectedTargets.find(
            List.of(
                agent(
                    "old",
                    new AgentStatus.TargetStats("[::1]:8443", 100, 10, 50.0, null),
                    new AgentStatus.TargetStats("[0:0:0:0:0:0:0:1]:8443", 20, 2, 90.0, null))),
            breakers("[]"));
    assertThat(found).hasSize(1);
    assertThat(found.get(0).callsPerMinute()).isEqualTo(120);
    assertThat(found.get(0).agents()).isEqualTo(1);
  }

  @Test
  void splitsHostAndPort() {
    assertThat(UnprotectedTargets.split("a:1")).containsExactly("a", "1");
    assertThat(UnprotectedTargets.split("[::1]:80")).containsExactly("::1", "80");
    assertThat(UnprotectedTargets.split("noport")).isNull();
    assertThat(UnprotectedTargets.split("a:")).isNull();
    assertThat(UnprotectedTargets.split("a:x1")).isNull();
  }

  /** A rule document of the service orders with {@code breakers}, as JSON text. */
  private static String ordersDocumentWith(List<?> breakers) {
    return JsonMapper.builder()
        .build()
        .writeValueAsString(
            Map.of(
                "schemaVersion",
                1,
                "service",
                "orders",
                "sampling",
                Map.of("defaultRatio", 1),
                "breakers",
                breakers));
  }

  @Test
  void countsTheAgentsThatLeftTargetsOutOfTheirReports() {
    AgentStatus complete =
        agent("orders-1", new AgentStatus.TargetStats("warehouse:9000", 100, 1, 50.0, null));
    AgentStatus capped =
        new AgentStatus(
            "orders-2",
            "orders",
            "h",
            1,
            null,
            null,
            null,
            "etcd",
            5,
            null,
            List.of(),
            List.of(new AgentStatus.TargetStats("warehouse:9000", 100, 1, 50.0, null)),
            0,
            7);
    AgentStatus alsoCapped = capped.withLists(null, List.of(), 0, List.of(), 2);

    assertThat(UnprotectedTargets.Reports.of(List.of(complete, capped, alsoCapped)))
        .isEqualTo(new UnprotectedTargets.Reports(3, 2, 9));
    assertThat(UnprotectedTargets.Reports.of(List.of(complete)))
        .isEqualTo(new UnprotectedTargets.Reports(1, 0, 0));
  }
}
