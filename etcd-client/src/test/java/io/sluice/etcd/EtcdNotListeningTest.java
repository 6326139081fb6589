package io.sluice.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class EtcdNotListeningTest {

  private static final List<URI> ONE = List.of(URI.create("http://etcd:2379"));

  /** As gRPC over Netty reports it: UNAVAILABLE, caused by Netty's ConnectException subclass. */
  private static Exception refusedByGrpc() {
    return Status.UNAVAILABLE
        .withDescription("io exception")
        .withCause(new ConnectException("Connection refused: etcd/10.0.0.7:2379"))
        .asRuntimeException();
  }

  @Test
  void namesTheEndpointAndWhatToDoWhenNothingEverListened() {
    assertThat(EtcdNotListening.hint(refusedByGrpc(), false, ONE))
        .isEqualTo(
            "nothing listens at http://etcd:2379: start etcd there, or set sluice.etcd.endpoints"
                + " to where it runs");
    assertThat(
            EtcdNotListening.hint(
                new IOException(
                    new ConnectException("finishConnect(..) failed: Connection refused")),
                false,
                List.of(URI.create("http://a:2379"), URI.create("http://b:2379"))))
        .startsWith("nothing listens at one of http://a:2379, http://b:2379: start etcd there");
  }

  @Test
  void saysNothingOnceEtcdAnsweredOrForAnythingButARefusal() {
    assertThat(EtcdNotListening.hint(refusedByGrpc(), true, ONE)).as("an outage").isNull();
    assertThat(EtcdNotListening.hint(refusedByGrpc(), false, List.of())).isNull();
    assertThat(
            EtcdNotListening.hint(
                new ConnectException("connection timed out: etcd/10.0.0.7:2379"), false, ONE))
        .as("a connect that timed out")
        .isNull();
    assertThat(EtcdNotListening.hint(new ConnectException(), false, ONE)).isNull();
    assertThat(
            EtcdNotListening.hint(
                Status.PERMISSION_DENIED
                    .withDescription("etcdserver: permission denied")
                    .asRuntimeException(),
                false,
                ONE))
        .isNull();
    assertThat(EtcdNotListening.hint(null, false, ONE)).isNull();
  }
}
