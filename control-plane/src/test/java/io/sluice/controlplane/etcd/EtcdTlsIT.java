package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.sluice.etcd.EtcdAddress;
import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.etcd.TestCertificates;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane's client from {@code sluice.etcd.tls.*} to a real etcd serving mutual TLS with
 * certificates issued for the test (for {@code 127.0.0.1} and {@code localhost}): it connects, and
 * {@code sluice.etcd.tls.authority} decides which name etcd's certificate is checked for.
 */
class EtcdTlsIT {

  /** Generous: the first jetcd client of a JVM loads gRPC and Netty. */
  private static final Duration AWAIT = Duration.ofSeconds(30);

  /** Ample once a connection with the same files worked in this JVM. */
  private static final Duration REFUSED_WITHIN = Duration.ofSeconds(5);

  @TempDir static Path pki;
  private static TestCertificates certificates;
  private static EtcdServer etcd;

  @BeforeAll
  static void startEtcd() {
    certificates = TestCertificates.issue(pki);
    etcd = EtcdServer.fromPath().withClientTls(certificates);
    etcd.start();
    etcd.put("/tls/key", "over TLS");
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  private static EtcdSettings settings(String authority) {
    return new EtcdSettings(
        List.of(etcd.tlsEndpoint()),
        "/sluice",
        null,
        null,
        new EtcdSettings.Tls(
            certificates.caCert(), certificates.clientCert(), certificates.clientKey(), authority),
        Duration.ofSeconds(5),
        EtcdSettings.DEFAULT_MAX_REQUEST_BYTES,
        Duration.ofSeconds(1));
  }

  private static String read(Client client, Duration bound) throws Exception {
    return client
        .getKVClient()
        .get(ByteSequence.from("/tls/key", StandardCharsets.UTF_8))
        .get(bound.toMillis(), TimeUnit.MILLISECONDS)
        .getKvs()
        .get(0)
        .getValue()
        .toString(StandardCharsets.UTF_8);
  }

  /**
   * An etcd serving TLS answers the probe's HTTP/2 preface too (it closes the connection): the
   * warm-up waits for its first read rather than taking it for an endpoint that does not answer.
   */
  @Test
  void anEtcdServingTlsAnswersTheEndpointProbe() {
    EndpointProbe.Probed probed =
        new EndpointProbe(
                List.of(EtcdAddress.of(URI.create(etcd.tlsEndpoint()))), Duration.ofSeconds(5))
            .probe();
    assertThat(probed.findings())
        .singleElement()
        .extracting(EndpointProbe.Finding::seen)
        .isEqualTo(EndpointProbe.Seen.ANSWERED);
  }

  /**
   * A control plane told {@code http://} for an etcd that serves only TLS: its start gives up
   * saying to use {@code https://}, in the log and for health. It said "no quorum?", sending the
   * operator to etcd's members instead of the endpoints' scheme. The probe tells them apart: etcd
   * over plain text answers with an HTTP/2 frame, a TLS-only one closes the connection.
   */
  @Test
  void aPlainTextStartAgainstAnEtcdServingOnlyTlsIsToldToUseHttps() throws Exception {
    String plain = etcd.tlsEndpoint().replace("https://", "http://");
    Duration timeout = Duration.ofSeconds(2);
    StartFindings start = new StartFindings();
    try (Client client = PlainEtcdSettings.client(List.of(plain), timeout)) {
      EtcdGateway gateway = TestGateways.on(client, timeout);
      new EtcdWarmUp(
              client,
              gateway,
              new EndpointProbe(List.of(EtcdAddress.of(URI.create(plain))), timeout, true),
              start)
          .start();
    }

    assertThat(start.found().verdict())
        .contains("as an etcd serving only TLS does: use https:// in sluice.etcd.endpoints");
    assertThat(start.found().endpoints())
        .singleElement()
        .extracting(EndpointProbe.Finding::seen)
        .isEqualTo(EndpointProbe.Seen.ANSWERED_NOT_IN_PLAIN_TEXT);
  }

  @Test
  void readsOverMutualTlsConfiguredBySettings() throws Exception {
    EtcdSettings settings = settings(null);

    try (Client client = EtcdConfiguration.clientBuilder(settings, settings.endpoints()).build()) {
      assertThat(read(client, AWAIT)).isEqualTo("over TLS");
    }
  }

  @Test
  void checksEtcdsCertificateForTheAuthorityInsteadOfTheEndpointsHost() throws Exception {
    // the endpoint's host, 127.0.0.1, is in the certificate: only the authority can fail the check
    EtcdSettings named = settings("localhost");
    EtcdSettings other = settings("etcd.other.example");

    try (Client client = EtcdConfiguration.clientBuilder(named, named.endpoints()).build()) {
      assertThat(read(client, AWAIT)).isEqualTo("over TLS");
    }
    try (Client client = EtcdConfiguration.clientBuilder(other, other.endpoints()).build()) {
      // the handshake fails on every attempt: the call fails, or waits for a channel until the
      // bound (as the control plane's calls wait until their deadline)
      assertThatThrownBy(() -> read(client, REFUSED_WITHIN))
          .isInstanceOfAny(ExecutionException.class, TimeoutException.class);
    }
  }
}
