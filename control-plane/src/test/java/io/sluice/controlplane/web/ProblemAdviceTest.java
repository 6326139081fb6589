package io.sluice.controlplane.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.logging.LogCapture;
import java.io.IOException;
import java.util.logging.Level;
import org.apache.catalina.connector.ClientAbortException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotWritableException;

class ProblemAdviceTest {

  private final ProblemAdvice advice = new ProblemAdvice();
  private LogCapture log;

  @BeforeEach
  void captureTheLog() {
    log = LogCapture.of(ProblemAdvice.class);
  }

  @AfterEach
  void releaseTheLog() {
    log.close();
  }

  /**
   * A browser that reloads while a large answer (hundreds of agents) is written drops the
   * connection: that is no error of the control plane's to log with a stack trace, and there is no
   * one left to answer.
   */
  @Test
  void aClientThatWentAwayWhileItsAnswerWasWrittenIsNotLoggedAsAnError() {
    HttpMessageNotWritableException gone =
        new HttpMessageNotWritableException(
            "Could not write JSON: ServletOutputStream failed to write",
            new IOException(new ClientAbortException(new IOException("Broken pipe"))));

    assertThat(advice.unexpected(gone)).isNull();
    assertThat(
            advice.handleExceptionInternal(
                gone, null, new HttpHeaders(), HttpStatus.INTERNAL_SERVER_ERROR, null))
        .isNull();
    assertThat(log.records())
        .noneMatch(record -> record.getLevel().intValue() > Level.FINE.intValue());
  }

  @Test
  void aFailureOfOurOwnIsLoggedAndAnsweredAs500() {
    ResponseEntity<Object> answer = advice.unexpected(new IllegalStateException("a bug"));

    assertThat(answer.getStatusCode().value()).isEqualTo(500);
    assertThat(log.records())
        .anyMatch(record -> record.getLevel() == Level.SEVERE && record.getThrown() != null);
  }
}
