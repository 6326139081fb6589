package io.sluice.controlplane.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.OptionsUtil;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * {@link EtcdUnavailableException}s as {@link EtcdGateway} throws them, for the tests of what
 * answers them in other packages (the API's 503), and etcd's answers that the gateway makes them
 * of.
 */
public final class TestEtcdFailures {

  private TestEtcdFailures() {}

  /**
   * A read that got no answer in time, after etcd had answered, with nothing more to say; sent now,
   * on {@link System#nanoTime()} ({@link EtcdUnavailableException#sentNanos()}).
   */
  public static EtcdUnavailableException unavailable(String message) {
    return unavailableSentAt(message, System.nanoTime());
  }

  /**
   * As {@link #unavailable(String)}, for a call sent at {@code sentNanos} ({@link
   * EtcdUnavailableException#sentNanos()}), on a test's clock.
   */
  public static EtcdUnavailableException unavailableSentAt(String message, long sentNanos) {
    return EtcdUnavailableException.etcdFailed(
        message, new TimeoutException(), false, null, sentNanos);
  }

  /**
   * A read that got no answer in time, after etcd had answered, with what the HTTP proxy in the way
   * said ({@link EtcdUnavailableException#proxysAnswer()}); sent now, on {@link System#nanoTime()}.
   */
  public static EtcdUnavailableException unavailableThroughAProxy(
      String message, String proxysAnswer) {
    return EtcdUnavailableException.etcdFailed(
        message, new TimeoutException(), false, proxysAnswer, System.nanoTime());
  }

  /**
   * What a paged read ({@link RangeReader}) throws when etcd compacts away the revision it reads at
   * before its last page, each time it is read: as the gateway fails a page that etcd answered
   * {@code OUT_OF_RANGE}, "required revision has been compacted".
   */
  public static EtcdUnavailableException readCompactedAwayEachTime(String what) {
    RangeReader reader =
        new RangeReader(
            (from, option, page) -> {
              throw compacted(what);
            });
    ByteSequence from = EtcdGateway.bytes("/sluice/v1/history/orders/");
    try {
      reader.read(from, OptionsUtil.prefixEndOf(from), true, 50);
    } catch (EtcdUnavailableException e) {
      return e;
    }
    throw new AssertionError("the read did not fail");
  }

  /** A page that etcd answered as compacted away, as the gateway throws it (sent now). */
  static EtcdUnavailableException compacted(String what) {
    return EtcdUnavailableException.compacted(
        what,
        Status.OUT_OF_RANGE
            .withDescription("etcdserver: mvcc: required revision has been compacted")
            .asRuntimeException(),
        System.nanoTime());
  }

  /**
   * A change whose transaction was on its way, sent at {@code sentNanos}, when the stop cancelled
   * it and the etcd client closed ({@link EtcdUnavailableException#clientClosed()}): whether etcd
   * applied it is unknown ({@link EtcdUnavailableException#outcomeUnknown()}).
   */
  public static EtcdUnavailableException clientClosedUnderACommit(String what, long sentNanos) {
    return EtcdUnavailableException.clientClosed(
        what,
        Status.CANCELLED.withDescription("the control plane is stopping").asRuntimeException(),
        true,
        sentNanos);
  }

  /**
   * A call whose waiting thread the control plane's stop interrupted ({@link
   * EtcdUnavailableException#interrupted()}), sent at {@code sentNanos}; a change on its way when
   * {@code outcomeUnknown}.
   */
  public static EtcdUnavailableException interruptedByTheStop(
      String what, boolean outcomeUnknown, long sentNanos) {
    return EtcdUnavailableException.interrupted(
        what, new InterruptedException(), outcomeUnknown, sentNanos);
  }

  /**
   * A call etcd refused for the control plane's permissions, as jetcd completes it: the gateway
   * throws {@link EtcdRefusedException} for it.
   */
  public static <T> CompletableFuture<T> permissionDenied() {
    return CompletableFuture.failedFuture(
        Status.PERMISSION_DENIED
            .withDescription("etcdserver: permission denied")
            .asRuntimeException());
  }
}
