package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.AgentStatusCodec;
import io.sluice.testing.etcd.EtcdExtension;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * A control plane that starts on an etcd holding more than one gRPC answer may carry (4 MiB by
 * default, 16 MiB as the control plane builds its client) under each prefix it reads whole: 1 600
 * agent statuses of 3 KB, 270 rule documents of 200 KB, 201 history entries of 90 KB of one
 * service. It serves all of them. Everything is written with jetcd first, as another control plane
 * and the agents would have, then the control plane starts: its first reads are what used to fail.
 */
class LargeRangesIT {

  static final String WRITER = "writer-token-0000000002";
  static final int AGENTS = 1_600;
  static final int SERVICES = 270;
  static final int HISTORY = 201;

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  static RunningControlPlane controlPlane;

  /** The first answer of {@code /actuator/health}, asked for as soon as the start returned. */
  static ApiClient.Answer firstHealth;

  @BeforeAll
  static void fillEtcdThenStart() throws Exception {
    long started = System.nanoTime();
    try (Client jetcd = Client.builder().endpoints(etcd.endpoint()).build()) {
      List<Map.Entry<String, String>> agents = new ArrayList<>();
      for (int i = 0; i < AGENTS; i++) {
        String service = "fleet-" + (i % 8);
        String instance = "instance-" + i;
        agents.add(
            Map.entry("/sluice/v1/agents/" + service + "/" + instance, agent(service, instance)));
      }
      assertThat(agents.get(0).getValue().length()).isBetween(2_800, 3_500);
      putAll(jetcd, agents, 100);

      List<Map.Entry<String, String>> rules = new ArrayList<>();
      for (int i = 0; i < SERVICES; i++) {
        String service = "big-" + i;
        rules.add(Map.entry("/sluice/v1/rules/" + service, document(service, 200_000)));
      }
      putAll(jetcd, rules, 5);

      List<Map.Entry<String, String>> history = new ArrayList<>();
      String entry =
          """
          {"revision":0,"service":"chronicle","action":"put","author":"writer",\
          "time":"2026-01-01T00:00:00Z","comment":null,"rollbackOf":null,"document":%s}"""
              .formatted(document("chronicle", 90_000));
      for (int revision = 1; revision <= HISTORY; revision++) {
        history.add(
            Map.entry(
                "/sluice/v1/history/chronicle/" + String.format(Locale.ROOT, "%020d", revision),
                entry));
      }
      putAll(jetcd, history, 10);
    }
    System.out.printf("filled etcd in %d ms%n", (System.nanoTime() - started) / 1_000_000);
    started = System.nanoTime();
    controlPlane =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints", etcd.endpoint(),
                // also how long the start waits for the first reads (FirstReadGate): the rules
                // range is 54 MB, whose read and parsing took over 8 s once beside the build's
                // other tests, so the port opened before it and the first health was DOWN
                "sluice.etcd.timeout", "30s",
                "sluice.security.open-reads", "true",
                "sluice.security.tokens.writer.token", WRITER,
                "sluice.security.tokens.writer.role", "writer"));
    firstHealth = controlPlane.api().get("/actuator/health", null);
    System.out.printf(
        "control plane started in %d ms%n", (System.nanoTime() - started) / 1_000_000);
  }

  @AfterAll
  static void stop() {
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void listsEveryAgentFromTheFirstRequestOn() {
    ApiClient.Answer agents = controlPlane.api().get("/api/v1/agents", null);
    assertThat(agents.status()).isEqualTo(200);
    assertThat(agents.json().size()).isEqualTo(AGENTS);
    assertThat(controlPlane.api().get("/api/v1/agents?service=fleet-3", null).json().size())
        .isEqualTo(AGENTS / 8);
  }

  /**
   * Both mirrors (agents, rules) are read before the port opens. The rules watch read its range
   * only after the web server had started, so the first requests met health DOWN ({@code watches}:
   * the rules not read yet) for as long as that read took, the longer the larger the range or the
   * busier the machine (the range here takes a few hundred ms to read).
   */
  @Test
  void isHealthyFromTheFirstRequestOn() {
    assertThat(firstHealth.status()).as(firstHealth.body()).isEqualTo(200);
    JsonNode watches = firstHealth.json().get("components").get("watches");
    assertThat(watches.get("status").asString()).isEqualTo("UP");
  }

  @Test
  void listsEveryServiceWithItsDocumentAndAgents() {
    ApiClient.Answer services = controlPlane.api().get("/api/v1/services", null);
    assertThat(services.status()).isEqualTo(200);
    List<String> names = new ArrayList<>();
    services.json().forEach(s -> names.add(s.get("service").asString()));
    assertThat(names)
        .containsAll(IntStream.range(0, SERVICES).mapToObj(i -> "big-" + i).toList())
        .containsAll(IntStream.range(0, 8).mapToObj(i -> "fleet-" + i).toList());
    services
        .json()
        .forEach(
            s -> {
              if (s.get("service").asString().startsWith("fleet-")) {
                assertThat(s.get("agents").get("total").asInt()).isEqualTo(AGENTS / 8);
              } else if (s.get("service").asString().startsWith("big-")) {
                assertThat(s.get("revision").asLong()).isPositive();
              }
            });
  }

  @Test
  void sendsARulesEventForAChangeMadeAfterTheStart() {
    ApiClient api = controlPlane.api();
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    var stream =
        api.http()
            .sendAsync(
                HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/events")).build(),
                HttpResponse.BodyHandlers.ofLines())
            .thenAccept(r -> r.body().forEach(events::add));
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> events.stream().anyMatch(l -> l.equals("event:ready")));
      ApiClient.Answer put =
          api.put(
              "/api/v1/services/late/rules",
              WRITER,
              ControlPlaneApiIT.document(null, 0.5, "late"),
              Map.of());
      assertThat(put.status()).isEqualTo(200);
      long revision = put.json().get("revision").asLong();
      EventLines.awaitLineWith(events, "\"service\":\"late\"", "\"revision\":" + revision);
    } finally {
      stream.cancel(true);
    }
  }

  /**
   * 201 entries of 90 KB (18 MB): a page of 200 asked for ends once its entries take 4 MiB, and
   * following {@code next} lists every entry once, newest first. Before, the page held all 200,
   * read into the control plane's memory at once, and up to 51 MB with the largest documents.
   */
  @Test
  void pagesThroughAHistoryOfLargeEntriesInPagesOfBoundedSize() {
    String path = "/api/v1/services/chronicle/rules/history";
    ApiClient.Answer first = controlPlane.api().get(path + "?limit=200", null);
    assertThat(first.status()).isEqualTo(200);
    JsonNode entries = first.json().get("entries");
    assertThat(entries.size()).isBetween(40, 50);
    assertThat(first.body().length()).isLessThan(5 * 1024 * 1024);
    assertThat(entries.get(0).get("revision").asLong()).isEqualTo(HISTORY);
    assertThat(entries.get(0).get("document").get("sampling").get("rules").size())
        .isGreaterThan(100);
    long next = first.json().get("next").asLong();
    assertThat(next).isEqualTo(entries.get(entries.size() - 1).get("revision").asLong());

    // without documents, the same page is a small fraction of that: who changed what and when
    ApiClient.Answer summaries = controlPlane.api().get(path + "?limit=200&documents=false", null);
    assertThat(summaries.json().get("entries").size()).isEqualTo(entries.size());
    assertThat(summaries.json().get("next").asLong()).isEqualTo(next);
    assertThat(summaries.json().get("entries").get(0).has("document")).isFalse();
    assertThat(summaries.body().length()).isLessThan(first.body().length() / 20);

    List<Long> revisions = new ArrayList<>();
    entries.forEach(e -> revisions.add(e.get("revision").asLong()));
    int pages = 1;
    Long before = next;
    while (before != null) {
      JsonNode page = controlPlane.api().get(path + "?limit=200&before=" + before, null).json();
      assertThat(page.get("entries").size()).isBetween(1, 50);
      page.get("entries").forEach(e -> revisions.add(e.get("revision").asLong()));
      before = page.get("next").isNull() ? null : page.get("next").asLong();
      pages++;
    }
    assertThat(revisions)
        .isEqualTo(
            IntStream.rangeClosed(1, HISTORY).mapToObj(r -> (long) (HISTORY + 1 - r)).toList());
    assertThat(pages).isBetween(5, 6);
  }

  /** An agent status of about 3 KB. */
  static String agent(String service, String instance) {
    List<AgentStatus.TargetStats> targets = new ArrayList<>();
    for (int t = 0; t < 17; t++) {
      targets.add(
          new AgentStatus.TargetStats(
              "backend-" + t + ".example:8080", 120, 1, 80.0, null, 120L, 1L));
    }
    return AgentStatusCodec.write(
        new AgentStatus(
            instance,
            service,
            "host-" + instance,
            4242,
            new AgentStatus.Versions("0.1.0", "1.65.0", "17"),
            Instant.parse("2026-01-01T00:00:00Z"),
            Instant.parse("2026-01-01T00:00:10Z"),
            "etcd",
            7,
            null,
            List.of(
                new AgentStatus.BreakerState("payments", "payments:8080", "CLOSED", 0, 0, false)),
            targets));
  }

  /** A valid rule document of about {@code size} bytes: many sampling rules. */
  static String document(String service, int size) {
    StringBuilder rules = new StringBuilder();
    for (int i = 0; rules.length() < size; i++) {
      if (i > 0) {
        rules.append(',');
      }
      rules.append(
          String.format(
              Locale.ROOT,
              """
              {"name":"rule-%05d","match":{"spanName":"GET /path/%05d/**"},"ratio":0.5}""",
              i,
              i));
    }
    return """
        {"schemaVersion":1,"service":"%s","sampling":{"defaultRatio":0.1,"rules":[%s]}}"""
        .formatted(service, rules);
  }

  /** Puts key → value in transactions of {@code batch}. */
  static void putAll(Client jetcd, List<Map.Entry<String, String>> entries, int batch)
      throws Exception {
    for (int from = 0; from < entries.size(); from += batch) {
      List<Op> ops = new ArrayList<>();
      for (Map.Entry<String, String> e :
          entries.subList(from, Math.min(entries.size(), from + batch))) {
        ops.add(Op.put(bytes(e.getKey()), bytes(e.getValue()), PutOption.DEFAULT));
      }
      jetcd.getKVClient().txn().Then(ops.toArray(Op[]::new)).commit().get(10, TimeUnit.SECONDS);
    }
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
