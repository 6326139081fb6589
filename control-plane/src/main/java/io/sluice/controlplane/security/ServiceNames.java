package io.sluice.controlplane.security;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import java.util.regex.Pattern;

/**
 * Checks service names from URLs before they become etcd keys, so no request can reach a key
 * outside its service's place in the namespace ({@code ../}, {@code /}, empty names...).
 */
public final class ServiceNames {

  /** The rule language's service-name pattern, plus {@code _default}. */
  private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}|_default");

  private ServiceNames() {}

  /**
   * Returns the name when valid.
   *
   * @throws ApiException {@code invalid-service-name} otherwise
   */
  public static String require(String service) {
    if (service == null || !VALID.matcher(service).matches()) {
      throw new ApiException(
          ProblemType.INVALID_SERVICE_NAME,
          "a service name is 1 to 63 of a-z, 0-9, '.', '_', '-', starting with a letter or digit,"
              + " or _default");
    }
    return service;
  }
}
