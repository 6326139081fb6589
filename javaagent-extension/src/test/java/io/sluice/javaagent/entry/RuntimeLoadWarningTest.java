package io.sluice.javaagent.entry;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.logging.LogCapture;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class RuntimeLoadWarningTest {

  @Test
  void theFirstEntryPointTellsTheCauseInFullTheOthersWhatTheyFallBackTo() {
    RuntimeLoadWarning warning = new RuntimeLoadWarning();
    LinkageError cause = new NoClassDefFoundError("io/sluice/sdk/ActiveRules");
    List<LogRecord> records;
    try (LogCapture log = LogCapture.of(RuntimeLoadWarningTest.class)) {
      Logger logger = Logger.getLogger(RuntimeLoadWarningTest.class.getName());
      warning.warn(logger, "the app runs without it", cause);
      warning.warn(logger, "the app runs on default rules", new NoClassDefFoundError("again"));
      records = log.records();
    }

    assertThat(records).hasSize(2).allMatch(r -> r.getLevel() == Level.WARNING);
    assertThat(records.get(0).getMessage())
        .isEqualTo("Sluice could not load its runtime; the app runs without it");
    assertThat(records.get(0).getThrown()).isSameAs(cause);
    assertThat(records.get(1).getMessage())
        .isEqualTo(
            "Sluice could not load its runtime (see the first such warning); the app runs on"
                + " default rules (java.lang.NoClassDefFoundError: again)");
    assertThat(records.get(1).getThrown()).as("no second stack trace").isNull();
  }
}
