package io.sluice.controlplane.etcd;

/**
 * etcd did not answer in time or refused the call. The API answers 503 and changes nothing: every
 * write is one transaction, so a failed call never leaves half a change behind.
 */
public final class EtcdUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  EtcdUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
