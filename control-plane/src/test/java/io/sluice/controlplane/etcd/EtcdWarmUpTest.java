package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testing.logging.LogCapture;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

class EtcdWarmUpTest {

  /**
   * A failure without a message (gRPC fails a call on a closed channel with a bare {@code
   * ClosedChannelException}) is named by its class: the warning said "etcd could not be read
   * (null)".
   */
  @Test
  void aFailureWithoutAMessageIsNamedByItsClass() {
    try (LogCapture log = LogCapture.of(EtcdWarmUp.class)) {
      EtcdWarmUp.failed(new ClosedChannelException());
      assertThat(log.messages())
          .singleElement()
          .satisfies(
              message ->
                  assertThat(message)
                      .contains("(java.nio.channels.ClosedChannelException)")
                      .doesNotContain("null"));
    }
  }
}
