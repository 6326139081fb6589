package io.sluice.sdk.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import io.sluice.testing.logging.LogCapture;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StatusReporterTest {

  // Nothing listens on port 1: a client that is never answered.
  private final Client client = Client.builder().endpoints("http://127.0.0.1:1").build();
  private final ActiveRulesHolder rules = new ActiveRulesHolder(ActiveRules.defaults("orders"));

  @AfterEach
  void closeClient() {
    client.close();
  }

  @Test
  void refusesALeaseLongerThanTheContractAllows() {
    assertThatThrownBy(
            () -> StatusReporter.builder(client, "orders", rules).leaseTtl(Duration.ofSeconds(16)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT16S");
    assertThat(
            StatusReporter.builder(client, "orders", rules)
                .leaseTtl(Duration.ofSeconds(15))
                .build())
        .isNotNull();
  }

  @Test
  void refusesNamesThatCannotBeKeys() {
    assertThatThrownBy(() -> StatusReporter.builder(client, "a/b", rules))
        .hasMessageContaining("'a/b'");
    assertThatThrownBy(() -> StatusReporter.builder(client, "orders", rules).instanceId(" "))
        .hasMessageContaining("' '");
    // etcd would take /sluice/v1/agents/../id, but no control plane URL could address it
    assertThatThrownBy(() -> StatusReporter.builder(client, ".", rules))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "service must not be '.' or '..', which URLs and paths read as this or the parent"
                + " directory and drop, got '.'");
    assertThatThrownBy(() -> StatusReporter.builder(client, "orders", rules).instanceId(".."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "instance id must not be '.' or '..', which URLs and paths read as this or the parent"
                + " directory and drop, got '..'");
  }

  @Test
  void buildsTheKeyFromServiceAndInstance() {
    StatusReporter reporter =
        StatusReporter.builder(client, "orders", rules).instanceId("pod-7").build();

    assertThat(reporter.key()).isEqualTo("/sluice/v1/agents/orders/pod-7");
    assertThat(reporter.leaseId()).isZero();
  }

  @Test
  void closeReleasesItsThreadEvenWhenEtcdNeverAnswered() {
    StatusReporter reporter =
        StatusReporter.builder(client, "close-test", rules)
            .callTimeout(Duration.ofMillis(500))
            .build();
    reporter.start();
    reporter.close();

    await().atMost(Duration.ofSeconds(10)).until(() -> !threadAlive("sluice-status-close-test"));
    assertThat(reporter.writes()).isZero();
  }

  /**
   * main returning while the first write still waits for an etcd that is away: with no lease there
   * is nothing to revoke, and the JVM's exit must not wait. {@code close()} returns while the
   * grant, given a call timeout of ten minutes, is still on its way, revokes nothing, and its
   * interrupted write releases the reporter's thread. Before, it waited for the revoke's 2 s and
   * more, for a grant that could only time out.
   */
  @Test
  void closeDoesNotWaitForALeaseGrantThatIsStillOnItsWay() {
    StatusReporter reporter =
        StatusReporter.builder(client, "close-fast", rules)
            .callTimeout(Duration.ofMinutes(10))
            .build();
    reporter.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> reporter.writeAttempts() > 0);

    try (LogCapture log = LogCapture.of(StatusReporter.class)) {
      CompletableFuture<Void> closing =
          CompletableFuture.runAsync(
              reporter::close,
              task -> {
                Thread thread = new Thread(task, "close-under-test");
                thread.setDaemon(true);
                thread.start();
              });

      // far more than a close that waits for nothing needs on a loaded machine, far less than
      // the grant's ten minutes
      await("close() returned").atMost(Duration.ofSeconds(20)).until(closing::isDone);
      closing.join();
      await().atMost(Duration.ofSeconds(5)).until(() -> !threadAlive("sluice-status-close-fast"));
      assertThat(reporter.leaseId()).isZero();
      assertThat(log.messages()).noneMatch(m -> m.contains("could not revoke the status lease"));
    }
  }

  private static boolean threadAlive(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }
}
