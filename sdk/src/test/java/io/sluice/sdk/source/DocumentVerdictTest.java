package io.sluice.sdk.source;

import static io.sluice.sdk.source.TestDocuments.document;
import static io.sluice.sdk.source.TestDocuments.invalidDocument;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.sdk.ActiveRules;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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

  /**
   * A clock failing at every reading, the stamp of the failure's rejection too, still gives a
   * rejection stamped by the system's clock, also when it fails with a {@code LinkageError} (a
   * class of its own that cannot be loaded). Before, such an error escaped the stamp: {@code of()}
   * threw.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("clockFailures")
  void aClockFailingAtEveryReadingStillGivesARejection(String name, Supplier<Throwable> failure) {
    Clock clock = new ClockFailingAlways(failure);
    Instant before = Instant.now();

    DocumentVerdict verdict = judge(invalidDocument("orders"), clock);

    assertThat(verdict.rules()).isNull();
    assertThat(verdict.failure()).isInstanceOf(failure.get().getClass());
    assertThat(verdict.rejection().revision()).isEqualTo(7);
    assertThat(verdict.rejection().messages())
        .singleElement()
        .asString()
        .startsWith("$: this agent failed on the document (" + name + ": ");
    assertThat(verdict.rejection().time()).isAfterOrEqualTo(before);
  }

  static Stream<Arguments> clockFailures() {
    return Stream.of(
        Arguments.of(
            "IllegalStateException",
            (Supplier<Throwable>) () -> new IllegalStateException("the clock fails")),
        Arguments.of(
            "NoClassDefFoundError",
            (Supplier<Throwable>) () -> new NoClassDefFoundError("the clock's class is gone")));
  }

  private static DocumentVerdict judge(String json, Clock clock) {
    return DocumentVerdict.of(
        json.getBytes(StandardCharsets.UTF_8), SERVICES, ActiveRules.Source.ETCD, KEY, 7, clock);
  }

  /** A clock whose every reading fails with a new {@code failure}. */
  private static final class ClockFailingAlways extends Clock {
    private final Supplier<Throwable> failure;

    ClockFailingAlways(Supplier<Throwable> failure) {
      this.failure = failure;
    }

    @Override
    public Instant instant() {
      Throwable thrown = failure.get();
      if (thrown instanceof Error error) {
        throw error;
      }
      throw (RuntimeException) thrown;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }
}
