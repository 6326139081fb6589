package io.sluice.sdk.source;

import static io.sluice.sdk.source.TestDocuments.document;
import static io.sluice.sdk.source.TestDocuments.invalidDocument;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.sdk.ActiveRules;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DocumentVerdictTest {

  private static final String KEY = "/sluice/v1/rules/orders";
  private static final Set<String> SERVICES = Set.of("orders", "_default");

  @Test
  void aValidDocumentIsRulesToPutInForceAtItsRevision() {
    DocumentVerdict verdict = judge(document("orders", 0.3), Clock.systemUTC());

    assertThat(verdict.rejection()).isNull();
    assertThat(verdict.failure()).isNull();
    assertThat(verdict.rules().revision()).isEqualTo(7);
    assertThat(verdict.rules().source()).isEqualTo(ActiveRules.Source.ETCD);
    assertThat(verdict.rules().document().sampling().defaultRatio()).isEqualTo(0.3);
  }

  @Test
  void anInvalidDocumentIsRejectedWithEveryProblemStampedByTheClock() {
    Instant now = Instant.parse("2026-01-02T03:04:05Z");
    DocumentVerdict verdict = judge(invalidDocument("orders"), Clock.fixed(now, ZoneOffset.UTC));

    assertThat(verdict.rules()).isNull();
    assertThat(verdict.failure()).isNull();
    assertThat(verdict.rejection().origin()).isEqualTo(KEY);
    assertThat(verdict.rejection().revision()).isEqualTo(7);
    assertThat(verdict.rejection().messages()).hasSize(2).allMatch(m -> m.startsWith("$."));
    assertThat(verdict.rejection().time()).isEqualTo(now);
  }

  /**
   * The clock that stamps the rejection failing is the document's rejection all the same, naming
   * the failure and stamped by the system's clock: the verdict never throws.
   */
  @Test
  void aFailureWhileJudgingIsARejectionNamingItNotAnException() {
    ClockFailingAt clock = new ClockFailingAt(1);
    Instant before = Instant.now();

    DocumentVerdict verdict = judge(invalidDocument("orders"), clock);

    assertThat(verdict.rules()).isNull();
    assertThat(verdict.failure())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(clock.failure());
    assertThat(verdict.rejection().revision()).isEqualTo(7);
    assertThat(verdict.rejection().messages())
        .containsExactly(
            "$: this agent failed on the document (IllegalStateException: "
                + clock.failure()
                + "), a bug rather than a problem of the document; the agent's log has the stack"
                + " trace");
    assertThat(verdict.rejection().time()).isAfterOrEqualTo(before);
  }

  private static DocumentVerdict judge(String json, Clock clock) {
    return DocumentVerdict.of(
        json.getBytes(StandardCharsets.UTF_8), SERVICES, ActiveRules.Source.ETCD, KEY, 7, clock);
  }
}
