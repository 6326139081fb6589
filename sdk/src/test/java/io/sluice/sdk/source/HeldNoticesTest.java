package io.sluice.sdk.source;

import static io.sluice.sdk.source.TestDocuments.invalidDocument;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.sdk.ActiveRules;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HeldNoticesTest {

  private static final String KEY = "/sluice/v1/rules/orders";

  private final Logger logger = Logger.getLogger(HeldNoticesTest.class.getName());
  private final Lines lines = new Lines();
  private final RuleSourceListeners listeners = new RuleSourceListeners();
  private final List<Long> told = new CopyOnWriteArrayList<>();

  HeldNoticesTest() {
    logger.setUseParentHandlers(false);
    logger.addHandler(lines);
    listeners.add(
        new RuleSourceListener() {
          @Override
          public void onRejected(RuleRejection rejection) {
            told.add(rejection.revision());
          }
        });
  }

  @AfterEach
  void removeHandler() {
    logger.removeHandler(lines);
    logger.setUseParentHandlers(true);
  }

  @Test
  void tellsRejectionsInTheOrderFoundThenTheDeletesAndHoldsNothingAfter() {
    HeldNotices held = new HeldNotices(logger);
    held.deleted("the rule document /sluice/v1/rules/_default was deleted");
    held.rejected(rejectedAt(5));
    held.rejected(rejectedAt(6));

    held.tell(null, "the built-in defaults", listeners);

    assertThat(lines.messages)
        .containsExactly(
            SourceLogLines.rejected(KEY, 5) + "; the rules in force stay: the built-in defaults",
            SourceLogLines.rejected(KEY, 6) + "; the rules in force stay: the built-in defaults",
            "the rule document /sluice/v1/rules/_default was deleted");
    assertThat(told).containsExactly(5L, 6L);
    assertThat(held.isEmpty()).isTrue();
  }

  @Test
  void aRejectionOfRulesThatChangeAnywaySaysWhatTheyBecome() {
    HeldNotices held = new HeldNotices(logger);
    held.rejected(rejectedAt(5));

    held.tell("the rule document /sluice/v1/rules/_default at revision 4", null, listeners);

    assertThat(lines.messages)
        .containsExactly(
            SourceLogLines.rejected(KEY, 5)
                + ", which is not applied; the rules in force become the rule document"
                + " /sluice/v1/rules/_default at revision 4");
  }

  @Test
  void aLineThatThrowsLeavesItAndThoseAfterItToTheNextTellEachToldOnce() {
    HeldNotices held = new HeldNotices(logger);
    held.rejected(rejectedAt(5));
    held.rejected(rejectedAt(6));
    held.deleted("the rule document " + KEY + " was deleted");
    lines.failOnceAt = SourceLogLines.rejected(KEY, 6);

    assertThatThrownBy(() -> held.tell(null, null, listeners))
        .isInstanceOf(IllegalStateException.class);
    assertThat(told).containsExactly(5L);
    assertThat(held.isEmpty()).isFalse();

    held.tell(null, null, listeners);

    assertThat(lines.messages)
        .containsExactly(
            SourceLogLines.rejected(KEY, 5) + "; the rules in force stay",
            SourceLogLines.rejected(KEY, 6) + "; the rules in force stay",
            "the rule document " + KEY + " was deleted");
    assertThat(told).containsExactly(5L, 6L);
    assertThat(held.isEmpty()).isTrue();
  }

  @Test
  void dropForgetsEverythingUntold() {
    HeldNotices held = new HeldNotices(logger);
    held.rejected(rejectedAt(5));
    held.deleted("the rule document " + KEY + " was deleted");

    held.drop();
    held.tell(null, null, listeners);

    assertThat(held.isEmpty()).isTrue();
    assertThat(lines.messages).isEmpty();
    assertThat(told).isEmpty();
  }

  private static DocumentVerdict rejectedAt(long revision) {
    return DocumentVerdict.of(
        invalidDocument("orders").getBytes(StandardCharsets.UTF_8),
        Set.of("orders"),
        ActiveRules.Source.ETCD,
        KEY,
        revision,
        Clock.systemUTC());
  }

  /** Keeps each line up to its problems; throws once at a line that starts with a prefix. */
  private static final class Lines extends Handler {
    final List<String> messages = new CopyOnWriteArrayList<>();
    volatile String failOnceAt;

    @Override
    public void publish(LogRecord record) {
      String message = record.getMessage();
      String prefix = failOnceAt;
      if (prefix != null && message.startsWith(prefix)) {
        failOnceAt = null;
        throw new IllegalStateException("a log handler that fails");
      }
      int problems = message.indexOf(". Problems:");
      messages.add(problems < 0 ? message : message.substring(0, problems));
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
