package io.sluice.sdk.breaker;

/**
 * The targets of one host, the value of the registry's cache. The cache is keyed by the host string
 * the caller already holds, so a lookup allocates no {@code host:port} key; the few ports of a host
 * are scanned. Immutable: adding a port replaces the value (and re-weighs it).
 */
final class HostTargets {

  final Target[] targets;

  HostTargets(Target[] targets) {
    this.targets = targets;
  }

  /** What this host's targets weigh in the cache (see {@link Target#weight()}). */
  int weight() {
    int weight = 0;
    for (Target t : targets) {
      weight += t.weight();
    }
    return weight;
  }

  Target find(int port) {
    for (Target t : targets) {
      if (t.port == port) {
        return t;
      }
    }
    return null;
  }

  HostTargets with(Target target) {
    Target[] next = java.util.Arrays.copyOf(targets, targets.length + 1);
    next[targets.length] = target;
    return new HostTargets(next);
  }
}
