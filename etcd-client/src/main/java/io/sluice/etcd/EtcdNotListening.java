package io.sluice.etcd;

import java.net.URI;
import java.util.Collection;
import java.util.stream.Collectors;

/**
 * Says what to do when nothing listens at etcd's endpoints before etcd ever answered: the usual
 * first run, where etcd was not started or {@code sluice.etcd.endpoints} names another place. gRPC
 * words it as a bare {@code ConnectException: Connection refused}, which names neither the endpoint
 * nor the setting to check.
 *
 * <p>Only a refused connection is taken (a {@link ConnectException} whose message says "refused"
 * anywhere in the causes), never a connect that timed out, and only before etcd ever answered: once
 * it has, the endpoints are right and a refusal is an outage. Only JDK types are tested, so it
 * works as well in the javaagent, where gRPC and Netty are relocated.
 */
final class EtcdNotListening {

  private EtcdNotListening() {}

  /**
   * What to do when {@code failure} is a refused connection and etcd never answered, to add to the
   * failure's log line; {@code null} otherwise. Never throws.
   *
   * @param answeredBefore whether etcd has answered this caller at least once
   * @param endpoints the endpoints the client dials
   */
  static String hint(Throwable failure, boolean answeredBefore, Collection<URI> endpoints) {
    if (answeredBefore || endpoints.isEmpty() || !EtcdRefusal.connectionRefused(failure)) {
      return null;
    }
    String named = endpoints.stream().map(URI::toString).collect(Collectors.joining(", "));
    return "nothing listens at "
        + (endpoints.size() == 1 ? named : "one of " + named)
        + ": start etcd there, or set "
        + EtcdEndpoints.ENDPOINTS_KEY
        + " to where it runs";
  }
}
