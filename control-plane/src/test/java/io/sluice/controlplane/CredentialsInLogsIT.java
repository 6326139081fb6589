package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.logging.LogCapture;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.logging.LogRecord;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A credential a client sends never lands in the control plane's log, also when the request is one
 * the server cannot even parse. A control plane of its own: Tomcat reports a request line it cannot
 * parse in full (query included) once per request processor and then only at DEBUG, so a shared
 * control plane that had seen such a request before would hide the line this test looks for.
 */
class CredentialsInLogsIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  private static final String TICKET = "Zm9yZ2VkLXRpY2tldC1mb3ItdGhlLWxvZy10ZXN0";

  /**
   * An invalid character in the URL (an unencoded {@code |}, as a script that builds the URL by
   * hand sends) made Tomcat log the whole request target at INFO, {@code ?access_token=} or an
   * unspent {@code ?ticket=} included: the request never reached the API, so the ticket stayed
   * valid. The client still gets its 400 problem document.
   */
  @Test
  void aRequestLineTomcatCannotParseIsNotLoggedWithTheCredentialInIt() throws IOException {
    String ticket = TICKET;
    try (LogCapture tomcat = LogCapture.of("org.apache.coyote");
        RunningControlPlane controlPlane =
            RunningControlPlane.start(
                Map.of(
                    "sluice.etcd.endpoints",
                    etcd.endpoint(),
                    "sluice.security.tokens.reader.token",
                    ControlPlaneApiIT.READER,
                    "sluice.security.tokens.reader.role",
                    "reader"))) {
      for (String query :
          new String[] {"access_token=" + ControlPlaneApiIT.READER, "ticket=" + ticket}) {
        String answer =
            RawHttp.exchange(
                controlPlane.port(), "GET /api/v1/events?" + query + "&x=a|b HTTP/1.1\r\n");

        assertThat(answer).startsWith("HTTP/1.1 400").contains("application/problem+json");
      }
      assertThat(tomcat.records())
          .map(CredentialsInLogsIT::text)
          .noneMatch(line -> line.contains(ControlPlaneApiIT.READER))
          .noneMatch(line -> line.contains(ticket));
    }
  }

  /**
   * A query Tomcat cannot decode ({@code ?ticket=…%zz}, {@code ?access_token=…%zz}) is answered
   * 400, and nothing in the log quotes it: Tomcat's message names the parameter's value, and an
   * older Tomcat logged it at INFO.
   */
  @Test
  void anUndecodableQueryIsNotLoggedWithTheCredentialInIt() throws IOException {
    // Tomcat's and Sluice's loggers (java.util.logging), not the root: a handler of its own there
    // keeps Spring Boot from bridging it, and so from applying logging.level.* to Tomcat's loggers
    try (LogCapture tomcat = LogCapture.of("org.apache");
        LogCapture sluice = LogCapture.of("io.sluice");
        RunningControlPlane controlPlane =
            RunningControlPlane.start(
                Map.of(
                    "sluice.etcd.endpoints",
                    etcd.endpoint(),
                    "sluice.security.tokens.reader.token",
                    ControlPlaneApiIT.READER,
                    "sluice.security.tokens.reader.role",
                    "reader"))) {
      for (String query :
          new String[] {
            "access_token=" + ControlPlaneApiIT.READER + "%zz", "ticket=" + TICKET + "%zz"
          }) {
        String answer =
            RawHttp.exchange(controlPlane.port(), "GET /api/v1/events?" + query + " HTTP/1.1\r\n");

        assertThat(answer).startsWith("HTTP/1.1 400").contains("application/problem+json");
      }
      assertThat(Stream.of(tomcat, sluice).flatMap(capture -> capture.records().stream()))
          .map(CredentialsInLogsIT::text)
          .noneMatch(line -> line.contains(ControlPlaneApiIT.READER + "%zz"))
          .noneMatch(line -> line.contains(TICKET));
    }
  }

  /** All a log line shows: its message, and its exception's stack trace. */
  private static String text(LogRecord record) {
    StringWriter text = new StringWriter().append(String.valueOf(record.getMessage()));
    if (record.getThrown() != null) {
      record.getThrown().printStackTrace(new PrintWriter(text));
    }
    return text.toString();
  }
}
