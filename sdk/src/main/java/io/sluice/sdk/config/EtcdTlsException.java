package io.sluice.sdk.config;

/**
 * The TLS files configured for etcd could not be used (missing, unreadable, not PEM): a mistake in
 * the configuration, told in one line naming the files, not a failure of Sluice.
 */
public final class EtcdTlsException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  EtcdTlsException(String message, Throwable cause) {
    super(message, cause);
  }
}
