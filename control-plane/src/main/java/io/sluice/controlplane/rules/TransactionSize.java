package io.sluice.controlplane.rules;

import io.etcd.jetcd.ByteSequence;

/**
 * Adds up what a transaction sends to etcd, so that a write etcd would refuse for its size (its
 * {@code --max-request-bytes}) is refused before it is sent, with the sizes named, instead of
 * failing on every attempt. Every key and value counts in full; the protobuf framing around them
 * and etcd's own request header count generously, so the sum is never below what etcd measures.
 */
final class TransactionSize {

  /** etcd's internal request around the transaction: its header (id, user, auth revision). */
  static final int REQUEST_OVERHEAD = 1024;

  /** Per compare or operation: protobuf tags and lengths, a compare's target and revision. */
  static final int OPERATION_OVERHEAD = 64;

  private long bytes = REQUEST_OVERHEAD;

  TransactionSize compare(ByteSequence key) {
    bytes += OPERATION_OVERHEAD + key.size();
    return this;
  }

  TransactionSize put(ByteSequence key, ByteSequence value) {
    bytes += OPERATION_OVERHEAD + key.size() + value.size();
    return this;
  }

  TransactionSize delete(ByteSequence key) {
    bytes += OPERATION_OVERHEAD + key.size();
    return this;
  }

  long bytes() {
    return bytes;
  }
}
