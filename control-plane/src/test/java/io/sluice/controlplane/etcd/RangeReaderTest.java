package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.OptionsUtil;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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
            (from, option, what) -> {
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
            (from, option, what) -> {
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
            (from, option, what) -> {
              throw TestEtcdFailures.unavailable("etcd did not answer within 3000 ms (read)");
            });
    ByteSequence from = EtcdGateway.bytes("/sluice/v1/history/orders/");

    assertThatThrownBy(() -> reader.read(from, OptionsUtil.prefixEndOf(from), true, 50))
        .hasMessage("etcd did not answer within 3000 ms (read)")
        .extracting(e -> ((EtcdUnavailableException) e).compactions())
        .isEqualTo(0);
  }

  /**
   * A page after the first is named by its range's start and the key it goes on from: its read
   * starts just after the last key of the page before ({@code /prefix/07\0}), which the failures
   * named "read the range from /prefix/07", a key that page does not hold.
   */
  @Test
  void namesEachPageAfterTheFirstByTheKeyItGoesOnFrom() {
    List<String> ascending = new CopyOnWriteArrayList<>();
    ByteSequence from = EtcdGateway.bytes("/sluice/v1/agents/");
    new RangeReader(
            (start, option, what) -> {
              ascending.add(what);
              return ascending.size() == 1 ? page(true, "/sluice/v1/agents/", 0, 7) : page(false);
            })
        .read(from, OptionsUtil.prefixEndOf(from), false, Long.MAX_VALUE);
    List<String> descending = new CopyOnWriteArrayList<>();
    new RangeReader(
            (start, option, what) -> {
              descending.add(what);
              return descending.size() == 1 ? page(true, "/sluice/v1/agents/", 15, 8) : page(false);
            })
        .read(from, OptionsUtil.prefixEndOf(from), true, Long.MAX_VALUE);

    assertThat(ascending)
        .containsExactly(
            "read the range from /sluice/v1/agents/",
            "read the range from /sluice/v1/agents/, page after /sluice/v1/agents/07");
    assertThat(descending)
        .containsExactly(
            "read the range from /sluice/v1/agents/",
            "read the range from /sluice/v1/agents/, page before /sluice/v1/agents/08");
  }

  /**
   * A read bounded in bytes sizes its later pages at the average entry read: two large entries (300
   * KB) and 98 small ones (1 KB) under a 1 MiB bound are read in a few pages. Sized at the largest
   * entry, the bytes left fit one large entry, and every small one after took a round trip.
   */
  @Test
  void sizesTheLaterPagesOfABoundedReadAtTheAverageEntry() {
    List<KeyValue> entries = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      entries.add(
          KeyValue.newBuilder()
              .setKey(ByteString.copyFromUtf8(String.format(Locale.ROOT, "/k/%03d", 99 - i)))
              .setValue(ByteString.copyFrom(new byte[i < 2 ? 300_000 : 1_000]))
              .build());
    }
    AtomicInteger served = new AtomicInteger();
    AtomicInteger pages = new AtomicInteger();
    ByteSequence from = EtcdGateway.bytes("/k/");

    EtcdGateway.Range read =
        new RangeReader(
                (start, option, what) -> {
                  pages.incrementAndGet();
                  int first = served.get();
                  int last = (int) Math.min(entries.size(), first + option.getLimit());
                  served.set(last);
                  return new GetResponse(
                      RangeResponse.newBuilder()
                          .setHeader(ResponseHeader.newBuilder().setRevision(5))
                          .setMore(last < entries.size())
                          .addAllKvs(entries.subList(first, last))
                          .build(),
                      ByteSequence.EMPTY);
                })
            .readUpTo(from, OptionsUtil.prefixEndOf(from), true, 100, 1024 * 1024);

    assertThat(read.kvs()).hasSize(100);
    assertThat(pages.get()).isLessThanOrEqualTo(12);
  }

  /** A page of etcd's answer: keys {@code prefix + NN} from {@code first} to {@code last}. */
  private static GetResponse page(boolean more, String prefix, int first, int last) {
    RangeResponse.Builder page =
        RangeResponse.newBuilder()
            .setHeader(ResponseHeader.newBuilder().setRevision(5))
            .setMore(more);
    int step = first <= last ? 1 : -1;
    for (int i = first; i != last + step; i += step) {
      page.addKvs(
          KeyValue.newBuilder()
              .setKey(ByteString.copyFromUtf8(prefix + String.format(Locale.ROOT, "%02d", i)))
              .setValue(ByteString.copyFromUtf8("v")));
    }
    return new GetResponse(page.build(), ByteSequence.EMPTY);
  }

  /** The last page, empty. */
  private static GetResponse page(boolean more) {
    return new GetResponse(
        RangeResponse.newBuilder()
            .setHeader(ResponseHeader.newBuilder().setRevision(5))
            .setMore(more)
            .build(),
        ByteSequence.EMPTY);
  }

  /**
   * A failure whose causes loop (each the other's, which {@code initCause} allows): looking for a
   * compaction in it walked the causes until one had none and never returned, holding the request
   * thread that read the range.
   */
  @Test
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aFailureWhoseCausesLoopIsNoCompaction() {
    IllegalStateException wrapper = new IllegalStateException("page failed");
    StatusRuntimeException outOfRange =
        Status.OUT_OF_RANGE
            .withDescription("a key past the end")
            .withCause(wrapper)
            .asRuntimeException();
    wrapper.initCause(outOfRange);

    assertThat(RangeReader.compactedAway(outOfRange)).isFalse();
  }
}
