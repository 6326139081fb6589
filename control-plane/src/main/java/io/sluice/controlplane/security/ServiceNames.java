package io.sluice.controlplane.security;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.rules.RuleDocument;

/**
 * Checks service names from URLs before they become etcd keys, so no request can reach a key
 * outside its service's place in the namespace ({@code ../}, {@code /}, empty names...).
 */
public final class ServiceNames {

  private ServiceNames() {}

  /**
   * Returns the name when valid.
   *
   * @throws ApiException {@code invalid-service-name} otherwise
   */
  public static String require(String service) {
    if (!RuleDocument.isServiceName(service)) {
      throw new ApiException(
          ProblemType.INVALID_SERVICE_NAME, "a service name is " + RuleDocument.SERVICE_NAME_RULE);
    }
    return service;
  }
}
