package io.sluice.controlplane.etcd;

import java.util.concurrent.TimeoutException;

/**
 * {@link EtcdUnavailableException}s as {@link EtcdGateway} throws them, for the tests of what
 * answers them in other packages (the API's 503).
 */
public final class TestEtcdFailures {

  private TestEtcdFailures() {}

  /** A read that got no answer in time, after etcd had answered, with nothing more to say. */
  public static EtcdUnavailableException unavailable(String message) {
    return new EtcdUnavailableException(message, new TimeoutException(), false);
  }

  /**
   * As {@link #unavailable(String)}, for a call sent at {@code sentNanos} ({@link
   * EtcdUnavailableException#sentNanos()}), on a test's clock.
   */
  public static EtcdUnavailableException unavailableSentAt(String message, long sentNanos) {
    return new EtcdUnavailableException(
        message, new TimeoutException(), false, null, null, sentNanos);
  }

  /**
   * A read that got no answer in time, after etcd had answered, with what the HTTP proxy in the way
   * said ({@link EtcdUnavailableException#proxysAnswer()}).
   */
  public static EtcdUnavailableException unavailableThroughAProxy(
      String message, String proxysAnswer) {
    return new EtcdUnavailableException(message, new TimeoutException(), false, null, proxysAnswer);
  }
}
