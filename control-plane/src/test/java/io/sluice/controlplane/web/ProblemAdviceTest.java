package io.sluice.controlplane.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
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
  private final Logger log = Logger.getLogger(ProblemAdvice.class.getName());
  private final List<LogRecord> logged = new ArrayList<>();
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          logged.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void captureTheLog() {
    log.addHandler(capture);
  }

  @AfterEach
  void releaseTheLog() {
    log.removeHandler(capture);
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
    assertThat(logged).noneMatch(record -> record.getLevel().intValue() > Level.FINE.intValue());
  }

  @Test
  void aFailureOfOurOwnIsLoggedAndAnsweredAs500() {
    ResponseEntity<Object> answer = advice.unexpected(new IllegalStateException("a bug"));

    assertThat(answer.getStatusCode().value()).isEqualTo(500);
    assertThat(logged)
        .anyMatch(record -> record.getLevel() == Level.SEVERE && record.getThrown() != null);
  }
}
