package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.PutOption;
import io.sluice.controlplane.agents.TestAgentStatuses;
import io.sluice.rules.RuleCodec;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.AgentStatusCodec;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.etcd.EtcdKv;
import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.logging.LogCapture;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The REST API end to end: the real control plane on a random port, a real etcd, real HTTP. One
 * Spring context for the whole class; every test uses its own service names.
 */
class ControlPlaneApiIT {

  static final String READER = "reader-token-0000000001";
  static final String WRITER = "writer-token-0000000002";
  static final String ADMIN = "admin-token-00000000003";
  // sha256("admin-token-00000000003")
  static final String ADMIN_SHA256 =
      "f4a1aa3e325b934c77bf7eb703b5c43f041b3da60789fbd70e3599bff323b37f";

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  static RunningControlPlane controlPlane;
  static Client jetcd;

  @BeforeAll
  static void start() {
    jetcd = Client.builder().endpoints(etcd.endpoint()).build();
    controlPlane =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints",
                etcd.endpoint(),
                // generous: the build machine may be very busy; the outage test waits this long
                "sluice.etcd.timeout",
                "8s",
                "sluice.security.tokens.reader.token",
                READER,
                "sluice.security.tokens.reader.role",
                "reader",
                "sluice.security.tokens.writer.token",
                WRITER,
                "sluice.security.tokens.writer.role",
                "writer",
                // the admin token is configured by its hash only
                "sluice.security.tokens.root.token-sha256",
                ADMIN_SHA256,
                "sluice.security.tokens.root.role",
                "admin"));
  }

  @AfterAll
  static void stop() {
    if (controlPlane != null) {
      controlPlane.close();
    }
    jetcd.close();
  }

  ApiClient api() {
    return controlPlane.api();
  }

  static String document(String service, double ratio, String ruleName) {
    return """
        {"schemaVersion": 1, %s
         "sampling": {"defaultRatio": %s,
           "rules": [{"name": "%s", "match": {"spanName": "GET /health*"}, "ratio": 0.0},
                     {"name": "checkout", "match": {"spanKind": "SERVER",
                        "attributes": {"url.path": "/checkout/**"}}, "ratio": 1.0, \
        "maxPerSecond": 100}]},
         "breakers": [{"name": "payments", "match": {"host": "payments*", "port": 8080},
                       "onOpen": {"mode": "response", "status": 503}}]}
        """
        .formatted(service == null ? "" : "\"service\": \"" + service + "\",", ratio, ruleName);
  }

  /**
   * Past the 1000 problems listed one by one, the last one counts the rest: the detail counts every
   * problem found, not the entries listed.
   */
  @Test
  void theDetailOfADocumentWithMoreProblemsThanListedCountsThemAll() {
    String codes = String.join(",", java.util.Collections.nCopies(1500, "1"));
    ApiClient.Answer refused =
        api()
            .put(
                "/api/v1/services/many-problems/rules",
                WRITER,
                "{\"schemaVersion\": 1, \"breakers\": [{\"name\": \"b\", \"match\": {\"host\":"
                    + " \"h\"}, \"failureStatusCodes\": ["
                    + codes
                    + "]}]}",
                Map.of());

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().get("errors").size()).isEqualTo(1001);
    assertThat(refused.json().get("detail").asString()).isEqualTo("the document has 1500 errors");
    // a number for clients to show, so none reads it back from the detail or the last message
    assertThat(refused.json().get("problemCount").asInt()).isEqualTo(1500);
  }

  /**
   * An entry left out because it cannot be read still takes a place in the page read from etcd: a
   * page it makes short must still lead on to the entries below it, or paging stops there.
   */
  @Test
  void anUnreadableHistoryEntryDoesNotEndPagingThroughTheEntriesBelowIt() throws Exception {
    ApiClient api = api();
    String path = "/api/v1/services/paged-past-unreadable/rules";
    List<Long> written = writeVersions(api, path, 5);
    long unreadable = written.get(2);
    spoilHistoryEntry("paged-past-unreadable", unreadable);

    List<Long> paged = new ArrayList<>();
    Long before = null;
    for (int pages = 0; pages < 10; pages++) {
      JsonNode page =
          api.get(path + "/history?limit=1" + (before == null ? "" : "&before=" + before), READER)
              .json();
      paged.addAll(historyRevisions(page));
      before = page.get("next").isNull() ? null : page.get("next").asLong();
      if (before == null) {
        break;
      }
    }

    List<Long> expected = new ArrayList<>(written);
    expected.remove(Long.valueOf(unreadable));
    java.util.Collections.reverse(expected);
    assertThat(paged).containsExactlyElementsOf(expected);
  }

  /**
   * The last page ends the paging even when entries left out (unreadable) made it short: with no
   * keys below them, its {@code next} is null, not the revision of one of them (which led to one
   * more page, empty).
   */
  @Test
  void aPageShortenedByUnreadableEntriesAtTheBottomIsTheLast() {
    ApiClient api = api();
    String service = "unreadable-at-the-bottom";
    String path = "/api/v1/services/" + service + "/rules";
    List<Long> written = writeVersions(api, path, 5);
    // the oldest: a page of four is read with one key more, the last one, which is unreadable
    spoilHistoryEntry(service, written.get(0));

    JsonNode page = api.get(path + "/history?limit=4", READER).json();
    assertThat(historyRevisions(page))
        .containsExactly(written.get(4), written.get(3), written.get(2), written.get(1));
    assertThat(page.get("next").isNull()).as("next of %s", page).isTrue();
  }

  /**
   * Unreadable entries below a full page are read past at once: the page leads on only to entries
   * there are. With the two oldest unreadable, a page of four read one key into them, and led on to
   * one more page, empty; one unreadable in the middle of the read is read past to the entry below.
   */
  @Test
  void unreadableEntriesBelowAPageAreReadPastNotLedOnTo() {
    ApiClient api = api();
    String service = "unreadable-below-a-page";
    String path = "/api/v1/services/" + service + "/rules";
    List<Long> written = writeVersions(api, path, 7);
    spoilHistoryEntry(service, written.get(0));
    spoilHistoryEntry(service, written.get(1));

    JsonNode last = api.get(path + "/history?limit=5", READER).json();
    assertThat(historyRevisions(last))
        .containsExactly(
            written.get(6), written.get(5), written.get(4), written.get(3), written.get(2));
    assertThat(last.get("next").isNull()).as("next after %s", historyRevisions(last)).isTrue();

    spoilHistoryEntry(service, written.get(3));
    JsonNode first = api.get(path + "/history?limit=3", READER).json();
    assertThat(historyRevisions(first))
        .containsExactly(written.get(6), written.get(5), written.get(4));
    assertThat(first.get("next").asLong()).isEqualTo(written.get(4));
    JsonNode second = api.get(path + "/history?limit=3&before=" + written.get(4), READER).json();
    assertThat(historyRevisions(second)).containsExactly(written.get(2));
    assertThat(second.get("next").isNull()).as("next after %s", historyRevisions(second)).isTrue();
  }

  /**
   * A page reads on past at most 256 unreadable keys: past them it leads on below the lowest it
   * read, as a page of them would, rather than reading a history unreadable all the way down (one a
   * newer control plane wrote) whole for one page; the next page goes on from there.
   */
  @Test
  void aPageReadsOnPastABoundedNumberOfUnreadableKeysThenLeadsOn() {
    ApiClient api = api();
    String service = "unreadable-stretch";
    String path = "/api/v1/services/" + service + "/rules";
    long bottom = writeVersions(api, path, 1).get(0);
    for (int i = 1; i <= 300; i++) {
      spoilHistoryEntry(service, bottom + i);
    }
    long top =
        api.put(path, WRITER, document(null, 0.5, "top"), Map.of()).json().get("revision").asLong();
    assertThat(top).isGreaterThan(bottom + 300);

    JsonNode first = api.get(path + "/history?limit=1", READER).json();
    assertThat(historyRevisions(first)).containsExactly(top);
    long next = first.get("next").asLong();
    assertThat(next).as("led on below the keys read").isGreaterThan(bottom).isLessThan(top);
    JsonNode second = api.get(path + "/history?limit=1&before=" + next, READER).json();
    assertThat(historyRevisions(second)).containsExactly(bottom);
    assertThat(second.get("next").isNull()).as("next after %s", historyRevisions(second)).isTrue();
  }

  /**
   * A page whose entries are large and unreadable reads on past its 4 MiB to the readable entry
   * below them: a page that ends at its bytes holds at least one entry. Without that, the page came
   * back empty with a next, which the web UI shows as a service without history. The readable entry
   * is an older one, not the journal's latest change (which a page adds whatever it read).
   */
  @Test
  void aPageOfLargeUnreadableEntriesReadsOnPastItsBytesToAReadableOne() throws Exception {
    ApiClient api = api();
    String service = "unreadable-and-large";
    String path = "/api/v1/services/" + service + "/rules";
    long bottom = writeVersions(api, path, 1).get(0);
    String large = "{\"not\": \"an entry\", \"pad\": \"" + "x".repeat(600_000) + "\"";
    for (int i = 1; i <= 10; i++) {
      jetcd
          .getKVClient()
          .put(
              bytes(
                  "/sluice/v1/history/"
                      + service
                      + "/"
                      + String.format(Locale.ROOT, "%020d", bottom + i)),
              ByteSequence.from(large, StandardCharsets.UTF_8))
          .get(10, TimeUnit.SECONDS);
    }
    long latest =
        api.put(path, WRITER, document(null, 0.5, "latest"), Map.of())
            .json()
            .get("revision")
            .asLong();
    assertThat(latest).isGreaterThan(bottom + 10);

    JsonNode page = api.get(path + "/history?limit=1&before=" + latest, READER).json();

    assertThat(historyRevisions(page)).containsExactly(bottom);
    assertThat(page.get("next").isNull()).as("next after %s", historyRevisions(page)).isTrue();
  }

  /**
   * Keys written around the API under a service's history prefix that sort above every revision key
   * (letters after digits) are not read as the newest entries: they filled the first page, which
   * then held only the journal's newest entry and no next page, hiding the rest of the history.
   */
  @Test
  void strayKeysAboveTheRevisionsDoNotHideTheHistory() throws Exception {
    ApiClient api = api();
    String path = "/api/v1/services/stray-history-keys/rules";
    List<Long> written = writeVersions(api, path, 3);
    for (int i = 0; i < 3; i++) {
      jetcd
          .getKVClient()
          .put(
              ByteSequence.from(
                  "/sluice/v1/history/stray-history-keys/notes-" + i, StandardCharsets.UTF_8),
              ByteSequence.from("a note", StandardCharsets.UTF_8))
          .get(5, TimeUnit.SECONDS);
    }
    JsonNode page = api.get(path + "/history?limit=2", READER).json();
    assertThat(historyRevisions(page)).containsExactly(written.get(2), written.get(1));
    assertThat(page.get("next").asLong()).isEqualTo(written.get(1));
  }

  @Test
  void anEntryANewerControlPlaneWroteIsLeftOutOfTheHistoryAndStopsNoWrite() throws Exception {
    ApiClient api = api();
    String path = "/api/v1/services/upgrading/rules";
    long r1 =
        api.put(path, WRITER, document(null, 0.1, "a"), Map.of()).json().get("revision").asLong();
    long r2 =
        api.put(path, WRITER, document(null, 0.2, "b"), Map.of()).json().get("revision").asLong();
    // a newer control plane's change: an action this version does not know, in the journal (its
    // history key not written yet, as right after its transaction)
    ByteSequence journalKey = bytes("/sluice/v1/journal/upgrading");
    String entry = storedValue("/sluice/v1/journal/upgrading");
    // an action this version does not know, with a hidden character its parse error repeats
    String newer = entry.replace("\"action\":\"put\"", "\"action\":\"imp\\u202eort\"");
    assertThat(newer).isNotEqualTo(entry);
    long rNewer =
        jetcd
            .getKVClient()
            .put(
                journalKey,
                ByteSequence.from(newer, StandardCharsets.UTF_8),
                PutOption.builder().withPrevKV().build())
            .get(5, TimeUnit.SECONDS)
            .getHeader()
            .getRevision();

    try (LogCapture log = LogCapture.of(io.sluice.controlplane.history.HistoryStore.class)) {
      assertThat(historyRevisions(api.get(path + "/history", READER).json()))
          .containsExactly(r2, r1);
      // asked for by its revision, the entry is there but unreadable: a conflict, not a 404
      assertThat(api.get(path + "/history/" + rNewer, READER).status()).isEqualTo(409);
      assertThat(log.messages()).hasSize(1);
      assertThat(log.messages().get(0))
          .contains(
              "/sluice/v1/journal/upgrading", "cannot be read and is left out of the history");
      // one line, hidden characters escaped, as every message that repeats stored text
      assertThat(log.messages().get(0)).doesNotContain("\n", "\u202e").contains("\\u202e");
    }

    // the write copies the entry it cannot read to its history key as it is but for its revision
    // (the journal's copy has none), its unknown action kept, and goes through
    ApiClient.Answer written = api.put(path, WRITER, document(null, 0.3, "c"), Map.of());
    assertThat(written.status()).isEqualTo(200);
    long r3 = written.json().get("revision").asLong();
    String copied =
        storedValue("/sluice/v1/history/upgrading/" + String.format(Locale.ROOT, "%020d", rNewer));
    assertThat(newer).startsWith("{\"revision\":0,");
    // the same JSON (its escapes may be written otherwise) with the revision set
    JsonMapper json = JsonMapper.builder().build();
    assertThat(json.readTree(copied))
        .isEqualTo(
            json.readTree(newer.replace("{\"revision\":0,", "{\"revision\":" + rNewer + ",")));
    assertThat(json.readTree(copied).get("action").asString()).isEqualTo("imp\u202eort");
    assertThat(historyRevisions(api.get(path + "/history", READER).json()))
        .containsExactly(r3, r2, r1);
  }

  /**
   * A history entry that is stored but that this version cannot read (written around the API, or by
   * a newer control plane) is there: asked for by its revision, or rolled back to, it answers 409
   * saying so, not a 404 that would tell the client no such version exists.
   */
  @Test
  void aStoredHistoryEntryThisVersionCannotReadIsAConflictNotMissing() {
    ApiClient api = api();
    String path = "/api/v1/services/unreadable-entry/rules";
    long r1 =
        api.put(path, WRITER, document(null, 0.1, "a"), Map.of()).json().get("revision").asLong();
    long r2 =
        api.put(path, WRITER, document(null, 0.2, "b"), Map.of()).json().get("revision").asLong();
    spoilHistoryEntry("unreadable-entry", r1);

    ApiClient.Answer read = api.get(path + "/history/" + r1, READER);
    assertThat(read.status()).isEqualTo(409);
    assertThat(read.header("Content-Type")).startsWith("application/problem+json");
    assertThat(read.json().get("type").asString())
        .isEqualTo("urn:sluice:problem:history-entry-unreadable");
    assertThat(read.json().get("revision").asLong()).isEqualTo(r1);
    assertThat(read.json().get("detail").asString())
        .contains("unreadable-entry at revision " + r1, "cannot read it")
        .doesNotContain("an entry");

    ApiClient.Answer rollback = api.post(path + "/rollback?to=" + r1, WRITER, null);
    assertThat(rollback.status()).isEqualTo(409);
    assertThat(rollback.json().get("type").asString())
        .isEqualTo("urn:sluice:problem:history-entry-unreadable");
    assertThat(api.get(path, READER).header("ETag")).isEqualTo("\"" + r2 + "\"");
    // a revision with no entry at all is still missing
    assertThat(api.get(path + "/history/" + (r2 + 1_000_000), READER).status()).isEqualTo(404);

    // the service's name is quoted with hidden characters escaped, as every detail quotes text
    etcd.server()
        .put("/sluice/v1/history/hid\u202eden/" + String.format(Locale.ROOT, "%020d", 1), "[]");
    ApiClient.Answer hidden = api.get("/api/v1/services/hid%E2%80%AEden/rules/history/1", READER);
    assertThat(hidden.status()).isEqualTo(409);
    assertThat(hidden.json().get("detail").asString())
        .contains("hid\\u202eden")
        .doesNotContain("\u202e");
    assertThat(
            documentedResponses(api, "get", "/api/v1/services/{service}/rules/history/{revision}")
                .has("409"))
        .as("the OpenAPI document lists 409 for GET history/{revision}")
        .isTrue();
  }

  /**
   * Each write copies the previous journal entry to its history key again (RuleStore's design
   * note): that changes nothing but the key's mod revision, so the entry keeps its revision, not
   * the journal's placeholder 0.
   */
  @Test
  void aLaterWriteLeavesAnEntrysStoredRevisionAsItWas() throws Exception {
    ApiClient api = api();
    String path = "/api/v1/services/stored-revisions/rules";
    List<Long> written = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      written.add(
          api.put(path, WRITER, document(null, i / 10.0, "r" + i), Map.of())
              .json()
              .get("revision")
              .asLong());
    }
    for (long revision : written) {
      String stored =
          storedValue(
              "/sluice/v1/history/stored-revisions/"
                  + String.format(Locale.ROOT, "%020d", revision));
      assertThat(stored)
          .as("history entry %s", revision)
          .contains("\"revision\":" + revision + ",");
    }
  }

  @Test
  void roundTripsCreateReadUpdateDeleteHistoryRollbackAndEvaluate() {
    ApiClient api = api();
    String path = "/api/v1/services/orders/rules";

    // create: the document leaves out "service"; the URL's is filled in
    ApiClient.Answer created =
        api.put(path, WRITER, document(null, 0.1, "drop-health"), Map.of("X-Sluice-Comment", "v1"));
    assertThat(created.status()).isEqualTo(200);
    long r1 = created.json().get("revision").asLong();
    assertThat(created.header("ETag")).isEqualTo("\"" + r1 + "\"");

    ApiClient.Answer read = api.get(path, READER);
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.header("ETag")).isEqualTo("\"" + r1 + "\"");
    assertThat(read.json().get("service").asString()).isEqualTo("orders");
    assertThat(read.json().get("sampling").get("defaultRatio").asDouble()).isEqualTo(0.1);

    // update with the right If-Match
    ApiClient.Answer updated =
        api.put(
            path,
            WRITER,
            document("orders", 0.2, "drop-health"),
            Map.of("If-Match", "\"" + r1 + "\""));
    assertThat(updated.status()).isEqualTo(200);
    long r2 = updated.json().get("revision").asLong();
    assertThat(r2).isGreaterThan(r1);

    // stale If-Match: 412, nothing written
    ApiClient.Answer stale =
        api.put(
            path,
            WRITER,
            document("orders", 0.9, "drop-health"),
            Map.of("If-Match", "\"" + r1 + "\""));
    assertThat(stale.status()).isEqualTo(412);
    assertThat(stale.header("Content-Type")).startsWith("application/problem+json");
    assertThat(stale.json().get("type").asString()).isEqualTo("urn:sluice:problem:stale-revision");
    assertThat(stale.json().get("currentRevision").asLong()).isEqualTo(r2);
    assertThat(stale.body()).doesNotContain("drop-health");
    assertThat(api.get(path, READER).header("ETag")).isEqualTo("\"" + r2 + "\"");

    // invalid: every error with its path, nothing written
    ApiClient.Answer invalid =
        api.put(
            path,
            WRITER,
            """
            {"schemaVersion": 1, "service": "orders",
             "sampling": {"defaultRatio": 1.5},
             "breakers": [{"name": "b", "slidingWindow": {"type": "COUNT", "size": 0}}]}
            """,
            Map.of());
    assertThat(invalid.status()).isEqualTo(400);
    assertThat(invalid.json().get("type").asString()).isEqualTo("urn:sluice:problem:invalid-rules");
    List<String> paths = new ArrayList<>();
    invalid.json().get("errors").forEach(e -> paths.add(e.get("path").asString()));
    assertThat(paths)
        .contains("$.sampling.defaultRatio", "$.breakers[0].slidingWindow.size")
        .hasSizeGreaterThanOrEqualTo(2);
    List<String> pointers = new ArrayList<>();
    invalid.json().get("errors").forEach(e -> pointers.add(e.get("pointer").asString()));
    assertThat(pointers).contains("/sampling/defaultRatio", "/breakers/0/slidingWindow/size");
    assertThat(invalid.body()).doesNotContain("Exception").doesNotContain("at io.");

    // a document naming another service is invalid too
    ApiClient.Answer otherService = api.put(path, WRITER, document("payments", 0.2, "x"), Map.of());
    assertThat(otherService.status()).isEqualTo(400);
    assertThat(otherService.json().get("errors").get(0).get("path").asString())
        .isEqualTo("$.service");
    assertThat(api.get(path, READER).header("ETag")).isEqualTo("\"" + r2 + "\"");

    // evaluate: span and call, with the agents' matchers
    JsonNode span =
        api.post(
                path + "/evaluate",
                READER,
                """
                {"span": {"name": "POST /checkout", "kind": "SERVER",
                          "attributes": {"url.path": "/checkout/cart/1"}}}
                """)
            .json();
    assertThat(span.get("name").asString()).isEqualTo("checkout");
    assertThat(span.get("revision").asLong()).isEqualTo(r2);
    assertThat(span.get("decision").get("ratio").asDouble()).isEqualTo(1.0);
    assertThat(span.get("decision").get("maxPerSecond").asInt()).isEqualTo(100);
    JsonNode noRule =
        api.post(path + "/evaluate", READER, "{\"span\": {\"name\": \"GET /orders\"}}").json();
    assertThat(noRule.get("name").isNull()).isTrue();
    assertThat(noRule.get("decision").get("ratio").asDouble()).isEqualTo(0.2);
    JsonNode call =
        api.post(
                path + "/evaluate",
                READER,
                "{\"call\": {\"method\": \"POST\", \"url\": \"http://payments-2:8080/pay\"}}")
            .json();
    assertThat(call.get("name").asString()).isEqualTo("payments");
    assertThat(call.get("decision").get("onOpen").get("mode").asString()).isEqualTo("response");
    assertThat(call.get("decision").get("key").asString()).isEqualTo("payments-2:8080");
    JsonNode unguarded =
        api.post(path + "/evaluate", READER, "{\"call\": {\"url\": \"http://inventory:8080/\"}}")
            .json();
    assertThat(unguarded.get("name").isNull()).isTrue();
    assertThat(unguarded.get("decision").isNull()).isTrue();
    assertThat(api.post(path + "/evaluate", READER, "{}").status()).isEqualTo(400);
    // inputs longer than a dry run takes are refused, each named; at the limit they are answered
    String tooLongName = "a".repeat(8193);
    ApiClient.Answer tooLong =
        api.post(
            path + "/evaluate",
            READER,
            "{\"span\": {\"name\": \""
                + tooLongName
                + "\", \"attributes\": {\"http.request.method\": \"GET\", \"url.path\": \""
                + "/".repeat(8193)
                + "\"}}}");
    assertThat(tooLong.status()).isEqualTo(400);
    assertThat(tooLong.json().get("detail").asString())
        .isEqualTo(
            "span.name, span.attributes['url.path'] are longer than a dry run takes: at most 8192"
                + " characters each");
    String longestUrl = "http://inventory:8080/" + "p".repeat(8192 - 22);
    assertThat(
            api.post(path + "/evaluate", READER, "{\"call\": {\"url\": \"" + longestUrl + "\"}}")
                .status())
        .isEqualTo(200);
    ApiClient.Answer tooLongUrl =
        api.post(path + "/evaluate", READER, "{\"call\": {\"url\": \"" + longestUrl + "p\"}}");
    assertThat(tooLongUrl.status()).isEqualTo(400);
    assertThat(tooLongUrl.json().get("detail").asString())
        .isEqualTo("call.url is longer than a dry run takes: at most 8192 characters each");
    // ... or against a posted draft, validated as a save would be and stored nowhere
    JsonNode draft =
        api.post(
                path + "/evaluate",
                READER,
                """
                {"span": {"name": "GET /orders"},
                 "document": {"schemaVersion": 1, "sampling": {"defaultRatio": 0.7,
                   "rules": [{"name": "all-orders", "match": {"spanName": "GET /orders"},
                              "ratio": 0.3}]}}}
                """)
            .json();
    assertThat(draft.get("draft").asBoolean()).isTrue();
    assertThat(draft.get("revision").isNull()).isTrue();
    assertThat(draft.get("source").asString()).isEqualTo("orders");
    assertThat(draft.get("name").asString()).isEqualTo("all-orders");
    assertThat(draft.get("decision").get("ratio").asDouble()).isEqualTo(0.3);
    assertThat(noRule.get("draft").asBoolean()).isFalse();
    ApiClient.Answer invalidDraft =
        api.post(
            path + "/evaluate",
            READER,
            "{\"span\": {\"name\": \"x\"}, \"document\": {\"schemaVersion\": 1,"
                + " \"service\": \"payments\", \"sampling\": {\"defaultRatio\": 2}}}");
    assertThat(invalidDraft.status()).isEqualTo(400);
    assertThat(invalidDraft.json().get("type").asString())
        .isEqualTo("urn:sluice:problem:invalid-rules");
    List<String> draftErrors = new ArrayList<>();
    invalidDraft.json().get("errors").forEach(e -> draftErrors.add(e.get("path").asString()));
    assertThat(draftErrors).contains("$.service", "$.sampling.defaultRatio");
    assertThat(api.get(path, READER).header("ETag")).isEqualTo("\"" + r2 + "\"");

    // delete, kept in history
    ApiClient.Answer deleted = api.delete(path, WRITER);
    assertThat(deleted.status()).isEqualTo(200);
    long r3 = deleted.json().get("revision").asLong();
    assertThat(api.get(path, READER).status()).isEqualTo(404);
    assertThat(api.delete(path, WRITER).status()).isEqualTo(404);

    JsonNode history = api.get(path + "/history", READER).json();
    List<Long> revisions = new ArrayList<>();
    history.get("entries").forEach(e -> revisions.add(e.get("revision").asLong()));
    assertThat(revisions).containsExactly(r3, r2, r1);
    JsonNode first = history.get("entries").get(2);
    assertThat(first.get("action").asString()).isEqualTo("put");
    assertThat(first.get("author").asString()).isEqualTo("writer");
    assertThat(first.get("comment").asString()).isEqualTo("v1");
    assertThat(first.get("time").asString()).isNotBlank();
    assertThat(history.get("entries").get(0).get("action").asString()).isEqualTo("delete");
    assertThat(history.get("entries").get(0).get("document").isNull()).isTrue();

    // paging
    JsonNode page1 = api.get(path + "/history?limit=2", READER).json();
    assertThat(page1.get("entries")).hasSize(2);
    long next = page1.get("next").asLong();
    JsonNode page2 = api.get(path + "/history?limit=2&before=" + next, READER).json();
    assertThat(page2.get("entries")).hasSize(1);
    assertThat(page2.get("entries").get(0).get("revision").asLong()).isEqualTo(r1);
    assertThat(page2.get("next").isNull()).isTrue();

    // without documents: the same entries and paging, each without its document field
    JsonNode summaries = api.get(path + "/history?limit=2&documents=false", READER).json();
    assertThat(summaries.get("next").asLong()).isEqualTo(next);
    assertThat(summaries.get("entries")).hasSize(2);
    assertThat(summaries.get("entries").get(1).get("revision").asLong()).isEqualTo(r2);
    assertThat(summaries.get("entries").get(1).get("author").asString()).isEqualTo("writer");
    summaries.get("entries").forEach(e -> assertThat(e.has("document")).as(e.toString()).isFalse());
    assertThat(
            api.get(path + "/history?documents=true", READER)
                .json()
                .get("entries")
                .get(1)
                .get("document")
                .isObject())
        .isTrue();
    ApiClient.Answer badFlag = api.get(path + "/history?documents=no", READER);
    assertThat(badFlag.status()).isEqualTo(400);
    assertThat(badFlag.json().get("detail").asString()).contains("?documents=");

    // one entry
    JsonNode entry = api.get(path + "/history/" + r1, READER).json();
    assertThat(entry.get("document").get("sampling").get("defaultRatio").asDouble()).isEqualTo(0.1);
    assertThat(api.get(path + "/history/" + (r3 + 1000), READER).status()).isEqualTo(404);

    // rollback to r1: a new revision holding r1's document
    assertThat(api.post(path + "/rollback?to=" + r3, WRITER, null).status()).isEqualTo(409);
    ApiClient.Answer rolledBack = api.post(path + "/rollback?to=" + r1, WRITER, null);
    assertThat(rolledBack.status()).isEqualTo(200);
    long r4 = rolledBack.json().get("revision").asLong();
    assertThat(r4).isGreaterThan(r3);
    ApiClient.Answer afterRollback = api.get(path, READER);
    assertThat(afterRollback.header("ETag")).isEqualTo("\"" + r4 + "\"");
    assertThat(afterRollback.json()).isEqualTo(entry.get("document"));
    JsonNode newest = api.get(path + "/history?limit=1", READER).json().get("entries").get(0);
    assertThat(newest.get("action").asString()).isEqualTo("rollback");
    assertThat(newest.get("rollbackOf").asLong()).isEqualTo(r1);

    // the history keys carry the revision of each change
    assertThat(etcd.server().revision()).isGreaterThanOrEqualTo(r4);
  }

  /**
   * A ticket is minted by the time its answer is written, as a write is committed: a 406 then would
   * hide a ticket that was issued all the same (and counts against the caller's unused tickets), so
   * the answer is JSON whatever {@code Accept} says; and a dry run's answer, which changes nothing,
   * is JSON or a 406 the OpenAPI document lists.
   */
  @Test
  void aTicketIsAnsweredAsJsonWhateverAcceptSaysAndEvaluateDocumentsIts406() {
    ApiClient api = api();
    ApiClient.Answer ticket =
        api.call(
            "POST", "/api/v1/events/tickets", READER, null, Map.of("Accept", "application/xml"));
    assertThat(ticket.status()).as(ticket.body()).isEqualTo(200);
    assertThat(ticket.header("Content-Type")).startsWith("application/json");
    assertThat(ticket.json().get("ticket").asString()).isNotBlank();

    ApiClient.Answer evaluate =
        api.call(
            "POST",
            "/api/v1/services/accept-evaluate/rules/evaluate",
            READER,
            "{\"span\": {\"name\": \"x\"}}",
            Map.of("Accept", "application/xml"));
    JsonNode responses =
        documentedResponses(api, "post", "/api/v1/services/{service}/rules/evaluate");
    assertThat(responses.has(String.valueOf(evaluate.status())))
        .as("evaluate answered %s, which the OpenAPI document lists", evaluate.status())
        .isTrue();
  }

  @Test
  void writesAnswerJsonWhateverAcceptSaysSinceTheyAreCommittedByThen() {
    ApiClient api = api();
    String path = "/api/v1/services/accepting/rules";
    ApiClient.Answer put =
        api.put(path, WRITER, document(null, 0.1, "a"), Map.of("Accept", "application/xml"));
    assertThat(put.status()).isEqualTo(200);
    assertThat(put.header("Content-Type")).startsWith("application/json");
    long r1 = put.json().get("revision").asLong();
    assertThat(
            api.put(path, WRITER, document(null, 0.2, "a"), Map.of("Accept", "text/plain"))
                .status())
        .isEqualTo(200);
    ApiClient.Answer rollback =
        api.call("POST", path + "/rollback?to=" + r1, WRITER, null, Map.of("Accept", "text/html"));
    assertThat(rollback.status()).isEqualTo(200);
    assertThat(rollback.header("Content-Type")).startsWith("application/json");
    ApiClient.Answer delete =
        api.call("DELETE", path, WRITER, null, Map.of("Accept", "application/yaml"));
    assertThat(delete.status()).isEqualTo(200);
    assertThat(delete.json().get("revision").asLong())
        .isGreaterThan(rollback.json().get("revision").asLong());
  }

  /**
   * A client that accepts only problem details ({@code Accept: application/problem+json}) is
   * answered every read's JSON alike, the rules too (they answered 406 while the history, the
   * services and the rest answered), and labeled as what it is, {@code application/json}: labeled a
   * problem document, a success reads as a failure. A problem is still a problem document.
   */
  @Test
  void readsAcceptingOnlyProblemDetailsAnswerTheirJsonLabeledAsJson() {
    ApiClient api = api();
    String path = "/api/v1/services/accept-problems/rules";
    long r1 =
        api.put(path, WRITER, document(null, 0.1, "a"), Map.of()).json().get("revision").asLong();
    Map<String, String> problemsOnly = Map.of("Accept", "application/problem+json");
    for (String url :
        List.of(
            path,
            path + "/history",
            path + "/history/" + r1,
            "/api/v1/services",
            "/api/v1/services/accept-problems/rollout",
            "/api/v1/services/accept-problems/unprotected",
            "/api/v1/agents",
            "/api/v1/whoami",
            "/api/v1/openapi.json")) {
      ApiClient.Answer answer = api.call("GET", url, READER, null, problemsOnly);
      assertThat(answer.status()).as(url).isEqualTo(200);
      assertThat(answer.header("Content-Type")).as(url).startsWith("application/json");
      assertThat(answer.json().has("type")).as(url).isFalse();
    }
    assertThat(api.call("GET", path, READER, null, problemsOnly).header("ETag"))
        .isEqualTo("\"" + r1 + "\"");
    ApiClient.Answer missing =
        api.call("GET", "/api/v1/services/accept-problems-none/rules", READER, null, problemsOnly);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.header("Content-Type")).startsWith("application/problem+json");
    assertThat(missing.json().get("type").asString()).isEqualTo("urn:sluice:problem:not-found");
  }

  @Test
  void readsWhoseAcceptAdmitsNoJsonAnswer406AsTheOpenApiDocumentSays() {
    ApiClient api = api();
    String path = "/api/v1/services/accept-reads/rules";
    long r1 =
        api.put(path, WRITER, document(null, 0.1, "a"), Map.of()).json().get("revision").asLong();
    Map<String, String> reads =
        Map.of(
            "/api/v1/whoami",
            "/api/v1/whoami",
            "/api/v1/openapi.json",
            "/api/v1/openapi.json",
            "/api/v1/services",
            "/api/v1/services",
            path,
            "/api/v1/services/{service}/rules",
            path + "/history",
            "/api/v1/services/{service}/rules/history",
            path + "/history/" + r1,
            "/api/v1/services/{service}/rules/history/{revision}",
            "/api/v1/services/accept-reads/rollout",
            "/api/v1/services/{service}/rollout",
            "/api/v1/services/accept-reads/unprotected",
            "/api/v1/services/{service}/unprotected",
            "/api/v1/agents",
            "/api/v1/agents");
    JsonNode paths = api.get("/api/v1/openapi.json", null).json().get("paths");
    reads.forEach(
        (url, documented) -> {
          ApiClient.Answer xml =
              api.call("GET", url, READER, null, Map.of("Accept", "application/xml"));
          assertThat(xml.status()).as(url).isEqualTo(406);
          assertThat(xml.json().get("type").asString())
              .as(url)
              .isEqualTo("urn:sluice:problem:not-acceptable");
          assertThat(
                  api.call("GET", url, READER, null, Map.of("Accept", "text/html, */*;q=0.1"))
                      .status())
              .as("%s with */* among the types", url)
              .isEqualTo(200);
          assertThat(paths.get(documented).get("get").get("responses").has("406"))
              .as("the OpenAPI document lists 406 for GET %s", documented)
              .isTrue();
        });
    // the rules' ETag makes a revalidation cheap
    assertThat(paths.get("/api/v1/services/{service}/rules").get("get").get("responses").has("304"))
        .as("the OpenAPI document lists 304 for GET rules")
        .isTrue();
    // the event stream is text/event-stream only
    ApiClient.Answer streamAsJson =
        api.call("GET", "/api/v1/events", READER, null, Map.of("Accept", "application/json"));
    assertThat(streamAsJson.status()).isEqualTo(406);
    assertThat(streamAsJson.json().get("type").asString())
        .isEqualTo("urn:sluice:problem:not-acceptable");
    assertThat(paths.get("/api/v1/events").get("get").get("responses").has("406"))
        .as("the OpenAPI document lists 406 for the event stream")
        .isTrue();
    // its HEAD too, which an uptime monitor may send with an Accept of its own
    assertThat(
            api.call("HEAD", "/api/v1/events", READER, null, Map.of("Accept", "application/json"))
                .status())
        .isEqualTo(406);
    assertThat(paths.get("/api/v1/events").get("head").get("responses").has("406"))
        .as("the OpenAPI document lists 406 for the event stream's HEAD")
        .isTrue();
  }

  @Test
  void putTakesJsonAndWhatPlainToolsSendButRefusesPatchesOtherTypesAndCharsets() throws Exception {
    ApiClient api = api();
    String path = "/api/v1/services/typed/rules";
    long current =
        api.put(path, WRITER, document(null, 0.1, "a"), Map.of()).json().get("revision").asLong();
    double ratio = 0.1;
    for (String accepted :
        List.of(
            "application/json; charset=UTF-8",
            "application/vnd.sluice.rules+json",
            "application/x-www-form-urlencoded",
            "text/plain")) {
      ratio += 0.1;
      ApiClient.Answer answer =
          api.put(path, WRITER, document(null, ratio, "a"), Map.of("Content-Type", accepted));
      assertThat(answer.status()).as(accepted).isEqualTo(200);
      current = answer.json().get("revision").asLong();
    }
    // no Content-Type at all, as some scripts send it
    HttpResponse<String> untyped =
        api.http()
            .send(
                HttpRequest.newBuilder(URI.create(api.base() + path))
                    .header("Authorization", "Bearer " + WRITER)
                    .PUT(HttpRequest.BodyPublishers.ofString(document(null, 0.7, "a")))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(untyped.request().headers().firstValue("Content-Type")).isEmpty();
    assertThat(untyped.statusCode()).isEqualTo(200);
    current =
        new ApiClient.Answer(untyped.statusCode(), untyped.headers(), untyped.body())
            .json()
            .get("revision")
            .asLong();

    Map<String, String> refused =
        Map.ofEntries(
            Map.entry("application/merge-patch+json", "patches"),
            Map.entry("application/json-patch+json", "patches"),
            Map.entry("application/yaml", "application/json"),
            Map.entry("application/xml", "application/json"),
            Map.entry("application/json; charset=ISO-8859-1", "UTF-8"),
            // no boundary: a multipart parse would fail before the handler (it answered 500)
            Map.entry("multipart/form-data", "application/json"),
            // no concrete type: Spring refused it while reading the body (it answered 500)
            Map.entry("*/*", "application/json"),
            Map.entry("application/*", "application/json"),
            Map.entry("text/*", "application/json"),
            Map.entry("application/*+json", "application/json"));
    for (Map.Entry<String, String> type : refused.entrySet()) {
      ApiClient.Answer answer =
          api.put(
              path,
              WRITER,
              "{\"schemaVersion\": 1, \"sampling\": {\"defaultRatio\": 0.5}}",
              Map.of("Content-Type", type.getKey()));
      assertThat(answer.status()).as(type.getKey()).isEqualTo(415);
      assertThat(answer.json().get("type").asString())
          .isEqualTo("urn:sluice:problem:unsupported-media-type");
      assertThat(answer.json().get("detail").asString())
          .as(type.getKey())
          .contains(type.getValue());
    }
    ApiClient.Answer stored = api.get(path, READER);
    assertThat(stored.header("ETag")).isEqualTo("\"" + current + "\"");
    assertThat(stored.json().get("breakers")).hasSize(1);
  }

  @Test
  void theSameDocumentAgainWritesNothingAndSaysSo() {
    ApiClient api = api();
    String path = "/api/v1/services/applied-on-deploy/rules";
    long r1 =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of()).json().get("revision").asLong();
    // the same rules, spelled differently: same canonical form
    ApiClient.Answer again =
        api.put(
            path,
            WRITER,
            document("applied-on-deploy", 0.30, "a").replace("\n", " "),
            Map.of("X-Sluice-Comment", "deploy 2"));
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().get("revision").asLong()).isEqualTo(r1);
    assertThat(again.json().get("unchanged").asBoolean()).isTrue();
    assertThat(again.header("ETag")).isEqualTo("\"" + r1 + "\"");
    assertThat(api.get(path + "/history", READER).json().get("entries")).hasSize(1);
    assertThat(api.get(path, READER).header("ETag")).isEqualTo("\"" + r1 + "\"");
    // a cache revalidates with the ETag: 304 while the rules are those, the rules once changed
    assertThat(
            api.call("GET", path, READER, null, Map.of("If-None-Match", "\"" + r1 + "\"")).status())
        .isEqualTo(304);
    assertThat(api.call("GET", path, READER, null, Map.of("If-None-Match", "\"1\"")).status())
        .isEqualTo(200);

    // a stale If-Match for the rules in force is answered as done (RFC 9110 13.1.1): a retry of a
    // save whose answer was lost ("whether it was made is unknown") is not told someone else
    // changed the rules; for other rules it is refused
    ApiClient.Answer retried =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of("If-Match", "\"1\""));
    assertThat(retried.status()).isEqualTo(200);
    assertThat(retried.body()).isEqualTo("{\"revision\":" + r1 + ",\"unchanged\":true}");
    assertThat(
            api.put(path, WRITER, document(null, 0.5, "a"), Map.of("If-Match", "\"1\"")).status())
        .isEqualTo(412);
    assertThat(api.get(path + "/history", READER).json().get("entries")).hasSize(1);
    // "must not exist" fails on any stored rules, the same ones too (RFC 9110 13.1.2)
    ApiClient.Answer exists =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of("If-None-Match", "*"));
    assertThat(exists.status()).isEqualTo(412);
    assertThat(exists.json().get("detail").asString()).contains("already exist");
    ApiClient.Answer both =
        api.put(
            path,
            WRITER,
            document(null, 0.4, "a"),
            Map.of("If-Match", "\"" + r1 + "\"", "If-None-Match", "*"));
    assertThat(both.status()).isEqualTo(412);
    assertThat(both.json().get("detail").asString()).contains("cannot both hold");

    ApiClient.Answer changed = api.put(path, WRITER, document(null, 0.4, "a"), Map.of());
    assertThat(changed.json().get("revision").asLong()).isGreaterThan(r1);
    assertThat(changed.json().has("unchanged")).isFalse();
    // a rollback to what is in force writes nothing either, and says so alike
    ApiClient.Answer rolledBack =
        api.post(path + "/rollback?to=" + changed.json().get("revision").asLong(), WRITER, null);
    assertThat(rolledBack.json().get("revision").asLong())
        .isEqualTo(changed.json().get("revision").asLong());
    assertThat(rolledBack.json().get("unchanged").asBoolean()).isTrue();
  }

  /**
   * A revision's ETag is its number as the server writes it: {@code "026"} (zero-padded, as history
   * keys are) is another tag and fails like a stale one instead of being read as 26, and {@code
   * "0"} is no revision, not "must not exist".
   */
  @Test
  void anETagMatchesOnlyInTheFormTheServerWritesIt() {
    ApiClient api = api();
    String path = "/api/v1/services/etag-form/rules";
    ApiClient.Answer zero =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of("If-Match", "\"0\""));
    assertThat(zero.status()).isEqualTo(412);
    assertThat(zero.json().get("currentRevision").asLong()).isZero();
    assertThat(api.get(path, READER).status()).isEqualTo(404);

    long r1 =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of()).json().get("revision").asLong();
    // in force: other rules than those of r1, so the rollback below would change them
    long r2 =
        api.put(path, WRITER, document(null, 0.5, "a"), Map.of()).json().get("revision").asLong();
    Map<String, String> padded = Map.of("If-Match", "\"0" + r2 + "\"");
    Map<String, ApiClient.Answer> refused = new java.util.LinkedHashMap<>();
    refused.put("put", api.put(path, WRITER, document(null, 0.4, "a"), padded));
    refused.put("delete", api.call("DELETE", path, WRITER, null, padded));
    refused.put("rollback", api.call("POST", path + "/rollback?to=" + r1, WRITER, null, padded));
    refused.forEach(
        (call, answer) -> {
          assertThat(answer.status()).as(call).isEqualTo(412);
          assertThat(answer.json().get("type").asString())
              .as(call)
              .isEqualTo("urn:sluice:problem:stale-revision");
          assertThat(answer.json().get("currentRevision").asLong()).as(call).isEqualTo(r2);
          assertThat(answer.json().get("detail").asString()).as(call).contains("leading zeros");
        });
    // nothing was written; a cache holding the padded tag is not told its copy is current
    assertThat(api.get(path, READER).header("ETag")).isEqualTo("\"" + r2 + "\"");
    assertThat(api.get(path + "/history", READER).json().get("entries")).hasSize(2);
    assertThat(
            api.call("GET", path, READER, null, Map.of("If-None-Match", "\"0" + r2 + "\""))
                .status())
        .isEqualTo(200);
    // a sign is no revision at all
    assertThat(
            api.put(path, WRITER, document(null, 0.4, "a"), Map.of("If-Match", "\"+" + r1 + "\""))
                .status())
        .isEqualTo(400);
  }

  /**
   * A weak tag names the same exact revision as the strong one (the tag is the revision, not a hash
   * of a representation), and a proxy that compresses answers (nginx's gzip) weakens the ETag it
   * passes on: a client echoing it back must be able to write, and a stale one still fails.
   */
  @Test
  void aWeakTagFromAProxyMatchesItsRevision() {
    ApiClient api = api();
    String path = "/api/v1/services/weak-etag/rules";
    long r1 =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of()).json().get("revision").asLong();
    ApiClient.Answer put =
        api.put(path, WRITER, document(null, 0.4, "a"), Map.of("If-Match", "W/\"" + r1 + "\""));
    assertThat(put.status()).as(put.body()).isEqualTo(200);
    long r2 = put.json().get("revision").asLong();

    ApiClient.Answer stale =
        api.put(path, WRITER, document(null, 0.5, "a"), Map.of("If-Match", "W/\"" + r1 + "\""));
    assertThat(stale.status()).isEqualTo(412);
    assertThat(stale.json().get("currentRevision").asLong()).isEqualTo(r2);
    assertThat(
            api.call("GET", path, READER, null, Map.of("If-None-Match", "W/\"" + r2 + "\""))
                .status())
        .isEqualTo(304);
    ApiClient.Answer delete =
        api.call("DELETE", path, WRITER, null, Map.of("If-Match", "W/\"" + r2 + "\""));
    assertThat(delete.status()).as(delete.body()).isEqualTo(200);
  }

  /**
   * RFC 9110 lets {@code If-Match} list tags, the condition holding if any one matches: a client
   * that saw several revisions (its own write and the read before it) may send them all. A list
   * none of whose tags matches fails as one stale tag does; {@code *} stands alone.
   */
  @Test
  void anIfMatchListHoldsWhenAnyOfItsTagsMatches() {
    ApiClient api = api();
    String path = "/api/v1/services/if-match-list/rules";
    long r1 =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of()).json().get("revision").asLong();
    long r2 =
        api.put(path, WRITER, document(null, 0.4, "a"), Map.of()).json().get("revision").asLong();

    ApiClient.Answer put =
        api.put(
            path,
            WRITER,
            document(null, 0.5, "a"),
            Map.of("If-Match", "\"" + r1 + "\", \"" + r2 + "\""));
    assertThat(put.status()).as(put.body()).isEqualTo(200);
    long r3 = put.json().get("revision").asLong();

    ApiClient.Answer stale =
        api.put(
            path,
            WRITER,
            document(null, 0.6, "a"),
            Map.of("If-Match", "\"" + r1 + "\", W/\"" + r2 + "\""));
    assertThat(stale.status()).isEqualTo(412);
    assertThat(stale.json().get("currentRevision").asLong()).isEqualTo(r3);
    assertThat(stale.json().get("detail").asString())
        .contains("none of the revisions If-Match names (" + r1 + ", " + r2 + ")");
    assertThat(api.get(path, READER).header("ETag")).isEqualTo("\"" + r3 + "\"");

    ApiClient.Answer starInAList =
        api.put(path, WRITER, document(null, 0.6, "a"), Map.of("If-Match", "*, \"" + r3 + "\""));
    assertThat(starInAList.status()).isEqualTo(400);
    assertThat(starInAList.json().get("detail").asString()).contains("* alone");

    ApiClient.Answer rollback =
        api.call(
            "POST",
            path + "/rollback?to=" + r1,
            WRITER,
            null,
            Map.of("If-Match", "\"" + r2 + "\", \"" + r3 + "\""));
    assertThat(rollback.status()).as(rollback.body()).isEqualTo(200);
    long r4 = rollback.json().get("revision").asLong();
    ApiClient.Answer delete =
        api.call("DELETE", path, WRITER, null, Map.of("If-Match", "\"" + r3 + "\",\"" + r4 + "\""));
    assertThat(delete.status()).as(delete.body()).isEqualTo(200);
    // on rules that are gone, a list fails as one tag does (the web UI relies on the 412)
    ApiClient.Answer gone =
        api.call(
            "DELETE", path, WRITER, null, Map.of("If-Match", "\"" + r3 + "\", \"" + r4 + "\""));
    assertThat(gone.status()).isEqualTo(412);
  }

  @Test
  void deleteAndRollbackHonourIfNoneMatchInsteadOfIgnoringIt() {
    ApiClient api = api();
    String path = "/api/v1/services/if-none-match-writes/rules";
    long r1 =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of()).json().get("revision").asLong();
    ApiClient.Answer rollback =
        api.call("POST", path + "/rollback?to=" + r1, WRITER, null, Map.of("If-None-Match", "*"));
    assertThat(rollback.status()).isEqualTo(412);
    assertThat(rollback.json().get("detail").asString()).contains("already exist");
    ApiClient.Answer delete = api.call("DELETE", path, WRITER, null, Map.of("If-None-Match", "*"));
    assertThat(delete.status()).isEqualTo(412);
    assertThat(delete.json().get("detail").asString()).contains("already exist");
    ApiClient.Answer both =
        api.call(
            "DELETE",
            path,
            WRITER,
            null,
            Map.of("If-Match", "\"" + r1 + "\"", "If-None-Match", "*"));
    assertThat(both.status()).isEqualTo(412);
    // nothing was written: the document and its one history entry are as they were
    assertThat(api.get(path, READER).header("ETag")).isEqualTo("\"" + r1 + "\"");
    assertThat(api.get(path + "/history", READER).json().get("entries")).hasSize(1);
  }

  /**
   * An {@code Accept} header that does not parse ({@code q} above 1) is disregarded: an invalid
   * document is answered 400 with its problem details and every error, and a read of rules that do
   * not exist 404. Before, content negotiation failed while writing the answer: the 400 went out
   * empty, and the read answered 406.
   */
  @Test
  void aMalformedAcceptHeaderIsDisregarded() {
    ApiClient api = api();
    String path = "/api/v1/services/malformed-accept/rules";
    Map<String, String> malformed = Map.of("Accept", "application/json;q=2");

    ApiClient.Answer invalid =
        api.put(
            path,
            WRITER,
            "{\"schemaVersion\": 1, \"sampling\": {\"defaultRatio\": 7}, \"x\": 1}",
            malformed);
    assertThat(invalid.status()).isEqualTo(400);
    assertThat(invalid.header("Content-Type")).startsWith("application/problem+json");
    assertThat(invalid.json().get("errors")).hasSize(2);

    ApiClient.Answer missing = api.call("GET", path, READER, null, malformed);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().get("type").asString()).isEqualTo("urn:sluice:problem:not-found");

    long revision =
        api.put(path, WRITER, document(null, 0.3, "a"), malformed).json().get("revision").asLong();
    assertThat(api.call("GET", path, READER, null, malformed).header("ETag"))
        .isEqualTo("\"" + revision + "\"");
  }

  /**
   * A read honours its preconditions as RFC 9110 asks: {@code If-None-Match: *} holds for any
   * current document, so a cache holding one is told 304 (it answered 200, the document again), and
   * {@code If-Match} naming no revision the document is at is 412 (it was ignored, 200). Where
   * there is no document, 404 whatever the preconditions (RFC 9110 13.2.1: evaluated only when the
   * answer would otherwise be 2xx).
   */
  @Test
  void aReadAnswers304ToIfNoneMatchStarAnd412ToAnIfMatchThatDoesNotHold() {
    ApiClient api = api();
    String path = "/api/v1/services/conditional-read/rules";
    assertThat(api.call("GET", path, READER, null, Map.of("If-None-Match", "*")).status())
        .isEqualTo(404);
    assertThat(api.call("GET", path, READER, null, Map.of("If-Match", "\"1\"")).status())
        .isEqualTo(404);
    long r1 =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of()).json().get("revision").asLong();

    ApiClient.Answer any = api.call("GET", path, READER, null, Map.of("If-None-Match", "*"));
    assertThat(any.status()).isEqualTo(304);
    assertThat(any.header("ETag")).isEqualTo("\"" + r1 + "\"");
    assertThat(any.body()).isEmpty();

    ApiClient.Answer stale =
        api.call("GET", path, READER, null, Map.of("If-Match", "\"" + (r1 + 1000) + "\""));
    assertThat(stale.status()).as(stale.body()).isEqualTo(412);
    assertThat(stale.json().get("type").asString()).isEqualTo("urn:sluice:problem:stale-revision");
    assertThat(stale.json().get("currentRevision").asLong()).isEqualTo(r1);
    assertThat(stale.json().get("detail").asString())
        .isEqualTo(
            "the rules of conditional-read are at revision "
                + r1
                + ", which If-Match does not name");
    for (String holds :
        List.of("\"" + r1 + "\"", "W/\"" + r1 + "\"", "*", "\"1\", \"" + r1 + "\"")) {
      ApiClient.Answer read = api.call("GET", path, READER, null, Map.of("If-Match", holds));
      assertThat(read.status()).as(holds).isEqualTo(200);
      assertThat(read.header("ETag")).as(holds).isEqualTo("\"" + r1 + "\"");
    }
    // If-Match is checked first (RFC 9110 13.2.2): a stale one is 412 even with If-None-Match: *
    assertThat(
            api.call(
                    "GET",
                    path,
                    READER,
                    null,
                    Map.of("If-Match", "\"" + (r1 + 1000) + "\"", "If-None-Match", "*"))
                .status())
        .isEqualTo(412);
    assertThat(api.call("GET", path, READER, null, Map.of("If-Match", "nope")).status())
        .isEqualTo(400);
  }

  /**
   * The members of a write's answer, and of its problems, come in one order, as documented: they
   * came in the order of an immutable map, which changes from one start of the control plane to the
   * next.
   */
  @Test
  void writeAnswersListTheirMembersInTheDocumentedOrder() {
    ApiClient api = api();
    String path = "/api/v1/services/member-order/rules";
    long r1 =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of()).json().get("revision").asLong();
    ApiClient.Answer unchanged = api.put(path, WRITER, document(null, 0.3, "a"), Map.of());
    assertThat(unchanged.body()).isEqualTo("{\"revision\":" + r1 + ",\"unchanged\":true}");
    ApiClient.Answer invalid =
        api.put(
            path, WRITER, "{\"schemaVersion\": 1, \"sampling\": {\"defaultRatio\": 2}}", Map.of());
    assertThat(invalid.status()).isEqualTo(400);
    assertThat(invalid.body().indexOf("\"errors\""))
        .isPositive()
        .isLessThan(invalid.body().indexOf("\"problemCount\""));
  }

  /**
   * {@code whoami} answers the name, then the role, at every start: they came in an immutable map's
   * order, which changes from one start of the control plane to the next.
   */
  @Test
  void whoamiAnswersTheNameThenTheRole() {
    ApiClient.Answer whoami = api().get("/api/v1/whoami", WRITER);
    assertThat(whoami.status()).isEqualTo(200);
    assertThat(whoami.body()).isEqualTo("{\"name\":\"writer\",\"role\":\"writer\"}");
  }

  @Test
  void refusesAPathParameterRatherThanWritingTheServiceBeforeTheSemicolon() {
    ApiClient api = api();
    ApiClient.Answer put =
        api.put("/api/v1/services/matrix;v=2/rules", WRITER, document(null, 0.3, "a"), Map.of());
    assertThat(put.status()).isEqualTo(400);
    assertThat(put.json().get("type").asString()).isEqualTo("urn:sluice:problem:invalid-request");
    assertThat(put.json().get("detail").asString()).contains("';'");
    assertThat(api.get("/api/v1/services/matrix;x/rules", READER).status()).isEqualTo(400);
    // nothing was written under the name before the ';'
    assertThat(api.get("/api/v1/services/matrix/rules", READER).status()).isEqualTo(404);
  }

  /**
   * A service name with a backslash is a name agents may report under (only {@code /} splits a
   * key): it was listed, but its pages answered 400, as Tomcat refused the {@code %5C} in their
   * paths before the API saw them.
   */
  @Test
  void aServiceNamedWithABackslashHasItsPagesAsAnyOther() throws Exception {
    ApiClient api = api();
    String service = "team\\orders";
    jetcd
        .getKVClient()
        .put(
            bytes("/sluice/v1/agents/" + service + "/bs-1"),
            bytes(AgentStatusCodec.write(TestAgentStatuses.minimal("bs-1", service))))
        .get(5, TimeUnit.SECONDS);
    try {
      String encoded = "team%5Corders";
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> api.get("/api/v1/agents?service=" + encoded, READER).json().size() == 1);
      ApiClient.Answer rollout = api.get("/api/v1/services/" + encoded + "/rollout", READER);
      assertThat(rollout.status()).as(rollout.body()).isEqualTo(200);
      assertThat(rollout.json().get("service").asString()).isEqualTo(service);
      assertThat(api.get("/api/v1/services/" + encoded + "/unprotected", READER).status())
          .isEqualTo(200);
      assertThat(api.get("/api/v1/services/" + encoded + "/rules", READER).status())
          .as("no document of its own yet")
          .isEqualTo(404);
    } finally {
      jetcd
          .getKVClient()
          .delete(bytes("/sluice/v1/agents/" + service + "/bs-1"))
          .get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void requestsTomcatRefusesBeforeSpringAreAnsweredAsProblemsToo() throws Exception {
    Map<String, String> raw = new java.util.LinkedHashMap<>();
    raw.put("an encoded slash", "GET /api/v1/services/a%2Fb/rules HTTP/1.1\r\n");
    raw.put("a broken escape", "GET /api/v1/services/a%zz/rules HTTP/1.1\r\n");
    raw.put(
        "headers over the limit",
        "GET /api/v1/services HTTP/1.1\r\nX-Padding: " + "x".repeat(20_000) + "\r\n");
    for (Map.Entry<String, String> request : raw.entrySet()) {
      String answer =
          RawHttp.exchange(
              controlPlane.port(),
              (request.getValue()
                      + "Host: 127.0.0.1\r\nAuthorization: Bearer "
                      + READER
                      + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      assertThat(answer).as(request.getKey()).startsWith("HTTP/1.1 400");
      String headers = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase();
      assertThat(headers).as(request.getKey()).contains("content-type: application/problem+json");
      assertThat(answer)
          .as(request.getKey())
          .contains("\"type\":\"urn:sluice:problem:invalid-request\"")
          .contains("\"status\":400")
          .doesNotContain("<html")
          .doesNotContain("Tomcat");
    }
  }

  /**
   * A number among a dry run's span attributes is matched as an agent matches a span attribute of
   * that type: a whole number as a long, any other as a double, whose zero fraction an agent drops
   * (2.0 and 2e0 are 2). Read as text, 2.0 stayed "2.0", and the dry run told no match where every
   * agent matched.
   */
  @Test
  void evaluateMatchesNumericAttributesAsTheAgentsDo() {
    ApiClient api = api();
    String draft =
        "{\"schemaVersion\": 1, \"sampling\": {\"defaultRatio\": 0, \"rules\": [{\"name\":"
            + " \"retried\", \"ratio\": 1, \"match\": {\"attributes\": {\"retry.count\": 2}}}]}}";
    Map<String, String> expected = new java.util.LinkedHashMap<>();
    expected.put("2", "retried");
    expected.put("2.0", "retried");
    expected.put("2e0", "retried");
    expected.put("\"2\"", "retried");
    expected.put("2.5", null);
    expected.put("\"2.0\"", null); // a string attribute is matched as written
    expected.forEach(
        (value, name) -> {
          ApiClient.Answer answer =
              api.post(
                  "/api/v1/services/numeric-attributes/rules/evaluate",
                  READER,
                  "{\"span\": {\"name\": \"x\", \"attributes\": {\"retry.count\": "
                      + value
                      + "}}, \"document\": "
                      + draft
                      + "}");
          assertThat(answer.status()).as(value).isEqualTo(200);
          JsonNode matched = answer.json().get("name");
          assertThat(matched.isNull() ? null : matched.asString()).as(value).isEqualTo(name);
        });
  }

  @Test
  void evaluateHoldsADraftToExactlyWhatAPutOfItWouldAnswer() {
    ApiClient api = api();
    String path = "/api/v1/services/draft-as-sent/rules";
    Map<String, String> drafts = new java.util.LinkedHashMap<>();
    drafts.put(
        "a duplicate key",
        "{\"schemaVersion\": 1, \"sampling\": {\"defaultRatio\": 0.5, \"defaultRatio\": 0.7}}");
    drafts.put(
        "a number beyond a double",
        "{\"schemaVersion\": 1, \"sampling\": {\"defaultRatio\": 1e400}}");
    drafts.forEach(
        (what, draft) -> {
          ApiClient.Answer saved = api.put(path, WRITER, draft, Map.of());
          assertThat(saved.status()).as(what).isEqualTo(400);
          ApiClient.Answer evaluated =
              api.post(
                  path + "/evaluate",
                  READER,
                  "{\"span\": {\"name\": \"x\"},\n \"document\": " + draft + "}");
          assertThat(evaluated.status()).as(what).isEqualTo(400);
          assertThat(evaluated.json().get("type").asString())
              .as(what)
              .isEqualTo("urn:sluice:problem:invalid-rules");
          assertThat(evaluated.json().get("errors").get(0).get("message").asString())
              .as(what)
              .isEqualTo(saved.json().get("errors").get(0).get("message").asString());
          // placed in the text each request sent: the draft starts at line 2, column 14 here
          JsonNode savedAt = saved.json().get("errors").get(0);
          JsonNode evaluatedAt = evaluated.json().get("errors").get(0);
          assertThat(savedAt.get("line").asInt()).as(what).isEqualTo(1);
          assertThat(evaluatedAt.get("line").asInt()).as(what).isEqualTo(2);
          assertThat(evaluatedAt.get("column").asInt())
              .as(what)
              .isEqualTo(savedAt.get("column").asInt() + 13);
        });
    // a draft a save accepts is evaluated as before
    ApiClient.Answer valid =
        api.post(
            path + "/evaluate",
            READER,
            "{\"document\": {\"schemaVersion\": 1, \"sampling\": {\"defaultRatio\": 0.25}},"
                + " \"span\": {\"name\": \"x\"}}");
    assertThat(valid.status()).isEqualTo(200);
    assertThat(valid.json().get("draft").asBoolean()).isTrue();
    assertThat(valid.json().get("decision").get("ratio").asDouble()).isEqualTo(0.25);
    // read as bytes, the body is still held to JSON in UTF-8; a type that is no concrete one was
    // refused by Spring while it read the body (it answered 500)
    for (String type :
        List.of(
            "text/plain", "application/json; charset=ISO-8859-1", "*/*", "application/*+json")) {
      ApiClient.Answer refused =
          api.call(
              "POST", path + "/evaluate", READER, "{\"span\": {}}", Map.of("Content-Type", type));
      assertThat(refused.status()).as(type).isEqualTo(415);
      assertThat(refused.json().get("type").asString())
          .as(type)
          .isEqualTo("urn:sluice:problem:unsupported-media-type");
    }
  }

  /**
   * A document stored under one service's key that names another (written around the API) is one
   * the agents of that service reject, keeping their last good rules: the dry run against the
   * stored rules, and the unprotected targets, refuse it as they refuse an invalid one, naming both
   * services, rather than answering with rules nobody runs. A draft, or another service, is not
   * affected.
   */
  @Test
  void evaluateAndUnprotectedRefuseAStoredDocumentThatNamesAnotherServiceThanItsKey() {
    ApiClient api = api();
    etcd.server()
        .put("/sluice/v1/rules/misplaced-a", document("misplaced-b", 0.5, "r").replace("\n", ""));
    String span = "{\"span\": {\"name\": \"GET /health\"}}";

    ApiClient.Answer refused =
        api.post("/api/v1/services/misplaced-a/rules/evaluate", READER, span);
    assertThat(refused.status()).as(refused.body()).isEqualTo(409);
    assertThat(refused.json().get("type").asString())
        .isEqualTo("urn:sluice:problem:stored-document-invalid");
    assertThat(refused.json().get("detail").asString())
        .contains("stored for misplaced-a", "names service 'misplaced-b'", "last good rules");
    assertThat(refused.json().get("storedFor").asString()).isEqualTo("misplaced-a");
    assertThat(refused.json().get("namedService").asString()).isEqualTo("misplaced-b");
    // in that order at every start: they came in an immutable map's, which changes from one to the
    // next
    assertThat(refused.body().indexOf("\"storedFor\""))
        .isPositive()
        .isLessThan(refused.body().indexOf("\"namedService\""));

    // nor are the unprotected targets judged by rules nobody runs: with the built-in defaults in
    // their place, every target the agents' last good rules guard was listed as unprotected
    ApiClient.Answer unprotected = api.get("/api/v1/services/misplaced-a/unprotected", READER);
    assertThat(unprotected.status()).as(unprotected.body()).isEqualTo(409);
    assertThat(unprotected.json().get("type").asString())
        .isEqualTo("urn:sluice:problem:stored-document-invalid");
    assertThat(unprotected.json().get("namedService").asString()).isEqualTo("misplaced-b");
    // a status the OpenAPI document declares for it, as for the dry run
    assertThat(
            documentedResponses(api, "get", "/api/v1/services/{service}/unprotected")
                .get("409")
                .get("description")
                .asString())
        .startsWith("stored-document-invalid");
    etcd.server().put("/sluice/v1/rules/misplaced-c", "{\"schemaVersion\": 1, \"sampling\": 7}");
    ApiClient.Answer invalid = api.get("/api/v1/services/misplaced-c/unprotected", READER);
    assertThat(invalid.status()).as(invalid.body()).isEqualTo(409);
    assertThat(invalid.json().get("detail").asString())
        .contains("document of misplaced-c", "is invalid", "last good rules");
    assertThat(api.get("/api/v1/services/misplaced-d/unprotected", READER).status())
        .as("a service without a document of its own: the defaults, known")
        .isEqualTo(200);

    // a draft is held to its own service as a save is, and evaluated
    ApiClient.Answer draft =
        api.post(
            "/api/v1/services/misplaced-a/rules/evaluate",
            READER,
            "{\"span\": {\"name\": \"GET /health\"}, \"document\": "
                + document("misplaced-a", 0.5, "r")
                + "}");
    assertThat(draft.status()).as(draft.body()).isEqualTo(200);
    assertThat(draft.json().get("name").asString()).isEqualTo("r");
  }

  @Test
  void evaluateRefusesFieldsItDoesNotKnowInsteadOfDroppingThem() {
    ApiClient api = api();
    String path = "/api/v1/services/typo-check/rules/evaluate";
    ApiClient.Answer misspelt =
        api.post(
            path,
            READER,
            "{\"span\": {\"name\": \"POST /checkout\", \"attribute\": {\"url.path\": \"/x\"}},"
                + " \"drafts\": {}}");
    assertThat(misspelt.status()).isEqualTo(400);
    assertThat(misspelt.json().get("type").asString())
        .isEqualTo("urn:sluice:problem:invalid-request");
    assertThat(misspelt.json().get("detail").asString())
        .contains("unknown field 'drafts': expected span, call, document")
        .contains("unknown field 'span.attribute' in span: expected name, kind, attributes");
    ApiClient.Answer wrongShape =
        api.post(path, READER, "{\"span\": {\"name\": \"x\", \"attributes\": [1, 2]}}");
    assertThat(wrongShape.status()).isEqualTo(400);
    assertThat(wrongShape.json().get("detail").asString()).contains("attributes: an object");
    assertThat(api.post(path, READER, "{\"span\": {\"name\": \"x\"}}").status()).isEqualTo(200);
  }

  /**
   * A dry run's body that is not JSON is refused saying what is wrong and where, as a save of a
   * malformed document is: a body cut short, and a draft with a field name over the JSON reader's
   * limit (it was "not valid JSON of the expected shape", which sent the user looking for a wrong
   * field).
   */
  @Test
  void evaluateSaysWhatKeepsItsBodyFromBeingJsonAndWhere() {
    ApiClient api = api();
    String path = "/api/v1/services/syntax-check/rules/evaluate";
    ApiClient.Answer cut = api.post(path, READER, "{\"span\": {\"name\": \"x\"}");
    assertThat(cut.status()).isEqualTo(400);
    assertThat(cut.json().get("type").asString()).isEqualTo("urn:sluice:problem:invalid-request");
    assertThat(cut.json().get("detail").asString())
        .isEqualTo(
            "the request body is not valid JSON: malformed JSON at line 1, column 23: the document"
                + " ends too early (an object, list or string is not closed)");
    ApiClient.Answer longName =
        api.post(
            path,
            READER,
            "{\"span\": {\"name\": \"x\"}, \"document\": {\"schemaVersion\": 1, \""
                + "k".repeat(RuleCodec.MAX_NAME_LENGTH + 1)
                + "\": 1}}");
    assertThat(longName.status()).isEqualTo(400);
    assertThat(longName.json().get("detail").asString())
        .isEqualTo(
            "the request body is not valid JSON: malformed JSON: a field name is longer than 50000"
                + " characters");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("impossiblePorts")
  void evaluateRefusesACallToAPortNoCallCanGoTo(String what, String url) {
    ApiClient.Answer refused =
        api()
            .post(
                "/api/v1/services/port-check/rules/evaluate",
                READER,
                "{\"call\": {\"url\": \"" + url + "\"}}");
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().get("type").asString())
        .isEqualTo("urn:sluice:problem:invalid-request");
    assertThat(refused.json().get("detail").asString()).contains("call.url").contains("1 to 65535");
  }

  static Stream<Arguments> impossiblePorts() {
    return Stream.of(
        Arguments.of("above 65535", "http://payments:99999/pay"),
        Arguments.of("just above", "http://payments:65536/pay"),
        Arguments.of("negative", "http://payments:-1/pay"),
        Arguments.of("zero", "http://payments:0/pay"),
        Arguments.of("beyond an int", "http://payments:99999999999/pay"),
        Arguments.of("not digits", "http://payments:8o8o/pay"),
        Arguments.of("IPv6, above 65535", "http://[::1]:70000/pay"),
        Arguments.of("underscore host, negative", "http://pay_ments:-8080/pay"));
  }

  @Test
  void evaluatesACallToEveryPossiblePort() {
    Map<String, String> possible = new java.util.LinkedHashMap<>();
    possible.put("http://payments:65535/pay", "payments:65535");
    possible.put("http://payments:1/pay", "payments:1");
    possible.put("http://payments:08080/pay", "payments:8080");
    possible.put("http://payments:/pay", "payments:80");
    possible.put("https://[::1]:8443/pay", "[::1]:8443");
    ApiClient api = api();
    String path = "/api/v1/services/port-range/rules";
    api.put(
        path,
        WRITER,
        "{\"schemaVersion\": 1, \"breakers\": [{\"name\": \"all\", \"match\": {}}]}",
        Map.of());
    possible.forEach(
        (url, key) -> {
          ApiClient.Answer answer =
              api.post(path + "/evaluate", READER, "{\"call\": {\"url\": \"" + url + "\"}}");
          assertThat(answer.status()).as(url).isEqualTo(200);
          assertThat(answer.json().get("decision").get("key").asString()).as(url).isEqualTo(key);
        });
  }

  /**
   * A field the request gives twice is refused as a PUT refuses one in a document, naming it and
   * where it is; one inside the draft {@code document} stays the draft's parse to report, in a
   * save's words, and does not hide one in the request around it.
   */
  @Test
  void evaluateRefusesFieldsGivenTwiceInsteadOfTakingTheLast() {
    ApiClient api = api();
    String path = "/api/v1/services/twice/rules/evaluate";
    Map<String, String> refused = new java.util.LinkedHashMap<>();
    refused.put(
        "{\"span\": {\"name\": \"GET /health\", \"name\": \"POST /checkout\"}}",
        "duplicate field 'name' in span");
    refused.put(
        "{\"call\": {\"url\": \"http://a/\"}, \"call\": {\"url\": \"http://b/\"}}",
        "duplicate field 'call': give each field once");
    refused.put(
        "{\"span\": {\"name\": \"x\","
            + " \"attributes\": {\"url.path\": \"/a\", \"url.path\": \"/b\"}}}",
        "duplicate field 'url.path' in span.attributes");
    refused.put(
        "{\"span\": {\"name\": \"x\"}, \"document\": {\"schemaVersion\": 1},"
            + " \"document\": {\"schemaVersion\": 1}}",
        "duplicate field 'document'");
    refused.put(
        "{\"document\": {\"schemaVersion\": 1, \"schemaVersion\": 1},"
            + " \"span\": {\"kind\": \"SERVER\", \"kind\": \"CLIENT\"}}",
        "duplicate field 'kind' in span");
    refused.forEach(
        (body, detail) -> {
          ApiClient.Answer answer = api.post(path, READER, body);
          assertThat(answer.status()).as(body).isEqualTo(400);
          assertThat(answer.json().get("type").asString())
              .as(body)
              .isEqualTo("urn:sluice:problem:invalid-request");
          assertThat(answer.json().get("detail").asString()).as(body).contains(detail);
        });
    // each one, not only the first: the client would meet the next at its next try
    ApiClient.Answer twoTwice =
        api.post(
            path,
            READER,
            "{\"span\": {\"name\": \"a\", \"name\": \"b\", \"kind\": \"SERVER\","
                + " \"kind\": \"CLIENT\", \"name\": \"c\"}}");
    assertThat(twoTwice.json().get("detail").asString())
        .isEqualTo(
            "duplicate field 'name' in span: give each field once; duplicate field 'kind' in span:"
                + " give each field once");
    // ten at most, then how many more
    StringBuilder attributes = new StringBuilder();
    for (int i = 0; i < 11; i++) {
      attributes.append("\"a").append(i).append("\": \"x\", \"a").append(i).append("\": \"y\", ");
    }
    ApiClient.Answer eleven =
        api.post(
            path,
            READER,
            "{\"span\": {\"name\": \"x\", \"attributes\": {" + attributes + "\"a11\": \"z\"}}}");
    assertThat(eleven.json().get("detail").asString())
        .contains("duplicate field 'a9' in span.attributes")
        .doesNotContain("'a10'")
        .endsWith("; 1 more field given twice");
    // listed with every other problem of the request
    ApiClient.Answer both =
        api.post(path, READER, "{\"span\": {\"name\": \"a\", \"name\": \"b\", \"attribute\": {}}}");
    assertThat(both.json().get("detail").asString())
        .contains("duplicate field 'name' in span")
        .contains("unknown field 'span.attribute'");
    // the same names in different objects are no duplicates
    assertThat(
            api.post(
                    path,
                    READER,
                    "{\"span\": {\"name\": \"x\", \"attributes\": {\"name\": \"y\"}},"
                        + " \"document\": {\"schemaVersion\": 1, \"sampling\": {\"rules\":"
                        + " [{\"name\": \"a\", \"ratio\": 1}, {\"name\": \"b\", \"ratio\": 1}]}}}")
                .status())
        .isEqualTo(200);
  }

  /**
   * A body near the size limit made of nothing but drafts: refused as a request that gives {@code
   * document} twice, as one with two drafts is (the drafts are blanked in one pass, not copied once
   * per draft).
   */
  @Test
  void evaluateRefusesARequestRepeatingItsDocumentThousandsOfTimesAsADuplicate() {
    StringBuilder body = new StringBuilder("{\"span\": {\"name\": \"x\"}");
    String draft = ", \"document\": {}";
    while (body.length() + draft.length() + 1 < 250 * 1024) {
      body.append(draft);
    }
    body.append('}');
    ApiClient.Answer answer =
        api().post("/api/v1/services/many-drafts/rules/evaluate", READER, body.toString());
    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("type").asString())
        .isEqualTo("urn:sluice:problem:invalid-request");
    assertThat(answer.json().get("detail").asString())
        .isEqualTo("duplicate field 'document': give each field once");
  }

  @Test
  void namesWhatIsWrongWithARequestSpringRefuses() {
    ApiClient api = api();
    ApiClient.Answer noTarget = api.post("/api/v1/services/orders/rules/rollback", WRITER, null);
    assertThat(noTarget.status()).isEqualTo(400);
    assertThat(noTarget.json().get("detail").asString()).contains("'to'");
    ApiClient.Answer emptyFilter = api.get("/api/v1/agents?service=", READER);
    assertThat(emptyFilter.status()).isEqualTo(400);
    assertThat(emptyFilter.json().get("detail").asString()).contains("?service= is empty");
    // an empty flag is a script's unset variable too, not "false": that would list every agent
    ApiClient.Answer emptyFlag = api.get("/api/v1/agents?fallingBackToDefault=", READER);
    assertThat(emptyFlag.status()).isEqualTo(400);
    assertThat(emptyFlag.json().get("detail").asString())
        .contains("?fallingBackToDefault= is empty");
    assertThat(documentedResponses(api, "get", "/api/v1/agents").has("400"))
        .as("the OpenAPI document lists the 400 of GET /api/v1/agents")
        .isTrue();
    assertThat(api.get("/api/v1/services", READER).header("Cache-Control"))
        .isEqualTo("private, no-cache");
    assertThat(api.get("/api/v1/agents", READER).header("Cache-Control"))
        .isEqualTo("private, no-cache");
  }

  @Test
  void answersAQueryStringThatIsNotUtf8As400NotAsAnInternalError() {
    ApiClient api = api();
    Map<String, ApiClient.Answer> answers = new java.util.LinkedHashMap<>();
    answers.put("agents filter", api.get("/api/v1/agents?service=%ff", READER));
    answers.put("history page", api.get("/api/v1/services/q/rules/history?limit=%ff", READER));
    answers.put(
        "rollback target", api.post("/api/v1/services/q/rules/rollback?to=%ff", WRITER, null));
    answers.put("event stream token", api.get("/api/v1/events?access_token=%ff", null));
    answers.put("event stream ticket", api.get("/api/v1/events?ticket=%ff", null));
    answers.forEach(
        (call, answer) -> {
          assertThat(answer.status()).as(call).isEqualTo(400);
          assertThat(answer.json().get("type").asString())
              .as(call)
              .isEqualTo("urn:sluice:problem:invalid-request");
          assertThat(answer.json().get("detail").asString())
              .as(call)
              .contains("query string could not be decoded");
        });
  }

  /**
   * A POST with curl's default form type ({@code curl -d}) has its body parsed by Tomcat as form
   * parameters as soon as any parameter is read; a {@code %} in it that is no escape (JSON such as
   * {@code "100%"}) is not the query string's fault. The body is what is wrong: it is not JSON sent
   * as JSON, so 415 as for the same body without a {@code %}, not 400 blaming a query string.
   */
  @Test
  void aFormBodyTomcatCannotDecodeIsRefusedAsNotJsonNotBlamedOnTheQuery() {
    ApiClient api = api();
    String path = "/api/v1/services/form-body/rules";
    long revision =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of()).json().get("revision").asLong();
    Map<String, String> form = Map.of("Content-Type", "application/x-www-form-urlencoded");
    Map<String, ApiClient.Answer> refused = new java.util.LinkedHashMap<>();
    refused.put(
        "evaluate, no %",
        api.call("POST", path + "/evaluate", READER, "{\"span\": {\"name\": \"x\"}}", form));
    refused.put(
        "evaluate with a %",
        api.call("POST", path + "/evaluate", READER, "{\"span\": {\"name\": \"100%\"}}", form));
    refused.forEach(
        (call, answer) -> {
          assertThat(answer.status()).as(call).isEqualTo(415);
          assertThat(answer.json().get("type").asString())
              .as(call)
              .isEqualTo("urn:sluice:problem:unsupported-media-type");
          assertThat(answer.json().get("detail").asString())
              .as(call)
              .contains("application/json")
              .doesNotContain("query string");
        });
    ApiClient.Answer rollback =
        api.call("POST", path + "/rollback?to=" + revision, WRITER, "100%", form);
    assertThat(rollback.status()).isEqualTo(415);
    assertThat(rollback.json().get("detail").asString())
        .contains("a rollback takes no body")
        .doesNotContain("query string");
    JsonNode paths = api.get("/api/v1/openapi.json", null).json().get("paths");
    for (String documented : List.of("evaluate", "rollback")) {
      assertThat(
              paths
                  .get("/api/v1/services/{service}/rules/" + documented)
                  .get("post")
                  .get("responses")
                  .has("415"))
          .as("the OpenAPI document lists 415 for %s", documented)
          .isTrue();
    }
    // a query string that does not decode is still the query string's fault, form body or not
    ApiClient.Answer badQuery = api.call("POST", path + "/rollback?to=%ff", WRITER, "x=1", form);
    assertThat(badQuery.status()).isEqualTo(400);
    assertThat(badQuery.json().get("detail").asString())
        .contains("query string could not be decoded");
  }

  /**
   * The OpenAPI document gives a rollback's revision in the query ({@code ?to=N}) and no body.
   * Tomcat takes a form body's fields for query parameters, so {@code curl -d to=N} rolled back to
   * a revision the URL never named, and a JSON body ({@code {"to": N}}) was silently ignored: any
   * body with content is refused with 415 and nothing is written, the query's {@code to} or not. An
   * empty body holds nothing and is no body to refuse, whatever its type and however it is framed
   * ({@code curl -d ''}, or chunked with no data, which was refused).
   */
  @Test
  void aRollbackTakesItsRevisionFromTheQueryAndRefusesAnyBody() throws IOException {
    ApiClient api = api();
    String path = "/api/v1/services/rollback-form/rules";
    long r1 =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of()).json().get("revision").asLong();
    long r2 =
        api.put(path, WRITER, document(null, 0.4, "a"), Map.of()).json().get("revision").asLong();
    Map<String, String> form = Map.of("Content-Type", "application/x-www-form-urlencoded");
    Map<String, ApiClient.Answer> refused = new java.util.LinkedHashMap<>();
    refused.put(
        "the revision in a form body",
        api.call("POST", path + "/rollback", WRITER, "to=" + r1, form));
    refused.put(
        "another revision in a form body than the query's",
        api.call("POST", path + "/rollback?to=" + r2, WRITER, "to=" + r1, form));
    refused.put(
        "the revision in a multipart form",
        api.call(
            "POST",
            path + "/rollback",
            WRITER,
            "--b\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\n" + r1 + "\r\n--b--\r\n",
            Map.of("Content-Type", "multipart/form-data; boundary=b")));
    refused.put(
        "a multipart form without its boundary, which no parser reads (it answered 500)",
        api.call(
            "POST",
            path + "/rollback?to=" + r1,
            WRITER,
            "--b\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\n" + r1 + "\r\n--b--\r\n",
            Map.of("Content-Type", "multipart/form-data")));
    refused.put(
        "the revision in a JSON body (was ignored: 400 naming only the query)",
        api.post(path + "/rollback", WRITER, "{\"to\": " + r1 + "}"));
    refused.put(
        "another revision in a JSON body than the query's (was a rollback to the query's)",
        api.post(path + "/rollback?to=" + r1, WRITER, "{\"to\": " + r2 + "}"));
    refused.put(
        "a text body",
        api.call(
            "POST",
            path + "/rollback?to=" + r1,
            WRITER,
            "to=" + r1,
            Map.of("Content-Type", "text/plain")));
    refused.forEach(
        (call, answer) -> {
          assertThat(answer.status()).as(call).isEqualTo(415);
          assertThat(answer.json().get("type").asString())
              .as(call)
              .isEqualTo("urn:sluice:problem:unsupported-media-type");
          assertThat(answer.json().get("detail").asString())
              .as(call)
              .contains("a rollback takes no body", "?to=");
        });
    assertThat(refused.get("a text body").json().get("detail").asString()).contains("text/plain");
    assertThat(api.get(path, READER).header("ETag")).isEqualTo("\"" + r2 + "\"");
    assertThat(api.get(path + "/history", READER).json().get("entries")).hasSize(2);

    Map<String, Integer> empty = new java.util.LinkedHashMap<>();
    empty.put(
        "an empty form body (curl -d '')",
        api.call("POST", path + "/rollback?to=" + r1, WRITER, "", form).status());
    empty.put("an empty JSON body", api.post(path + "/rollback?to=" + r2, WRITER, "").status());
    for (String type : List.of("application/x-www-form-urlencoded", "multipart/form-data")) {
      // each to the version not in force: one to the rules in force writes nothing
      long to = type.startsWith("multipart") ? r2 : r1;
      String answer =
          RawHttp.exchange(
              controlPlane.port(),
              ("POST "
                      + path
                      + "/rollback?to="
                      + to
                      + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                      + WRITER
                      + "\r\nContent-Type: "
                      + type
                      + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      empty.put(
          "an empty chunked " + type + " body (was 415)",
          Integer.parseInt(answer.substring("HTTP/1.1 ".length(), "HTTP/1.1 200".length())));
    }
    assertThat(empty).allSatisfy((call, status) -> assertThat(status).as(call).isEqualTo(200));
    assertThat(api.get(path + "/history", READER).json().get("entries")).hasSize(6);

    JsonNode rollback =
        api.get("/api/v1/openapi.json", null)
            .json()
            .get("paths")
            .get("/api/v1/services/{service}/rules/rollback")
            .get("post");
    assertThat(rollback.has("requestBody")).isFalse();
    assertThat(rollback.get("parameters").get(0).get("name").asString()).isEqualTo("to");
    assertThat(rollback.get("parameters").get(0).get("in").asString()).isEqualTo("query");
    assertThat(rollback.get("responses").get("415").get("description").asString()).contains("JSON");
  }

  /**
   * Twenty editors, each writing twice with {@code If-Match}: every write that wins is based on the
   * document just before it in the history (no lost update). On a loaded machine a write can be
   * answered 503 (etcd did not confirm in time: made or not, unknown); such a write is no win, and
   * whether it was made is read from the history at the end, as the answer tells a client to do.
   */
  @Test
  void twentyConcurrentEditorsWithIfMatchNeverLoseAnUpdate() throws Exception {
    ApiClient api = api();
    String path = "/api/v1/services/contended/rules";
    long start =
        api.put(path, WRITER, document(null, 0.5, "w-start"), Map.of())
            .json()
            .get("revision")
            .asLong();
    int threads = 20;
    int winsPerThread = 2;
    Map<String, Long> baseOfWin = new ConcurrentHashMap<>();
    Map<Long, String> writtenByRevision = new ConcurrentHashMap<>();
    Set<String> unconfirmed = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      futures.add(
          pool.submit(
              () -> {
                go.await();
                int wins = 0;
                int attempt = 0;
                while (wins < winsPerThread) {
                  String etag = api.get(path, READER).header("ETag");
                  if (etag == null) {
                    continue; // a read that failed (e.g. 503 on an overloaded machine) is harmless
                  }
                  String name = "w-" + thread + "-" + attempt++;
                  ApiClient.Answer answer =
                      api.put(path, WRITER, document(null, 0.5, name), Map.of("If-Match", etag));
                  if (answer.status() == 200) {
                    wins++;
                    baseOfWin.put(name, Long.parseLong(etag.replace("\"", "")));
                    writtenByRevision.put(answer.json().get("revision").asLong(), name);
                  } else if (answer.status() == 503) {
                    unconfirmed.add(name);
                  } else {
                    assertThat(answer.status()).isEqualTo(412);
                  }
                }
                return null;
              }));
    }
    go.countDown();
    for (Future<?> f : futures) {
      f.get(5, TimeUnit.MINUTES);
    }
    pool.shutdown();

    assertThat(writtenByRevision).hasSize(threads * winsPerThread);
    // the history: the first put, every win with its own document, and nothing but wins and
    // writes whose outcome was unknown
    TreeMap<Long, String> history = new TreeMap<>();
    Long before = null;
    do {
      JsonNode page =
          api.get(path + "/history?limit=25" + (before == null ? "" : "&before=" + before), READER)
              .json();
      page.get("entries")
          .forEach(
              e ->
                  history.put(
                      e.get("revision").asLong(),
                      e.get("document")
                          .get("sampling")
                          .get("rules")
                          .get(0)
                          .get("name")
                          .asString()));
      before = page.get("next").isNull() ? null : page.get("next").asLong();
    } while (before != null);
    assertThat(history.firstEntry()).isEqualTo(Map.entry(start, "w-start"));
    assertThat(history).containsAllEntriesOf(writtenByRevision);
    assertThat(history.tailMap(start, false).values())
        .doesNotHaveDuplicates()
        .allMatch(name -> baseOfWin.containsKey(name) || unconfirmed.contains(name));
    // no lost update: each win's base is the revision just before it (so one winner per base)
    writtenByRevision.forEach(
        (revision, name) ->
            assertThat(baseOfWin.get(name)).as(name).isEqualTo(history.lowerKey(revision)));
    // the current document is the last write
    assertThat(
            api.get(path, READER).json().get("sampling").get("rules").get(0).get("name").asString())
        .isEqualTo(history.lastEntry().getValue());
  }

  @Test
  void showsAgentsFromTheirLeasedStatusKeysAndForgetsThemWhenTheLeaseGoes() throws Exception {
    ApiClient api = api();
    long revision =
        storedRevision(api, "/api/v1/services/inventory/rules", document(null, 0.3, "drop-health"));
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    // the deprecated ?access_token= still opens the stream, for the scripts that use it
    HttpRequest subscribe =
        HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/events?access_token=" + READER))
            .build();
    var streamHeaders =
        new java.util.concurrent.atomic.AtomicReference<java.net.http.HttpHeaders>();
    var stream =
        api.http()
            .sendAsync(subscribe, HttpResponse.BodyHandlers.ofLines())
            .thenAccept(
                r -> {
                  streamHeaders.set(r.headers());
                  r.body().forEach(events::add);
                });
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> events.stream().anyMatch(l -> l.equals("event:ready")));
    // no proxy or cache may hold the stream back
    assertThat(streamHeaders.get().firstValue("Cache-Control")).hasValue("private, no-cache");
    assertThat(streamHeaders.get().firstValue("X-Accel-Buffering")).hasValue("no");
    // but the stream says it was opened the deprecated way
    assertThat(streamHeaders.get().firstValue("Deprecation")).hasValue("@1795910400");
    // a stream that asks for no agent status, as the web UI's does
    BlockingQueue<String> leanEvents = new LinkedBlockingQueue<>();
    String ticket =
        api.post("/api/v1/events/tickets", READER, null).json().get("ticket").asString();
    CompletableFuture<Void> leanStream =
        openEvents(api, "ticket=" + ticket + "&agentStatus=false", leanEvents);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> leanEvents.stream().anyMatch(l -> l.equals("event:ready")));
    for (String refused : List.of("maybe", "")) {
      ApiClient.Answer answer =
          api.call(
              "GET",
              "/api/v1/events?agentStatus=" + refused,
              READER,
              null,
              Map.of("Accept", "text/event-stream"));
      assertThat(answer.status()).as(answer.body()).isEqualTo(400);
      assertThat(answer.json().get("type").asString())
          .isEqualTo("urn:sluice:problem:invalid-request");
      assertThat(answer.json().get("detail").asString()).startsWith("?agentStatus= ");
    }

    // Far longer than the test: the agent must go because of the revoke below, never because
    // the lease ran out while a loaded machine made the steps in between slow.
    long lease = jetcd.getLeaseClient().grant(120).get(5, TimeUnit.SECONDS).getID();
    // revoked in the test, to see the agent go; in the finally too should the test fail first,
    // so that no leftover agent shows in other tests' lists
    boolean revoked = false;
    try {
      AgentStatus status =
          new AgentStatus(
              "inventory-1",
              "inventory",
              "host-a",
              4242,
              new AgentStatus.Versions("0.1.0", "1.65.0", "17"),
              Instant.now(),
              Instant.now(),
              "etcd",
              revision,
              null,
              List.of(
                  new AgentStatus.BreakerState("payments", "payments:8080", "CLOSED", 0, 0, false)),
              List.of(
                  new AgentStatus.TargetStats("payments-1:8080", 120, 1, 80.0, "payments"),
                  new AgentStatus.TargetStats("warehouse:9000", 300, 30, 950.0, null),
                  new AgentStatus.TargetStats("payments-2:8080", 50, 0, 20.0, null)));
      long written = System.nanoTime();
      LeasedStatuses.put(jetcd, lease, status);

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> api.get("/api/v1/agents?service=inventory", READER).json().size() == 1);
      System.out.printf("agent visible after %d ms%n", (System.nanoTime() - written) / 1_000_000);
      JsonNode agent = api.get("/api/v1/agents?service=inventory", READER).json().get(0);
      assertThat(agent.get("instanceId").asString()).isEqualTo("inventory-1");
      assertThat(agent.get("appliedRevision").asLong()).isEqualTo(revision);
      assertThat(agent.get("breakers").get(0).get("state").asString()).isEqualTo("CLOSED");
      assertThat(api.get("/api/v1/agents?service=other", READER).json().size()).isZero();

      JsonNode rollout = api.get("/api/v1/services/inventory/rollout", READER).json();
      assertThat(rollout.get("revision").asLong()).isEqualTo(revision);
      assertThat(rollout.get("current").get(0).get("instanceId").asString())
          .isEqualTo("inventory-1");
      assertThat(rollout.get("current").get(0).get("rulesSource").asString()).isEqualTo("etcd");
      assertThat(rollout.get("current").get(0).get("rejectedRevision").isNull()).isTrue();
      assertThat(rollout.get("current").get(0).get("errorsOmitted").asInt()).isZero();
      JsonNode services = api.get("/api/v1/services", READER).json();
      JsonNode inventory =
          Stream.iterate(0, i -> i + 1)
              .limit(services.size())
              .map(services::get)
              .filter(s -> s.get("service").asString().equals("inventory"))
              .findFirst()
              .orElseThrow();
      assertThat(inventory.get("revision").asLong()).isEqualTo(revision);
      assertThat(inventory.get("agents").get("current").asInt()).isEqualTo(1);
      assertThat(inventory.get("unreadableAgents").asInt()).isZero();

      // unprotected: warehouse (no policy at all); payments-2 is covered by the document's policy
      // even though the agent did not say so; payments-1 the agent reports covered
      ApiClient.Answer unprotectedAnswer =
          api.get("/api/v1/services/inventory/unprotected", READER);
      assertThat(unprotectedAnswer.header("X-Sluice-Agents")).isEqualTo("1");
      assertThat(unprotectedAnswer.header("X-Sluice-Agents-Capped")).isEqualTo("0");
      assertThat(unprotectedAnswer.header("X-Sluice-Targets-Omitted")).isEqualTo("0");
      JsonNode unprotected = unprotectedAnswer.json();
      assertThat(unprotected.size()).isEqualTo(1);
      assertThat(unprotected.get(0).get("target").asString()).isEqualTo("warehouse:9000");
      assertThat(unprotected.get(0).get("errorRate").asDouble()).isEqualTo(0.1);
      assertThat(unprotected.get(0).get("p99Millis").asDouble()).isEqualTo(950);
      assertThat(unprotected.get(0).get("guardedCallsPerMinute").asLong()).isZero();
      assertThat(unprotected.get(0).get("guardedBy").size()).isZero();
      assertThat(unprotected.get(0).get("shadowedCallsPerMinute").asLong()).isZero();
      assertThat(unprotected.get(0).get("shadowedBy").size()).isZero();
      assertThat(unprotected.get(0).get("suggestedPolicy").get("match").get("host").asString())
          .isEqualTo("warehouse");

      // SSE saw the agent, with its status; the lean stream only which agent changed
      EventLines.awaitLineWith(events, "\"instanceId\":\"inventory-1\"");
      assertThat(events).contains("event:agent");
      assertThat(events).anyMatch(l -> l.contains("\"status\":{") && l.contains("warehouse:9000"));
      EventLines.awaitLineWith(leanEvents, "\"instanceId\":\"inventory-1\"");
      assertThat(leanEvents)
          .contains("event:agent")
          .contains(
              "data:{\"action\":\"put\",\"service\":\"inventory\",\"instanceId\":\"inventory-1\"}");

      // metrics: agents per service and revision
      assertThat(api.get("/actuator/prometheus", null).body())
          .contains("sluice_agents{revision=\"" + revision + "\",service=\"inventory\"} 1.0");

      // the lease goes: the agent goes
      jetcd.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
      revoked = true;
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> api.get("/api/v1/agents?service=inventory", READER).json().size() == 0);
      EventLines.awaitLineWith(events, "\"action\":\"delete\"");

      // SSE: a rules change
      api.delete("/api/v1/services/inventory/rules", WRITER);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  events.stream()
                      .anyMatch(
                          l ->
                              l.contains("\"service\":\"inventory\"")
                                  && l.contains("\"action\":\"delete\"")
                                  && !l.contains("instanceId")));
    } finally {
      if (!revoked) {
        jetcd.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
      }
      stream.cancel(true);
      leanStream.cancel(true);
    }
  }

  /**
   * An agent lists at most 200 breakers: the services list counts open ones from its counts by
   * state, and from the listed breakers only for an agent older than those counts.
   */
  @Test
  void countsOpenBreakersPastTheListedOnesAndTheListedOnesOfOlderAgents() throws Exception {
    ApiClient api = api();
    // revoked at the end; long enough never to expire while the test runs on a loaded machine
    long lease = jetcd.getLeaseClient().grant(120).get(5, TimeUnit.SECONDS).getID();
    List<AgentStatus.BreakerState> listed = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      listed.add(new AgentStatus.BreakerState("tenants", "t" + i + ":443", "OPEN", 90, 0, false));
    }
    AgentStatus counted =
        new AgentStatus(
                "tenants-1",
                "tenant-gateway",
                "host-a",
                1,
                null,
                Instant.now(),
                Instant.now(),
                "defaults",
                0,
                null,
                listed,
                List.of(),
                10_033,
                0)
            .withBreakersByState(Map.of("OPEN", 230, "HALF_OPEN", 3, "CLOSED", 10_000));
    String older =
        """
        {"instanceId": "tenants-0", "service": "tenant-gateway", "rulesSource": "defaults",
         "breakers": [{"policy": "p", "key": "a:1", "state": "OPEN"},
                      {"policy": "p", "key": "b:1", "state": "HALF_OPEN"},
                      {"policy": "p", "key": "c:1", "state": "CLOSED"}]}
        """;
    PutOption withLease = PutOption.builder().withLeaseId(lease).build();
    try {
      LeasedStatuses.put(jetcd, lease, counted);
      jetcd
          .getKVClient()
          .put(bytes("/sluice/v1/agents/tenant-gateway/tenants-0"), bytes(older), withLease)
          .get(5, TimeUnit.SECONDS);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> api.get("/api/v1/agents?service=tenant-gateway", READER).json().size() == 2);

      JsonNode agents = api.get("/api/v1/agents?service=tenant-gateway", READER).json();
      JsonNode newer = agents.get(1);
      assertThat(newer.get("instanceId").asString()).isEqualTo("tenants-1");
      assertThat(newer.get("breakersByState").get("OPEN").asInt()).isEqualTo(230);
      assertThat(newer.get("breakersByState").get("CLOSED").asInt()).isEqualTo(10_000);
      JsonNode old = agents.get(0);
      assertThat(old.get("breakersByState") == null || old.get("breakersByState").isNull())
          .as("an older agent has no counts: %s", old)
          .isTrue();

      JsonNode services = api.get("/api/v1/services", READER).json();
      JsonNode gateway =
          Stream.iterate(0, i -> i + 1)
              .limit(services.size())
              .map(services::get)
              .filter(s -> s.get("service").asString().equals("tenant-gateway"))
              .findFirst()
              .orElseThrow();
      // 230 open + 3 half-open counted by the newer agent, 2 listed by the older one
      assertThat(gateway.get("breakersOpen").asInt()).isEqualTo(235);
    } finally {
      jetcd.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aRealSdkAgentShowsTheRevisionItAppliedAndWhatItRejected() {
    ApiClient api = api();
    String service = "real-agent";
    io.sluice.sdk.ActiveRulesHolder holder =
        new io.sluice.sdk.ActiveRulesHolder(io.sluice.sdk.ActiveRules.defaults(service));
    try (io.sluice.sdk.source.EtcdRuleSource source =
            io.sluice.sdk.source.EtcdRuleSource.builder(jetcd, holder, service).build();
        io.sluice.sdk.status.StatusReporter reporter =
            io.sluice.sdk.status.StatusReporter.builder(jetcd, service, holder)
                .instanceId("real-1")
                .addRuleSource(source)
                .build()) {
      source.start();
      reporter.start();
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> api.get("/api/v1/agents?service=" + service, READER).json().size() == 1);

      long revision =
          storedRevision(
              api, "/api/v1/services/" + service + "/rules", document(null, 0.25, "drop-health"));
      long written = System.nanoTime();
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  api.get("/api/v1/services/" + service + "/rollout", READER)
                          .json()
                          .get("current")
                          .size()
                      == 1);
      System.out.printf(
          "real agent on revision %d after %d ms%n",
          revision, (System.nanoTime() - written) / 1_000_000);
      JsonNode agent = api.get("/api/v1/agents?service=" + service, READER).json().get(0);
      assertThat(agent.get("appliedRevision").asLong()).isEqualTo(revision);
      assertThat(agent.get("rulesSource").asString()).isEqualTo("etcd");

      // a broken document written behind the API's back: the agent keeps its rules and says why
      long broken =
          etcd.server()
              .put(
                  "/sluice/v1/rules/" + service,
                  "{\"schemaVersion\": 1, \"service\": \"" + service + "\", \"sampling\": 7}");
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  api.get("/api/v1/services/" + service + "/rollout", READER)
                          .json()
                          .get("rejected")
                          .size()
                      == 1);
      JsonNode rollout = api.get("/api/v1/services/" + service + "/rollout", READER).json();
      assertThat(rollout.get("revision").asLong()).isEqualTo(broken);
      assertThat(rollout.get("rejected").get(0).get("appliedRevision").asLong())
          .isEqualTo(revision);
      assertThat(rollout.get("rejected").get(0).get("errors").get(0).asString())
          .contains("$.sampling");
    }
    // the reporter closed: its status key (and lease) went with it
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> api.get("/api/v1/agents?service=" + service, READER).json().size() == 0);
  }

  /**
   * {@code limit} and the cursor of {@code X-Sluice-Next-After} page the agents (the answer without
   * them stays every agent, with no cursor), each page saying how many agents there are; and an
   * agent still on a document deleted since (its delete not applied yet: it reports the deleted
   * revision) is ahead in the rollout and the services list, not older.
   */
  @Test
  void pagesTheAgentsAndCountsAnAgentOnADeletedRevisionAhead() throws Exception {
    ApiClient api = api();
    String service = "paged";
    long deleted =
        storedRevision(api, "/api/v1/services/" + service + "/rules", document(null, 0.5, "p"));
    assertThat(api.delete("/api/v1/services/" + service + "/rules", WRITER).status())
        .isEqualTo(200);
    long lease = jetcd.getLeaseClient().grant(120).get(5, TimeUnit.SECONDS).getID();
    try {
      for (String id : List.of("p-1", "p-2", "p-3")) {
        AgentStatus status =
            new AgentStatus(
                id, service, "h", 1, null, null, null, "etcd", deleted, null, List.of(), List.of());
        LeasedStatuses.put(jetcd, lease, status);
      }
      String all = "/api/v1/agents?service=" + service;
      await().atMost(Duration.ofSeconds(10)).until(() -> api.get(all, READER).json().size() == 3);
      assertThat(api.get(all, READER).header("X-Sluice-Next-After")).isNull();

      ApiClient.Answer first = api.get(all + "&limit=2", READER);
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.json().size()).isEqualTo(2);
      assertThat(first.json().get(1).get("instanceId").asString()).isEqualTo("p-2");
      String next = first.header("X-Sluice-Next-After");
      assertThat(next).isNotNull();
      // every page says the whole, for a page that lists the first of them
      assertThat(first.header("X-Sluice-Agents")).isEqualTo("3");
      assertThat(first.header("X-Sluice-Breakers-Open")).isEqualTo("0");
      ApiClient.Answer last = api.get(all + "&limit=2&after=" + next, READER);
      assertThat(last.json().size()).isEqualTo(1);
      assertThat(last.header("X-Sluice-Agents")).isEqualTo("3");
      assertThat(last.json().get(0).get("instanceId").asString()).isEqualTo("p-3");
      assertThat(last.header("X-Sluice-Next-After")).isNull();
      ApiClient.Answer tooMany = api.get(all + "&limit=501", READER);
      assertThat(tooMany.status()).isEqualTo(400);
      assertThat(tooMany.json().get("type").asString())
          .isEqualTo("urn:sluice:problem:invalid-request");
      assertThat(api.get(all + "&after=garbage", READER).status()).isEqualTo(400);

      String path = "/api/v1/services/" + service + "/rollout";
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> api.get(path, READER).json().get("revision").asLong() != deleted);
      JsonNode rollout = api.get(path, READER).json();
      assertThat(rollout.get("revision").asLong())
          .as("_default's revision, or 0 for the built-in defaults")
          .isLessThan(deleted);
      assertThat(rollout.get("ahead").size()).isEqualTo(3);
      assertThat(rollout.get("older").size()).isZero();
      JsonNode services = api.get("/api/v1/services", READER).json();
      JsonNode paged =
          Stream.iterate(0, i -> i + 1)
              .limit(services.size())
              .map(services::get)
              .filter(s -> s.get("service").asString().equals(service))
              .findFirst()
              .orElseThrow();
      assertThat(paged.get("agents").get("ahead").asInt()).isEqualTo(3);
      assertThat(paged.get("agents").get("older").asInt()).isZero();
      assertThat(paged.get("agents").get("total").asInt()).isEqualTo(3);
    } finally {
      jetcd.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
    }
  }

  /**
   * {@code ?agents=false} answers a rollout without an entry per agent (a service page of thousands
   * of agents reads it on every refresh for its head): every list is empty, and the counts and the
   * Sluice versions, which every rollout carries, count every agent. A flag that is neither true
   * nor false answers 400, as the other flags do.
   */
  @Test
  void rolloutWithoutAgentsCountsEveryAgentAndItsSluiceVersions() throws Exception {
    ApiClient api = api();
    String service = "counted";
    long revision =
        storedRevision(api, "/api/v1/services/" + service + "/rules", document(null, 0.5, "c"));
    AgentStatus.Versions newer = new AgentStatus.Versions("0.2.0", "1.65.0", "21");
    AgentStatus.Versions older = new AgentStatus.Versions("0.1.0", "1.65.0", "17");
    List<AgentStatus> statuses =
        List.of(
            new AgentStatus(
                "c-1", service, "h", 1, newer, null, null, "etcd", revision, null, null, null),
            new AgentStatus(
                "c-2", service, "h", 1, newer, null, null, "etcd", revision, null, null, null),
            new AgentStatus(
                "c-3", service, "h", 1, older, null, null, "etcd", revision - 1, null, null, null),
            new AgentStatus(
                "c-4",
                service,
                "h",
                1,
                null,
                null,
                null,
                "etcd",
                revision - 1,
                new AgentStatus.Rejection(revision, List.of("$.sampling: bad")),
                null,
                null),
            new AgentStatus(
                "c-5", service, "h", 1, older, null, null, "file", 0, null, null, null));
    long lease = jetcd.getLeaseClient().grant(120).get(5, TimeUnit.SECONDS).getID();
    try {
      for (AgentStatus status : statuses) {
        LeasedStatuses.put(jetcd, lease, status);
      }
      String path = "/api/v1/services/" + service + "/rollout";
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> api.get(path, READER).json().get("counts").get("total").asInt() == 5);

      ApiClient.Answer counted = api.get(path + "?agents=false", READER);
      assertThat(counted.status()).isEqualTo(200);
      JsonNode rollout = counted.json();
      assertThat(rollout.get("service").asString()).isEqualTo(service);
      assertThat(rollout.get("revision").asLong()).isEqualTo(revision);
      assertThat(rollout.get("unreadableAgents").asInt()).isZero();
      for (String list : List.of("current", "older", "rejected", "ahead", "onRulesFile")) {
        assertThat(rollout.get(list).isArray()).as(list).isTrue();
        assertThat(rollout.get(list).size()).as(list).isZero();
      }
      JsonNode counts = rollout.get("counts");
      assertThat(
              List.of("total", "current", "older", "rejected", "ahead", "onRulesFile").stream()
                  .map(name -> counts.get(name).asInt()))
          .containsExactly(5, 2, 1, 1, 0, 1);
      Map<String, Integer> versions = new LinkedHashMap<>();
      rollout
          .get("sluiceVersions")
          .properties()
          .forEach(e -> versions.put(e.getKey(), e.getValue().asInt()));
      assertThat(versions)
          .containsExactly(entry("0.1.0", 2), entry("0.2.0", 2), entry("unreported", 1));

      // with the lists (as without the flag): the same counts and versions beside them
      JsonNode listed = api.get(path + "?agents=true", READER).json();
      assertThat(listed.get("current").size()).isEqualTo(2);
      assertThat(listed.get("rejected").get(0).get("errors").get(0).asString())
          .isEqualTo("$.sampling: bad");
      assertThat(listed.get("counts")).isEqualTo(counts);
      assertThat(listed.get("sluiceVersions")).isEqualTo(rollout.get("sluiceVersions"));
      assertThat(api.get(path, READER).json().get("counts")).isEqualTo(counts);

      for (String bad : List.of("no", "")) {
        ApiClient.Answer refused = api.get(path + "?agents=" + bad, READER);
        assertThat(refused.status()).as(bad).isEqualTo(400);
        assertThat(refused.json().get("type").asString())
            .isEqualTo("urn:sluice:problem:invalid-request");
        assertThat(refused.json().get("detail").asString()).contains("?agents=");
      }
    } finally {
      jetcd.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void openApiDocumentListsExactlyTheEndpointsTheAppServes() {
    JsonNode openApi = api().get("/api/v1/openapi.json", null).json();
    assertThat(openApi.get("openapi").asString()).startsWith("3.");
    Set<String> documented = new TreeSet<>();
    openApi
        .get("paths")
        .properties()
        .forEach(
            path ->
                path.getValue()
                    .properties()
                    .forEach(
                        op -> {
                          if (!op.getKey().equals("parameters")) {
                            documented.add(op.getKey().toUpperCase() + " " + path.getKey());
                          }
                        }));
    Set<String> served = new TreeSet<>();
    for (Map.Entry<RequestMappingInfo, HandlerMethod> mapping :
        controlPlane
            .bean("requestMappingHandlerMapping", RequestMappingHandlerMapping.class)
            .getHandlerMethods()
            .entrySet()) {
      for (String pattern : mapping.getKey().getPatternValues()) {
        if (pattern.startsWith("/api/")) {
          mapping
              .getKey()
              .getMethodsCondition()
              .getMethods()
              .forEach(m -> served.add(m.name() + " " + pattern));
        }
      }
    }
    assertThat(served).isNotEmpty();
    assertThat(documented).isEqualTo(served);
  }

  static Stream<Arguments> endpointsByRole() {
    // method, path, body, least role ("reader" or "writer")
    String doc = document(null, 0.5, "r");
    return Stream.of(
        Arguments.of("GET", "/api/v1/services", null, "reader"),
        Arguments.of("GET", "/api/v1/services/sec/rules", null, "reader"),
        Arguments.of("PUT", "/api/v1/services/sec/rules", doc, "writer"),
        Arguments.of("DELETE", "/api/v1/services/sec-none/rules", null, "writer"),
        Arguments.of("GET", "/api/v1/services/sec/rules/history", null, "reader"),
        Arguments.of("GET", "/api/v1/services/sec/rules/history/1", null, "reader"),
        Arguments.of("POST", "/api/v1/services/sec-none/rules/rollback?to=1", null, "writer"),
        Arguments.of(
            "POST", "/api/v1/services/sec/rules/evaluate", "{\"span\":{\"name\":\"x\"}}", "reader"),
        Arguments.of("GET", "/api/v1/services/sec/rollout", null, "reader"),
        Arguments.of("GET", "/api/v1/services/sec/unprotected", null, "reader"),
        Arguments.of("GET", "/api/v1/agents", null, "reader"),
        Arguments.of("GET", "/api/v1/agents?service=sec", null, "reader"),
        Arguments.of("GET", "/api/v1/whoami", null, "reader"),
        Arguments.of("POST", "/api/v1/events/tickets", null, "reader"));
  }

  @ParameterizedTest(name = "{0} {1} needs {3}")
  @MethodSource("endpointsByRole")
  void everyEndpointChecksTokenAndRole(String method, String path, String body, String least) {
    ApiClient api = api();
    Map<String, String> tokens = new java.util.LinkedHashMap<>();
    tokens.put("none", null);
    tokens.put("wrong", "not-a-token-at-all-0000");
    tokens.put("reader", READER);
    tokens.put("writer", WRITER);
    tokens.put("admin", ADMIN);
    for (Map.Entry<String, String> token : tokens.entrySet()) {
      ApiClient.Answer answer = api.call(method, path, token.getValue(), body, Map.of());
      String who = token.getKey();
      if (who.equals("none") || who.equals("wrong")) {
        assertThat(answer.status()).as(who).isEqualTo(401);
        assertThat(answer.json().get("type").asString())
            .isEqualTo("urn:sluice:problem:unauthorized");
        assertThat(answer.header("WWW-Authenticate")).startsWith("Bearer");
      } else if (who.equals("reader") && least.equals("writer")) {
        assertThat(answer.status()).as(who).isEqualTo(403);
        assertThat(answer.json().get("type").asString()).isEqualTo("urn:sluice:problem:forbidden");
      } else {
        assertThat(answer.status()).as(who).isNotIn(401, 403);
      }
      if (answer.status() >= 400) {
        assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
        assertThat(answer.body()).doesNotContain("drop-health").doesNotContain("schemaVersion");
      }
    }
  }

  /**
   * The OpenAPI document lists 403 for the operations a reader is refused ({@link
   * #everyEndpointChecksTokenAndRole}) and for no other: every token has at least the reader role,
   * so a read can never be refused for its role. Before, every read listed a 403 no caller could
   * get, and a client generated from the document handled it for nothing.
   */
  @Test
  void theOpenApiDocumentLists403ForTheWritersOperationsOnly() {
    JsonNode paths = api().get("/api/v1/openapi.json", null).json().get("paths");
    Set<String> listing403 = new TreeSet<>();
    for (Map.Entry<String, JsonNode> path : paths.properties()) {
      for (Map.Entry<String, JsonNode> operation : path.getValue().properties()) {
        JsonNode responses = operation.getValue().get("responses");
        if (responses != null && responses.has("403")) {
          listing403.add(operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
        }
      }
    }
    assertThat(listing403)
        .containsExactlyInAnyOrder(
            "PUT /api/v1/services/{service}/rules",
            "DELETE /api/v1/services/{service}/rules",
            "POST /api/v1/services/{service}/rules/rollback");
  }

  @Test
  void refusesEventClientsBeyondTheCapAndTakesOneAgainWhenAnotherLeaves() throws Exception {
    try (RunningControlPlane capped =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints", etcd.endpoint(),
                "sluice.security.tokens.reader.token", READER,
                "sluice.security.tokens.reader.role", "reader",
                "sluice.events.max-clients", "2",
                // a client that left is found by the next keep-alive write
                "sluice.events.keep-alive", "200ms"))) {
      EventClientSocket first = EventClientSocket.openReady(capped.port(), READER);
      EventClientSocket second = EventClientSocket.openReady(capped.port(), READER);

      assertThat(refusedStream(capped, 503, "too-many-event-clients"))
          .contains("at most 2 event streams");

      first.close();
      long left = System.nanoTime();
      EventClientSocket third = EventClientSocket.awaitSlot(capped.port(), READER);
      System.out.printf(
          "a slot was free %d ms after a client left%n", (System.nanoTime() - left) / 1_000_000);
      third.awaitReady();
      third.close();
      second.close();
    }
  }

  @Test
  void oneTokenCannotTakeEveryEventStreamAndGetsOneBackWhenItClosesOne() throws Exception {
    try (RunningControlPlane capped =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints", etcd.endpoint(),
                "sluice.security.tokens.reader.token", READER,
                "sluice.security.tokens.reader.role", "reader",
                "sluice.security.tokens.writer.token", WRITER,
                "sluice.security.tokens.writer.role", "writer",
                "sluice.events.max-clients-per-caller", "2",
                // a client that left is found by the next keep-alive write
                "sluice.events.keep-alive", "200ms"))) {
      EventClientSocket first = EventClientSocket.openReady(capped.port(), READER);
      EventClientSocket second = EventClientSocket.openReady(capped.port(), READER);

      assertThat(refusedStream(capped, 429, "too-many-event-streams-of-caller"))
          .contains("at most 2 event streams")
          .contains("sluice.events.max-clients-per-caller");

      // another token still connects
      EventClientSocket.openReady(capped.port(), WRITER).close();

      first.close();
      EventClientSocket third = EventClientSocket.awaitSlot(capped.port(), READER);
      third.awaitReady();
      third.close();
      second.close();
    }
  }

  /**
   * A HEAD of the event stream (an uptime monitor's) answers the stream's headers and holds no
   * stream. It used to open one, which nothing ended for half an hour (the container discards a
   * HEAD's body, so no keep-alive write failed): a caller allowed two streams was refused its third
   * HEAD, and then every stream, with 429.
   */
  @Test
  void aHeadOfTheEventStreamHoldsNoStream() throws Exception {
    try (RunningControlPlane capped =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints",
                etcd.endpoint(),
                "sluice.security.tokens.reader.token",
                READER,
                "sluice.security.tokens.reader.role",
                "reader",
                "sluice.events.max-clients-per-caller",
                "2"))) {
      for (int i = 0; i < 3; i++) {
        ApiClient.Answer head = headOfTheStream(capped.api(), "", READER);
        assertThat(head.status()).as("HEAD %d", i).isEqualTo(200);
        assertThat(head.header("Content-Type")).startsWith("text/event-stream");
      }
      EventClientSocket.openReady(capped.port(), READER).close();
    }
  }

  @Test
  void aTicketMintedWithAReaderTokenOpensTheEventStreamOnce() {
    ApiClient api = api();
    ApiClient.Answer minted = api.post("/api/v1/events/tickets", READER, null);
    assertThat(minted.status()).as(minted.body()).isEqualTo(200);
    // a credential: no cache may keep it
    assertThat(minted.headers().allValues("Cache-Control")).containsExactly("no-store");
    String ticket = minted.json().get("ticket").asString();
    assertThat(ticket).matches("[A-Za-z0-9_-]{43}");
    assertThat(minted.json().get("expiresInSeconds").asLong()).isEqualTo(30);

    whileAStreamIsOpenWith(
        api,
        ticket,
        events -> {
          long revision =
              api.put("/api/v1/services/ticketed/rules", WRITER, document(null, 0.4, "t"), Map.of())
                  .json()
                  .get("revision")
                  .asLong();
          EventLines.awaitLineWith(events, "\"service\":\"ticketed\"", "\"revision\":" + revision);

          // spent when the stream opened
          assertRefusedTicket(api.get("/api/v1/events?ticket=" + ticket, null));
        });
    assertRefusedTicket(api.get("/api/v1/events?ticket=not-a-ticket-at-all", null));
    assertRefusedTicket(api.get("/api/v1/events?ticket=", null));

    // two credentials could stand for two callers: refused, not picked from
    String another =
        api.post("/api/v1/events/tickets", READER, null).json().get("ticket").asString();
    ApiClient.Answer both = api.get("/api/v1/events?ticket=" + another, READER);
    assertThat(both.status()).isEqualTo(400);
    assertThat(both.json().get("detail").asString()).contains("send only the ticket");
    // refused before it was looked at: still good for one stream
    whileAStreamIsOpenWith(api, another, events -> {});

    // reads are not open here: no ticket without a token
    ApiClient.Answer anonymous = api.post("/api/v1/events/tickets", null, null);
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.json().get("type").asString())
        .isEqualTo("urn:sluice:problem:unauthorized");
    assertThat(api.post("/api/v1/events/tickets", "not-a-token-at-all-0000", null).status())
        .isEqualTo(401);
  }

  /**
   * A ticket is spent by the stream it opens, not by requests that open none: a {@code HEAD} of the
   * stream (it answers for the ticket's holder, and stays single-use for the stream) and a request
   * refused for its malformed {@code ?agentStatus=} (which used to spend it, so the caller had to
   * mint another after fixing the URL) leave it good for one stream.
   */
  @Test
  void aTicketIsSpentOnlyByTheStreamItOpens() {
    ApiClient api = api();
    String ticket =
        api.post("/api/v1/events/tickets", READER, null).json().get("ticket").asString();

    ApiClient.Answer head = headOfTheStream(api, "?ticket=" + ticket, null);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("Content-Type")).startsWith("text/event-stream");
    assertThat(headOfTheStream(api, "?ticket=not-a-ticket-at-all", null).status()).isEqualTo(401);
    // refused as a GET would be, as the OpenAPI document says: a ticket with a token, a parameter
    // given twice
    assertThat(headOfTheStream(api, "?ticket=" + ticket, READER).status()).isEqualTo(400);
    assertThat(
            headOfTheStream(api, "?agentStatus=true&agentStatus=false&ticket=" + ticket, null)
                .status())
        .isEqualTo(400);
    assertThat(documentedResponses(api, "head", "/api/v1/events").get("400").get("description"))
        .asString()
        .contains("a ticket together with a token")
        .contains("a query parameter given twice");

    ApiClient.Answer malformed = api.get("/api/v1/events?agentStatus=maybe&ticket=" + ticket, null);
    assertThat(malformed.status()).as(malformed.body()).isEqualTo(400);
    assertThat(malformed.json().get("detail").asString()).contains("agentStatus");

    whileAStreamIsOpenWith(
        api,
        ticket,
        events -> assertRefusedTicket(api.get("/api/v1/events?ticket=" + ticket, null)));
  }

  /**
   * Minting a ticket takes no body: the ticket is for the token in the header, for the configured
   * time. Any body was ignored, so a client asking for something in it ({@code {"ttl": 300}}) got a
   * 200 and a ticket that did not do it. A body with content, of any type, is refused with 415 and
   * no ticket is issued (sixteen refusals would have dropped the caller's oldest unused ticket); an
   * empty body, however framed, still mints one.
   */
  @Test
  void aTicketRequestWithABodyIsRefusedAndIssuesNoTicket() throws IOException {
    ApiClient api = api();
    String path = "/api/v1/events/tickets";
    String kept = api.post(path, READER, null).json().get("ticket").asString();
    Map<String, String> form = Map.of("Content-Type", "application/x-www-form-urlencoded");
    Map<String, ApiClient.Answer> refused = new java.util.LinkedHashMap<>();
    refused.put("a JSON object", api.post(path, READER, "{\"ttl\": 300}"));
    refused.put("an empty JSON object", api.post(path, READER, "{}"));
    refused.put("a form", api.call("POST", path, READER, "ttl=300", form));
    refused.put(
        "a text body",
        api.call("POST", path, READER, "events", Map.of("Content-Type", "text/plain")));
    for (int i = refused.size(); i < 16; i++) {
      refused.put("a JSON object, again (" + i + ")", api.post(path, READER, "{\"n\": " + i + "}"));
    }
    refused.forEach(
        (call, answer) -> {
          assertThat(answer.status()).as(call).isEqualTo(415);
          assertThat(answer.header("Content-Type")).as(call).startsWith("application/problem+json");
          assertThat(answer.json().get("type").asString())
              .as(call)
              .isEqualTo("urn:sluice:problem:unsupported-media-type");
          assertThat(answer.json().get("detail").asString())
              .as(call)
              .startsWith("a ticket request takes no body")
              .contains("Authorization header");
          assertThat(answer.json().has("ticket")).as(call).isFalse();
        });
    assertThat(refused.get("a text body").json().get("detail").asString()).contains("text/plain");

    // the ticket minted before is still there: none of the sixteen issued one
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    CompletableFuture<Void> stream = openEvents(api, "ticket=" + kept, events);
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> events.contains("status:200") && events.contains("event:ready"));
    } finally {
      stream.cancel(true);
    }

    Map<String, Integer> empty = new java.util.LinkedHashMap<>();
    empty.put("an empty JSON body", api.post(path, READER, "").status());
    empty.put("an empty form body (curl -d '')", api.call("POST", path, READER, "", form).status());
    String chunked =
        RawHttp.exchange(
            controlPlane.port(),
            ("POST "
                    + path
                    + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + READER
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked"
                    + "\r\nConnection: close\r\n\r\n0\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    empty.put(
        "an empty chunked body",
        Integer.parseInt(chunked.substring("HTTP/1.1 ".length(), "HTTP/1.1 200".length())));
    assertThat(empty).allSatisfy((call, status) -> assertThat(status).as(call).isEqualTo(200));

    JsonNode tickets =
        api.get("/api/v1/openapi.json", null).json().get("paths").get(path).get("post");
    assertThat(tickets.has("requestBody")).isFalse();
    assertThat(tickets.get("responses").get("415").get("description").asString())
        .contains("takes no body");
  }

  /**
   * The deprecated {@code ?access_token=} still opens the stream, but says so, for an operator to
   * find the scripts that use it: RFC 9745's {@code Deprecation} and a {@code Link} to tickets on
   * the response, and a warning naming the token (by its name, never the token) once per token, not
   * once per stream. Streams opened with the header or a ticket carry neither.
   */
  @Test
  void aStreamOpenedWithAnAccessTokenIsMarkedDeprecatedAndWarnedAboutOncePerToken()
      throws Exception {
    ApiClient api = api();
    // package-private, as the interceptor that uses it
    try (LogCapture log =
        LogCapture.of(Class.forName("io.sluice.controlplane.security.DeprecatedAccessToken"))) {
      // a HEAD says so too, as what it is, and leaves the line about the token's streams to come
      ApiClient.Answer head = headOfTheStream(api, "?access_token=" + WRITER, null);
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.headers().allValues("Deprecation")).containsExactly("@1795910400");
      for (String token : List.of(WRITER, WRITER, ADMIN, WRITER)) {
        HttpResponse<Stream<String>> opened =
            openEventsAndClose(api, "access_token=" + token, null);
        assertThat(opened.statusCode()).isEqualTo(200);
        assertThat(opened.headers().allValues("Deprecation")).containsExactly("@1795910400");
        assertThat(opened.headers().allValues("Link"))
            .containsExactly("<events/tickets>; rel=\"alternate\"");
      }
      String ticket =
          api.post("/api/v1/events/tickets", WRITER, null).json().get("ticket").asString();
      for (HttpResponse<Stream<String>> current :
          List.of(
              openEventsAndClose(api, "ticket=" + ticket, null),
              openEventsAndClose(api, "", WRITER))) {
        assertThat(current.statusCode()).isEqualTo(200);
        assertThat(current.headers().firstValue("Deprecation")).isEmpty();
        assertThat(current.headers().firstValue("Link")).isEmpty();
      }

      assertThat(log.records())
          .allSatisfy(r -> assertThat(r.getLevel()).isEqualTo(java.util.logging.Level.WARNING));
      assertThat(log.messages())
          .containsExactly(
              "the token 'writer' sent HEAD /api/v1/events with the deprecated ?access_token=,"
                  + " which puts the token in URLs and so in proxies' access logs; use a"
                  + " single-use ticket instead (POST /api/v1/events/tickets, then ?ticket=) or"
                  + " the Authorization header. Logged once per token",
              "the token 'writer' opened GET /api/v1/events with the deprecated ?access_token=,"
                  + " which puts the token in URLs and so in proxies' access logs; use a"
                  + " single-use ticket instead (POST /api/v1/events/tickets, then ?ticket=) or"
                  + " the Authorization header. Logged once per token",
              "the token 'root' opened GET /api/v1/events with the deprecated ?access_token=,"
                  + " which puts the token in URLs and so in proxies' access logs; use a"
                  + " single-use ticket instead (POST /api/v1/events/tickets, then ?ticket=) or"
                  + " the Authorization header. Logged once per token");
      assertThat(String.join("\n", log.messages()))
          .doesNotContain(WRITER)
          .doesNotContain(ADMIN)
          .doesNotContain(READER);
    }
  }

  /**
   * An Authorization header that holds no bearer token is refused, and never read past to a valid
   * {@code ?access_token=}: the header is the credential the client sent. Whitespace after {@code
   * Bearer} is all a proxy or a script with an unset variable leaves.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("headersWithoutABearerToken")
  void anAuthorizationHeaderWithoutABearerTokenIsRefusedNotReadPastToTheAccessToken(
      String what, String header) throws Exception {
    ApiClient api = api();
    for (String path :
        List.of("/api/v1/events?access_token=" + READER, "/api/v1/services", "/api/v1/whoami")) {
      ApiClient.Answer answer = answerUnlessAStreamOpens(api, path, header);
      assertThat(answer.status()).as(path + ": " + answer.body()).isEqualTo(401);
      assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
      assertThat(answer.header("WWW-Authenticate")).startsWith("Bearer");
      assertThat(answer.json().get("type").asString()).isEqualTo("urn:sluice:problem:unauthorized");
      assertThat(answer.json().get("detail").asString())
          .isEqualTo(
              "the Authorization header holds no bearer token; send Authorization: Bearer"
                  + " <token>, or no bearer header where reads are open");
    }
  }

  /**
   * {@code GET path} with {@code authorization} as its header: the answer, read whole, unless an
   * event stream opened, which never ends by itself: then its status and headers only.
   */
  private static ApiClient.Answer answerUnlessAStreamOpens(
      ApiClient api, String path, String authorization) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(api.base() + path))
            .header("Authorization", authorization)
            .build();
    HttpResponse<java.io.InputStream> response =
        api.http()
            .sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
            .get(10, TimeUnit.SECONDS);
    try (java.io.InputStream body = response.body()) {
      boolean stream =
          response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream");
      return new ApiClient.Answer(
          response.statusCode(),
          response.headers(),
          stream
              ? "(an open event stream)"
              : new String(body.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  static Stream<Arguments> headersWithoutABearerToken() {
    return Stream.of(
        Arguments.of("Bearer and nothing", "Bearer "),
        Arguments.of("Bearer and blanks", "Bearer \t  "),
        Arguments.of("an empty header", ""),
        Arguments.of("Bearer without a space", "Bearer"),
        Arguments.of("bearer in lower case", "bearer  "),
        // the scheme ends at the first character that is not a token character (RFC 9110 11.4):
        // Bearer, then anything but a space, is a malformed bearer credential, not another scheme
        Arguments.of("Bearer and a comma before the token", "Bearer," + READER),
        Arguments.of("Bearer and a quote before the token", "Bearer\"" + READER + "\""),
        Arguments.of("no scheme at all", ", " + READER));
  }

  /**
   * A header of another scheme is a reverse proxy's ({@code Basic} credentials a browser sends with
   * every request behind it): not Sluice's credential, so the ticket or {@code ?access_token=}
   * beside it opens the stream, and without either it is no token.
   */
  @Test
  void aBearerHeaderAndADifferentAccessTokenAreRefusedTheSameOneOpens() throws Exception {
    ApiClient api = api();
    ApiClient.Answer two =
        answerUnlessAStreamOpens(api, "/api/v1/events?access_token=" + WRITER, "Bearer " + READER);
    assertThat(two.status()).as(two.body()).isEqualTo(400);
    assertThat(two.json().get("type").asString()).isEqualTo("urn:sluice:problem:invalid-request");
    assertThat(two.json().get("detail").asString()).contains("send only the header");
    for (String method : List.of("get", "head")) {
      assertThat(documentedResponses(api, method, "/api/v1/events").get("400").get("description"))
          .as(method)
          .asString()
          .contains("a bearer token beside a different ?access_token=")
          .contains("two Authorization headers")
          .contains("an agentStatus that is neither true nor false");
    }
    assertThat(
            answerUnlessAStreamOpens(
                    api, "/api/v1/events?access_token=" + READER, "Bearer " + READER)
                .status())
        .isEqualTo(200);
  }

  @Test
  void anAuthorizationHeaderOfAnotherSchemeIsNotSluicesAndCountsAsNoToken() throws Exception {
    ApiClient api = api();
    String basic = "Basic cmVhZGVyOnNlY3JldA==";
    assertThat(
            answerUnlessAStreamOpens(api, "/api/v1/events?access_token=" + READER, basic).status())
        .isEqualTo(200);
    String ticket =
        api.post("/api/v1/events/tickets", READER, null).json().get("ticket").asString();
    ApiClient.Answer withTicket =
        answerUnlessAStreamOpens(api, "/api/v1/events?ticket=" + ticket, basic);
    assertThat(withTicket.status()).as(withTicket.body()).isEqualTo(200);
    // a scheme that only starts like Bearer is another scheme too
    for (String other : List.of(basic, "Bearerx " + READER)) {
      ApiClient.Answer read = answerUnlessAStreamOpens(api, "/api/v1/services", other);
      assertThat(read.status()).as(other).isEqualTo(401);
      assertThat(read.json().get("detail").asString())
          .isEqualTo("send Authorization: Bearer <token> with this request");
    }
  }

  /**
   * A no-break space (byte 0xA0) is not the space RFC 6750 puts between {@code Bearer} and the
   * token, nor a token character, so the scheme is {@code Bearer} and the credential malformed:
   * refused, never read past to the {@code ?access_token=} beside it. Sent as raw bytes, which
   * HttpClient would not send.
   */
  @Test
  void aBearerHeaderWithANoBreakSpaceBeforeTheTokenIsRefusedNotReadPastToTheAccessToken()
      throws Exception {
    java.io.ByteArrayOutputStream request = new java.io.ByteArrayOutputStream();
    request.write(
        ("GET /api/v1/events?access_token="
                + READER
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer")
            .getBytes(StandardCharsets.US_ASCII));
    request.write(0xA0);
    request.write(
        (READER + "\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    // a stream that opened would never end: the read times out and the test fails
    String answer = RawHttp.exchange(controlPlane.port(), request.toByteArray());
    assertThat(answer).startsWith("HTTP/1.1 401 ");
    assertThat(answer)
        .contains("urn:sluice:problem:unauthorized")
        .contains("the Authorization header holds no bearer token");
  }

  @Test
  void anEmptyBearerHeaderSentAsRawBytesIsRefusedBeforeTheAccessToken() throws Exception {
    // HttpClient trims a header value: here exactly "Bearer " reaches the server
    String answer =
        RawHttp.exchange(
            controlPlane.port(),
            ("GET /api/v1/events?access_token="
                    + READER
                    + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \r\n"
                    + "Accept: text/event-stream\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    // a stream that opened would never end: the read times out and the test fails
    assertThat(answer).startsWith("HTTP/1.1 401 ");
    assertThat(answer).contains("urn:sluice:problem:unauthorized");
  }

  /**
   * Opens the event stream with {@code query} (and {@code token} as the Authorization header, when
   * given) and closes it as soon as its status and headers are in.
   */
  private static HttpResponse<Stream<String>> openEventsAndClose(
      ApiClient api, String query, String token) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/events?" + query))
            .header("Accept", "text/event-stream");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<Stream<String>> response =
        api.http()
            .sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines())
            .get(10, TimeUnit.SECONDS);
    response.body().close();
    return response;
  }

  /**
   * One control plane with a short ticket TTL and stream age: an expired ticket is refused, open
   * reads mint one without a token, and a stream opened with a ticket ends without an error (its
   * end comes back through the dispatcher, where the spent ticket must not be checked again).
   */
  @Test
  void aTicketExpiresAfterItsTtlOpenReadsMintOneWithoutATokenAndItsStreamEndsCleanly() {
    Duration ttl = Duration.ofSeconds(5);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    try (RunningControlPlane open =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints",
                etcd.endpoint(),
                "sluice.security.tokens.reader.token",
                READER,
                "sluice.security.tokens.reader.role",
                "reader",
                "sluice.security.open-reads",
                "true",
                "sluice.events.ticket-ttl",
                ttl.toMillis() + "ms",
                "sluice.events.max-age",
                "3s"))) {
      // what the control plane logs from here on (its start's warnings, open reads', are not
      // this test's)
      root.addAppender(logged);
      ApiClient api = open.api();
      // reads are open, but a header that holds no token is a broken credential, not none
      assertThat(
              api.call("GET", "/api/v1/services", null, null, Map.of("Authorization", "Bearer "))
                  .status())
          .isEqualTo(401);
      assertThat(api.get("/api/v1/services", null).status()).isEqualTo(200);
      // a proxy's Basic credentials are not Sluice's: an anonymous read
      assertThat(
              api.call("GET", "/api/v1/services", null, null, Map.of("Authorization", "Basic eDp5"))
                  .status())
          .isEqualTo(200);
      ApiClient.Answer minted = api.post("/api/v1/events/tickets", null, null);
      assertThat(minted.status()).as(minted.body()).isEqualTo(200);
      assertThat(minted.json().get("expiresInSeconds").asLong()).isEqualTo(5);
      String late =
          api.post("/api/v1/events/tickets", READER, null).json().get("ticket").asString();
      // the control plane minted it before this moment: its TTL is over a little after ttl from now
      long lateMinted = System.nanoTime();

      // minted without a token while reads are open: the stream opens anonymously
      BlockingQueue<String> events = new LinkedBlockingQueue<>();
      CompletableFuture<Void> stream =
          openEvents(api, "ticket=" + minted.json().get("ticket").asString(), events);
      try {
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> events.contains("status:200") && events.contains("event:ready"));
        // the stream ends by its age: the client reads to the end, the server logs nothing
        await().atMost(Duration.ofSeconds(20)).until(stream::isDone);
        assertThat(stream).isCompleted();
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> eventsRequests(api).anyMatch(line -> true));
        assertThat(eventsRequests(api)).allMatch(line -> line.contains("error=\"none\""));
        // what serves the request: Tomcat, Spring MVC, the control plane's web and security parts
        // (not, say, a slow first etcd read of this second control plane, which may warn)
        assertThat(logged.list)
            .filteredOn(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
            .filteredOn(
                e ->
                    Stream.of(
                            "org.apache.catalina",
                            "org.apache.coyote",
                            "org.springframework.web",
                            "io.sluice.controlplane.web",
                            "io.sluice.controlplane.security")
                        .anyMatch(e.getLoggerName()::startsWith))
            .extracting(ILoggingEvent::getFormattedMessage)
            .isEmpty();
      } finally {
        stream.cancel(true);
      }

      // one try, once the TTL is over: a try before would spend the ticket, and a second try would
      // then be refused for that, expired or not. The stream above used up part of the TTL.
      Duration untilExpired = ttl.plusMillis(200).minusNanos(System.nanoTime() - lateMinted);
      await()
          .pollDelay(untilExpired.isNegative() ? Duration.ZERO : untilExpired)
          .atMost(ttl.plusSeconds(10))
          .until(() -> true);
      assertRefusedTicket(api.get("/api/v1/events?ticket=" + late, null));
    } finally {
      root.detachAppender(logged);
    }
  }

  /**
   * Under {@code server.servlet.context-path} the request URI starts with the context path: the
   * token check still knows the event stream by its path within the application, so a ticket and
   * the deprecated {@code ?access_token=} open it there, and a ticket elsewhere is not one.
   */
  @Test
  void aTicketAndTheAccessTokenOpenTheEventStreamUnderAServletContextPath() throws Exception {
    try (RunningControlPlane prefixed = startUnderSluice()) {
      ApiClient api = prefixed.api();
      ApiClient.Answer minted = api.post("/sluice/api/v1/events/tickets", READER, null);
      assertThat(minted.status()).as(minted.body()).isEqualTo(200);
      String ticket = minted.json().get("ticket").asString();

      HttpResponse<Stream<String>> withTicket =
          openAndClose(api, "/sluice/api/v1/events?ticket=" + ticket);
      assertThat(withTicket.statusCode()).isEqualTo(200);
      assertThat(withTicket.headers().firstValue("Deprecation")).isEmpty();
      assertRefusedTicket(api.get("/sluice/api/v1/events?ticket=" + ticket, null));

      HttpResponse<Stream<String>> withToken =
          openAndClose(api, "/sluice/api/v1/events?access_token=" + READER);
      assertThat(withToken.statusCode()).isEqualTo(200);
      assertThat(withToken.headers().allValues("Deprecation")).containsExactly("@1795910400");

      // only the event stream takes them
      String another =
          api.post("/sluice/api/v1/events/tickets", READER, null).json().get("ticket").asString();
      assertThat(api.get("/sluice/api/v1/services?ticket=" + another, null).status())
          .isEqualTo(401);
      assertThat(api.get("/sluice/api/v1/services?access_token=" + READER, null).status())
          .isEqualTo(401);
    }
  }

  /**
   * Under {@code server.servlet.context-path} the API keeps what its filters give it, which know
   * the API by its path within the application, not by the raw request URI: the 256 KiB body cap
   * (413 before a body's end is read: a document padded with blanks parses to a small one, which
   * would otherwise be stored), {@code Cache-Control: private, no-cache} on its answers, errors
   * too, and the deprecation {@code Link} names the ticket endpoint under the prefix.
   */
  @Test
  void underAServletContextPathTheApiKeepsItsBodyCapCacheControlAndDeprecationLink()
      throws Exception {
    try (RunningControlPlane prefixed = startUnderSluice()) {
      ApiClient api = prefixed.api();
      String path = "/sluice/api/v1/services/padded/rules";
      String padded = document(null, 0.5, "r") + " ".repeat(300 * 1024);
      ApiClient.Answer tooLarge = api.put(path, WRITER, padded, Map.of());
      assertThat(tooLarge.status()).as(tooLarge.body()).isEqualTo(413);
      assertThat(tooLarge.json().get("type").asString())
          .isEqualTo("urn:sluice:problem:payload-too-large");
      assertThat(tooLarge.json().get("detail").asString())
          .contains("request bodies are limited to 262144 bytes");
      assertThat(tooLarge.header("Cache-Control")).isEqualTo("private, no-cache");
      assertThat(api.get(path, READER).status()).isEqualTo(404);
      // the same document without the padding is stored
      assertThat(api.put(path, WRITER, document(null, 0.5, "r"), Map.of()).status()).isEqualTo(200);

      ApiClient.Answer services = api.get("/sluice/api/v1/services", READER);
      assertThat(services.status()).isEqualTo(200);
      assertThat(services.header("Cache-Control")).isEqualTo("private, no-cache");
      assertThat(api.get(path, READER).header("Cache-Control")).isEqualTo("private, no-cache");

      String stream = "/sluice/api/v1/events?access_token=" + READER;
      HttpResponse<Stream<String>> withToken = openAndClose(api, stream);
      assertThat(withToken.statusCode()).isEqualTo(200);
      assertThat(withToken.headers().firstValue("Cache-Control")).hasValue("private, no-cache");
      List<String> links = withToken.headers().allValues("Link");
      assertThat(links).hasSize(1);
      Matcher link = Pattern.compile("<([^>]*)>; rel=\"alternate\"").matcher(links.get(0));
      assertThat(link.matches()).as(links.get(0)).isTrue();
      // RFC 8288: a relative reference is resolved against the URL that was asked for
      URI target = withToken.request().uri().resolve(link.group(1));
      assertThat(target).isEqualTo(URI.create(api.base() + "/sluice/api/v1/events/tickets"));
      ApiClient.Answer minted = api.post(target.getRawPath(), READER, null);
      assertThat(minted.status()).as(minted.body()).isEqualTo(200);
      assertThat(minted.json().get("ticket").asString()).isNotBlank();

      // the UI: the context root without its slash is sent to it, with a Location a proxy that
      // forwards the path unchanged passes on as it is
      ApiClient.Answer bare = api.get("/sluice", null);
      assertThat(bare.status()).isEqualTo(302);
      assertThat(bare.header("Location")).isEqualTo("/sluice/");
      ApiClient.Answer page = api.get("/sluice/", null);
      assertThat(page.status()).isEqualTo(200);
      assertThat(page.body()).contains("<script type=\"module\" src=\"js/app.js\">");
    }
  }

  /**
   * Under {@code spring.mvc.servlet.path} Spring MVC serves the API after the DispatcherServlet's
   * prefix: its filters know it there too, so the body cap, {@code Cache-Control} and the
   * actuator's admin token check still apply.
   */
  @Test
  void underAServletPathTheApiKeepsItsBodyCapCacheControlAndActuatorTokenCheck() {
    try (RunningControlPlane prefixed =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints",
                etcd.endpoint(),
                "sluice.security.tokens.writer.token",
                WRITER,
                "sluice.security.tokens.writer.role",
                "writer",
                "spring.mvc.servlet.path",
                "/mvc",
                "management.endpoints.web.exposure.include",
                "health,loggers"))) {
      ApiClient api = prefixed.api();
      // the actuator's endpoints are after the prefix too, and so is its admin token check
      assertThat(api.get("/mvc/actuator/health", null).status()).isEqualTo(200);
      assertThat(api.get("/mvc/actuator/loggers", null).status()).isEqualTo(401);
      assertThat(api.get("/mvc/actuator/loggers", WRITER).status()).isEqualTo(403);
      String path = "/mvc/api/v1/services/padded-mvc/rules";
      String padded = document(null, 0.5, "r") + " ".repeat(300 * 1024);
      ApiClient.Answer tooLarge = api.put(path, WRITER, padded, Map.of());
      assertThat(tooLarge.status()).as(tooLarge.body()).isEqualTo(413);
      assertThat(tooLarge.header("Cache-Control")).isEqualTo("private, no-cache");
      assertThat(api.get(path, WRITER).status()).isEqualTo(404);
      assertThat(api.get("/mvc/api/v1/services", WRITER).header("Cache-Control"))
          .isEqualTo("private, no-cache");
    }
  }

  /**
   * A path parameter in the context path's segment ({@code /sluice;x=y/...}) is in Tomcat's context
   * path as sent, and Spring MVC serves the actuator's endpoints behind it: the admin token check
   * knows them there too. (The API refuses any {@code ;} in its paths: PathParameterInterceptor.)
   */
  @Test
  void aPathParameterInTheContextPathDoesNotOpenTheActuator() {
    try (RunningControlPlane prefixed =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints",
                etcd.endpoint(),
                "sluice.security.tokens.writer.token",
                WRITER,
                "sluice.security.tokens.writer.role",
                "writer",
                "server.servlet.context-path",
                "/sluice",
                "management.endpoints.web.exposure.include",
                "health,loggers"))) {
      ApiClient api = prefixed.api();
      for (String loggers :
          List.of(
              "/sluice/actuator/loggers",
              "/sluice;x=y/actuator/loggers",
              "/sluice;/actuator/loggers;x/ROOT")) {
        assertThat(api.get(loggers, null).status()).as(loggers).isEqualTo(401);
        assertThat(api.get(loggers, WRITER).status()).as(loggers).isEqualTo(403);
      }
      assertThat(api.get("/sluice;x=y/actuator/health", null).status()).isEqualTo(200);
    }
  }

  /**
   * A second control plane on the class's etcd, under {@code server.servlet.context-path=/sluice}.
   */
  private static RunningControlPlane startUnderSluice() {
    return RunningControlPlane.start(
        Map.of(
            "sluice.etcd.endpoints",
            etcd.endpoint(),
            "sluice.security.tokens.reader.token",
            READER,
            "sluice.security.tokens.reader.role",
            "reader",
            "sluice.security.tokens.writer.token",
            WRITER,
            "sluice.security.tokens.writer.role",
            "writer",
            "server.servlet.context-path",
            "/sluice"));
  }

  /** Opens {@code GET path} (an event stream) and closes it once its status and headers are in. */
  private static HttpResponse<Stream<String>> openAndClose(ApiClient api, String path)
      throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(api.base() + path))
            .header("Accept", "text/event-stream")
            .build();
    HttpResponse<Stream<String>> response =
        api.http()
            .sendAsync(request, HttpResponse.BodyHandlers.ofLines())
            .get(10, TimeUnit.SECONDS);
    response.body().close();
    return response;
  }

  /** The request counts of {@code GET /api/v1/events} in {@code /actuator/prometheus}. */
  private static Stream<String> eventsRequests(ApiClient api) {
    return api.get("/actuator/prometheus", null)
        .body()
        .lines()
        .filter(l -> l.startsWith("http_server_requests_seconds_count{"))
        .filter(l -> l.contains("uri=\"/api/v1/events\""));
  }

  /**
   * Opens {@code GET /api/v1/events?query}; its status ("status:200") and lines go to {@code
   * lines}.
   */
  private static CompletableFuture<Void> openEvents(
      ApiClient api, String query, BlockingQueue<String> lines) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/events?" + query))
            .header("Accept", "text/event-stream")
            .build();
    return api.http()
        .sendAsync(request, HttpResponse.BodyHandlers.ofLines())
        .thenAccept(
            r -> {
              lines.add("status:" + r.statusCode());
              r.body().forEach(lines::add);
            });
  }

  /**
   * Opens the event stream with {@code ticket}, waits until it is ready, runs {@code whileOpen}
   * with the stream's lines as they come.
   */
  private static void whileAStreamIsOpenWith(
      ApiClient api, String ticket, Consumer<BlockingQueue<String>> whileOpen) {
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    CompletableFuture<Void> stream = openEvents(api, "ticket=" + ticket, events);
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> events.contains("status:200") && events.contains("event:ready"));
      whileOpen.accept(events);
    } finally {
      stream.cancel(true);
    }
  }

  private static void assertRefusedTicket(ApiClient.Answer answer) {
    assertThat(answer.status()).as(answer.body()).isEqualTo(401);
    assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
    assertThat(answer.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(answer.json().get("type").asString()).isEqualTo("urn:sluice:problem:unauthorized");
    assertThat(answer.json().get("detail").asString())
        .isEqualTo(
            "the event stream ticket is unknown, used or expired; POST /api/v1/events/tickets for"
                + " a new one");
  }

  /**
   * Asks {@code controlPlane} for one more event stream (as {@link #READER}), which it refuses with
   * {@code status} and the problem {@code type} (and {@code Retry-After: 10}); returns the detail.
   */
  private static String refusedStream(RunningControlPlane controlPlane, int status, String type) {
    ApiClient.Answer refused =
        controlPlane
            .api()
            .call("GET", "/api/v1/events", READER, null, Map.of("Accept", "text/event-stream"));
    assertThat(refused.status()).isEqualTo(status);
    assertThat(refused.header("Retry-After")).isEqualTo("10");
    assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
    assertThat(refused.json().get("type").asString()).isEqualTo("urn:sluice:problem:" + type);
    return refused.json().get("detail").asString();
  }

  /** A raw SSE client over a socket, so closing it is exactly a client going away. */
  private record EventClientSocket(java.net.Socket socket, java.io.BufferedReader in, int status)
      implements AutoCloseable {

    /** A stream of {@code token}'s that is open and said {@code ready}. */
    static EventClientSocket openReady(int port, String token) throws java.io.IOException {
      EventClientSocket socket = open(port, token);
      assertThat(socket.status()).isEqualTo(200);
      socket.awaitReady();
      return socket;
    }

    /** A stream of {@code token}'s, once a slot is free (within 15 s); not read from yet. */
    static EventClientSocket awaitSlot(int port, String token) {
      return await()
          .atMost(Duration.ofSeconds(15))
          .until(
              () -> {
                EventClientSocket attempt = open(port, token);
                if (attempt.status() != 200) {
                  attempt.close();
                }
                return attempt;
              },
              attempt -> attempt.status() == 200);
    }

    static EventClientSocket open(int port, String token) throws java.io.IOException {
      java.net.Socket socket = new java.net.Socket("127.0.0.1", port);
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:"
                      + port
                      + "\r\nAuthorization: Bearer "
                      + token
                      + "\r\nAccept: text/event-stream\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      java.io.BufferedReader in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String statusLine = in.readLine();
      return new EventClientSocket(socket, in, Integer.parseInt(statusLine.split(" ")[1]));
    }

    void awaitReady() throws java.io.IOException {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.equals("event:ready")) {
          return;
        }
      }
      throw new java.io.EOFException("the stream ended before event:ready");
    }

    @Override
    public void close() throws java.io.IOException {
      socket.close();
    }
  }

  @Test
  void whoamiNamesTheTokenAndItsRole() {
    ApiClient api = api();
    JsonNode reader = api.get("/api/v1/whoami", READER).json();
    JsonNode writer = api.get("/api/v1/whoami", WRITER).json();
    assertThat(reader.get("role").asString()).isEqualTo("reader");
    assertThat(writer.get("role").asString()).isEqualTo("writer");
    assertThat(reader.get("name").asString()).isNotEqualTo(writer.get("name").asString());
  }

  @Test
  void serviceNamesKeepTheirCaseAndNamesDifferingInCaseAreTwoServices() {
    ApiClient api = api();
    ApiClient.Answer camel =
        api.put(
            "/api/v1/services/OrderService/rules",
            WRITER,
            document("OrderService", 0.25, "camel"),
            Map.of());
    assertThat(camel.status()).as(camel.body()).isEqualTo(200);
    ApiClient.Answer lower =
        api.put(
            "/api/v1/services/orderservice/rules", WRITER, document(null, 0.75, "lower"), Map.of());
    assertThat(lower.status()).as(lower.body()).isEqualTo(200);

    JsonNode camelRules = api.get("/api/v1/services/OrderService/rules", READER).json();
    assertThat(camelRules.get("service").asString()).isEqualTo("OrderService");
    assertThat(camelRules.get("sampling").get("defaultRatio").asDouble()).isEqualTo(0.25);
    JsonNode lowerRules = api.get("/api/v1/services/orderservice/rules", READER).json();
    assertThat(lowerRules.get("service").asString()).isEqualTo("orderservice");
    assertThat(lowerRules.get("sampling").get("defaultRatio").asDouble()).isEqualTo(0.75);
    assertThat(api.get("/api/v1/services", READER).json().findValuesAsString("service"))
        .contains("OrderService", "orderservice");

    // the URL names the service: a document naming it in another case is another service
    ApiClient.Answer mismatch =
        api.put(
            "/api/v1/services/OrderService/rules",
            WRITER,
            document("orderService", 0.5, "camel"),
            Map.of());
    assertThat(mismatch.status()).isEqualTo(400);
    assertThat(mismatch.body()).contains("$.service");
  }

  @Test
  void refusesBadServiceNamesAndOversizedBodies() {
    ApiClient api = api();
    for (String bad : List.of("unknown_service:java", "-orders", "a%20b", "x".repeat(64))) {
      ApiClient.Answer answer =
          api.put("/api/v1/services/" + bad + "/rules", WRITER, document(null, 0.5, "r"), Map.of());
      assertThat(answer.status()).as(bad).isEqualTo(400);
      assertThat(answer.json().get("type").asString())
          .isEqualTo("urn:sluice:problem:invalid-service-name");
      assertThat(answer.json().get("detail").asString()).contains("run the _default document");
      // a name agents may run under: it has no document of its own, and the answer says why
      ApiClient.Answer read = api.get("/api/v1/services/" + bad + "/rules", READER);
      assertThat(read.status()).as(bad).isEqualTo(404);
      assertThat(read.json().get("canHaveOwnDocument").asBoolean(true)).isFalse();
    }
    ApiClient.Answer blank = api.get("/api/v1/services/%20/rules", READER);
    assertThat(blank.status()).isEqualTo(400);
    assertThat(blank.json().get("type").asString())
        .isEqualTo("urn:sluice:problem:invalid-service-name");
    assertThat(api.get("/api/v1/services/_default/rules", READER).status()).isEqualTo(404);

    String huge =
        "{\"schemaVersion\":1,\"sampling\":{\"defaultRatio\":1},\"pad\":\""
            + "x".repeat(300 * 1024)
            + "\"}";
    ApiClient.Answer tooLarge = api.put("/api/v1/services/big/rules", WRITER, huge, Map.of());
    assertThat(tooLarge.status()).isEqualTo(413);
    assertThat(tooLarge.json().get("type").asString())
        .isEqualTo("urn:sluice:problem:payload-too-large");
    assertThat(api.get("/api/v1/services/big/rules", READER).status()).isEqualTo(404);

    ApiClient.Answer unknown = api.get("/api/v1/nothing-here", READER);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.header("Content-Type")).startsWith("application/problem+json");
  }

  /**
   * A dry run's body is capped as a save's is (a draft may be as large as a document): 413, which
   * the OpenAPI document lists for it as for a PUT.
   */
  @Test
  void aDryRunBodyOverTheCapAnswers413AsTheOpenApiDocumentSays() {
    ApiClient api = api();
    String huge =
        "{\"span\": {\"name\": \"a\"}, \"document\": {\"schemaVersion\": 1, \"pad\": \""
            + "x".repeat(300 * 1024)
            + "\"}}";
    ApiClient.Answer tooLarge = api.post("/api/v1/services/big-draft/rules/evaluate", READER, huge);
    assertThat(tooLarge.status()).isEqualTo(413);
    assertThat(tooLarge.json().get("type").asString())
        .isEqualTo("urn:sluice:problem:payload-too-large");
    JsonNode paths = api.get("/api/v1/openapi.json", null).json().get("paths");
    for (var path : paths.properties()) {
      for (var operation : path.getValue().properties()) {
        JsonNode body = operation.getValue().get("requestBody");
        if (body != null) {
          assertThat(operation.getValue().get("responses").has("413"))
              .as(
                  "%s %s takes a body: the OpenAPI document lists its 413",
                  operation.getKey(), path.getKey())
              .isTrue();
        }
      }
    }
  }

  /** A terse document of {@code count} breakers that set nothing but their name. */
  static String minimalBreakers(int count) {
    StringBuilder document = new StringBuilder("{\"schemaVersion\": 1, \"breakers\": [");
    for (int i = 0; i < count; i++) {
      document.append(i == 0 ? "" : ",").append("{\"name\": \"b").append(i).append("\"}");
    }
    return document.append("]}").toString();
  }

  @Test
  void refusesADocumentWhoseStoredFormIsTooLargeAndChangesNothing() {
    ApiClient api = api();
    String path = "/api/v1/services/swollen/rules";
    ApiClient.Answer first =
        api.put(path, WRITER, document(null, 0.5, "r"), Map.of("X-Sluice-Comment", "first"));
    assertThat(first.status()).isEqualTo(200);
    String stored = api.get(path, READER).body();
    String history = api.get(path + "/history", READER).body();

    // 150 KB as sent; about 2.7 MB with every default spelled out, far more than etcd takes
    String terse = minimalBreakers(9_000);
    assertThat(terse.length()).isLessThan(256 * 1024);
    ApiClient.Answer refused = api.put(path, WRITER, terse, Map.of());
    assertThat(refused.status()).isEqualTo(413);
    assertThat(refused.header("Retry-After")).isNull();
    JsonNode problem = refused.json();
    assertThat(problem.get("type").asString()).isEqualTo("urn:sluice:problem:payload-too-large");
    assertThat(problem.get("limit").asLong()).isEqualTo(256 * 1024);
    long size = problem.get("size").asLong();
    assertThat(size).isGreaterThan(2_000_000);
    assertThat(problem.get("detail").asString())
        .contains(size + " bytes", "262144 bytes", "nothing was changed");

    ApiClient.Answer after = api.get(path, READER);
    assertThat(after.header("ETag")).isEqualTo(first.header("ETag"));
    assertThat(after.body()).isEqualTo(stored);
    assertThat(api.get(path + "/history", READER).body()).isEqualTo(history);
  }

  @Test
  void aLargeDocumentAsReadCanBeWrittenBack() {
    ApiClient api = api();
    String path = "/api/v1/services/roomy/rules";
    assertThat(api.put(path, WRITER, minimalBreakers(700), Map.of()).status()).isEqualTo(200);
    ApiClient.Answer read = api.get(path, READER);
    // about 210 KB stored; indented, the same document would be about 300 KB, over the body limit
    assertThat(read.body().getBytes(StandardCharsets.UTF_8).length).isBetween(150_000, 256 * 1024);
    ApiClient.Answer written =
        api.put(path, WRITER, read.body(), Map.of("If-Match", read.header("ETag")));
    assertThat(written.status()).isEqualTo(200);
    ApiClient.Answer again = api.get(path, READER);
    assertThat(again.header("ETag")).isEqualTo(written.header("ETag"));
    assertThat(again.body()).isEqualTo(read.body());
  }

  @Test
  void refusesATransactionLargerThanEtcdAcceptsBeforeSendingIt() {
    try (RunningControlPlane tight =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints",
                etcd.endpoint(),
                "sluice.etcd.max-request-bytes",
                "150000",
                "sluice.security.tokens.reader.token",
                READER,
                "sluice.security.tokens.reader.role",
                "reader",
                "sluice.security.tokens.writer.token",
                WRITER,
                "sluice.security.tokens.writer.role",
                "writer"))) {
      ApiClient api = tight.api();
      String path = "/api/v1/services/tight/rules";
      ApiClient.Answer first = api.put(path, WRITER, document(null, 0.5, "r"), Map.of());
      assertThat(first.status()).isEqualTo(200);

      // about 90 KB stored, twice in the transaction (document and history entry): 180 KB
      ApiClient.Answer refused = api.put(path, WRITER, minimalBreakers(300), Map.of());
      assertThat(refused.status()).isEqualTo(413);
      JsonNode problem = refused.json();
      assertThat(problem.get("type").asString()).isEqualTo("urn:sluice:problem:payload-too-large");
      assertThat(problem.get("limit").asLong()).isEqualTo(150_000);
      assertThat(problem.get("size").asLong()).isGreaterThan(150_000);
      assertThat(problem.get("detail").asString())
          .contains("etcd transaction", "sluice.etcd.max-request-bytes", "nothing was changed");

      assertThat(api.get(path, READER).header("ETag")).isEqualTo(first.header("ETag"));
      assertThat(api.get(path + "/history", READER).json().get("entries")).hasSize(1);

      // a deletion too, as the OpenAPI document says: it rewrites the previous history entry,
      // here one written under the roomier limit of the class's control plane
      String roomy = "/api/v1/services/tight-deletion/rules";
      ApiClient.Answer stored = api().put(roomy, WRITER, minimalBreakers(700), Map.of());
      assertThat(stored.status()).isEqualTo(200);
      ApiClient.Answer deletion = api.delete(roomy, WRITER);
      assertThat(deletion.status()).as(deletion.body()).isEqualTo(413);
      assertThat(deletion.json().get("type").asString())
          .isEqualTo("urn:sluice:problem:payload-too-large");
      assertThat(deletion.json().get("limit").asLong()).isEqualTo(150_000);
      assertThat(api.get(roomy, READER).header("ETag")).isEqualTo(stored.header("ETag"));
      assertThat(documentedResponses(api, "delete", "/api/v1/services/{service}/rules").has("413"))
          .as("the OpenAPI document lists 413 for DELETE rules")
          .isTrue();
    }
  }

  @Test
  void aServiceNamedOutsideTheRuleNamesIsShownRunningDefaultAndCannotGetADocument()
      throws Exception {
    ApiClient api = api();
    // a name agents may report (otel.service.name is free text) but no document can have
    String service = "unknown_service:java";
    String base = "/api/v1/services/" + service;
    long defaults =
        storedRevision(
            api, "/api/v1/services/_default/rules", document("_default", 0.05, "drop-health"));
    io.sluice.sdk.ActiveRulesHolder holder =
        new io.sluice.sdk.ActiveRulesHolder(io.sluice.sdk.ActiveRules.defaults(service));
    try (io.sluice.sdk.source.EtcdRuleSource source =
            io.sluice.sdk.source.EtcdRuleSource.builder(jetcd, holder, service).build();
        io.sluice.sdk.status.StatusReporter reporter =
            io.sluice.sdk.status.StatusReporter.builder(jetcd, service, holder)
                .instanceId("camel-1")
                .addRuleSource(source)
                .build()) {
      source.start();
      reporter.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> holder.current().revision() == defaults);

      // the rollout is measured against _default, which the agent runs
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> api.get(base + "/rollout", READER).json().get("current").size() == 1);
      JsonNode rollout = api.get(base + "/rollout", READER).json();
      assertThat(rollout.get("source").asString()).isEqualTo("_default");
      assertThat(rollout.get("revision").asLong()).isEqualTo(defaults);
      assertThat(rollout.get("current").get(0).get("instanceId").asString()).isEqualTo("camel-1");
      ApiClient.Answer unprotected = api.get(base + "/unprotected", READER);
      assertThat(unprotected.status()).isEqualTo(200);
      assertThat(unprotected.json().size()).isZero();
      JsonNode evaluation =
          api.post(base + "/rules/evaluate", READER, "{\"span\": {\"name\": \"GET /healthz\"}}")
              .json();
      assertThat(evaluation.get("source").asString()).isEqualTo("_default");
      assertThat(evaluation.get("revision").asLong()).isEqualTo(defaults);
      assertThat(evaluation.get("name").asString()).isEqualTo("drop-health");
      ApiClient.Answer history = api.get(base + "/rules/history", READER);
      assertThat(history.status()).isEqualTo(200);
      assertThat(history.json().get("entries").size()).isZero();
      assertThat(api.get(base + "/rules/history/" + defaults, READER).status()).isEqualTo(404);

      // a document of its own could never apply: reading says so, writing is refused
      ApiClient.Answer rules = api.get(base + "/rules", READER);
      assertThat(rules.status()).isEqualTo(404);
      assertThat(rules.json().get("type").asString()).isEqualTo("urn:sluice:problem:not-found");
      assertThat(rules.json().get("canHaveOwnDocument").asBoolean(true)).isFalse();
      assertThat(rules.json().get("detail").asString())
          .contains("'unknown_service:java' can have no rule document of its own")
          .contains("its agents run the _default document");
      for (ApiClient.Answer write :
          List.of(
              api.put(base + "/rules", WRITER, document(null, 0.5, "r"), Map.of()),
              api.delete(base + "/rules", WRITER),
              api.post(base + "/rules/rollback?to=" + defaults, WRITER, null))) {
        assertThat(write.status()).isEqualTo(400);
        assertThat(write.json().get("type").asString())
            .isEqualTo("urn:sluice:problem:invalid-service-name");
        assertThat(write.json().get("detail").asString()).contains("run the _default document");
      }

      JsonNode summary = null;
      JsonNode defaultSummary = null;
      for (JsonNode s : api.get("/api/v1/services", READER).json()) {
        if (s.get("service").asString().equals(service)) {
          summary = s;
        }
        if (s.get("service").asString().equals("_default")) {
          defaultSummary = s;
        }
      }
      assertThat(summary).isNotNull();
      assertThat(summary.get("source").asString()).isEqualTo("_default");
      assertThat(summary.get("agents").get("current").asInt()).isEqualTo(1);
      // No agent reports the name _default: its row counts the agents that fall back to it.
      // Other tests' agents of services without a document may be live in this etcd too, so
      // _default's agents are looked at by service and instance id, never counted.
      assertThat(defaultSummary).isNotNull();
      assertThat(defaultSummary.get("agents").get("current").asInt()).isPositive();

      // _default's page finds the same agents: its rollout, with the service each reports...
      JsonNode defaultRollout = api.get("/api/v1/services/_default/rollout", READER).json();
      assertThat(defaultRollout.get("source").asString()).isEqualTo("_default");
      assertThat(defaultRollout.get("revision").asLong()).isEqualTo(defaults);
      assertThat(agentIds(defaultRollout.get("current"))).contains(service + "/camel-1");
      assertThat(agentIds(defaultRollout.get("older"))).doesNotContain(service + "/camel-1");
      assertThat(agentIds(defaultRollout.get("rejected"))).doesNotContain(service + "/camel-1");
      // ...and their statuses, asked for as such: ?service= stays a filter by the reported name
      assertThat(agentIds(api.get("/api/v1/agents?fallingBackToDefault=true", READER).json()))
          .contains(service + "/camel-1");
      assertThat(
              agentIds(
                  api.get(
                          "/api/v1/agents?service=unknown_service:java&fallingBackToDefault=true",
                          READER)
                      .json()))
          .containsExactly(service + "/camel-1");
      assertThat(api.get("/api/v1/agents?service=_default", READER).json()).isEmpty();
      ApiClient.Answer notABoolean = api.get("/api/v1/agents?fallingBackToDefault=maybe", READER);
      assertThat(notABoolean.status()).isEqualTo(400);
      assertThat(notABoolean.header("Content-Type")).startsWith("application/problem+json");

      // what those agents call that no policy of _default covers is _default's to protect
      long lease = jetcd.getLeaseClient().grant(120).get(5, TimeUnit.SECONDS).getID();
      try {
        LeasedStatuses.put(
            jetcd,
            lease,
            new AgentStatus(
                "camel-2",
                service,
                "camel-host-2",
                4343,
                new AgentStatus.Versions("0.1.0", "1.65.0", "17"),
                Instant.now(),
                Instant.now(),
                "etcd",
                defaults,
                null,
                List.of(),
                List.of(new AgentStatus.TargetStats("ledger:9000", 300, 3, 40.0, null))));
        // other agents running _default may call targets of their own: look for this one
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> unprotectedTarget(api, "_default", "ledger:9000") != null);
        assertThat(unprotectedTarget(api, "_default", "ledger:9000").get("agents").asInt())
            .isEqualTo(1);
      } finally {
        jetcd.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
      }

      // Without a _default document its agents run the built-in defaults, and stay the agents
      // that fall back to _default, those a _default document would reach once written: its page
      // lists them, its rollout sorting them against the built-in defaults (no source, revision 0)
      assertThat(api.delete("/api/v1/services/_default/rules", WRITER).status()).isEqualTo(200);
      JsonNode builtIn = api.get("/api/v1/services/_default/rollout", READER).json();
      assertThat(builtIn.path("source").isNull() || builtIn.path("source").isMissingNode())
          .as("source of %s", builtIn)
          .isTrue();
      assertThat(builtIn.get("revision").asLong()).isZero();
      List<String> sorted = new ArrayList<>(agentIds(builtIn.get("current")));
      sorted.addAll(agentIds(builtIn.get("older")));
      // an agent that has not applied the delete yet still reports _default's deleted revision,
      // above the built-in defaults' 0: ahead (once it has, it reports 0 and is current)
      sorted.addAll(agentIds(builtIn.get("ahead")));
      assertThat(sorted).contains(service + "/camel-1");
      // camel-2's lease was revoked above: the inventory learns of it from its watch
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(
                          agentIds(
                              api.get(
                                      "/api/v1/agents?service=unknown_service:java"
                                          + "&fallingBackToDefault=true",
                                      READER)
                                  .json()))
                      .containsExactly(service + "/camel-1"));
    } finally {
      // already done unless the test failed first; then a 404 here is fine
      api.delete("/api/v1/services/_default/rules", WRITER);
    }
  }

  /** Each agent of a list (statuses, or a rollout's) as {@code service/instanceId}. */
  private static List<String> agentIds(JsonNode agents) {
    List<String> ids = new ArrayList<>();
    agents.forEach(
        a -> ids.add(a.get("service").asString() + "/" + a.get("instanceId").asString()));
    return ids;
  }

  /** The service's unprotected dependency {@code target}, or {@code null} when it is not listed. */
  private static JsonNode unprotectedTarget(ApiClient api, String service, String target) {
    for (JsonNode t : api.get("/api/v1/services/" + service + "/unprotected", READER).json()) {
      if (t.get("target").asString().equals(target)) {
        return t;
      }
    }
    return null;
  }

  @Test
  void listsEveryProblemAtOnceAndRefusesDuplicateKeysWithoutAService() {
    ApiClient api = api();
    String path = "/api/v1/services/every-problem/rules";
    ApiClient.Answer refused =
        api.put(
            path,
            WRITER,
            "{\"schemaVersion\":1,\"service\":\"payments\",\"sampling\":{\"defaultRatio\":5}}",
            Map.of());
    assertThat(refused.status()).isEqualTo(400);
    List<String> paths = new ArrayList<>();
    refused.json().get("errors").forEach(e -> paths.add(e.get("path").asString()));
    assertThat(paths).containsExactlyInAnyOrder("$.sampling.defaultRatio", "$.service");

    // each semantic problem says where it is in the text sent, as a syntax error does
    ApiClient.Answer placed =
        api.put(
            path,
            WRITER,
            "{\"schemaVersion\": 1,\r\n \"sampling\": {\"rules\": [\r\n"
                + "  {\"name\": \"r\", \"ratio\": 2, \"match\": {\"spnaName\": \"x\"}}]}}",
            Map.of());
    assertThat(placed.status()).isEqualTo(400);
    JsonNode placedErrors = placed.json().get("errors");
    assertThat(placedErrors).hasSize(2);
    assertThat(placedErrors.get(0).get("path").asString()).isEqualTo("$.sampling.rules[0].ratio");
    assertThat(placedErrors.get(0).get("line").asInt()).isEqualTo(3);
    assertThat(placedErrors.get(0).get("column").asInt()).isEqualTo(26);
    // an unknown field, reported at its object, is placed at its name
    assertThat(placedErrors.get(1).get("path").asString()).isEqualTo("$.sampling.rules[0].match");
    assertThat(placedErrors.get(1).get("line").asInt()).isEqualTo(3);
    assertThat(placedErrors.get(1).get("column").asInt()).isEqualTo(39);

    ApiClient.Answer duplicate =
        api.put(
            path,
            WRITER,
            "{\"schemaVersion\":1,\"sampling\":{\"defaultRatio\":0.5,\"defaultRatio\":1.0,"
                + "\"rules\":[{\"name\":\"r\",\"ratio\":2}]}}",
            Map.of());
    assertThat(duplicate.status()).isEqualTo(400);
    // the field given twice and, in the same answer, the document's other problem
    JsonNode duplicateErrors = duplicate.json().get("errors");
    assertThat(duplicateErrors).hasSize(2);
    assertThat(duplicateErrors.get(0).get("message").asString())
        .isEqualTo("malformed JSON at line 1, column 51: duplicate field 'defaultRatio'");
    assertThat(duplicateErrors.get(1).get("path").asString())
        .isEqualTo("$.sampling.rules[0].ratio");
    assertThat(duplicate.json().get("problemCount").asInt()).isEqualTo(2);
    assertThat(api.get(path, READER).status()).isEqualTo(404);
  }

  @Test
  void recordsCommentsThatAreNotAsciiWhenTheyArrivePercentEncoded() {
    ApiClient api = api();
    String path = "/api/v1/services/comments/rules";
    java.util.function.BiFunction<String, String, ApiClient.Answer> putWithComment =
        (comment, encoding) ->
            api.put(
                path,
                WRITER,
                document(null, comment.length() > 100 ? 0.6 : 0.5, "r"),
                Map.of("X-Sluice-Comment", comment, "X-Sluice-Comment-Encoding", encoding));
    ApiClient.Answer malformed = putWithComment.apply("%E0%A4%A", "percent");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.json().get("detail").asString()).contains("percent-encoding");
    // bytes that are not UTF-8 (Latin-1 "ü", an encoded lone surrogate) are refused, not stored
    // as U+FFFD
    for (String notUtf8 : List.of("Gr%FC%DFe", "%ED%A0%80")) {
      ApiClient.Answer garbled = putWithComment.apply(notUtf8, "percent");
      assertThat(garbled.status()).as(notUtf8).isEqualTo(400);
      assertThat(garbled.json().get("detail").asString()).as(notUtf8).contains("not UTF-8");
    }
    ApiClient.Answer unknown = putWithComment.apply("x", "b64");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.json().get("detail").asString()).contains("must be 'percent'");
    assertThat(api.get(path, READER).status()).isEqualTo(404);

    assertThat(putWithComment.apply("Gr%C3%B6%C3%9Fe%20angepasst%201+1", "percent").status())
        .isEqualTo(200);
    // 901 characters, over 1000 once encoded: the limit applies to the comment as written
    String longComment = "\u00fc" + "x".repeat(900);
    String encoded =
        java.net.URLEncoder.encode(longComment, java.nio.charset.StandardCharsets.UTF_8)
            .replace("+", "%20");
    assertThat(putWithComment.apply(encoded, "percent").status()).isEqualTo(200);

    JsonNode entries = api.get(path + "/history", READER).json().get("entries");
    assertThat(entries.get(0).get("comment").asString()).isEqualTo(longComment);
    assertThat(entries.get(1).get("comment").asString()).isEqualTo("Gr\u00f6\u00dfe angepasst 1+1");
  }

  /** The headers of a comment sent percent-encoded: {@code encoded} as it goes on the wire. */
  private static Map<String, String> percentEncodedComment(String encoded) {
    return Map.of("X-Sluice-Comment", encoded, "X-Sluice-Comment-Encoding", "percent");
  }

  /**
   * PUTs a valid document with {@code encoded} as its percent-encoded comment, asserts the 400
   * {@code invalid-request} refusal and returns its detail.
   */
  private static String refusedComment(ApiClient api, String path, String encoded) {
    ApiClient.Answer refused =
        api.put(path, WRITER, document(null, 0.5, "r"), percentEncodedComment(encoded));
    assertThat(refused.status()).as(encoded).isEqualTo(400);
    assertThat(refused.json().get("type").asString())
        .as(encoded)
        .isEqualTo("urn:sluice:problem:invalid-request");
    return refused.json().get("detail").asString();
  }

  /**
   * A comment is one line of text and a name is a name: control characters, escaped in JSON or
   * percent-encoded in the comment header, are refused at where they are, and nothing is written.
   */
  @Test
  void refusesControlCharactersInNamesAndComments() throws Exception {
    ApiClient api = api();
    String path = "/api/v1/services/control-characters/rules";
    Map<String, String> comments = new java.util.LinkedHashMap<>();
    comments.put("bell", "a%07b");
    comments.put("terminal escape", "%1B%5B31mred");
    comments.put("line break", "first%0Asecond");
    comments.put("tab", "a%09b");
    comments.put("C1 control", "a%C2%9Bb");
    comments.forEach(
        (what, encoded) ->
            assertThat(refusedComment(api, path, encoded))
                .as(what)
                .contains("X-Sluice-Comment may not contain control characters"));
    assertThat(
            api.put(path, WRITER, document(null, 0.5, "r"), Map.of("X-Sluice-Comment", "a\tb"))
                .status())
        .as("a raw tab")
        .isEqualTo(400);
    // raw UTF-8 is read as UTF-8, then held to the same: U+009B (CSI) is a control character
    assertThat(rawPut(path, document(null, 0.5, "r"), "a\u009bb".getBytes(StandardCharsets.UTF_8)))
        .startsWith("HTTP/1.1 400")
        .contains("\\u009b at character 2");
    ApiClient.Answer badName = api.put(path, WRITER, document(null, 0.5, "r\\u001b[2J"), Map.of());
    assertThat(badName.status()).isEqualTo(400);
    assertThat(badName.json().get("errors").get(0).get("path").asString())
        .isEqualTo("$.sampling.rules[0].name");
    assertThat(badName.json().get("errors").get(0).get("message").asString())
        .contains("control characters");
    assertThat(api.get(path, READER).status()).isEqualTo(404);

    // whitespace around a comment is trimmed, as before: a trailing line break is no error
    assertThat(
            api.put(path, WRITER, document(null, 0.5, "r"), percentEncodedComment("done%0A"))
                .status())
        .isEqualTo(200);
    assertThat(api.get(path + "/history", READER).json().get("entries").get(0).get("comment"))
        .hasToString("\"done\"");
    // and does not count against the length: 1000 characters and a line break are taken whole
    String longest = "c".repeat(1000);
    assertThat(
            api.put(path, WRITER, document(null, 0.6, "r"), percentEncodedComment(longest + "%0A"))
                .status())
        .isEqualTo(200);
    assertThat(api.get(path + "/history", READER).json().get("entries").get(0).get("comment"))
        .hasToString("\"" + longest + "\"");
    assertThat(refusedComment(api, path, longest + "c")).contains("longer than 1000 characters");
  }

  /**
   * One line as written: the line and paragraph separators and the bidirectional controls, which
   * would break a comment's line or show it (or a name) as other text than it is ("Trojan Source"),
   * are refused in comments and in the names of a document being written, as control characters
   * are, naming the character and where it is; nothing is written.
   */
  @Test
  void refusesLineSeparatorsAndBidirectionalControlsInNamesAndComments() throws Exception {
    ApiClient api = api();
    String path = "/api/v1/services/bidi-controls/rules";
    Map<String, String> comments = new java.util.LinkedHashMap<>();
    comments.put("line separator", "first%E2%80%A8second|\\u2028 at character 6");
    comments.put("paragraph separator", "a%E2%80%A9b|\\u2029 at character 2");
    comments.put("right-to-left override", "ok%E2%80%AE%20kcab|\\u202e at character 3");
    comments.put("isolate", "%E2%81%A6x%E2%81%A9|\\u2066 at character 1");
    comments.put("right-to-left mark", "a%E2%80%8F|\\u200f at character 2");
    comments.put("Arabic letter mark", "a%D8%9Cb|\\u061c at character 2");
    comments.forEach(
        (what, encodedAndWhere) -> {
          String[] parts = encodedAndWhere.split("\\|");
          assertThat(refusedComment(api, path, parts[0]))
              .as(what)
              .startsWith("X-Sluice-Comment may not contain")
              .contains("(" + parts[1] + ")");
        });
    // raw UTF-8 is held to the same
    assertThat(rawPut(path, document(null, 0.5, "r"), "a\u202eb".getBytes(StandardCharsets.UTF_8)))
        .startsWith("HTTP/1.1 400")
        // the raw answer: JSON writes the message's backslash as \\
        .contains("may not contain bidirectional controls (\\\\u202e at character 2)");
    assertThat(api.get(path, READER).status()).isEqualTo(404);

    // a name with one is refused at its path, listed with every other problem
    ApiClient.Answer badName =
        api.put(path, WRITER, document(null, 5, "drop\\u202ehealth"), Map.of());
    assertThat(badName.status()).isEqualTo(400);
    assertThat(badName.json().get("type").asString()).isEqualTo("urn:sluice:problem:invalid-rules");
    JsonNode errors = badName.json().get("errors");
    assertThat(errors).hasSize(2);
    assertThat(errors.get(0).get("path").asString()).isEqualTo("$.sampling.defaultRatio");
    assertThat(errors.get(1).get("path").asString()).isEqualTo("$.sampling.rules[0].name");
    assertThat(errors.get(1).get("pointer").asString()).isEqualTo("/sampling/rules/0/name");
    assertThat(errors.get(1).get("message").asString())
        .isEqualTo("may not contain bidirectional controls (\\u202e at character 5)");
    ApiClient.Answer separator = api.put(path, WRITER, document(null, 0.5, "a\\u2028b"), Map.of());
    assertThat(separator.status()).isEqualTo(400);
    assertThat(separator.json().get("errors").get(0).get("message").asString())
        .isEqualTo("may not contain line or paragraph separators (\\u2028 at character 2)");
    assertThat(api.get(path, READER).status()).isEqualTo(404);

    // DELETE and rollback take the same comment header
    long r1 =
        api.put(path, WRITER, document(null, 0.5, "r"), Map.of()).json().get("revision").asLong();
    Map<String, String> spoofed = percentEncodedComment("x%E2%80%AEy");
    assertThat(api.call("DELETE", path, WRITER, null, spoofed).status()).isEqualTo(400);
    assertThat(api.call("POST", path + "/rollback?to=" + r1, WRITER, null, spoofed).status())
        .isEqualTo(400);
    assertThat(api.get(path + "/history", READER).json().get("entries")).hasSize(1);
    // around the comment, a separator is whitespace and trimmed, as a trailing line break is
    assertThat(
            api.put(path, WRITER, document(null, 0.6, "r"), percentEncodedComment("done%E2%80%A8"))
                .status())
        .isEqualTo(200);
    assertThat(api.get(path + "/history", READER).json().get("entries").get(0).get("comment"))
        .hasToString("\"done\"");
  }

  /**
   * The globs and attribute keys of a match are shown as written too: a document being written with
   * a bidirectional control or line separator in one is refused at the field's path, with every
   * other problem; a synthetic response's body, content rather than a line, keeps them.
   */
  @Test
  void refusesLineSeparatorsAndBidirectionalControlsInTheGlobsOfADocumentBeingWritten()
      throws Exception {
    ApiClient api = api();
    String path = "/api/v1/services/bidi-globs/rules";
    String spoofed =
        """
        {"schemaVersion": 1, "service": "bidi-globs",
         "sampling": {"rules": [{"name": "r", "ratio": 1,
           "match": {"spanName": "GET /health\\u202e/**", "attributes": {"k\\u2066": "v"}}}]},
         "breakers": [{"name": "b", "match": {"host": "pay\\u2028*"}, "halfOpenCalls": 0}]}
        """;
    ApiClient.Answer refused = api.put(path, WRITER, spoofed, Map.of());
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().get("type").asString()).isEqualTo("urn:sluice:problem:invalid-rules");
    JsonNode errors = refused.json().get("errors");
    assertThat(errors).hasSize(4);
    assertThat(errors.get(0).get("path").asString())
        .isEqualTo("$.sampling.rules[0].match.spanName");
    assertThat(errors.get(0).get("pointer").asString())
        .isEqualTo("/sampling/rules/0/match/spanName");
    assertThat(errors.get(0).get("message").asString())
        .isEqualTo("a glob may not contain bidirectional controls (\\u202e at character 12)");
    assertThat(errors.get(1).get("path").asString())
        .isEqualTo("$.sampling.rules[0].match.attributes['k\\u2066']");
    assertThat(errors.get(1).get("pointer").asString())
        .isEqualTo("/sampling/rules/0/match/attributes/k\u2066");
    assertThat(errors.get(1).get("message").asString())
        .isEqualTo(
            "an attribute key may not contain bidirectional controls (\\u2066 at character 2)");
    assertThat(errors.get(2).get("path").asString()).isEqualTo("$.breakers[0].match.host");
    assertThat(errors.get(2).get("message").asString())
        .isEqualTo("a glob may not contain line or paragraph separators (\\u2028 at character 4)");
    assertThat(errors.get(3).get("path").asString()).isEqualTo("$.breakers[0].halfOpenCalls");
    assertThat(api.get(path, READER).status()).isEqualTo(404);

    String body =
        """
        {"schemaVersion": 1, "service": "bidi-globs",
         "breakers": [{"name": "b", "onOpen": {"mode": "response",
           "body": "\\u05e9\\u05dc\\u05d5\\u05dd\\u200f!\\u2028"}}]}
        """;
    assertThat(api.put(path, WRITER, body, Map.of()).status()).isEqualTo(200);
  }

  /**
   * The sampler records {@code default} and {@code parent} as the rule of the spans no rule
   * decided: a document being written may not give a sampling rule either name, refused at the
   * rule's path with every other problem, and nothing is written. One stored before the names were
   * reserved still reads, as agents still run it.
   */
  @Test
  void refusesSamplingRulesNamedAsTheSamplerNamesTheSpansNoRuleDecided() {
    ApiClient api = api();
    String path = "/api/v1/services/reserved-names/rules";
    String reserved =
        """
        {"schemaVersion": 1, "service": "reserved-names",
         "sampling": {"defaultRatio": 5, "rules": [{"name": "default", "ratio": 1},
           {"name": "parent", "ratio": 0}, {"name": "Default", "ratio": 1}]},
         "breakers": [{"name": "parent"}]}
        """;
    ApiClient.Answer refused = api.put(path, WRITER, reserved, Map.of());
    assertThat(refused.status()).as(refused.body()).isEqualTo(400);
    assertThat(refused.json().get("type").asString()).isEqualTo("urn:sluice:problem:invalid-rules");
    JsonNode errors = refused.json().get("errors");
    assertThat(errors).hasSize(3);
    assertThat(errors.get(0).get("path").asString()).isEqualTo("$.sampling.defaultRatio");
    assertThat(errors.get(1).get("path").asString()).isEqualTo("$.sampling.rules[0].name");
    assertThat(errors.get(1).get("pointer").asString()).isEqualTo("/sampling/rules/0/name");
    assertThat(errors.get(1).get("message").asString())
        .isEqualTo(
            "the name 'default' is reserved: sluice.sampling.rule=default marks the spans kept by"
                + " defaultRatio when no rule matched; give the rule another name");
    assertThat(errors.get(2).get("path").asString()).isEqualTo("$.sampling.rules[1].name");
    assertThat(errors.get(2).get("message").asString())
        .isEqualTo(
            "the name 'parent' is reserved: sluice.sampling.rule=parent marks the spans that"
                + " followed their parent's sampling decision; give the rule another name");
    assertThat(api.get(path, READER).status()).isEqualTo(404);

    // stored before the names were reserved: read and evaluated as the agents run it
    etcd.server()
        .put(
            "/sluice/v1/rules/reserved-names",
            document("reserved-names", 0.5, "default").replace("\n", ""));
    assertThat(api.get(path, READER).status()).isEqualTo(200);
    ApiClient.Answer evaluated =
        api.post(path + "/evaluate", READER, "{\"span\": {\"name\": \"GET /health\"}}");
    assertThat(evaluated.status()).as(evaluated.body()).isEqualTo(200);
    assertThat(evaluated.json().get("name").asString()).isEqualTo("default");
    // written back as read, it is held to the names of a document being written
    ApiClient.Answer writtenBack =
        api.put(path, WRITER, document("reserved-names", 0.6, "default"), Map.of());
    assertThat(writtenBack.status()).as(writtenBack.body()).isEqualTo(400);
    assertThat(writtenBack.json().get("errors").get(0).get("path").asString())
        .isEqualTo("$.sampling.rules[0].name");
  }

  @Test
  void readsCommentsSentAsRawUtf8AndRefusesOtherBytesBeyondAscii() throws Exception {
    String path = "/api/v1/services/raw-comments/rules";
    String body = document(null, 0.5, "r");
    // the JDK client would not send these bytes: write the request by hand
    assertThat(rawPut(path, body, "caf\u00e9 \u2013 \u65e5\u672c".getBytes(StandardCharsets.UTF_8)))
        .startsWith("HTTP/1.1 200");
    // "café" in ISO-8859-1: é alone is not UTF-8
    assertThat(rawPut(path, body, "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1)))
        .startsWith("HTTP/1.1 400")
        .contains("X-Sluice-Comment-Encoding");

    JsonNode entries = api().get(path + "/history", READER).json().get("entries");
    assertThat(entries).hasSize(1);
    assertThat(entries.get(0).get("comment").asString()).isEqualTo("caf\u00e9 \u2013 \u65e5\u672c");
  }

  /** A PUT with an {@code X-Sluice-Comment} of exactly these bytes; answers the status line on. */
  private String rawPut(String path, String body, byte[] comment) throws IOException {
    byte[] content = body.getBytes(StandardCharsets.UTF_8);
    java.io.ByteArrayOutputStream request = new java.io.ByteArrayOutputStream();
    request.write(
        ("PUT "
                + path
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                + "Authorization: Bearer "
                + WRITER
                + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: "
                + content.length
                + "\r\n"
                + "X-Sluice-Comment: ")
            .getBytes(StandardCharsets.US_ASCII));
    request.write(comment);
    request.write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    request.write(content);
    return RawHttp.exchange(controlPlane.port(), request.toByteArray());
  }

  /**
   * A health path below a component that does not exist, also spelled with a dot segment behind a
   * path parameter (Spring MVC reads {@code health;/../env} as below health, not as {@code env}),
   * is a 404 problem document: Spring Boot's health endpoint failed an assertion for it, a 500 with
   * a stack trace in the log at every such request. A component that does not exist itself ({@code
   * /actuator/health/nothing}) is the same document: Spring Boot answered it with an empty 404.
   */
  @Test
  void answersNotFoundBelowAHealthComponentThatDoesNotExist() {
    ApiClient api = api();
    // its last lines read health, which an outage test before it may leave DOWN for a while
    awaitHealthy();
    try (LogCapture log = LogCapture.of("io.sluice.controlplane.web.ProblemAdvice")) {
      for (String path :
          List.of(
              "/actuator/health/nothing",
              "/actuator/health/nothing/x",
              "/actuator/health;/../env",
              "/actuator/health/..;/x",
              "/actuator/health/./x")) {
        ApiClient.Answer answer = api.get(path, null);
        assertThat(answer.status()).as(path).isEqualTo(404);
        assertThat(answer.header("Content-Type")).as(path).startsWith("application/problem+json");
        assertThat(answer.json().get("type").asString())
            .as(path)
            .isEqualTo("urn:sluice:problem:not-found");
        assertThat(answer.json().get("instance").asString()).as(path).isEqualTo(path);
        assertThat(answer.header("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
      }
      assertThat(log.warnings()).isEmpty();
    }
    // the paths that lead somewhere still do
    assertThat(api.get("/actuator/health", null).status()).isEqualTo(200);
    assertThat(api.get("/actuator/health/etcd", null).status()).isEqualTo(200);
  }

  @Test
  void sendsSecurityHeadersWithTheUiTheApiAndTheirErrors() {
    ApiClient api = api();
    Map<String, ApiClient.Answer> answers = new java.util.LinkedHashMap<>();
    answers.put("the UI", api.get("/", null));
    answers.put("a script", api.get("/js/app.js", null));
    answers.put("a stylesheet", api.get("/css/app.css", null));
    answers.put("an API answer", api.get("/api/v1/services", READER));
    answers.put("a 401", api.get("/api/v1/services", null));
    answers.put("a 404", api.get("/api/v1/nothing-here", READER));
    answers.put("a missing file", api.get("/js/nothing-here.js", null));
    answers.put("the OpenAPI document", api.get("/api/v1/openapi.json", null));
    answers.put("health", api.get("/actuator/health", null));
    assertThat(answers.get("the UI").status()).isEqualTo(200);
    assertThat(answers.get("the UI").body()).contains("<script type=\"module\" src=\"js/app.js\">");
    assertThat(answers.get("a 401").status()).isEqualTo(401);
    answers.forEach(
        (what, answer) -> {
          assertThat(answer.header("X-Content-Type-Options")).as(what).isEqualTo("nosniff");
          assertThat(answer.header("Referrer-Policy")).as(what).isEqualTo("no-referrer");
          assertThat(answer.header("Content-Security-Policy"))
              .as(what)
              .contains("script-src 'self'")
              .contains("style-src 'self'")
              .contains("connect-src 'self'")
              .contains("object-src 'none'")
              .contains("base-uri 'none'")
              .contains("frame-ancestors 'none'")
              .doesNotContain("unsafe");
        });
  }

  /**
   * The details of a parameter that did not convert quote its value ("?limit= must be a whole
   * number, not '...'"): a right-to-left override there reorders the detail as it would in any
   * other, so it is written as its escape too.
   */
  @Test
  void springsOwnDetailsQuoteRequestTextWithHiddenCharactersEscaped() {
    ApiClient api = api();
    Map<String, ApiClient.Answer> answers = new java.util.LinkedHashMap<>();
    answers.put(
        "history page", api.get("/api/v1/services/q/rules/history?limit=1%E2%80%AE2", READER));
    answers.put(
        "rollback target",
        api.post("/api/v1/services/q/rules/rollback?to=1%E2%80%AE2", WRITER, null));
    answers.put(
        "history revision", api.get("/api/v1/services/q/rules/history/1%E2%80%AE2", READER));
    answers.forEach(
        (call, answer) -> {
          assertThat(answer.status()).as(call).isEqualTo(400);
          assertThat(answer.json().get("detail").asString())
              .as(call)
              .contains("1\\u202e2")
              .doesNotContain("\u202e");
        });
  }

  /**
   * A whole number too large for its parameter is one, just out of range: it was answered "must be
   * a whole number", which sends the client looking for a typo. A {@code limit} past an int is
   * answered as any other limit out of its bounds.
   */
  @Test
  void aWholeNumberTooLargeForItsParameterIsSaidToBeOutOfRange() {
    ApiClient api = api();
    String path = "/api/v1/services/out-of-range/rules";
    String huge = "99999999999999999999999";
    Map<String, ApiClient.Answer> answers = new java.util.LinkedHashMap<>();
    answers.put("rollback target", api.post(path + "/rollback?to=" + huge, WRITER, null));
    answers.put("history page", api.get(path + "/history?before=" + huge, READER));
    answers.put("history revision", api.get(path + "/history/" + huge, READER));
    answers.put("history below", api.get(path + "/history?before=-" + huge, READER));
    answers.put("history limit", api.get(path + "/history?limit=99999999999", READER));
    assertThat(answers.values()).allSatisfy(a -> assertThat(a.status()).isEqualTo(400));
    assertThat(answers)
        .extractingFromEntries(e -> e.getValue().json().get("detail").asString())
        .containsExactly(
            "?to= is out of range: '" + huge + "' is more than 9223372036854775807",
            "?before= is out of range: '" + huge + "' is more than 9223372036854775807",
            "the revision in the path is out of range: '"
                + huge
                + "' is more than 9223372036854775807",
            "?before= must be written in digits 0-9 only, without a sign, not '-" + huge + "'",
            "limit must be between 1 and 200");
  }

  /**
   * Spring reads a number leniently: all whitespace dropped ({@code 1 2} is 12) and hex taken
   * ({@code 0x10} is 16). {@code rollback?to=0x…} rolled back to a revision the client never wrote
   * out: a revision is decimal digits, anything else is refused before acting on it.
   */
  @Test
  void aRevisionWithSpacesOrInHexIsRefusedNotReadAsAnotherNumber() {
    ApiClient api = api();
    String path = "/api/v1/services/lenient-numbers/rules";
    long r1 =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of()).json().get("revision").asLong();
    long r2 =
        api.put(path, WRITER, document(null, 0.6, "b"), Map.of()).json().get("revision").asLong();
    String hex = "0x" + Long.toHexString(r1);
    String spaced = String.valueOf(r1).replaceFirst("^(.)", "$1%20");

    ApiClient.Answer rollback = api.post(path + "/rollback?to=" + hex, WRITER, null);
    assertThat(rollback.status()).isEqualTo(400);
    assertThat(rollback.json().get("detail").asString())
        .isEqualTo("?to= must be a whole number, not '" + hex + "'");
    ApiClient.Answer page = api.get(path + "/history?before=" + spaced, READER);
    assertThat(page.status()).isEqualTo(400);
    assertThat(page.json().get("detail").asString())
        .isEqualTo(
            "?before= must be a whole number, not '"
                + String.valueOf(r1).replaceFirst("^(.)", "$1 ")
                + "'");
    assertThat(api.get(path + "/history/" + hex, READER).status()).isEqualTo(400);
    // nothing was rolled back
    assertThat(api.get(path, READER).header("ETag")).isEqualTo("\"" + r2 + "\"");
  }

  /**
   * A whole number in the query or the path is digits 0-9 alone, as the server writes revisions and
   * as {@code If-Match} takes them: a sign or another script's digits ({@code to=٤٢}, {@code
   * history/+42}) were read as the number, and a negative revision answered 404 ({@code
   * history/-42}, {@code to=-5}) where {@code before=-1} answered 400. Each is now the same 400,
   * saying what is expected, before anything is acted on.
   */
  @Test
  void aSignOrAnotherScriptsDigitsAreRefusedAlikeWhereverAWholeNumberGoes() {
    ApiClient api = api();
    String path = "/api/v1/services/signed-numbers/rules";
    long r1 =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of()).json().get("revision").asLong();
    long r2 =
        api.put(path, WRITER, document(null, 0.6, "b"), Map.of()).json().get("revision").asLong();
    String arabic = arabicIndic(r1);
    List<Map.Entry<String, ApiClient.Answer>> answers = new ArrayList<>();
    answers.add(
        Map.entry("?to=", api.post(path + "/rollback?to=" + percent(arabic), WRITER, null)));
    answers.add(Map.entry("?to=", api.post(path + "/rollback?to=%2B" + r1, WRITER, null)));
    answers.add(Map.entry("?to=", api.post(path + "/rollback?to=-5", WRITER, null)));
    answers.add(Map.entry("the revision in the path", api.get(path + "/history/+" + r1, READER)));
    answers.add(Map.entry("the revision in the path", api.get(path + "/history/-42", READER)));
    answers.add(
        Map.entry(
            "the revision in the path", api.get(path + "/history/" + percent(arabic), READER)));
    answers.add(Map.entry("?before=", api.get(path + "/history?before=-1", READER)));
    answers.add(Map.entry("?before=", api.get(path + "/history?before=%2B" + r2, READER)));
    answers.add(Map.entry("?limit=", api.get(path + "/history?limit=-3", READER)));
    assertThat(answers)
        .allSatisfy(
            entry -> {
              String where = entry.getKey();
              ApiClient.Answer answer = entry.getValue();
              assertThat(answer.status()).as(where + ": " + answer.body()).isEqualTo(400);
              assertThat(answer.json().get("type").asString())
                  .isEqualTo("urn:sluice:problem:invalid-request");
              assertThat(answer.json().get("detail").asString())
                  .as(where)
                  .startsWith(where + " must be written in digits 0-9 only, without a sign, not '");
            });
    // nothing was rolled back
    assertThat(api.get(path, READER).header("ETag")).isEqualTo("\"" + r2 + "\"");
    assertThat(api.get(path + "/history", READER).json().get("entries")).hasSize(2);
  }

  /**
   * A rollback to the rules already in force writes nothing, as a PUT of them does: it wrote a new
   * revision holding the same document, with a history entry and a rollout of nothing, where a PUT
   * answered {@code {"unchanged": true}}.
   */
  @Test
  void aRollbackToTheRulesInForceWritesNothingAndSaysSo() {
    ApiClient api = api();
    String path = "/api/v1/services/rollback-same/rules";
    long r1 =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of()).json().get("revision").asLong();
    long r2 =
        api.put(path, WRITER, document(null, 0.6, "b"), Map.of()).json().get("revision").asLong();
    long r3 =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of()).json().get("revision").asLong();

    ApiClient.Answer rollback = api.post(path + "/rollback?to=" + r1, WRITER, null);

    assertThat(rollback.status()).as(rollback.body()).isEqualTo(200);
    assertThat(rollback.body()).isEqualTo("{\"revision\":" + r3 + ",\"unchanged\":true}");
    assertThat(rollback.header("ETag")).isEqualTo("\"" + r3 + "\"");
    assertThat(api.get(path, READER).header("ETag")).isEqualTo("\"" + r3 + "\"");
    assertThat(api.get(path + "/history", READER).json().get("entries"))
        .as("no history entry for it")
        .hasSize(3);
    // a stale If-Match is answered as done too, the rules asked for being in force (RFC 9110
    // 13.1.1); one for a rollback to other rules is refused
    ApiClient.Answer retried =
        api.call(
            "POST",
            path + "/rollback?to=" + r1,
            WRITER,
            null,
            Map.of("If-Match", "\"" + r1 + "\""));
    assertThat(retried.status()).isEqualTo(200);
    assertThat(retried.body()).isEqualTo("{\"revision\":" + r3 + ",\"unchanged\":true}");
    assertThat(
            api.call(
                    "POST",
                    path + "/rollback?to=" + r2,
                    WRITER,
                    null,
                    Map.of("If-Match", "\"" + r1 + "\""))
                .status())
        .isEqualTo(412);
  }

  /**
   * No revision is below 1: {@code rollback?to=0} and {@code history/0} answered 404, as if the
   * client had named a revision without history, where {@code before=0} answered 400. All three are
   * the same 400 {@code invalid-request} now, saying what a revision is.
   */
  @Test
  void revisionZeroIsRefusedAsNoRevisionNotAnsweredAsMissing() {
    ApiClient api = api();
    String path = "/api/v1/services/revision-zero/rules";
    long r1 =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of()).json().get("revision").asLong();

    ApiClient.Answer rollback = api.post(path + "/rollback?to=0", WRITER, null);
    ApiClient.Answer entry = api.get(path + "/history/0", READER);

    assertThat(rollback.status()).as(rollback.body()).isEqualTo(400);
    assertThat(rollback.json().get("type").asString())
        .isEqualTo("urn:sluice:problem:invalid-request");
    assertThat(rollback.json().get("detail").asString())
        .isEqualTo("to must be a revision, 1 or more (one of the history's entries), not 0");
    assertThat(entry.status()).as(entry.body()).isEqualTo(400);
    assertThat(entry.json().get("type").asString()).isEqualTo("urn:sluice:problem:invalid-request");
    assertThat(entry.json().get("detail").asString())
        .isEqualTo(
            "the revision in the path must be a revision, 1 or more (one of the history's"
                + " entries), not 0");
    assertThat(api.get(path, READER).header("ETag")).isEqualTo("\"" + r1 + "\"");
  }

  /** {@code revision} in Arabic-Indic digits (U+0660 to U+0669). */
  private static String arabicIndic(long revision) {
    StringBuilder digits = new StringBuilder();
    for (char c : String.valueOf(revision).toCharArray()) {
      digits.append((char) ('\u0660' + (c - '0')));
    }
    return digits.toString();
  }

  private static String percent(String text) {
    return java.net.URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  /**
   * {@code before} is a revision, and no revision is below 1: {@code before=0} (and {@code -5})
   * answered an empty page, as if the service had no history, where the client got the value wrong.
   * {@code before=0} is refused as no revision; {@code before=-5} as every signed number is,
   * wherever the API takes a whole number (digits 0-9 only).
   */
  @Test
  void aHistoryPageBeforeARevisionBelowOneIsRefused() {
    ApiClient api = api();
    String path = "/api/v1/services/history-before-negative/rules";
    assertThat(api.put(path, WRITER, document(null, 0.3, "a"), Map.of()).status()).isEqualTo(200);
    ApiClient.Answer zero = api.get(path + "/history?before=0", READER);
    assertThat(zero.status()).isEqualTo(400);
    assertThat(zero.json().get("type").asString()).isEqualTo("urn:sluice:problem:invalid-request");
    assertThat(zero.json().get("detail").asString())
        .isEqualTo("before must be a revision, 1 or more (the previous page's next), not 0");
    // a negative one is refused as a sign is wherever a whole number goes
    ApiClient.Answer negative = api.get(path + "/history?before=-5", READER);
    assertThat(negative.status()).isEqualTo(400);
    assertThat(negative.json().get("detail").asString())
        .isEqualTo("?before= must be written in digits 0-9 only, without a sign, not '-5'");
    assertThat(api.get(path + "/history?before=1", READER).json().get("entries")).isEmpty();
  }

  @Test
  void refusesAParameterOrATokenGivenTwiceBeforeActingOnEither() {
    ApiClient api = api();
    String path = "/api/v1/services/repeated-input/rules";
    long r1 =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of()).json().get("revision").asLong();
    long r2 =
        api.put(path, WRITER, document(null, 0.4, "a"), Map.of()).json().get("revision").asLong();

    ApiClient.Answer rollback = api.post(path + "/rollback?to=" + r1 + "&%74o=" + r2, WRITER, null);
    assertThat(rollback.status()).isEqualTo(400);
    assertThat(rollback.json().get("detail").asString()).contains("to more than once");
    ApiClient.Answer agents = api.get("/api/v1/agents?service=a&service=b", READER);
    assertThat(agents.status()).isEqualTo(400);
    assertThat(agents.json().get("detail").asString()).contains("service more than once");
    // a name that would reorder the detail is quoted with the control escaped
    ApiClient.Answer hidden = api.get("/api/v1/agents?x%E2%80%AEy=1&x%E2%80%AEy=2", READER);
    assertThat(hidden.status()).isEqualTo(400);
    assertThat(hidden.json().get("detail").asString())
        .contains("x\\u202ey more than once")
        .doesNotContain("\u202e");
    ApiClient.Answer twoTokens =
        api.call("DELETE", path, READER, null, Map.of("Authorization", "Bearer " + WRITER));
    assertThat(twoTokens.status()).isEqualTo(400);
    assertThat(twoTokens.json().get("detail").asString()).contains("2 Authorization headers");
    // the OpenAPI document says so once, for every call
    assertThat(
            api.get("/api/v1/openapi.json", null).json().get("info").get("description").asString())
        .contains("Every call answers 400 (invalid-request) for a query parameter given twice")
        .contains("two Authorization, X-Sluice-Comment or X-Sluice-Comment-Encoding headers");

    // nothing was written: the document and its history are as they were
    assertThat(api.get(path, READER).header("ETag")).isEqualTo("\"" + r2 + "\"");
    assertThat(api.get(path + "/history", READER).json().get("entries")).hasSize(2);
    assertThat(api.get("/api/v1/agents?service=repeated-input", READER).status()).isEqualTo(200);
  }

  /**
   * A comment header, or its encoding, given twice is refused with 400 naming it: the two comments
   * were recorded joined ({@code one,two}), and a second encoding was ignored, so a comment could
   * be recorded as other text than its sender meant.
   */
  @Test
  void refusesACommentOrItsEncodingGivenTwice() throws Exception {
    ApiClient api = api();
    String path = "/api/v1/services/repeated-comment/rules";
    long r1 =
        api.put(path, WRITER, document(null, 0.3, "a"), Map.of()).json().get("revision").asLong();
    String body = document(null, 0.4, "a");
    for (String header : List.of("X-Sluice-Comment", "X-Sluice-Comment-Encoding")) {
      String twice =
          header.equals("X-Sluice-Comment")
              ? "X-Sluice-Comment: one\r\nX-Sluice-Comment: two\r\n"
              : "X-Sluice-Comment: caf%C3%A9\r\nX-Sluice-Comment-Encoding: percent\r\n"
                  + "X-Sluice-Comment-Encoding: percent\r\n";
      String answer =
          RawHttp.exchange(
              controlPlane.port(),
              ("PUT "
                      + path
                      + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                      + WRITER
                      + "\r\nContent-Type: application/json\r\n"
                      + twice
                      + "Content-Length: "
                      + body.getBytes(StandardCharsets.UTF_8).length
                      + "\r\nConnection: close\r\n\r\n"
                      + body)
                  .getBytes(StandardCharsets.UTF_8));
      assertThat(answer).as(header).startsWith("HTTP/1.1 400");
      assertThat(answer).as(header).contains("the request has 2 " + header + " headers; send one");
    }
    // nothing was written
    assertThat(api.get(path, READER).header("ETag")).isEqualTo("\"" + r1 + "\"");
    assertThat(api.get(path + "/history", READER).json().get("entries")).hasSize(1);
  }

  /**
   * Every operation refuses a parameter given twice, and a path parameter, with 400 before it does
   * anything else: the OpenAPI document lists that 400 for each, so a generated client expects it.
   */
  @Test
  void everyOperationTheOpenApiDocumentListsAnswersAndDocuments400ForARepeatedParameter()
      throws Exception {
    ApiClient api = api();
    JsonNode paths = api.get("/api/v1/openapi.json", null).json().get("paths");
    List<String> undocumented = new ArrayList<>();
    for (var path : paths.properties()) {
      for (var operation : path.getValue().properties()) {
        if (operation.getKey().equals("parameters")) {
          continue;
        }
        String method = operation.getKey().toUpperCase(java.util.Locale.ROOT);
        String url =
            path.getKey().replace("{service}", "repeated-any").replace("{revision}", "1")
                + "?dup=1&dup=2";
        ApiClient.Answer answer =
            method.equals("GET") && url.startsWith("/api/v1/events?")
                ? answerUnlessAStreamOpens(api, url, "Bearer " + WRITER)
                : api.call(method, url, WRITER, method.equals("GET") ? null : "{}", Map.of());
        assertThat(answer.status()).as("%s %s: %s", method, url, answer.body()).isEqualTo(400);
        if (!operation.getValue().get("responses").has("400")) {
          undocumented.add(method + " " + path.getKey());
        }
      }
    }
    assertThat(undocumented).as("operations whose 400 the OpenAPI document leaves out").isEmpty();
  }

  @Test
  void countsEachWriteByItsActionAndEachRefusedDocument() {
    ApiClient api = api();
    String path = "/api/v1/services/metrics-counted/rules";
    double puts = counter(api, "sluice_rules_writes_total{action=\"put\"}");
    double deletes = counter(api, "sluice_rules_writes_total{action=\"delete\"}");
    double rollbacks = counter(api, "sluice_rules_writes_total{action=\"rollback\"}");
    double refused = counter(api, "sluice_rules_validation_failures_total");

    long first =
        api.put(path, WRITER, document(null, 0.1, "a"), Map.of()).json().get("revision").asLong();
    assertThat(api.put(path, WRITER, document(null, 0.2, "a"), Map.of()).status()).isEqualTo(200);
    assertThat(api.put(path, WRITER, "{\"schemaVersion\": 2}", Map.of()).status()).isEqualTo(400);
    assertThat(api.post(path + "/rollback?to=" + first, WRITER, null).status()).isEqualTo(200);
    assertThat(api.delete(path, WRITER).status()).isEqualTo(200);

    assertThat(counter(api, "sluice_rules_writes_total{action=\"put\"}")).isEqualTo(puts + 2);
    assertThat(counter(api, "sluice_rules_writes_total{action=\"rollback\"}"))
        .isEqualTo(rollbacks + 1);
    assertThat(counter(api, "sluice_rules_writes_total{action=\"delete\"}")).isEqualTo(deletes + 1);
    assertThat(counter(api, "sluice_rules_validation_failures_total")).isEqualTo(refused + 1);
  }

  /** A series' value in {@code /actuator/prometheus}, 0 while it has never been recorded. */
  private static double counter(ApiClient api, String series) {
    String metrics = api.get("/actuator/prometheus", null).body();
    for (String line : metrics.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return 0;
  }

  @Test
  void exposesOnlyHealthAndPrometheus() {
    ApiClient api = api();
    awaitHealthy();
    api.put("/api/v1/services/metered/rules", WRITER, "{\"schemaVersion\": 2}", Map.of());
    String metrics = api.get("/actuator/prometheus", null).body();
    assertThat(metrics)
        .contains("sluice_rules_validation_failures_total")
        .contains("http_server_requests_seconds_count");
    JsonNode components = api.get("/actuator/health", null).json().get("components");
    assertThat(components.get("etcd").get("status").asString()).isEqualTo("UP");
    assertThat(components.get("watches").get("status").asString()).isEqualTo("UP");
    assertThat(api.get("/actuator/env", null).status()).isEqualTo(404);
    assertThat(api.get("/actuator/beans", null).status()).isEqualTo(404);
  }

  /**
   * Actuator endpoints take no token: an operator who exposes more of them (here {@code loggers})
   * gets their reads, never their writes, which would let anyone who reaches the port change the
   * control plane (log levels here; {@code shutdown} stops it) without a token.
   */
  @Test
  void actuatorEndpointsAnOperatorExposesNeedAnAdminTokenAndAreReadOnly() {
    try (RunningControlPlane exposed =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints",
                etcd.endpoint(),
                "sluice.security.tokens.writer.token",
                WRITER,
                "sluice.security.tokens.writer.role",
                "writer",
                "sluice.security.tokens.admin.token",
                ADMIN,
                "sluice.security.tokens.admin.role",
                "admin",
                "management.endpoints.web.exposure.include",
                "health,prometheus,loggers,env"))) {
      ApiClient api = exposed.api();
      String name = "io.sluice.controlplane.actuator-write-test";
      LoggerFactory.getLogger(name); // a logger the endpoint knows
      String logger = "/actuator/loggers/" + name;
      // probes and scrapers need no token, nor does the list of what is exposed
      for (String open : List.of("/actuator/health", "/actuator/prometheus", "/actuator")) {
        assertThat(api.get(open, null).status()).as(open).isEqualTo(200);
      }
      // every other endpoint an admin's only, whatever way its path is written
      for (String guarded :
          List.of(logger, "/actuator/loggers", "/actuator/env", "/actuator/loggers;x=y/" + name)) {
        ApiClient.Answer anonymous = api.get(guarded, null);
        assertThat(anonymous.status()).as(guarded).isEqualTo(401);
        assertThat(anonymous.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"sluice\"");
        assertThat(anonymous.header("Content-Type")).startsWith("application/problem+json");
        assertThat(anonymous.json().get("type").asString())
            .isEqualTo("urn:sluice:problem:unauthorized");
        assertThat(anonymous.json().get("detail").asString()).contains("need an admin token");
        assertThat(anonymous.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(api.get(guarded, "not-a-token-of-anyone").status()).isEqualTo(401);
        ApiClient.Answer writer = api.get(guarded, WRITER);
        assertThat(writer.status()).as(guarded).isEqualTo(403);
        assertThat(writer.json().get("detail").asString())
            .isEqualTo(
                "the token 'writer' has role writer; actuator endpoints other than health and"
                    + " prometheus need admin");
      }
      assertThat(api.get(logger, ADMIN).status()).isEqualTo(200);
      assertThat(api.get("/actuator/env", ADMIN).status()).isEqualTo(200);
      // and read-only, an admin's writes too
      for (String token : java.util.Arrays.asList(null, WRITER, ADMIN)) {
        ApiClient.Answer write =
            api.call(
                "POST",
                logger,
                token,
                "{\"configuredLevel\": \"DEBUG\"}",
                Map.of("Content-Type", "application/json"));
        assertThat(write.status())
            .as("POST %s with token %s", logger, token)
            .isEqualTo(token == null ? 401 : token.equals(WRITER) ? 403 : 405);
      }
      assertThat(api.get(logger, ADMIN).body()).doesNotContain("DEBUG");
    }
  }

  /**
   * etcd refusing the control plane's own user (auth on, a role that does not grant the history and
   * journal keys) is a configuration fault, not an outage: 500 {@code etcd-refused} saying the
   * credentials or permissions were refused, without the 503 and {@code Retry-After} that would
   * have clients retry forever. Its own etcd: auth, once on, would lock every other test out.
   */
  @Test
  void etcdRefusingTheControlPlanesPermissionsIsA500ThatSaysSoNotARetryable503() throws Exception {
    try (EtcdServer authEtcd = EtcdServer.fromPath()) {
      authEtcd.start();
      authEtcd.addUser("root", "root-secret", "root");
      authEtcd.addPrefixRole("rules-and-agents-only", "/sluice/v1/rules/", "/sluice/v1/agents/");
      authEtcd.addUser("control-plane", "cp-secret", "rules-and-agents-only");
      authEtcd.enableAuth();
      try (RunningControlPlane limited =
          RunningControlPlane.start(
              Map.of(
                  "sluice.etcd.endpoints",
                  authEtcd.endpoint(),
                  "sluice.etcd.user",
                  "control-plane",
                  "sluice.etcd.password",
                  "cp-secret",
                  "sluice.security.tokens.reader.token",
                  READER,
                  "sluice.security.tokens.reader.role",
                  "reader",
                  "sluice.security.tokens.writer.token",
                  WRITER,
                  "sluice.security.tokens.writer.role",
                  "writer"))) {
        ApiClient api = limited.api();
        // what the role grants works
        assertThat(api.get("/api/v1/services/denied/rules", READER).status()).isEqualTo(404);
        Map<String, ApiClient.Answer> refused = new java.util.LinkedHashMap<>();
        refused.put("history read", api.get("/api/v1/services/denied/rules/history", READER));
        refused.put(
            "write",
            api.put("/api/v1/services/denied/rules", WRITER, document(null, 0.5, "a"), Map.of()));
        refused.forEach(
            (call, answer) -> {
              assertThat(answer.status()).as(call).isEqualTo(500);
              assertThat(answer.header("Retry-After")).as(call).isNull();
              assertThat(answer.json().get("type").asString())
                  .as(call)
                  .isEqualTo("urn:sluice:problem:etcd-refused");
              assertThat(answer.json().get("detail").asString())
                  .as(call)
                  .contains(
                      "PERMISSION_DENIED",
                      "refused the control plane's credentials or permissions",
                      "sluice.etcd.user",
                      "will not help");
            });
        assertThat(refused.get("write").json().get("detail").asString())
            .contains("nothing was changed");
        // documented wherever an outage is: every operation that can reach etcd
        List<String> undocumented = new ArrayList<>();
        for (var path : api.get("/api/v1/openapi.json", READER).json().get("paths").properties()) {
          for (var operation : path.getValue().properties()) {
            JsonNode responses = operation.getValue().get("responses");
            if (responses != null && responses.has("503") && !responses.has("500")) {
              undocumented.add(operation.getKey() + " " + path.getKey());
            }
          }
        }
        assertThat(undocumented).as("operations listing 503 but not 500 etcd-refused").isEmpty();
      }
      // a wrong password is no outage either; and the start does not wait for the mirrors etcd
      // refused (it waited sluice.etcd.timeout for each, one after the other: 60 s here), as they
      // read again only after 30 s
      Duration etcdTimeout = Duration.ofSeconds(30);
      long starting = System.nanoTime();
      try (LogCapture warmUp =
              LogCapture.of(Class.forName("io.sluice.controlplane.etcd.EtcdWarmUp"));
          LogCapture watches = LogCapture.of(io.sluice.controlplane.etcd.PrefixWatch.class);
          RunningControlPlane wrongPassword =
              RunningControlPlane.start(
                  Map.of(
                      "sluice.etcd.endpoints",
                      authEtcd.endpoint(),
                      "sluice.etcd.user",
                      "control-plane",
                      "sluice.etcd.password",
                      "not-the-secret",
                      "sluice.etcd.timeout",
                      etcdTimeout.toSeconds() + "s",
                      "management.endpoint.health.show-details",
                      "always",
                      "sluice.security.tokens.reader.token",
                      READER,
                      "sluice.security.tokens.reader.role",
                      "reader"))) {
        assertThat(Duration.ofNanos(System.nanoTime() - starting)).isLessThan(etcdTimeout);
        ApiClient.Answer read = wrongPassword.api().get("/api/v1/services/denied/rules", READER);
        assertThat(read.status()).as(read.body()).isEqualTo(500);
        assertThat(read.header("Retry-After")).isNull();
        assertThat(read.json().get("detail").asString())
            .contains("authentication failed", "refused the control plane's credentials");
        // so do the calls answered from a mirror etcd refused to fill (they answered 503 with
        // Retry-After and "try again shortly", for ever)
        ApiClient.Answer agents = wrongPassword.api().get("/api/v1/agents", READER);
        assertThat(agents.status()).as(agents.body()).isEqualTo(500);
        assertThat(agents.header("Retry-After")).isNull();
        assertThat(agents.json().get("type").asString())
            .isEqualTo("urn:sluice:problem:etcd-refused");
        assertThat(agents.json().get("detail").asString())
            .contains("authentication failed", "refused the control plane's credentials");
        assertTheRefusalIsPlainToAnOperator(wrongPassword.api(), warmUp, watches);
      }
    }
  }

  /**
   * Credentials given for an etcd whose authentication is not enabled are a configuration fault,
   * not an outage: etcd refuses to authenticate anyone ("authentication is not enabled"), so every
   * call answers 500 {@code etcd-refused} with etcd's words. They answered 503 with Retry-After and
   * "try again shortly", for ever.
   */
  @Test
  void credentialsForAnEtcdWithoutAuthenticationAreRefusedNotAnOutage() {
    try (RunningControlPlane withCredentials =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints", etcd.endpoint(),
                "sluice.etcd.user", "control-plane",
                "sluice.etcd.password", "a-secret",
                "sluice.etcd.timeout", "10s",
                "sluice.security.tokens.reader.token", READER,
                "sluice.security.tokens.reader.role", "reader"))) {
      ApiClient.Answer read = withCredentials.api().get("/api/v1/services/no-auth/rules", READER);
      assertThat(read.status()).as(read.body()).isEqualTo(500);
      assertThat(read.header("Retry-After")).isNull();
      assertThat(read.json().get("type").asString()).isEqualTo("urn:sluice:problem:etcd-refused");
      assertThat(read.json().get("detail").asString())
          .contains(
              "authentication is not enabled",
              "refused the control plane's credentials",
              "remove sluice.etcd.user and sluice.etcd.password, or enable authentication")
          .doesNotContain("needs read and write access");
    }
  }

  /**
   * What an operator sees of etcd refusing the control plane's credentials: the start said etcd
   * "did not answer within 60 s" (it refused at once), the watches read again every few seconds
   * forever (each a password check and a line in etcd's log) and health, with details shown, gave
   * etcd's refusal but not what to change. Now: one plain line at start with what to change, one
   * warning per watch, not per retry, a retry only every 30 s, and the action in health's details.
   */
  private static void assertTheRefusalIsPlainToAnOperator(
      ApiClient api, LogCapture warmUp, LogCapture watches) {
    assertThat(warmUp.records())
        .singleElement()
        .satisfies(
            record -> {
              assertThat(record.getLevel()).isEqualTo(java.util.logging.Level.SEVERE);
              assertThat(record.getMessage())
                  .contains(
                      "etcd refused the control plane's credentials or permissions",
                      "authentication failed",
                      "sluice.etcd.password",
                      "500 etcd-refused")
                  .doesNotContain("did not answer");
            });
    java.util.function.Supplier<JsonNode> watchDetails =
        () -> {
          ApiClient.Answer health = api.get("/actuator/health", null);
          assertThat(health.status()).isEqualTo(503);
          return health.json().get("components").get("watches").get("details");
        };
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(watchDetails.get().properties())
                    .hasSize(2)
                    .allSatisfy(
                        watch -> {
                          assertThat(watch.getValue().get("failedReads").asInt()).isPositive();
                        }));
    // no backoff of its own (it read again after 0.1, 0.2, 0.4 ... s): every 30 s, or when health
    // is checked, but then at most every 2 s however often it is checked (here every 0.1 s)
    Map<String, Integer> before = new java.util.HashMap<>();
    watchDetails
        .get()
        .properties()
        .forEach(watch -> before.put(watch.getKey(), watch.getValue().get("failedReads").asInt()));
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () ->
                assertThat(watchDetails.get().properties())
                    .allSatisfy(
                        watch ->
                            assertThat(watch.getValue().get("failedReads").asInt())
                                .isLessThanOrEqualTo(before.get(watch.getKey()) + 2)));
    JsonNode health = api.get("/actuator/health", null).json().get("components");
    List<JsonNode> refused = new ArrayList<>(List.of(health.get("etcd").get("details")));
    watchDetails.get().properties().forEach(watch -> refused.add(watch.getValue()));
    assertThat(refused)
        .hasSize(3)
        .allSatisfy(
            detail -> {
              assertThat(detail.get("error").asString()).contains("authentication failed");
              assertThat(detail.get("action").asString())
                  .contains("sluice.etcd.user", "sluice.etcd.password", "will not help");
            });
    List<String> warned =
        watches.records().stream()
            .filter(record -> record.getLevel() == java.util.logging.Level.WARNING)
            .map(java.util.logging.LogRecord::getMessage)
            // the class's own control plane watches too, on an etcd of its own
            .filter(message -> message.contains("authentication failed"))
            .toList();
    assertThat(warned)
        .hasSize(2)
        .allSatisfy(
            message ->
                assertThat(message)
                    .contains(
                        "refused the control plane's credentials",
                        "sluice.etcd.password",
                        "every 30 s"));
  }

  /**
   * How soon a mirror etcd refused follows an operator's fix when it is asked for: it is read again
   * at once (at most every 2 s). Far short of the refused read's 30-s pause, which is what these
   * tests tell apart, with room for a loaded machine's slow etcd calls.
   */
  private static final Duration FOLLOWS_A_FIX_WITHIN = Duration.ofSeconds(10);

  /**
   * An operator fixes what etcd refused (here: the control plane's user gets the password the
   * control plane is configured with): the mirrors etcd refused follow within a second or two, as a
   * health check or a request answered from them has them read again at once (rate-limited). They
   * stayed refused until the refused read's 30-s pause was up: health DOWN ({@code watches}), and
   * {@code /api/v1/agents} 500 {@code etcd-refused}.
   */
  @Test
  void theMirrorsEtcdRefusedFollowAFixOfTheCredentialsWithinSecondsNotHalfAMinute()
      throws Exception {
    try (EtcdServer authEtcd = EtcdServer.fromPath()) {
      authEtcd.start();
      authEtcd.addUser("root", "root-secret", "root");
      authEtcd.addUser("control-plane", "old-secret", "root");
      authEtcd.enableAuth();
      try (RunningControlPlane refused =
          RunningControlPlane.start(
              Map.of(
                  "sluice.etcd.endpoints",
                  authEtcd.endpoint(),
                  "sluice.etcd.user",
                  "control-plane",
                  "sluice.etcd.password",
                  "new-secret",
                  "management.endpoint.health.show-details",
                  "always",
                  "sluice.security.tokens.reader.token",
                  READER,
                  "sluice.security.tokens.reader.role",
                  "reader"))) {
        ApiClient api = refused.api();
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> {
                  JsonNode watches =
                      api.get("/actuator/health", null).json().get("components").get("watches");
                  assertThat(watches.get("status").asString()).isEqualTo("DOWN");
                  assertThat(watches.get("details").properties())
                      .hasSize(2)
                      .allSatisfy(
                          watch ->
                              assertThat(watch.getValue().get("action").asString())
                                  .contains("sluice.etcd.password"));
                });
        ApiClient.Answer agents = api.get("/api/v1/agents", READER);
        assertThat(agents.status()).as(agents.body()).isEqualTo(500);
        assertThat(agents.json().get("type").asString())
            .isEqualTo("urn:sluice:problem:etcd-refused");

        authEtcd.asUser("root", "root-secret").changePassword("control-plane", "new-secret");
        // a request answered from the agents' mirror has it read again, health all of them. Left
        // to the 30-s pause after their refused reads of a moment ago, they would follow the fix
        // about half a minute later: past both bounds, even together
        await()
            .atMost(FOLLOWS_A_FIX_WITHIN)
            .pollInterval(Duration.ofMillis(200))
            .untilAsserted(
                () -> {
                  ApiClient.Answer listed = api.get("/api/v1/agents", READER);
                  assertThat(listed.status()).as(listed.body()).isEqualTo(200);
                });
        await()
            .atMost(FOLLOWS_A_FIX_WITHIN)
            .pollInterval(Duration.ofMillis(200))
            .untilAsserted(
                () -> {
                  ApiClient.Answer health = api.get("/actuator/health", null);
                  assertThat(health.status()).as(health.body()).isEqualTo(200);
                });
      }
    }
  }

  /**
   * A mirror read before and refused later (here: the control plane's password changed, then etcd
   * restarted, so the watches start over with a read etcd refuses) still answers requests from what
   * it holds; those requests have it read again at once (rate-limited), as they do a mirror not
   * read yet, so it follows the operator's fix within seconds without a health check. Before, only
   * a health check did: requests alone saw the fix after the refused read's 30-s pause.
   */
  @Test
  void aMirrorRefusedAfterItWasReadFollowsAFixOfTheCredentialsAsRequestsReadIt() throws Exception {
    try (EtcdServer authEtcd = EtcdServer.fromPath()) {
      authEtcd.start();
      authEtcd.addUser("root", "root-secret", "root");
      authEtcd.addUser("control-plane", "old-secret", "root");
      authEtcd.enableAuth();
      try (RunningControlPlane later =
          RunningControlPlane.start(
              Map.of(
                  "sluice.etcd.endpoints",
                  authEtcd.endpoint(),
                  "sluice.etcd.user",
                  "control-plane",
                  "sluice.etcd.password",
                  "old-secret",
                  "management.endpoint.health.show-details",
                  "always",
                  "sluice.security.tokens.reader.token",
                  READER,
                  "sluice.security.tokens.reader.role",
                  "reader"))) {
        ApiClient api = later.api();
        // read before the refusal: the start waits for the mirrors' first read only up to
        // sluice.etcd.timeout (then the port opens anyway and they answer 503 until read)
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> api.get("/api/v1/agents", READER).status() == 200);
        EtcdKv root = authEtcd.asUser("root", "root-secret"); // logs in again after the restart
        root.changePassword("control-plane", "new-secret");
        authEtcd.stop();
        authEtcd.start();
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(
                            api.get("/actuator/health", null)
                                .json()
                                .get("components")
                                .get("watches")
                                .get("details")
                                .properties())
                        .hasSize(2)
                        .allSatisfy(
                            watch ->
                                assertThat(String.valueOf(watch.getValue().get("action")))
                                    .contains("sluice.etcd.password")));
        ApiClient.Answer kept = api.get("/api/v1/agents?service=refused-later", READER);
        assertThat(kept.status()).as("answered from the mirror").isEqualTo(200);
        assertThat(kept.json().size()).isZero();

        root.put(
            "/sluice/v1/agents/refused-later/fixed-1",
            AgentStatusCodec.write(TestAgentStatuses.minimal("fixed-1", "refused-later")));
        root.changePassword("control-plane", "old-secret");
        // requests only: a health check would have the mirrors read again by itself. Left to the
        // 30-s pause after their refused reads of a moment ago, requests alone would see the fix
        // about half a minute later
        await()
            .atMost(FOLLOWS_A_FIX_WITHIN)
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> api.get("/api/v1/agents?service=refused-later", READER).json().size() == 1);
      }
    }
  }

  /**
   * A browser sends a CORS preflight without credentials, by design: the admin token check let none
   * through, so a dashboard on another origin could never read a guarded actuator endpoint even
   * with an admin token and the actuator's CORS settings ({@code management.endpoints.web.cors.*}).
   * The preflight is answered from those settings without running the endpoint; the real request
   * still needs the token.
   */
  @Test
  void aCorsPreflightToAGuardedActuatorEndpointIsAnsweredFromTheActuatorsCorsSettings() {
    try (RunningControlPlane cors =
        RunningControlPlane.start(
            Map.of(
                "sluice.etcd.endpoints",
                etcd.endpoint(),
                "sluice.security.tokens.admin.token",
                ADMIN,
                "sluice.security.tokens.admin.role",
                "admin",
                "management.endpoints.web.exposure.include",
                "health,loggers",
                "management.endpoints.web.cors.allowed-origins",
                "https://ops.example",
                "management.endpoints.web.cors.allowed-methods",
                "GET",
                "management.endpoints.web.cors.allowed-headers",
                "Authorization"))) {
      ApiClient api = cors.api();
      Map<String, String> preflight =
          Map.of(
              "Origin", "https://ops.example",
              "Access-Control-Request-Method", "GET",
              "Access-Control-Request-Headers", "authorization");
      ApiClient.Answer allowed = api.call("OPTIONS", "/actuator/loggers", null, null, preflight);
      assertThat(allowed.status()).isEqualTo(200);
      assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo("https://ops.example");
      assertThat(allowed.header("Access-Control-Allow-Headers"))
          .isEqualToIgnoringCase("authorization");
      assertThat(allowed.body()).isEmpty();
      // another origin is refused by the CORS settings, not let in
      ApiClient.Answer otherOrigin =
          api.call(
              "OPTIONS",
              "/actuator/loggers",
              null,
              null,
              Map.of(
                  "Origin", "https://elsewhere.example", "Access-Control-Request-Method", "GET"));
      assertThat(otherOrigin.status()).isEqualTo(403);
      assertThat(otherOrigin.header("Access-Control-Allow-Origin")).isNull();
      // as a problem document, as every other error (was the plain text "Invalid CORS request"),
      // naming everything the settings do not allow
      assertCorsRefused(
          otherOrigin,
          "/actuator/loggers",
          "the origin 'https://elsewhere.example' is not allowed");
      ApiClient.Answer otherMethodAndHeaders =
          api.call(
              "OPTIONS",
              "/actuator/loggers",
              null,
              null,
              Map.of(
                  "Origin", "https://ops.example",
                  "Access-Control-Request-Method", "DELETE",
                  "Access-Control-Request-Headers", "x-trace"));
      assertCorsRefused(
          otherMethodAndHeaders,
          "/actuator/loggers",
          "the method DELETE is not allowed; the request header x-trace is not allowed");
      // a real request from an origin the settings refuse: refused alike, the admin's too
      assertCorsRefused(
          api.call(
              "GET",
              "/actuator/loggers",
              ADMIN,
              null,
              Map.of("Origin", "https://elsewhere.example")),
          "/actuator/loggers",
          "the origin 'https://elsewhere.example' is not allowed");
      // an Origin that is none: refused alike, with the path too
      assertCorsRefused(
          api.call(
              "GET",
              "/actuator/loggers",
              ADMIN,
              null,
              Map.of("Origin", "https://ops.example:no-port")),
          "/actuator/loggers",
          "the request's Origin is malformed");
      // the real request still needs the admin token, from an allowed origin too
      Map<String, String> origin = Map.of("Origin", "https://ops.example");
      ApiClient.Answer noToken = api.call("GET", "/actuator/loggers?x=1", null, null, origin);
      assertThat(noToken.status()).isEqualTo(401);
      // every problem document names the request's path as its instance, as the API's do
      assertThat(api.get("/api/v1/no-such-thing?x=1", null).json().get("instance").asString())
          .isEqualTo("/api/v1/no-such-thing");
      assertThat(noToken.json().get("instance").asString()).isEqualTo("/actuator/loggers");
      // an OPTIONS that is no preflight is checked as any other request
      assertThat(api.call("OPTIONS", "/actuator/loggers", null, null, origin).status())
          .isEqualTo(401);
      ApiClient.Answer admin = api.call("GET", "/actuator/loggers", ADMIN, null, origin);
      assertThat(admin.status()).isEqualTo(200);
      assertThat(admin.header("Access-Control-Allow-Origin")).isEqualTo("https://ops.example");
    }
  }

  /** {@code answer} is 403 {@code cors-refused} for {@code path}, naming {@code reasons}. */
  static void assertCorsRefused(ApiClient.Answer answer, String path, String reasons) {
    assertThat(answer.status()).as(answer.body()).isEqualTo(403);
    assertThat(answer.json().get("instance").asString()).isEqualTo(path);
    assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
    assertThat(answer.header("Access-Control-Allow-Origin")).isNull();
    assertThat(answer.json().get("type").asString()).isEqualTo("urn:sluice:problem:cors-refused");
    assertThat(answer.json().get("status").asInt()).isEqualTo(403);
    assertThat(answer.json().get("detail").asString())
        .isEqualTo(
            "the CORS settings (management.endpoints.web.cors.*) do not allow this cross-origin"
                + " request: "
                + reasons);
  }

  /**
   * Health is open to anyone who reaches the port: each component's status (UP/DOWN), which probes,
   * load balancers and the web UI read, and never its details (etcd's revision, errors that name
   * etcd's address and keys, the disk's path and size), unless an operator turns them on.
   * Prometheus needs no token either: scrapers rarely can send one.
   */
  @Test
  void healthShowsEachComponentsStatusToAnyoneButNoDetails() {
    ApiClient api = api();
    awaitHealthy();
    ApiClient.Answer health = api.get("/actuator/health", null);
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.json().get("status").asString()).isEqualTo("UP");
    JsonNode components = health.json().get("components");
    assertThat(components.get("etcd").get("status").asString()).isEqualTo("UP");
    assertThat(components.get("watches").get("status").asString()).isEqualTo("UP");
    components
        .properties()
        .forEach(
            component ->
                assertThat(component.getValue().propertyNames())
                    .as(component.getKey())
                    .containsExactly("status"));
    assertThat(health.body())
        .doesNotContain("details")
        .doesNotContain("revision")
        .doesNotContain("inSync")
        .doesNotContain("path");
    assertThat(api.get("/actuator/prometheus", null).status()).isEqualTo(200);
  }

  @Test
  void answers503AndReportsDownWhileEtcdIsAwayThenRecovers() throws Exception {
    ApiClient api = api();
    String path = "/api/v1/services/outage/rules";
    assertThat(api.put(path, WRITER, document(null, 0.5, "a"), Map.of()).status()).isEqualTo(200);
    // an agent of a service without a document, so running _default; its lease outlives the
    // outage (etcd renews leases when it starts again) and is revoked at the end
    long lease = jetcd.getLeaseClient().grant(120).get(5, TimeUnit.SECONDS).getID();
    try {
      outageAndRecovery(api, path, lease);
    } finally {
      jetcd.getLeaseClient().revoke(lease).get(10, TimeUnit.SECONDS);
    }
  }

  private void outageAndRecovery(ApiClient api, String path, long lease) throws Exception {
    LeasedStatuses.put(jetcd, lease, TestAgentStatuses.minimal("bystander-1", "outage-bystander"));
    String fallingBackPath = "/api/v1/agents?service=outage-bystander&fallingBackToDefault=true";
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> api.get(fallingBackPath, READER).json().size() == 1);
    etcd.server().stop();
    // at once, as each waits out sluice.etcd.timeout
    ExecutorService callers = Executors.newFixedThreadPool(4);
    try {
      CompletableFuture<ApiClient.Answer> writing =
          CompletableFuture.supplyAsync(
              () -> api.put(path, WRITER, document(null, 0.6, "b"), Map.of()), callers);
      CompletableFuture<ApiClient.Answer> reading =
          CompletableFuture.supplyAsync(() -> api.get(path, READER), callers);
      CompletableFuture<ApiClient.Answer> evaluating =
          CompletableFuture.supplyAsync(
              () ->
                  api.post(
                      path + "/evaluate",
                      READER,
                      "{\"call\": {\"method\": \"GET\", \"url\": \"http://payments:8080/\"}}"),
              callers);
      // once an answer from before the outage is stale (a check's answer stands for 1 s,
      // EtcdHealthIndicator.FRESH)
      CompletableFuture<ApiClient.Answer> checkingHealth =
          CompletableFuture.supplyAsync(
              () -> api.get("/actuator/health", null),
              CompletableFuture.delayedExecutor(1500, TimeUnit.MILLISECONDS, callers));
      ApiClient.Answer write = writing.join();
      assertThat(write.status()).isEqualTo(503);
      assertThat(write.header("Retry-After")).isEqualTo("5");
      assertThat(write.json().get("type").asString())
          .isEqualTo("urn:sluice:problem:etcd-unavailable");
      // it failed reading the current revision, before any transaction was sent
      assertThat(write.json().get("detail").asString())
          .isEqualTo(
              "etcd is unavailable or did not answer in time; nothing was changed. Try again"
                  + " shortly.");
      ApiClient.Answer read = reading.join();
      assertThat(read.status()).isEqualTo(503);
      assertThat(read.json().get("detail").asString())
          .isEqualTo("etcd is unavailable or did not answer in time. Try again shortly.");
      // a dry run never writes: nothing to say about changes
      ApiClient.Answer evaluated = evaluating.join();
      assertThat(evaluated.status()).isEqualTo(503);
      assertThat(evaluated.json().get("detail").asString())
          .isEqualTo("etcd is unavailable or did not answer in time. Try again shortly.");
      ApiClient.Answer health = checkingHealth.join();
      assertThat(health.status()).isEqualTo(503);
      assertThat(health.json().get("components").get("etcd").get("status").asString())
          .isEqualTo("DOWN");
      // why is for operators (logs, or details turned on): the error names etcd's address
      assertThat(health.json().get("components").get("etcd").has("details")).isFalse();
      assertThat(health.body()).doesNotContain("127.0.0.1").doesNotContain("/sluice/");
      // who runs _default is known from memory, as the agents are: _default's Agents tab still
      // lists them, by the services that had a document when the rules were last read
      ApiClient.Answer fallingBack = api.get(fallingBackPath, READER);
      assertThat(fallingBack.status()).isEqualTo(200);
      assertThat(agentIds(fallingBack.json())).containsExactly("outage-bystander/bystander-1");
    } finally {
      callers.shutdownNow();
      restartEtcd();
    }
    long back = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> api.put(path, WRITER, document(null, 0.7, "c"), Map.of()).status() == 200);
    System.out.printf(
        "writes work %d ms after etcd is back%n", (System.nanoTime() - back) / 1_000_000);
    assertThat(api.get(path, READER).json().get("sampling").get("defaultRatio").asDouble())
        .isEqualTo(0.7);
    // UP again once the etcd mirrors have re-read their prefixes, after their back-off
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> api.get("/actuator/health", null).status() == 200);

    // the agent watch recovered from the outage too
    etcd.server()
        .put(
            "/sluice/v1/agents/outage/after-1",
            AgentStatusCodec.write(TestAgentStatuses.minimal("after-1", "outage")));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> api.get("/api/v1/agents?service=outage", READER).json().size() == 1);
    etcd.server().delete("/sluice/v1/agents/outage/after-1");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> api.get("/api/v1/agents?service=outage", READER).json().size() == 0);
  }

  /**
   * Starts the class's etcd again after an outage, with a fresh client for this class: its own lost
   * the connection and waits out gRPC's reconnect backoff (1 s growing 1.6-fold with jitter), so
   * its next call could wait many seconds for etcd to be tried again. The lease revoke after the
   * short outage waited 9.7 s of its 10 s so, and any later test's call would have too.
   */
  private static void restartEtcd() {
    etcd.server().start();
    jetcd.close();
    jetcd = Client.builder().endpoints(etcd.endpoint()).build();
  }

  /**
   * Waits until the class's control plane is healthy (every component UP): a test that reads its
   * health may come right after an outage test, whose mirrors and etcd check recover on their own
   * schedule (or, if it failed, never waited for them to).
   */
  private void awaitHealthy() {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> api().get("/actuator/health", null).status() == 200);
  }

  /**
   * An outage long enough for gRPC's own reconnect backoff (1 s, growing 1.6-fold with ±20 %
   * jitter, up to 2 min) to space its attempts far apart: they fall near 26 s, 43 s and 70 s after
   * the connection is lost (each within about ±5 s: three standard deviations of the summed
   * jitter). With etcd's restart it returns about 32 s after the loss, past the first of them, so
   * gRPC alone would connect again about 11 s later, hardly ever within 4 s.
   */
  private static final Duration LONG_OUTAGE = Duration.ofSeconds(30);

  /**
   * How soon after a long outage writes and the mirrors must work again: before gRPC's own attempt.
   * The control plane's own retries take about half a second.
   */
  private static final Duration RECONNECTED_WITHIN = Duration.ofSeconds(4);

  @Test
  void writesAndMirrorsWorkWithinSecondsWhenEtcdReturnsAfterALongOutage() {
    ApiClient api = api();
    String path = "/api/v1/services/long-outage/rules";
    assertThat(api.put(path, WRITER, document(null, 0.5, "a"), Map.of()).status()).isEqualTo(200);
    etcd.server().stop();
    long stopped = System.nanoTime();
    try {
      assertThat(api.get(path, READER).status()).isEqualTo(503);
      // The rest of the outage, its length kept exact (a poll of the API would wait out the etcd
      // timeout and overshoot it), while the mirrors keep retrying in the background.
      Duration rest = LONG_OUTAGE.minusNanos(System.nanoTime() - stopped);
      await().during(rest).atMost(rest.plusSeconds(10)).until(() -> !etcd.server().isRunning());
    } finally {
      restartEtcd();
    }
    long back = System.nanoTime();
    long outageMillis = (back - stopped) / 1_000_000;
    // Bounded generously so that a failure shows how long it took, not just that it was too long.
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> api.put(path, WRITER, document(null, 0.6, "b"), Map.of()).status() == 200);
    long writeMillis = (System.nanoTime() - back) / 1_000_000;
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .until(ControlPlaneApiIT::mirrorsInSync);
    long mirrorsMillis = (System.nanoTime() - back) / 1_000_000;
    System.out.println(
        "[measure] etcd back after a "
            + outageMillis
            + " ms outage: rules PUT answers 200 in "
            + writeMillis
            + " ms, watches in sync in "
            + mirrorsMillis
            + " ms");
    assertThat(writeMillis)
        .as("ms from etcd's return to a rules PUT answering 200")
        .isLessThan(RECONNECTED_WITHIN.toMillis());
    assertThat(mirrorsMillis)
        .as("ms from etcd's return to every etcd mirror in sync (health component watches)")
        .isLessThan(RECONNECTED_WITHIN.toMillis());
  }

  /**
   * Whether health says every etcd mirror (agents, rules) holds a complete read: its {@code
   * watches} component is UP exactly then.
   */
  private static boolean mirrorsInSync() {
    return controlPlane
        .api()
        .get("/actuator/health", null)
        .json()
        .get("components")
        .get("watches")
        .get("status")
        .asString()
        .equals("UP");
  }

  /** The value etcd holds at {@code key}, read with this class's own client. */
  private static String storedValue(String key) throws Exception {
    return jetcd
        .getKVClient()
        .get(bytes(key))
        .get(5, TimeUnit.SECONDS)
        .getKvs()
        .get(0)
        .getValue()
        .toString(StandardCharsets.UTF_8);
  }

  /** Writes {@code status} under its agent status key, bound to {@code lease}, as an agent does. */
  /** PUTs {@code document} to {@code path} as the writer; the revision it was stored at. */
  private static long storedRevision(ApiClient api, String path, String document) {
    return api.put(path, WRITER, document, Map.of()).json().get("revision").asLong();
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** Stores {@code count} versions of the rules at {@code path}; their revisions, oldest first. */
  private static List<Long> writeVersions(ApiClient api, String path, int count) {
    List<Long> written = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      written.add(
          api.put(path, WRITER, document(null, 0.1 * (i + 1), "r" + i), Map.of())
              .json()
              .get("revision")
              .asLong());
    }
    return written;
  }

  /**
   * A {@code HEAD} of the event stream, as an uptime monitor sends it.
   *
   * @param query what follows {@code /api/v1/events}: empty or {@code ?…}
   * @param token the bearer token, or {@code null} for none
   */
  private static ApiClient.Answer headOfTheStream(ApiClient api, String query, String token) {
    return api.call(
        "HEAD", "/api/v1/events" + query, token, null, Map.of("Accept", "text/event-stream"));
  }

  /** The responses the OpenAPI document lists for {@code method} (lower case) on {@code path}. */
  private static JsonNode documentedResponses(ApiClient api, String method, String path) {
    return api.get("/api/v1/openapi.json", null)
        .json()
        .get("paths")
        .get(path)
        .get(method)
        .get("responses");
  }

  /** Overwrites {@code service}'s history entry at {@code revision} with JSON no version reads. */
  private static void spoilHistoryEntry(String service, long revision) {
    etcd.server()
        .put(
            "/sluice/v1/history/" + service + "/" + String.format(Locale.ROOT, "%020d", revision),
            "{\"not\": \"an entry\"");
  }

  private static List<Long> historyRevisions(JsonNode page) {
    List<Long> revisions = new java.util.ArrayList<>();
    page.get("entries").forEach(e -> revisions.add(e.get("revision").asLong()));
    return revisions;
  }
}
