package io.sluice.etcd;

/**
 * Which credentials a client shows etcd, so that a refusal says what to check: etcd takes a client
 * certificate's common name as the user name when no user and password are given, and refuses a
 * client that shows neither once authentication is on. Saying "check sluice.etcd.user and
 * sluice.etcd.password" to an agent that authenticates by certificate sent its operator to settings
 * it does not use.
 */
public enum EtcdCredentials {

  /** {@code sluice.etcd.user} and {@code sluice.etcd.password} (they win over a certificate). */
  PASSWORD("check sluice.etcd.user and sluice.etcd.password"),

  /** A client certificate ({@code sluice.etcd.tls.cert-file}), without a user and password. */
  CLIENT_CERTIFICATE(
      "check the client certificate (sluice.etcd.tls.cert-file), whose common name etcd takes as"
          + " the user name"),

  /** Neither. */
  NONE(
      "check that etcd needs no credentials (none is set: sluice.etcd.user and"
          + " sluice.etcd.password, or a client certificate in sluice.etcd.tls.cert-file)");

  private final String whatToCheck;

  EtcdCredentials(String whatToCheck) {
    this.whatToCheck = whatToCheck;
  }

  /** The credentials a client with these settings shows etcd. */
  public static EtcdCredentials of(boolean userAndPassword, boolean clientCertificate) {
    if (userAndPassword) {
      return PASSWORD;
    }
    return clientCertificate ? CLIENT_CERTIFICATE : NONE;
  }

  /**
   * What to check when etcd refuses them, as the start of a sentence that goes on with what the
   * user must be allowed: {@code check sluice.etcd.user and sluice.etcd.password}.
   */
  public String whatToCheck() {
    return whatToCheck;
  }
}
