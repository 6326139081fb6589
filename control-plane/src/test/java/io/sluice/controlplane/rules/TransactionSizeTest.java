package io.sluice.controlplane.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The measured size is never below the transaction's real encoding, and not far above it. */
class TransactionSizeTest {

  static Stream<Arguments> writes() {
    return Stream.of(
        Arguments.of("small values", 10, 200, false),
        Arguments.of("a put of about 100 KiB", 100 * 1024, 120 * 1024, false),
        Arguments.of("a put of about 256 KiB", 256 * 1024, 300 * 1024, false),
        Arguments.of("a delete with large history values", 0, 600 * 1024, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("writes")
  void coversTheEncodedTransaction(String name, int document, int entry, boolean delete) {
    ByteSequence rulesKey = bytes("/sluice/v1/rules/orders-" + "x".repeat(60));
    ByteSequence journalKey = bytes("/sluice/v1/journal/orders-" + "x".repeat(60));
    ByteSequence historyKey = bytes("/sluice/v1/history/orders/00000000000123456789");
    ByteSequence documentValue = bytes("d".repeat(document));
    ByteSequence entryValue = bytes("e".repeat(entry));
    ByteSequence previousValue = bytes("p".repeat(entry));

    TransactionSize measured = new TransactionSize().compare(rulesKey).compare(journalKey);
    TxnRequest.Builder request =
        TxnRequest.newBuilder()
            .addCompare(compare(rulesKey, Long.MAX_VALUE))
            .addCompare(compare(journalKey, Long.MAX_VALUE));
    if (delete) {
      measured.delete(rulesKey);
      request.addSuccess(
          RequestOp.newBuilder()
              .setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(proto(rulesKey))));
    } else {
      measured.put(rulesKey, documentValue);
      request.addSuccess(put(rulesKey, documentValue));
    }
    measured.put(journalKey, entryValue).put(historyKey, previousValue);
    request.addSuccess(put(journalKey, entryValue)).addSuccess(put(historyKey, previousValue));

    int encoded = request.build().getSerializedSize();
    // etcd adds its own request header (id, user name, auth revision) of a few dozen bytes
    assertThat(measured.bytes()).isGreaterThanOrEqualTo(encoded + 100L);
    assertThat(measured.bytes()).isLessThan(encoded + 2048L);
  }

  private static Compare compare(ByteSequence key, long revision) {
    return Compare.newBuilder()
        .setResult(Compare.CompareResult.EQUAL)
        .setTarget(Compare.CompareTarget.MOD)
        .setKey(proto(key))
        .setModRevision(revision)
        .build();
  }

  private static RequestOp put(ByteSequence key, ByteSequence value) {
    return RequestOp.newBuilder()
        .setRequestPut(PutRequest.newBuilder().setKey(proto(key)).setValue(proto(value)))
        .build();
  }

  private static ByteString proto(ByteSequence bytes) {
    return ByteString.copyFrom(bytes.getBytes());
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
