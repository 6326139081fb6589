package io.sluice.etcd;

/**
 * Which credentials a client shows etcd, so that a refusal says what to check: etcd takes a user
 * and password's token first and, with {@code --client-cert-auth}, a client certificate's common
 * name as the user name without one; a client that shows neither is refused once authentication is
 * on. Saying "check sluice.etcd.user and sluice.etcd.password" to an agent that authenticates by
 * certificate sent its operator to settings it does not use.
 */
public enum EtcdCredentials {

  /** {@code sluice.etcd.user} and {@code sluice.etcd.password} (they win over a certificate). */
  PASSWORD("check sluice.etcd.user and sluice.etcd.password, and that the user may "),

  /** A client certificate ({@code sluice.etcd.tls.cert-file}), without a user and password. */
  CLIENT_CERTIFICATE(
      "check the client certificate (sluice.etcd.tls.cert-file), whose common name etcd takes as"
          + " the user name when it runs with --client-cert-auth, and that the user may "),

  /** Neither. */
  NONE(
      "etcd needs credentials and none is set: set sluice.etcd.user and sluice.etcd.password, or"
          + " a client certificate (sluice.etcd.tls.cert-file) etcd takes as a user"
          + " (--client-cert-auth), for a user that may ");

  /** The advice up to what the user must be allowed, which follows its last word, "may". */
  private final String adviceUpToMay;

  EtcdCredentials(String adviceUpToMay) {
    this.adviceUpToMay = adviceUpToMay;
  }

  /** The credentials a client with these settings shows etcd. */
  public static EtcdCredentials of(boolean userAndPassword, boolean clientCertificate) {
    if (userAndPassword) {
      return PASSWORD;
    }
    return clientCertificate ? CLIENT_CERTIFICATE : NONE;
  }

  /**
   * What to do when etcd refuses them, ending with what the user must be allowed: {@code check
   * sluice.etcd.user and sluice.etcd.password, and that the user may read the rules}.
   *
   * @param mayDo what the user must be allowed, after "may": {@code read the rules}
   */
  public String advice(String mayDo) {
    return adviceUpToMay + mayDo;
  }
}
