package io.sluice.sdk.breaker;

/** Looks into a registry's breakers from tests in this package. */
final class HostTargetsProbe {

  private final BreakerRegistry registry;

  HostTargetsProbe(BreakerRegistry registry) {
    this.registry = registry;
  }

  ManagedBreaker breaker(String host, int port, String policy) {
    return registry.breaker(host, port, policy);
  }
}
