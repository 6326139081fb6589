package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.OptionsUtil;
import java.util.concurrent.atomic.AtomicInteger;
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

  /**
   * A read that etcd's compaction overtakes each time is read {@link RangeReader#MAX_ATTEMPTS}
   * times, then fails saying so: its failure said only what the last page's did, and the API's 503
   * that etcd was unavailable, though etcd had answered every time.
   */
  @Test
  void aReadCompactedAwayEachTimeFailsSayingHowManyTimes() {
    AtomicInteger pages = new AtomicInteger();
    RangeReader reader =
        new RangeReader(
            (from, option) -> {
              pages.incrementAndGet();
              throw TestEtcdFailures.compacted("read the range");
            });
    ByteSequence from = EtcdGateway.bytes("/sluice/v1/history/orders/");

    assertThatThrownBy(() -> reader.read(from, OptionsUtil.prefixEndOf(from), true, 50))
        .isInstanceOf(EtcdUnavailableException.class)
        .hasMessage(
            "etcd compacted away the revision the read was at (read the range), 3 times in a row")
        .extracting(e -> ((EtcdUnavailableException) e).compactions())
        .isEqualTo(RangeReader.MAX_ATTEMPTS);
    assertThat(pages.get()).isEqualTo(RangeReader.MAX_ATTEMPTS);
  }

  /** Any other failure of a page is thrown as it is, and counts no compaction. */
  @Test
  void anotherFailureCountsNoCompaction() {
    RangeReader reader =
        new RangeReader(
            (from, option) -> {
              throw TestEtcdFailures.unavailable("etcd did not answer within 3000 ms (read)");
            });
    ByteSequence from = EtcdGateway.bytes("/sluice/v1/history/orders/");

    assertThatThrownBy(() -> reader.read(from, OptionsUtil.prefixEndOf(from), true, 50))
        .hasMessage("etcd did not answer within 3000 ms (read)")
        .extracting(e -> ((EtcdUnavailableException) e).compactions())
        .isEqualTo(0);
  }
}
