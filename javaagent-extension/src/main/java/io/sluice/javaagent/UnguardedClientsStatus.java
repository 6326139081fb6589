package io.sluice.javaagent;

import io.sluice.javaagent.bridge.UnguardedClients;
import io.sluice.rules.wire.AgentStatus;
import java.util.List;
import java.util.SortedMap;

/**
 * The agent status's {@code unguardedClients}: the clients the bridge has named ({@link
 * UnguardedClients}), so the control plane can show an operator that some of a service's calls pass
 * every breaker policy, without the app's log.
 */
final class UnguardedClientsStatus {

  private UnguardedClientsStatus() {}

  /** The clients named so far; {@code null} while the advice that names them is not woven in. */
  static List<AgentStatus.UnguardedClient> named() {
    SortedMap<String, String> named = UnguardedClients.named();
    if (named == null) {
      return null;
    }
    return named.entrySet().stream()
        .map(e -> new AgentStatus.UnguardedClient(e.getKey(), e.getValue()))
        .toList();
  }
}
