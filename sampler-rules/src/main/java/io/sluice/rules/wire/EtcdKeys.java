package io.sluice.rules.wire;

import io.sluice.rules.OneLineText;
import java.util.Locale;
import java.util.Objects;

/**
 * The etcd key layout shared by agents and the control plane (a contract: see ARCHITECTURE.md).
 *
 * <pre>
 * {ns}/v1/rules/{service}                    the service's rule document
 * {ns}/v1/history/{service}/{revision:020d}   a past version
 * {ns}/v1/agents/{service}/{instanceId}       agent status, bound to a lease
 * </pre>
 *
 * <p>The namespace defaults to {@value #DEFAULT_NAMESPACE}. Service names are checked by the rule
 * language; this class assembles and takes apart keys, and {@link #requireSegment} refuses a name
 * that would not stay one segment of a key.
 *
 * @param namespace the key prefix, without a trailing slash
 */
public record EtcdKeys(String namespace) {

  /** The default namespace. */
  public static final String DEFAULT_NAMESPACE = "/sluice";

  public EtcdKeys {
    Objects.requireNonNull(namespace, "namespace");
    while (namespace.endsWith("/")) {
      namespace = namespace.substring(0, namespace.length() - 1);
    }
    if (!namespace.isEmpty() && !namespace.startsWith("/")) {
      namespace = "/" + namespace;
    }
  }

  /**
   * Returns {@code value} when it can be one segment of a key (a service name, an instance id):
   * non-blank, without {@code /}, and neither {@code .} nor {@code ..}. etcd would take a key with
   * a {@code .} or {@code ..} segment ({@code /sluice/v1/agents/../id}), but nothing could address
   * it by name afterwards: the control plane's URLs ({@code /api/v1/services/{service}/...}) are
   * normalised by the servlet container, which removes such segments, as file paths do.
   *
   * @param what the name's role, for the message ({@code "service"}, {@code "instance id"})
   * @throws NullPointerException when {@code value} is null
   * @throws IllegalArgumentException naming the bad value otherwise
   */
  public static String requireSegment(String what, String value) {
    Objects.requireNonNull(value, what);
    if (value.isBlank() || value.contains("/")) {
      throw new IllegalArgumentException(
          what + " must be a non-blank name without '/', got '" + OneLineText.escape(value) + "'");
    }
    if (isDotSegment(value)) {
      throw new IllegalArgumentException(
          what
              + " must not be '.' or '..', which URLs and paths read as this or the parent"
              + " directory and drop, got '"
              + value
              + "'");
    }
    return value;
  }

  /**
   * Whether {@code value} is {@code .} or {@code ..}: a name {@link #requireSegment} refuses
   * because URL and path normalisation remove such a segment.
   */
  public static boolean isDotSegment(String value) {
    return ".".equals(value) || "..".equals(value);
  }

  /** The layout under the default namespace. */
  public static EtcdKeys defaults() {
    return new EtcdKeys(DEFAULT_NAMESPACE);
  }

  /** Prefix of every rule document: {@code {ns}/v1/rules/}. */
  public String rulesPrefix() {
    return namespace + "/v1/rules/";
  }

  /** The key of a service's rule document. */
  public String rules(String service) {
    return rulesPrefix() + service;
  }

  /** The service a rules key belongs to, or {@code null} if the key is not a rules key. */
  public String serviceOfRules(String key) {
    return suffix(key, rulesPrefix());
  }

  /** Prefix of every history entry: {@code {ns}/v1/history/}. */
  public String historyPrefix() {
    return namespace + "/v1/history/";
  }

  /** Prefix of one service's history entries. */
  public String historyPrefix(String service) {
    return historyPrefix() + service + "/";
  }

  /** The key of one history entry; the revision is zero-padded to 20 digits so keys sort. */
  public String history(String service, long revision) {
    return historyPrefix(service) + String.format(Locale.ROOT, "%020d", revision);
  }

  /** Prefix of every agent status key: {@code {ns}/v1/agents/}. */
  public String agentsPrefix() {
    return namespace + "/v1/agents/";
  }

  /** Prefix of one service's agent status keys. */
  public String agentsPrefix(String service) {
    return agentsPrefix() + service + "/";
  }

  /** The key of one agent's status. */
  public String agent(String service, String instanceId) {
    return agentsPrefix(service) + instanceId;
  }

  private static String suffix(String key, String prefix) {
    if (key == null || !key.startsWith(prefix) || key.length() == prefix.length()) {
      return null;
    }
    String rest = key.substring(prefix.length());
    return rest.indexOf('/') >= 0 ? null : rest;
  }
}
