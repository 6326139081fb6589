package io.sluice.controlplane.etcd;

/**
 * etcd did not answer in time or refused the call. The API answers 503. Every write is one
 * transaction, so a failed call never leaves half a change behind; but a write that did not answer
 * in time may still have been made (cancelling the wait does not stop etcd), which {@link
 * #outcomeUnknown()} says.
 */
public final class EtcdUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final boolean outcomeUnknown;

  EtcdUnavailableException(String message, Throwable cause, boolean outcomeUnknown) {
    super(message, cause);
    this.outcomeUnknown = outcomeUnknown;
  }

  /** Whether etcd may have carried the call out although no answer came (a timeout). */
  public boolean outcomeUnknown() {
    return outcomeUnknown;
  }
}
