package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.sluice.etcd.EtcdCredentials;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which etcd failures are refusals for good and which are worth trying again. */
class EtcdRefusedExceptionTest {

  private static EtcdRefusedException of(Status.Code code, String description) {
    return EtcdRefusedException.of(
        Status.fromCode(code).withDescription(description).asRuntimeException(), "write");
  }

  @Test
  void sizesAndAFullDatabaseAreRefusalsForGood() {
    assertThat(of(Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large").tooLarge())
        .isTrue();
    assertThat(
            of(Status.Code.RESOURCE_EXHAUSTED, "gRPC message exceeds maximum size 4194304: 5000000")
                .tooLarge())
        .isTrue();
    EtcdRefusedException full =
        of(Status.Code.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded");
    assertThat(full).isNotNull();
    assertThat(full.tooLarge()).isFalse();
    assertThat(of(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided")).isNotNull();
  }

  @Test
  void refusedCredentialsOrPermissionsAreRefusalsForGoodThatSaySo() {
    EtcdRefusedException denied =
        of(Status.Code.PERMISSION_DENIED, "etcdserver: permission denied");
    assertThat(denied).isNotNull();
    assertThat(denied.notPermitted()).isTrue();
    assertThat(denied.tooLarge()).isFalse();
    EtcdRefusedException wrongPassword =
        of(
            Status.Code.INVALID_ARGUMENT,
            "etcdserver: authentication failed, invalid user ID or password");
    assertThat(wrongPassword.notPermitted()).isTrue();
    assertThat(of(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided").notPermitted())
        .isFalse();
    // jetcd's form of a wrong password: the call UNAUTHENTICATED, etcd's refusal its cause
    EtcdRefusedException wrapped =
        EtcdRefusedException.of(
            Status.UNAUTHENTICATED
                .withCause(
                    Status.INVALID_ARGUMENT
                        .withDescription(
                            "etcdserver: authentication failed, invalid user ID or password")
                        .asRuntimeException())
                .asRuntimeException(),
            "read");
    assertThat(wrapped.notPermitted()).isTrue();
    assertThat(wrapped.reason())
        .isEqualTo(
            "UNAUTHENTICATED: etcdserver: authentication failed, invalid user ID or password");
    // an expired token is renewed by the client: worth trying again
    assertThat(of(Status.Code.UNAUTHENTICATED, "etcdserver: invalid auth token")).isNull();
  }

  @Test
  void anEnvoyRbacDenialIsNoRefusalOfTheControlPlanesCredentials() {
    // PERMISSION_DENIED as etcd's own, but from Envoy's RBAC filter in front of etcd: like a
    // proxy's HTTP 403, what stands in front of etcd to fix, not sluice.etcd.user
    assertThat(of(Status.Code.PERMISSION_DENIED, "RBAC: access denied")).isNull();
  }

  @Test
  void aBacklogOrAnOutageIsWorthTryingAgain() {
    assertThat(of(Status.Code.RESOURCE_EXHAUSTED, "etcdserver: too many requests")).isNull();
    assertThat(of(Status.Code.UNAVAILABLE, "connection refused")).isNull();
    assertThat(of(Status.Code.DEADLINE_EXCEEDED, "deadline exceeded")).isNull();
  }

  /**
   * A reverse proxy's 502, 503 or 504 is etcd out of its reach, an outage, whatever its page says:
   * gRPC quotes the page in the status, and words like "authentication failed" or "request is too
   * large" there (an upstream's, not etcd's) made it a refusal for good (500, no retry) once {@code
   * EtcdRefusal.notEtcd} stopped naming those statuses.
   */
  @Test
  void aProxysGatewayErrorIsAnOutageWhateverItsPageSays() {
    for (String page :
        List.of(
            "upstream TLS authentication failed",
            "upstream said: request is too large",
            "upstream disk space exceeded")) {
      for (int status : new int[] {502, 503, 504}) {
        assertThat(
                of(
                    Status.Code.UNAVAILABLE,
                    "HTTP status code "
                        + status
                        + "\ninvalid content-type: text/html\nheaders: Metadata(:status="
                        + status
                        + ")\nDATA-----------------------------\n<h1>"
                        + page
                        + "</h1>"))
            .as("HTTP %s: %s", status, page)
            .isNull();
      }
    }
  }

  /**
   * The action says to check the credentials the control plane shows etcd: its user and password,
   * its client certificate, or that it sets none.
   */
  @Test
  void theActionNamesTheCredentialsTheControlPlaneShows() {
    String allowed =
        " may read and write every key under the namespace (sluice.etcd.namespace); trying again"
            + " will not help until an operator fixes that";
    assertThat(EtcdRefusedException.notPermittedAction(EtcdCredentials.PASSWORD))
        .isEqualTo("check sluice.etcd.user and sluice.etcd.password, and that the user" + allowed);
    assertThat(EtcdRefusedException.notPermittedAction(EtcdCredentials.CLIENT_CERTIFICATE))
        .isEqualTo(
            "check the client certificate (sluice.etcd.tls.cert-file), whose common name etcd"
                + " takes as the user name when it runs with --client-cert-auth, and that the user"
                + allowed);
    assertThat(EtcdRefusedException.notPermittedAction(EtcdCredentials.NONE))
        .isEqualTo(
            "etcd needs credentials and none is set: set sluice.etcd.user and"
                + " sluice.etcd.password, or a client certificate (sluice.etcd.tls.cert-file) etcd"
                + " takes as a user (--client-cert-auth), for a user that"
                + allowed);
  }

  /** etcd refusing a client that shows no credentials while its auth is on is a refusal to fix. */
  @Test
  void noCredentialsWhileEtcdsAuthIsOnIsNotPermitted() {
    EtcdRefusedException refused =
        EtcdRefusedException.of(
            Status.INVALID_ARGUMENT
                .withDescription("etcdserver: user name is empty")
                .asRuntimeException(),
            "read the rules");

    assertThat(refused).isNotNull();
    assertThat(refused.notPermitted()).isTrue();
  }
}
