package io.sluice.controlplane.rules;

import io.sluice.controlplane.etcd.EtcdGateway;
import io.sluice.controlplane.etcd.PrefixWatches;

/**
 * {@link RulesWatch}es for tests of other packages, whose constructor is package-private: what the
 * API answers from the rules' mirror (its 503 before the first read, say).
 */
public final class TestRulesWatches {

  private TestRulesWatches() {}

  /**
   * A watch of {@code etcd}'s rules that mirrors them with {@code watches} and publishes its events
   * to no one. Not started.
   */
  public static RulesWatch of(EtcdGateway etcd, PrefixWatches watches) {
    return new RulesWatch(etcd, event -> {}, watches);
  }
}
