package io.sluice.sdk.source;

import io.sluice.rules.wire.EtcdKeys;

/**
 * The lines an {@link EtcdRuleSource} writes about the documents it applies and rejects, spelled
 * once for the ITs that read its log ({@code EtcdRuleSourceIT}, {@code
 * EtcdRuleSourceLastKnownGoodIT}). A test then names the line it expects and the values in it; the
 * words of each line, and a change to them, stand in one place.
 */
final class SourceLogLines {

  private SourceLogLines() {}

  /** {@code applied the rule document <key> at revision <revision>}. */
  static String applied(String key, long revision) {
    return "applied the rule document " + key + " at revision " + revision;
  }

  /** {@link #applied} of a {@code _default} document, for a service with no document of its own. */
  static String appliedForAServiceWithoutItsOwn(String key, long revision, String service) {
    return applied(key, revision) + " (" + service + " has no document of its own)";
  }

  /**
   * {@link #applied} of a {@code _default} document, for a service whose own document, of revision
   * {@code rejected}, was rejected.
   */
  static String appliedPastARejected(String key, long revision, String service, long rejected) {
    return applied(key, revision)
        + " (the document of "
        + service
        + " at revision "
        + rejected
        + " was rejected)";
  }

  /**
   * {@code rejected the rule document <key> at revision <revision>}: how every rejection starts.
   */
  static String rejected(String key, long revision) {
    return "rejected the rule document " + key + " at revision " + revision;
  }

  /** The start of a rejection that leaves the rules in force as they are. */
  static String rejectedAndTheRulesStay(String key, long revision) {
    return rejected(key, revision) + "; the rules in force stay. Problems:";
  }

  /** The start of a rejection that leaves the built-in defaults in force, as they were. */
  static String rejectedAndTheBuiltInDefaultsStay(String key, long revision) {
    return rejected(key, revision) + "; the rules in force stay: the built-in defaults. Problems:";
  }

  /** The start of a rejection read with a change that puts the built-in defaults in force. */
  static String rejectedAndTheBuiltInDefaultsFollow(String key, long revision) {
    return rejected(key, revision)
        + ", which is not applied; the rules in force become the built-in defaults. Problems:";
  }

  /**
   * {@code starting on the last-known-good rules of <service>}: how a start on a snapshot begins.
   */
  static String startingOnLastKnownGood(String service) {
    return "starting on the last-known-good rules of " + service;
  }

  /**
   * The line of a service with neither a document of its own nor a {@code _default} in {@code
   * keys}' namespace.
   */
  static String noDocument(String service, EtcdKeys keys) {
    return "no rule document for "
        + service
        + " in etcd ("
        + keys.rules(service)
        + " or "
        + keys.rules("_default")
        + "): running on the built-in defaults";
  }

  /**
   * The line of a service left on the built-in defaults because the one document it has, {@code
   * key} of revision {@code rejected}, was rejected.
   */
  static String noValidDocument(String service, String key, long rejected) {
    return "no valid rule document for "
        + service
        + " in etcd (rejected: "
        + key
        + " at revision "
        + rejected
        + "): running on the built-in defaults";
  }
}
