package io.sluice.controlplane.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.etcd.jetcd.Client;
import io.sluice.controlplane.ProblemType;
import io.sluice.controlplane.etcd.EtcdGateway;
import io.sluice.controlplane.etcd.EtcdOutageLog;
import io.sluice.controlplane.etcd.EtcdUnavailableException;
import io.sluice.controlplane.etcd.RangeHooks;
import io.sluice.controlplane.etcd.TestGateways;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.logging.LogCapture;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/**
 * A history read that a real etcd's compaction overtook three times in a row is answered 503 {@code
 * etcd-unavailable} saying so, and is no outage: it opened a stretch of the outage log (its WARNING
 * "until etcd answers again"), though etcd had answered every call.
 */
class CompactedReadAnswerIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  private static final String HISTORY = "/sluice/v1/history/compacted/";

  @Test
  void aReadCompactedAwayEachTimeOpensNoStretchOfTheOutageLog() {
    for (int i = 1; i <= 20; i++) {
      etcd.server().put(HISTORY + String.format(Locale.ROOT, "%020d", i), "{}");
    }
    RangeHooks hooks = new RangeHooks();
    AtomicInteger compactions = new AtomicInteger();
    // before every page of the history after its first: a write, and the read's revision compacted
    hooks.beforeSend(
        RangeHooks.under(HISTORY).and(RangeHooks.atARevision()),
        Integer.MAX_VALUE,
        () -> {
          etcd.server().put("/sluice/v1/rules/other", "c" + compactions.incrementAndGet());
          etcd.server().compact();
        });
    EtcdOutageLog outageLog = new EtcdOutageLog();
    ProblemAdvice advice = new ProblemAdvice(outageLog);
    try (Client client = Client.builder().endpoints(etcd.endpoint()).interceptor(hooks).build();
        LogCapture outages = LogCapture.of(EtcdOutageLog.class);
        LogCapture problems = LogCapture.of(ProblemAdvice.class)) {
      EtcdGateway gateway = TestGateways.on(client, Duration.ofSeconds(30));
      Throwable failure =
          catchThrowable(() -> gateway.getPrefixDescending(HISTORY, null, 21, Long.MAX_VALUE));
      assertThat(failure).isInstanceOf(EtcdUnavailableException.class);

      ResponseEntity<Object> answer =
          advice.etcd(
              (EtcdUnavailableException) failure,
              FakeServlet.request(
                  "GET", "", "/api/v1/services/compacted/rules/history", new byte[0]));

      assertThat(compactions.get()).isEqualTo(3);
      assertThat(answer.getStatusCode().value()).isEqualTo(503);
      ProblemDetail problem = (ProblemDetail) answer.getBody();
      assertThat(problem.getType()).isEqualTo(ProblemType.ETCD_UNAVAILABLE.type());
      assertThat(problem.getDetail())
          .isEqualTo(
              "etcd answered, but compacted away the revision the read was at, 3 times in a row,"
                  + " each time before the read's last page. Try again shortly.");
      assertThat(outages.records()).as("no stretch of the outage log opened").isEmpty();
      assertThat(problems.warnings())
          .singleElement()
          .asString()
          .startsWith(
              "answering 503 to GET /api/v1/services/compacted/rules/history: etcd compacted away"
                  + " the revision the read was at (read the range from "
                  + HISTORY)
          // newest first: the page it failed at goes on below the first page's last key
          .contains(", page before " + HISTORY)
          .contains("), 3 times in a row")
          .endsWith(
              "(etcd answered each time: no outage; more within a minute are logged at FINE)");
    }
  }
}
