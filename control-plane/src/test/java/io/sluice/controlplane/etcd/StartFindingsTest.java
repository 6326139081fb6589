package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The start's findings tell about the start only: once etcd answers any call (a watch's read, an
 * API call), not only health's, they are forgotten, so an outage hours later, with no health check
 * in between, is never shown with them.
 */
class StartFindingsTest {

  private static final StartFindings.Found NOT_ANSWERED =
      new StartFindings.Found("etcd did not answer at its endpoints for 1000 ms", List.of());

  @Test
  void anyCallEtcdAnswersThroughTheGatewayForgetsThem() {
    StartFindings findings = new StartFindings();
    // the client dials nothing until a call of its own: the calls below are answered futures
    try (Client client = Client.builder().endpoints("http://127.0.0.1:1").build()) {
      EtcdGateway etcd = TestGateways.wired(client, findings, new EtcdOutageLog());
      findings.record(NOT_ANSWERED);

      assertThatThrownBy(
              () ->
                  etcd.await(
                      CompletableFuture.failedFuture(new IOException("io exception")), "read"))
          .isInstanceOf(EtcdUnavailableException.class);
      assertThat(findings.found()).as("a failed call tells nothing new").isEqualTo(NOT_ANSWERED);

      etcd.await(CompletableFuture.completedFuture(7L), "read the rules");
      assertThat(findings.found()).as("etcd was read").isNull();
    }
  }
}
