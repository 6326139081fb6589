package io.sluice.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The failures gRPC and Netty produce for each case, as seen against real etcd processes (see
 * {@code EtcdSchemeMismatchIT} in sluice-sdk), rebuilt here so that every kind is covered whatever
 * the race between etcd's hang-up and the client's handshake produced in a given run.
 */
class EtcdSchemeMismatchTest {

  private static final String PIPELINE =
      "\nChannel Pipeline: [SslHandler#0, ProtocolNegotiators$ClientTlsHandler#0,"
          + " WriteBufferingAndExceptionHandler#0, DefaultChannelPipeline$TailContext#0]";

  private static final EtcdSchemeMismatch HTTPS =
      EtcdSchemeMismatch.of(List.of(URI.create("https://127.0.0.1:2379")));
  private static final EtcdSchemeMismatch HTTP =
      EtcdSchemeMismatch.of(List.of(URI.create("http://127.0.0.1:2379")));

  static Stream<Arguments> tlsToPlain() {
    return Stream.of(
        Arguments.of(
            Named.of(
                "closed while negotiating TLS",
                unavailable(
                    "Connection closed while performing TLS negotiation" + PIPELINE,
                    new ClosedChannelException())),
            true),
        Arguments.of(
            Named.of(
                "reset while negotiating TLS",
                unavailable("io exception" + PIPELINE, new SocketException("Connection reset"))),
            true),
        Arguments.of(
            Named.of(
                "an answer that is not TLS",
                unavailable(
                    "io exception" + PIPELINE,
                    new SSLException("not an SSL/TLS record: 485454502f312e31"))),
            true),
        Arguments.of(
            Named.of(
                "refused connection (etcd down)",
                unavailable("io exception" + PIPELINE, new ConnectException("Connection refused"))),
            false),
        Arguments.of(
            Named.of(
                "client certificate refused (etcd speaks TLS)",
                unavailable(
                    "io exception" + PIPELINE,
                    new SSLHandshakeException("Received fatal alert: bad_certificate"))),
            false),
        Arguments.of(
            Named.of(
                "server certificate untrusted (etcd speaks TLS)",
                unavailable(
                    "io exception" + PIPELINE,
                    new SSLHandshakeException("PKIX path building failed"))),
            false),
        Arguments.of(
            Named.of(
                "closed after the handshake",
                unavailable("Network closed for unknown reason", null)),
            false),
        Arguments.of(Named.of("a timeout", new java.util.concurrent.TimeoutException()), false));
  }

  @ParameterizedTest
  @MethodSource("tlsToPlain")
  void anHttpsEndpointGetsAHintOnlyOnTlsEvidence(Throwable failure, boolean hinted) {
    String hint = HTTPS.hint(failure, false);
    if (hinted) {
      assertThat(hint)
          .isEqualTo(
              "the endpoint https://127.0.0.1:2379 uses TLS but etcd there does not seem to speak"
                  + " TLS (check sluice.etcd.endpoints: http:// for plain etcd)");
    } else {
      assertThat(hint).isNull();
    }
  }

  static Stream<Arguments> plainToTls() {
    return Stream.of(
        Arguments.of(
            Named.of(
                "closed before a word", unavailable("Network closed for unknown reason", null)),
            true),
        Arguments.of(
            Named.of(
                "Go's answer to HTTP on a TLS port",
                new IllegalStateException(
                    "HTTP/1.0 400 Bad Request: Client sent an HTTP request to an HTTPS server.")),
            true),
        Arguments.of(
            Named.of(
                "refused connection (etcd down)",
                unavailable("io exception", new ConnectException("Connection refused"))),
            false),
        Arguments.of(
            // a TLS-only etcd closing while the client's first frames still arrive: a race seen
            // in EtcdSchemeMismatchIT on one of two connections to the same etcd
            Named.of(
                "reset before a word",
                unavailable("io exception", new SocketException("Connection reset"))),
            true),
        Arguments.of(
            Named.of(
                "reset before a word (native transport)",
                unavailable(
                    "io exception",
                    new IOException("recvAddress(..) failed: Connection reset by peer"))),
            true),
        Arguments.of(
            Named.of(
                "closed with a cause",
                unavailable("Network closed for unknown reason", new ClosedChannelException())),
            false));
  }

  @ParameterizedTest
  @MethodSource("plainToTls")
  void anHttpEndpointGetsAHintOnlyWhenEtcdHangsUpBeforeAWord(Throwable failure, boolean hinted) {
    String hint = HTTP.hint(failure, false);
    if (hinted) {
      assertThat(hint)
          .isEqualTo(
              "the endpoint http://127.0.0.1:2379 uses plain text but etcd there seems to speak"
                  + " only TLS (check sluice.etcd.endpoints: https:// for etcd with TLS, with"
                  + " sluice.etcd.tls.* as it needs)");
    } else {
      assertThat(hint).isNull();
    }
  }

  @Test
  void noHintOnceEtcdHasAnswered() {
    assertThat(HTTPS.hint(tlsClosed(), true)).isNull();
    assertThat(HTTP.hint(unavailable("Network closed for unknown reason", null), true)).isNull();
  }

  @Test
  void noHintForTheOtherSchemesEvidence() {
    assertThat(HTTP.hint(tlsClosed(), false)).isNull();
    assertThat(HTTPS.hint(unavailable("Network closed for unknown reason", null), false)).isNull();
  }

  @Test
  void noHintWithoutEndpointsOrWithMixedSchemes() {
    assertThat(EtcdSchemeMismatch.unknown().hint(tlsClosed(), false)).isNull();
    assertThat(EtcdSchemeMismatch.of(List.of()).hint(tlsClosed(), false)).isNull();
    assertThat(
            EtcdSchemeMismatch.of(
                    List.of(URI.create("https://a:2379"), URI.create("http://b:2379")))
                .hint(tlsClosed(), false))
        .isNull();
    assertThat(HTTPS.hint(null, false)).isNull();
  }

  @Test
  void namesEveryEndpoint() {
    EtcdSchemeMismatch three =
        EtcdSchemeMismatch.of(
            List.of(
                URI.create("https://etcd-1:2379"),
                URI.create("https://etcd-2:2379"),
                URI.create("https://etcd-3:2379")));
    assertThat(three.hint(tlsClosed(), false))
        .startsWith(
            "the endpoints https://etcd-1:2379, https://etcd-2:2379, https://etcd-3:2379 use TLS"
                + " but");
  }

  private static Throwable tlsClosed() {
    return unavailable(
        "Connection closed while performing TLS negotiation" + PIPELINE,
        new ClosedChannelException());
  }

  /** As jetcd hands a failed call's future out: the gRPC status inside an ExecutionException. */
  private static Throwable unavailable(String description, Throwable cause) {
    return new ExecutionException(
        Status.UNAVAILABLE.withDescription(description).withCause(cause).asRuntimeException());
  }
}
