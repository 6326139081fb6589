package io.sluice.sdk.config;

/**
 * The names of settings given in code for the advice that names several settings at once, where
 * {@link ConfigLookup#missing} of each would repeat the method ({@code set
 * builder().etcdCredentials(user, password)}, not {@code set builder().etcdCredentials(user, …) and
 * builder().etcdCredentials(…, password)}).
 */
interface SettingsGivenInCode {

  /** The etcd user and password together. */
  String credentials();

  /** The TLS settings as a whole ({@code sluice.etcd.tls.*} for keys). */
  String tlsSettings();
}
