package io.sluice.sdk.config;

import java.nio.file.Path;

/**
 * How to reach etcd over TLS ({@code sluice.etcd.tls.*}). Exists so a user can point the agent at a
 * secured etcd with files alone: a CA to trust and, for mutual TLS, a client certificate and key.
 *
 * @param caFile PEM bundle of the CAs to trust, or {@code null} for the JDK's default trust store
 * @param certFile PEM client certificate chain for mutual TLS, or {@code null}
 * @param keyFile PEM PKCS#8 private key of {@code certFile}, or {@code null}
 * @param keyPassword the key's password when it is encrypted, or {@code null}
 * @param authority the name to verify in the server's certificate when it differs from the
 *     endpoint's host, or {@code null}
 */
public record EtcdTls(
    Path caFile, Path certFile, Path keyFile, String keyPassword, String authority) {

  /** TLS with the JDK's default trust store and no client certificate. */
  public static EtcdTls systemTrust() {
    return new EtcdTls(null, null, null, null, null);
  }

  /** Never shows the key password. */
  @Override
  public String toString() {
    return "EtcdTls[caFile="
        + caFile
        + ", certFile="
        + certFile
        + ", keyFile="
        + keyFile
        + ", keyPassword="
        + (keyPassword == null ? "null" : "****")
        + ", authority="
        + authority
        + "]";
  }
}
