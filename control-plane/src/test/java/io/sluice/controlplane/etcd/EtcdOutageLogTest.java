package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.sluice.testing.logging.LogCapture;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
    EtcdSettings settings =
        PlainEtcdSettings.of(List.of("http://127.0.0.1:1"), Duration.ofSeconds(1));
    // the client dials nothing until a call of its own: the calls below are answered futures
    try (Client client = Client.builder().endpoints("http://127.0.0.1:1").build();
        LogCapture log = LogCapture.of(EtcdOutageLog.class)) {
      EtcdGateway etcd =
          new EtcdConfiguration()
              .etcdGateway(
                  client,
                  settings,
                  new EtcdConfiguration.EmbeddedEtcdHolder(null),
                  new StartFindings(),
                  outageLog);
      assertThat(outageLog.firstOfStretch()).isTrue();
      assertThat(outageLog.firstOfStretch()).isFalse();

      assertThatThrownBy(
              () ->
                  etcd.await(
                      CompletableFuture.failedFuture(new IOException("io exception")), "read"))
          .isInstanceOf(EtcdUnavailableException.class);
      assertThat(log.messages()).as("a failed call is no answer").isEmpty();
      assertThat(outageLog.firstOfStretch()).isFalse();

      etcd.await(CompletableFuture.completedFuture(7L), "read the rules");
      assertThat(log.messages())
          .containsExactly(
              "etcd answers again; 3 API calls were answered 503 etcd-unavailable meanwhile (the"
                  + " first logged at WARNING, the rest at FINE)");
      etcd.await(CompletableFuture.completedFuture(8L), "read the rules");
      assertThat(log.messages()).as("no stretch was open").hasSize(1);
      assertThat(outageLog.firstOfStretch()).as("a new stretch").isTrue();
    }
  }
}
