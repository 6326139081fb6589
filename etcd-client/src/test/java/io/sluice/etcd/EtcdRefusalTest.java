package io.sluice.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.common.exception.EtcdExceptionFactory;
import io.grpc.Status;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * etcd's refusals, in gRPC's words, against an HTTP answer from something in front of etcd, in the
 * words gRPC 1.82 gives it (see {@code EtcdBehindAProxyIT} for the real exchange).
 */
class EtcdRefusalTest {

  private static final List<URI> ENDPOINTS =
      List.of(URI.create("http://etcd-1:2379"), URI.create("http://etcd-2:2379"));

  @Test
  void etcdsOwnRefusalIsOne() {
    Exception refused =
        new RuntimeException(
            Status.INVALID_ARGUMENT
                .withDescription("etcdserver: authentication failed, invalid user ID or password")
                .asRuntimeException());
    assertThat(EtcdRefusal.refusedAccess(refused)).isTrue();
    assertThat(EtcdRefusal.notEtcd(refused, ENDPOINTS)).isNull();
    assertThat(EtcdRefusal.refusedAccess(Status.PERMISSION_DENIED.asRuntimeException())).isTrue();
  }

  @Test
  void anHttp403FromAProxyIsNoRefusalByEtcd() {
    Exception proxy =
        new RuntimeException(
            Status.PERMISSION_DENIED
                .withDescription(
                    "HTTP status code 403\ninvalid content-type: text/plain\nDATA-----\nForbidden")
                .asRuntimeException());
    assertThat(EtcdRefusal.refusedAccess(proxy)).isFalse();
    assertThat(EtcdRefusal.notEtcd(proxy, ENDPOINTS))
        .isEqualTo(
            "etcd at http://etcd-1:2379, http://etcd-2:2379 answered with HTTP 403 from something"
                + " that is not etcd (a proxy?)");
    assertThat(EtcdRefusal.notEtcd(proxy, List.of())).startsWith("etcd answered with HTTP 403");
  }

  /**
   * A reverse proxy's 502, 503 or 504 says it could not reach etcd: an outage behind it, told as
   * one; other statuses are not.
   */
  @Test
  void aProxysGatewayErrorIsEtcdUnreachableBehindIt() {
    for (int status : new int[] {502, 503, 504}) {
      Exception proxy =
          new RuntimeException(
              Status.UNAVAILABLE
                  .withDescription(
                      "HTTP status code "
                          + status
                          + "\ninvalid content-type: text/plain\nDATA-----\nno healthy upstream")
                  .asRuntimeException());
      assertThat(EtcdRefusal.unreachableBehindProxy(proxy, ENDPOINTS))
          .as("HTTP %s", status)
          .isEqualTo(
              "etcd at http://etcd-1:2379, http://etcd-2:2379 answered with HTTP "
                  + status
                  + " from a proxy in front of it, which could not reach etcd (etcd down or cut"
                  + " off behind the proxy: an outage)");
      // not "from something that is not etcd", whichever of the two a caller asks first
      assertThat(EtcdRefusal.notEtcd(proxy, ENDPOINTS)).as("HTTP %s", status).isNull();
      // an answer to the call, on the connection to any endpoint: no CONNECT proxy's
      assertThat(EtcdRefusal.tunnelFailedBehindProxy(proxy)).as("HTTP %s", status).isFalse();
    }
    Exception forbidden =
        new RuntimeException(
            Status.PERMISSION_DENIED.withDescription("HTTP status code 403").asRuntimeException());
    assertThat(EtcdRefusal.unreachableBehindProxy(forbidden, ENDPOINTS)).isNull();
    assertThat(
            EtcdRefusal.unreachableBehindProxy(
                Status.UNAVAILABLE.withDescription("etcdserver: no leader").asRuntimeException(),
                List.of()))
        .isNull();
  }

  @Test
  void anEnvoyRbacDenialIsNoRefusalByEtcd() {
    // Envoy's RBAC filter answers a gRPC call it denies with grpc-status 7 and this message; jetcd
    // hands the caller an EtcdException made from gRPC's exception
    Exception rbac =
        new CompletionException(
            EtcdExceptionFactory.toEtcdException(
                Status.PERMISSION_DENIED
                    .withDescription("RBAC: access denied")
                    .asRuntimeException()));

    assertThat(EtcdRefusal.refusedAccess(rbac)).isFalse();
    assertThat(EtcdRefusal.notEtcd(rbac, ENDPOINTS))
        .isEqualTo(
            "etcd at http://etcd-1:2379, http://etcd-2:2379 answered with an RBAC denial from"
                + " something that is not etcd (an Envoy?)");
    assertThat(EtcdRefusal.notEtcd(rbac, List.of())).startsWith("etcd answered with an RBAC");
  }

  @Test
  void etcdsOwnPermissionDeniedStaysARefusal() {
    Exception etcd =
        new CompletionException(
            EtcdExceptionFactory.toEtcdException(
                Status.PERMISSION_DENIED
                    .withDescription("etcdserver: permission denied")
                    .asRuntimeException()));

    assertThat(EtcdRefusal.refusedAccess(etcd)).isTrue();
    assertThat(EtcdRefusal.notEtcd(etcd, ENDPOINTS)).isNull();
  }

  @Test
  void anOutageIsNeither() {
    Exception outage = Status.UNAVAILABLE.withDescription("io exception").asRuntimeException();
    assertThat(EtcdRefusal.refusedAccess(outage)).isFalse();
    assertThat(EtcdRefusal.notEtcd(outage, ENDPOINTS)).isNull();
  }

  /** Before {@link Causes}, each of these spun forever on a chain that loops. */
  @Test
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aCauseChainThatLoopsIsReadToTheEnd() {
    IllegalStateException first = new IllegalStateException("first");
    RuntimeException second = new RuntimeException("UNAVAILABLE: io exception", first);
    first.initCause(second);

    assertThat(EtcdRefusal.refusedAccess(first)).isFalse();
    assertThat(EtcdRefusal.notEtcd(first, ENDPOINTS)).isNull();
    assertThat(EtcdRefusal.proxyNotLookedUp(first)).isNull();
    assertThat(EtcdRefusal.connectionRefused(first)).isFalse();
  }
}
