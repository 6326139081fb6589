package io.sluice.controlplane.security;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.wire.EtcdKeys;

/**
 * Checks service names from URLs before they become etcd keys, so no request can reach a key
 * outside its service's place in the namespace ({@code ../}, {@code /}, empty names...).
 *
 * <p>Two checks, because agents may run under names that can have no rule document: an agent's
 * service name only has to be one key segment ({@link EtcdKeys#requireSegment}), and one outside
 * the rule language's names (OpenTelemetry's {@code unknown_service:java}, one with a space) runs
 * the {@code _default} document. Reads take {@link #requireReported} so such services can be looked
 * at; writes take {@link #require}, as such a document could never apply.
 */
public final class ServiceNames {

  private ServiceNames() {}

  /**
   * Returns the name when it can have a rule document of its own; for writes.
   *
   * @throws ApiException {@code invalid-service-name} otherwise
   */
  public static String require(String service) {
    if (!RuleDocument.isServiceName(service)) {
      throw new ApiException(
          ProblemType.INVALID_SERVICE_NAME,
          "a service name is "
              + RuleDocument.SERVICE_NAME_RULE
              + "; agents of a service named otherwise run the _default document, so change"
              + " their rules there");
    }
    return service;
  }

  /**
   * Returns the name when an agent can report it (one non-blank key segment without {@code /},
   * neither {@code .} nor {@code ..}, which URLs cannot address); for reads, which answer for a
   * name without a document of its own from {@code _default}.
   *
   * @throws ApiException {@code invalid-service-name} otherwise
   */
  public static String requireReported(String service) {
    try {
      return EtcdKeys.requireSegment("service", service);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new ApiException(
          ProblemType.INVALID_SERVICE_NAME,
          "a service name is a non-blank name without '/', other than '.' and '..'");
    }
  }

  /**
   * Whether the service can have a rule document of its own; agents of one that cannot run {@code
   * _default}.
   */
  public static boolean canHaveOwnDocument(String service) {
    return RuleDocument.isServiceName(service);
  }
}
