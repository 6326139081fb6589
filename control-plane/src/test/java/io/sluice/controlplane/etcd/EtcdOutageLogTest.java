package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.sluice.testing.logging.LogCapture;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/**
 * A stretch of the API's 503s ends when etcd answers any call through the gateway (a mirror's read,
 * a health check, an API call), not only an API call: that is where the control plane learns etcd
 * is back. A failed call ends nothing.
 */
class EtcdOutageLogTest {

  @Test
  void aCallEtcdAnswersThroughTheGatewayEndsTheStretch() {
    EtcdOutageLog outageLog = new EtcdOutageLog();
    // the client dials nothing until a call of its own: the calls below are answered futures
    try (Client client = Client.builder().endpoints("http://127.0.0.1:1").build();
        LogCapture log = LogCapture.of(EtcdOutageLog.class)) {
      EtcdGateway etcd = TestGateways.wired(client, new StartFindings(), outageLog);
      answer503(outageLog);
      answer503(outageLog);

      assertThatThrownBy(
              () ->
                  etcd.await(
                      CompletableFuture.failedFuture(new IOException("io exception")), "read"))
          .isInstanceOf(EtcdUnavailableException.class);
      assertThat(infos(log)).as("a failed call is no answer").isEmpty();
      answer503(outageLog);
      assertThat(log.warnings()).as("one stretch").hasSize(1);

      etcd.await(CompletableFuture.completedFuture(7L), "read the rules");
      assertThat(infos(log))
          .containsExactly(
              "etcd answers again; 3 API calls were answered 503 etcd-unavailable meanwhile (the"
                  + " first logged at WARNING, the rest at FINE)");
      etcd.await(CompletableFuture.completedFuture(8L), "read the rules");
      assertThat(infos(log)).as("no stretch was open").hasSize(1);
      answer503(outageLog);
      assertThat(log.warnings()).as("a new stretch").hasSize(2);
    }
  }

  /**
   * etcd comes back refusing the control plane (its credentials or permissions: the API answers 500
   * etcd-refused): etcd answers, so the stretch of 503s ends. A refusal ended nothing, so the
   * stretch stayed open for good, and the first 503 of a later outage was logged at FINE only.
   */
  @Test
  void aRefusalEndsTheStretchSoALaterOutageIsWarnedOfAgain() {
    EtcdOutageLog outageLog = new EtcdOutageLog();
    try (Client client = Client.builder().endpoints("http://127.0.0.1:1").build();
        LogCapture log = LogCapture.of(EtcdOutageLog.class)) {
      EtcdGateway etcd = TestGateways.wired(client, new StartFindings(), outageLog);
      answer503(outageLog);

      assertThatThrownBy(() -> etcd.await(TestEtcdFailures.permissionDenied(), "read the rules"))
          .isInstanceOf(EtcdRefusedException.class);

      assertThat(infos(log))
          .containsExactly(
              "etcd answers again; 1 API call was answered 503 etcd-unavailable meanwhile (the"
                  + " first logged at WARNING, the rest at FINE)");
      answer503(outageLog);
      assertThat(log.warnings()).as("a later outage's first 503").hasSize(2);
    }
  }

  /**
   * A 503 whose call was sent before etcd answered again, while a new stretch is already open (a
   * call sent after the recovery failed first), is one of that stretch's: counted, at FINE.
   */
  @Test
  void aCallSentBeforeTheRecoveryIsCountedInAStretchAlreadyOpen() {
    AtomicLong clock = new AtomicLong(1_000);
    EtcdOutageLog outageLog = new EtcdOutageLog(clock::get);
    try (LogCapture log = LogCapture.of(EtcdOutageLog.class)) {
      outageLog.unavailable(() -> "503 one", 1_000);
      clock.set(2_000);
      outageLog.etcdAnswered();

      outageLog.unavailable(() -> "503 two", 3_000);
      outageLog.unavailable(() -> "503 sent before the recovery", 1_500);
      outageLog.etcdAnswered();

      assertThat(log.warnings())
          .containsExactly(
              "503 one (until etcd answers again, further 503s are logged at FINE)",
              "503 two (until etcd answers again, further 503s are logged at FINE)");
      assertThat(infos(log))
          .containsExactly(
              "etcd answers again; 1 API call was answered 503 etcd-unavailable meanwhile (the"
                  + " first logged at WARNING, the rest at FINE)",
              "etcd answers again; 2 API calls were answered 503 etcd-unavailable meanwhile (the"
                  + " first logged at WARNING, the rest at FINE)");
    }
  }

  /** One 503 {@code etcd-unavailable} answered now, to a call that waited on no etcd call. */
  private static void answer503(EtcdOutageLog outageLog) {
    outageLog.unavailable(() -> "answering 503 to GET /api/v1/services: …", outageLog.now());
  }

  /** The INFO lines: those that end a stretch. */
  private static List<String> infos(LogCapture log) {
    return log.records().stream()
        .filter(r -> r.getLevel() == Level.INFO)
        .map(LogRecord::getMessage)
        .toList();
  }
}
