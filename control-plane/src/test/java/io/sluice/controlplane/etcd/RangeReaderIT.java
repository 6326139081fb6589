package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.OptionsUtil;
import io.etcd.jetcd.options.PutOption;
import io.sluice.testing.etcd.EtcdExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Ranges larger than any one gRPC answer may be, read in pages against a real etcd: complete, in
 * order, as one snapshot, also when the values grow past what the page size was guessed from and
 * when the snapshot's revision is compacted away mid-read.
 */
class RangeReaderIT {

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  static Client client;
  static EtcdGateway gateway;

  @BeforeAll
  static void connect() {
    // as the control plane builds it (EtcdConfiguration)
    client =
        Client.builder()
            .endpoints(etcd.endpoint())
            .maxInboundMessageSize(EtcdGateway.MAX_INBOUND_MESSAGE_BYTES)
            .build();
    gateway = TestGateways.on(client, Duration.ofSeconds(10));
  }

  @AfterAll
  static void disconnect() {
    client.close();
  }

  @Test
  void readsAPrefixOfMoreBytesThanTheInboundLimitCompleteInKeyOrder() throws Exception {
    // 2 000 values of 9 KiB: 18 MiB, more than even the raised inbound limit
    String prefix = "/large/agents/";
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      keys.add(prefix + "svc-" + (i % 7) + "/" + String.format(Locale.ROOT, "%05d", i));
    }
    putAll(keys, 9 * 1024);
    long revision = etcd.server().revision();
    long started = System.nanoTime();

    EtcdGateway.Range read = gateway.getPrefix(prefix);

    System.out.printf(
        "read 2 000 keys of 9 KiB in %d ms%n", (System.nanoTime() - started) / 1_000_000);
    assertThat(read.revision()).isEqualTo(revision);
    assertThat(read.kvs()).extracting(kv -> EtcdGateway.text(kv.getKey())).isEqualTo(sorted(keys));
    assertThat(read.kvs()).allSatisfy(kv -> assertThat(kv.getValue().size()).isEqualTo(9 * 1024));

