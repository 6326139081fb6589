package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.OptionsUtil;
import org.junit.jupiter.api.Test;

/** Failures of a paged read reach its caller as the gateway threw them. */
class RangeReaderTest {

  /**
   * A page the gateway refused before sending it (the embedded etcd not running) has no cause:
   * looking for a compaction in it threw a NullPointerException, so every mirror's read said only
   * "t" on health and in the log, and the API's range reads answered 500 instead of 503.
   */
  @Test
  void aPageRefusedBeforeItWasSentFailsAsTheGatewaySaidIt() {
    RangeReader reader =
        new RangeReader(
            (from, option) -> {
              throw EtcdUnavailableException.embeddedDown(
                  "read the range", "etcd is restarting", System.nanoTime());
            });
    ByteSequence from = EtcdGateway.bytes("/sluice/v1/agents/");

    assertThatThrownBy(() -> reader.read(from, OptionsUtil.prefixEndOf(from), false, 10))
        .isInstanceOf(EtcdUnavailableException.class)
        .hasMessageContaining("the embedded etcd is not running")
        .extracting(e -> ((EtcdUnavailableException) e).embeddedTrouble())
        .isEqualTo("etcd is restarting");
  }
}
