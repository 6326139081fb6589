package io.sluice.testing.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class LogCaptureTest {

  /** A logger of its own, so no other test's level or handlers get in the way. */
  private static final Logger LOG = Logger.getLogger(Quiet.class.getName());

  @Test
  void aCaptureAtFineSeesWhatTheLoggersLevelHides() {
    try (LogCapture atInfo = LogCapture.of(Quiet.class)) {
      LOG.fine("hidden");
      LOG.info("shown");
      assertThat(atInfo.messages()).containsExactly("shown");
    }
    try (LogCapture atFine = LogCapture.of(Quiet.class, Level.FINE)) {
      LOG.finer("too quiet");
      LOG.fine("quiet");
      LOG.warning("loud");
      assertThat(atFine.messages()).containsExactly("quiet", "loud");
      assertThat(atFine.warnings()).containsExactly("loud");
    }
  }

  @Test
  void theLoggersLevelIsRestoredOnClose() {
    LOG.setLevel(Level.WARNING);
    try {
      try (LogCapture ignored = LogCapture.of(Quiet.class, Level.FINE)) {
        assertThat(LOG.getLevel()).isEqualTo(Level.FINE);
      }
      assertThat(LOG.getLevel()).isEqualTo(Level.WARNING);
    } finally {
      LOG.setLevel(null);
    }
    try (LogCapture ignored = LogCapture.of(Quiet.class, Level.FINE)) {
      assertThat(LOG.isLoggable(Level.FINE)).isTrue();
    }
    assertThat(LOG.getLevel()).as("inherited again").isNull();
  }

  /** Names the logger these tests write to. */
  private static final class Quiet {}
}