    // newest first, as history pages read: only as many keys as asked for, below a bound or not
    String highest = sorted(keys).get(keys.size() - 1);
    EtcdGateway.Range newest = gateway.getPrefixDescending(prefix, null, 1_201, Long.MAX_VALUE);
    assertThat(newest.kvs())
        .extracting(kv -> EtcdGateway.text(kv.getKey()))
        .isEqualTo(reversed(keys).subList(0, 1_201));
    EtcdGateway.Range below = gateway.getPrefixDescending(prefix, highest, 3, Long.MAX_VALUE);
    assertThat(below.kvs())
        .extracting(kv -> EtcdGateway.text(kv.getKey()))
        .isEqualTo(reversed(keys).subList(1, 4));
    // whether keys are left beyond those read, in pages or in one
    assertThat(read.more()).isFalse();
    assertThat(newest.more()).isTrue();
    assertThat(below.more()).isTrue();
    String fourth = reversed(keys).get(keys.size() - 4);
    assertThat(gateway.getPrefixDescending(prefix, fourth, 3, Long.MAX_VALUE).more()).isFalse();
    assertThat(gateway.getPrefixDescending(prefix, fourth, 4, Long.MAX_VALUE).more()).isFalse();
    assertThat(gateway.getPrefixDescending(prefix, fourth, 2, Long.MAX_VALUE).more()).isTrue();
  }

  /**
   * A read bounded in bytes, as a history page reads: it ends with the entry that brings it to the
   * bytes asked for, newest first, and says that more follow; however few bytes are asked for, it
   * reads its first page (sized before any entry is seen). Unbounded, the same read held every key
   * asked for.
   */
  @Test
  void endsADescendingReadWithTheEntryThatBringsItToTheBytesAskedFor() throws Exception {
    // 40 values of 30 KiB: 290 KiB is past the 9th entry and short of the 10th
    String prefix = "/bounded/";
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      keys.add(prefix + String.format(Locale.ROOT, "%05d", i));
    }
    putAll(keys, 30 * 1024);
    long bound = 290 * 1024;

    EtcdGateway.Range read = gateway.getPrefixDescending(prefix, null, 40, bound);

    assertThat(read.kvs())
        .extracting(kv -> EtcdGateway.text(kv.getKey()))
        .isEqualTo(reversed(keys).subList(0, 10));
    long bytes = 0;
    for (var kv : read.kvs()) {
      bytes += kv.getKey().size() + kv.getValue().size();
    }
    long last = read.kvs().get(9).getKey().size() + read.kvs().get(9).getValue().size();
    assertThat(bytes).isGreaterThanOrEqualTo(bound);
    assertThat(bytes - last).isLessThan(bound);
    assertThat(read.more()).isTrue();
    assertThat(gateway.getPrefixDescending(prefix, null, 40, 1).kvs())
        .hasSize(RangeReader.MIN_PAGE_KEYS);
    assertThat(gateway.getPrefixDescending(prefix, null, 40, Long.MAX_VALUE).kvs()).hasSize(40);
  }

  @Test
  void readsKeysWithTheirRevisionsButNoValuesWhenAskedForKeysOnly() throws Exception {
    // 40 documents of 1 MiB: 40 MiB of values, and not one byte of them comes back
    String prefix = "/keys-only/rules/";
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      keys.add(prefix + String.format(Locale.ROOT, "svc-%02d", i));
    }
    List<Long> revisions = new ArrayList<>();
    for (String key : keys) {
      revisions.add(
          client
              .getKVClient()
              .put(bytes(key), value(1024 * 1024))
              .get(10, TimeUnit.SECONDS)
              .getHeader()
              .getRevision());
    }
    AtomicInteger pages = new AtomicInteger();
    EtcdGateway.Range read =
        new RangeReader(
                (from, option, what) -> {
                  pages.incrementAndGet();
                  return gateway.await(client.getKVClient().get(from, option), "read");
                })
            .read(bytes(prefix), prefixEnd(prefix), false, Long.MAX_VALUE, true);

    assertThat(read.kvs()).extracting(kv -> EtcdGateway.text(kv.getKey())).isEqualTo(keys);
    assertThat(read.kvs()).extracting(kv -> kv.getModRevision()).isEqualTo(revisions);
    assertThat(read.kvs()).allSatisfy(kv -> assertThat(kv.getValue().isEmpty()).isTrue());
    // page sizes follow the keys alone: the first 8, then all the rest at once
    assertThat(pages.get()).isEqualTo(2);
    assertThat(gateway.getPrefixKeys(prefix).kvs())
        .extracting(kv -> kv.getModRevision())
        .isEqualTo(revisions);
  }

  @Test
  void asksAgainInSmallPagesWhenValuesGrowPastWhatThePageSizeWasGuessedFrom() throws Exception {
    // small values first make the pages large; then 24 values of 1 MiB would not fit one answer
    String prefix = "/growing/";
    List<String> small = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      small.add(prefix + "a-" + String.format(Locale.ROOT, "%03d", i));
    }
    putAll(small, 100);
    List<String> large = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      String key = prefix + "b-" + String.format(Locale.ROOT, "%03d", i);
      large.add(key);
      client.getKVClient().put(bytes(key), value(1024 * 1024)).get(10, TimeUnit.SECONDS);
    }
    AtomicInteger pages = new AtomicInteger();
    RangeReader reader =
        new RangeReader(
            (from, option, what) -> {
              pages.incrementAndGet();
              return gateway.await(client.getKVClient().get(from, option), "read");
            });

    EtcdGateway.Range read = reader.read(bytes(prefix), prefixEnd(prefix), false, Long.MAX_VALUE);

    List<String> all = new ArrayList<>(small);
    all.addAll(large);
    assertThat(read.kvs()).extracting(kv -> EtcdGateway.text(kv.getKey())).isEqualTo(all);
    // 8, a refused page of up to 1 000, then pages of 8: 1 + 1 + (92 + 24) / 8 rounded up
    assertThat(pages.get()).isEqualTo(1 + 1 + 15);
  }

  @Test
  void readsEveryPageAtTheRevisionOfTheFirst() throws Exception {
    String prefix = "/snapshot/";
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      keys.add(prefix + String.format(Locale.ROOT, "%03d", i));
    }
    putAll(keys, 10);
    long revision = etcd.server().revision();
    AtomicInteger pages = new AtomicInteger();
    RangeReader reader =
        new RangeReader(
            (from, option, what) -> {
              if (pages.incrementAndGet() == 2) {
                // between the first page and the second: one key goes, one comes
                etcd.server().delete(prefix + "020");
                etcd.server().put(prefix + "015a", "new");
              }
              return gateway.await(client.getKVClient().get(from, option), "read");
            });

    EtcdGateway.Range read = reader.read(bytes(prefix), prefixEnd(prefix), false, Long.MAX_VALUE);

    assertThat(pages.get()).isGreaterThan(1);
    assertThat(read.revision()).isEqualTo(revision);
    assertThat(read.kvs()).extracting(kv -> EtcdGateway.text(kv.getKey())).isEqualTo(keys);
  }

  @Test
  void startsOverAtTheLatestRevisionWhenTheFirstPagesRevisionIsCompactedAway() throws Exception {
    String prefix = "/compacted/";
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      keys.add(prefix + String.format(Locale.ROOT, "%03d", i));
    }
    putAll(keys, 10);
    AtomicInteger pages = new AtomicInteger();
    RangeReader reader =
        new RangeReader(
            (from, option, what) -> {
              if (pages.incrementAndGet() == 2) {
                etcd.server().put(prefix + "015a", "new");
                etcd.server().compact();
              }
              return gateway.await(client.getKVClient().get(from, option), "read");
            });

    EtcdGateway.Range read = reader.read(bytes(prefix), prefixEnd(prefix), false, Long.MAX_VALUE);

    assertThat(read.revision()).isEqualTo(etcd.server().revision());
    List<String> now = new ArrayList<>(keys);
    now.add(prefix + "015a");
    assertThat(read.kvs()).extracting(kv -> EtcdGateway.text(kv.getKey())).isEqualTo(sorted(now));
  }

  @Test
  void sizesPagesByTheLargestEntrySeen() {
    assertThat(RangeReader.pageKeys(0)).isEqualTo(RangeReader.MIN_PAGE_KEYS);
    assertThat(RangeReader.pageKeys(100)).isEqualTo(RangeReader.MAX_PAGE_KEYS);
    assertThat(RangeReader.pageKeys(256 * 1024)).isEqualTo(16);
    assertThat(RangeReader.pageKeys(1536 * 1024)).isEqualTo(RangeReader.MIN_PAGE_KEYS);
    // the smallest page of etcd's largest values (1.5 MiB by default) fits one answer
    assertThat(RangeReader.MIN_PAGE_KEYS * 1536L * 1024)
        .isLessThan(RangeReader.MAX_INBOUND_BYTES - 1024 * 1024);
  }

  /** Puts the keys in transactions of 100, each value {@code size} bytes. */
  static void putAll(List<String> keys, int size) throws Exception {
    ByteSequence value = value(size);
    for (int from = 0; from < keys.size(); from += 100) {
      List<Op> ops = new ArrayList<>();
      for (String key : keys.subList(from, Math.min(keys.size(), from + 100))) {
        ops.add(Op.put(bytes(key), value, PutOption.DEFAULT));
      }
      client.getKVClient().txn().Then(ops.toArray(Op[]::new)).commit().get(10, TimeUnit.SECONDS);
    }
  }

  static ByteSequence value(int size) {
    byte[] bytes = new byte[size];
    Arrays.fill(bytes, (byte) 'x');
    return ByteSequence.from(bytes);
  }

  static ByteSequence bytes(String s) {
    return EtcdGateway.bytes(s);
  }

  static ByteSequence prefixEnd(String prefix) {
    return OptionsUtil.prefixEndOf(bytes(prefix));
  }

  static List<String> sorted(List<String> keys) {
    return keys.stream().sorted().toList();
  }

  static List<String> reversed(List<String> keys) {
    return keys.stream().sorted(Comparator.reverseOrder()).toList();
  }
}
