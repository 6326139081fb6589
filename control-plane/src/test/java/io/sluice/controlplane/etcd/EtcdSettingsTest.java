package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.sluice.etcd.EtcdCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class EtcdSettingsTest {

  private static EtcdSettings withEndpoints(String... endpoints) {
    return withTls(null, endpoints);
  }

  private static EtcdSettings withTls(EtcdSettings.Tls tls, String... endpoints) {
    return new EtcdSettings(
        List.of(endpoints),
        "/sluice",
        null,
        null,
        tls,
        Duration.ofSeconds(5),
        EtcdSettings.DEFAULT_MAX_REQUEST_BYTES,
        Duration.ofSeconds(1));
  }

  /**
   * What a refusal says to check follows the credentials set: a user and password win over a client
   * certificate (etcd takes the certificate's common name only without them).
   */
  @Test
  void namesTheCredentialsTheControlPlaneShowsEtcd(@TempDir Path dir) throws Exception {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "");
    Path key = Files.writeString(dir.resolve("key.pem"), "");
    EtcdSettings.Tls clientCertificate = new EtcdSettings.Tls(null, cert, key, null);

    assertThat(withTls(clientCertificate, "https://etcd:2379").credentials())
        .isEqualTo(EtcdCredentials.CLIENT_CERTIFICATE);
    assertThat(withEndpoints("http://etcd:2379").credentials()).isEqualTo(EtcdCredentials.NONE);
    assertThat(
            new EtcdSettings(
                    List.of("https://etcd:2379"),
                    "/sluice",
                    "control-plane",
                    "secret",
                    clientCertificate,
                    Duration.ofSeconds(5),
                    EtcdSettings.DEFAULT_MAX_REQUEST_BYTES,
                    Duration.ofSeconds(1))
                .credentials())
        .isEqualTo(EtcdCredentials.PASSWORD);
  }

  /**
   * A timeout no longer than the etcd client's first retry delay made jetcd fail every call at once
   * ("maxDuration must be > the delay"): the warm-up's read threw out of the start. It is refused
   * as a setting; one just above works.
   */
  @Test
  void aTimeoutNoLongerThanTheClientsRetryDelayIsRefused() throws Exception {
    assertThatThrownBy(() -> withTimeout(Duration.ofMillis(500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "sluice.etcd.timeout must be more than 500 ms (the etcd client's first retry comes"
                + " after that), was PT0.5S");

    EtcdSettings settings = withTimeout(Duration.ofMillis(501));
    try (Client client = EtcdConfiguration.clientBuilder(settings, settings.endpoints()).build()) {
      assertThatCode(() -> client.getKVClient().get(EtcdGateway.bytes("/sluice/")).cancel(true))
          .doesNotThrowAnyException();
    }
  }

  private static EtcdSettings withTimeout(Duration timeout) {
    return PlainEtcdSettings.of(List.of("http://127.0.0.1:1"), timeout);
  }

  private static EtcdSettings withHealthTimeout(Duration timeout, Duration healthTimeout) {
    return PlainEtcdSettings.of(List.of("http://127.0.0.1:1"), timeout, healthTimeout);
  }

  /**
   * Health's deadline is its own, shorter than every other call's, and is cut to the timeout when
   * longer: a timeout of 600 ms, valid before the key existed, keeps starting with its 1 s default.
   */
  @Test
  void theHealthDeadlineIsItsOwnAndNeverLongerThanTheTimeout() {
    assertThat(withHealthTimeout(Duration.ofSeconds(5), Duration.ofMillis(800)).healthDeadline())
        .isEqualTo(Duration.ofMillis(800));
    assertThat(withHealthTimeout(Duration.ofMillis(600), Duration.ofSeconds(1)).healthDeadline())
        .isEqualTo(Duration.ofMillis(600));
  }

  @Test
  void aHealthTimeoutThatIsNotPositiveIsRefused() {
    assertThatThrownBy(() -> withHealthTimeout(Duration.ofSeconds(5), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sluice.etcd.health-timeout must be positive, was PT0S");
    assertThatThrownBy(() -> withHealthTimeout(Duration.ofSeconds(5), Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sluice.etcd.health-timeout must be positive, was PT-1S");
  }

  // every form and its canonical spelling: EtcdEndpointsTest; here, that the settings keep it
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "Https://etcd.example:2379/, https://etcd.example:2379",
    "HTTP://etcd_1:2379, http://etcd_1:2379",
  })
  void readsEndpointsAsTheAgentsDoSchemeInAnyCaseAndHostsWithUnderscores(
      String given, String kept) {
    assertThat(withEndpoints("  " + given + " ").endpoints()).containsExactly(kept);
  }

  @Test
  void dialsHostsWithUnderscoresThatJetcdsEndpointsRefuse() {
    EtcdSettings settings =
        withEndpoints("HTTP://etcd_1:2379", "http://etcd_2:2379", "", "http://etcd_1:2379/");

    assertThat(EtcdSettings.grpcTarget(settings.endpoints()))
        .isEqualTo("sluice-etcd:///etcd_1:2379,etcd_2:2379");
  }

  // every endpoint check and its wording: EtcdEndpointsTest; here, that the settings use them
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "ftp://etcd:2379 | sluice.etcd.endpoints=ftp://etcd:2379: the scheme must be http or"
            + " https",
        "http://user:s3cret@etcd:2379 | sluice.etcd.endpoints=http://user:****@etcd:2379:"
            + " credentials do not belong in an endpoint URL; set sluice.etcd.user and"
            + " sluice.etcd.password",
      })
  void refusesAnEndpointNamingTheValueAndWhatIsWrong(String endpoint, String message) {
    assertThatThrownBy(() -> withEndpoints("http://127.0.0.1:2379", endpoint))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid etcd settings:\n  - " + message)
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void listsEveryProblemInOneMessage() {
    // each refusal used to stop at the first problem: fixing one showed the next only on the
    // following start
    assertThatThrownBy(
            () ->
                new EtcdSettings(
                    List.of("http://etcd:70000", "http://agent:s3cret@etcd:2379/v3", "ftp://x:1"),
                    "/sluice",
                    "agent",
                    null,
                    new EtcdSettings.Tls(null, Path.of("/no/client.pem"), null, null),
                    Duration.ZERO,
                    EtcdSettings.DEFAULT_MAX_REQUEST_BYTES,
                    Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            String.join(
                "\n  - ",
                "invalid etcd settings:",
                "sluice.etcd.endpoints=http://etcd:70000: the port must be between 1 and 65535",
                "sluice.etcd.endpoints=http://agent:****@etcd:2379/v3: credentials do not belong"
                    + " in an endpoint URL; set sluice.etcd.user and sluice.etcd.password",
                "sluice.etcd.endpoints=http://agent:****@etcd:2379/v3: an endpoint is"
                    + " scheme://host:port, without a path, query or fragment (they would be"
                    + " ignored)",
                "sluice.etcd.endpoints=ftp://x:1: the scheme must be http or https",
                "sluice.etcd.endpoints=http://etcd:70000,http://agent:****@etcd:2379/v3: TLS"
                    + " settings (sluice.etcd.tls.*) need https:// endpoints; use https:// or"
                    + " remove the TLS settings",
                "sluice.etcd.timeout must be positive, was PT0S",
                "sluice.etcd.user and sluice.etcd.password go together: set both or neither",
                "sluice.etcd.tls.cert-file=/no/client.pem needs sluice.etcd.tls.key-file",
                "sluice.etcd.tls.cert-file=/no/client.pem: cannot read the file"));
  }

  /**
   * A TLS file under {@code ~/} is read from the home directory, as the agents read theirs (it was
   * looked for under a directory named {@code ~} in the working directory); one under {@code ~ops/}
   * is refused for what it is, not as a file that cannot be read.
   */
  @Test
  void readsTlsFilesUnderTheHomeDirectoryAndRefusesAnotherUsersHome() {
    String home = System.getProperty("user.home");
    EtcdSettings.Tls tls =
        new EtcdSettings.Tls(Path.of("~/ca.pem"), Path.of("~/c.pem"), Path.of("~/k.pem"), null);

    assertThat(List.of(tls.caFile(), tls.certFile(), tls.keyFile()))
        .containsExactly(Path.of(home, "ca.pem"), Path.of(home, "c.pem"), Path.of(home, "k.pem"));
    assertThatThrownBy(
            () ->
                withTls(
                    new EtcdSettings.Tls(Path.of("~ops/ca.pem"), null, null, null),
                    "https://etcd:2379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid etcd settings:\n  - sluice.etcd.tls.ca-file=~ops/ca.pem: ~ops is not"
                + " expanded: only ~ and ~/ stand for this user's home directory, and taken as"
                + " written it would be a path relative to the working directory; write the path"
                + " out in full");
  }

  @Test
  void refusesAMixOfHttpAndHttpsAsTheAgentsDo() {
    // one client speaks TLS or plain text to all endpoints: one of the two kinds never answers
    assertThatThrownBy(() -> withEndpoints("http://a:2379", "HTTPS://b:2379"))
        .hasMessageContaining(
            "sluice.etcd.endpoints=http://a:2379,HTTPS://b:2379: mixes http and https; use one"
                + " scheme for every endpoint");
  }

  @Test
  void refusesTlsSettingsWithHttpEndpointsAsTheAgentsDo() {
    // TLS was spoken to the http:// endpoint: every handshake with a plain-text etcd failed
    assertThatThrownBy(
            () -> withTls(new EtcdSettings.Tls(null, null, null, "etcd.internal"), "http://e:1"))
        .hasMessageContaining(
            "sluice.etcd.endpoints=http://e:1: TLS settings (sluice.etcd.tls.*) need https://"
                + " endpoints");
  }

  @Test
  void refusesTlsSettingsForTheEmbeddedPlainTextEtcd() {
    // no endpoints: the control plane starts its own etcd on http://, TLS to it would fail
    assertThatThrownBy(() -> withTls(new EtcdSettings.Tls(null, null, null, "etcd.internal")))
        .hasMessageContaining(
            "sluice.etcd.tls.* is set but sluice.etcd.endpoints is not: the embedded etcd");
    assertThat(withEndpoints().embedded()).isTrue();
  }

  @Test
  void refusesAnHttpsHostWithAnUnderscorePointingToTheAuthoritySetting() {
    // the JDK's TLS host name check refuses a name with '_' ("Illegal given domain name"):
    // every call would fail
    assertThatThrownBy(() -> withEndpoints("https://etcd_1:2379"))
        .hasMessage(
            "invalid etcd settings:\n  - sluice.etcd.endpoints=https://etcd_1:2379: TLS cannot"
                + " check etcd's certificate against the host name 'etcd_1' (the JDK refuses a '_'"
                + " in a DNS name); set sluice.etcd.tls.authority to a name in etcd's"
                + " certificate, or use a host name without '_'");
  }

  @Test
  void checksTheCertificateForTheAuthorityOfAnHttpsHostWithAnUnderscore() throws Exception {
    EtcdSettings settings =
        withTls(
            new EtcdSettings.Tls(null, null, null, " etcd.internal "),
            "HTTPS://etcd_1:2379",
            "https://etcd_2:2379");

    assertThat(settings.endpoints()).containsExactly("https://etcd_1:2379", "https://etcd_2:2379");
    ClientBuilder client = EtcdConfiguration.clientBuilder(settings, settings.endpoints());
    assertThat(client.target()).isEqualTo("sluice-etcd:///etcd_1:2379,etcd_2:2379");
    assertThat(client.sslContext()).isNotNull();
    assertThat(client.authority()).isEqualTo("etcd.internal");
  }

  @Test
  void bindsTheTlsAuthorityFromItsSpringProperty() {
    Map<String, String> properties =
        Map.of(
            "sluice.etcd.endpoints", "https://etcd_1:2379",
            "sluice.etcd.tls.authority", "etcd.internal");

    EtcdSettings settings =
        new Binder(new MapConfigurationPropertySource(properties))
            .bind("sluice.etcd", EtcdSettings.class)
            .get();

    assertThat(settings.tls().authority()).isEqualTo("etcd.internal");
    assertThat(settings.endpoints()).containsExactly("https://etcd_1:2379");
    assertThat(settings.timeout()).isEqualTo(Duration.ofSeconds(5));
  }

  /**
   * A password of only spaces is a password etcd may hold, as the agents keep it: Spring's binder
   * must neither trim it to nothing nor take it for unset (which would refuse the user as set
   * without a password).
   */
  @Test
  void bindsAPasswordOfOnlySpacesAsGiven() {
    Map<String, String> properties =
        Map.of(
            "sluice.etcd.endpoints", "http://etcd:2379",
            "sluice.etcd.user", "control-plane",
            "sluice.etcd.password", "   ");

    EtcdSettings settings =
        new Binder(new MapConfigurationPropertySource(properties))
            .bind("sluice.etcd", EtcdSettings.class)
            .get();

    assertThat(settings.user()).isEqualTo("control-plane");
    assertThat(settings.password()).isEqualTo("   ");
  }

  @Test
  void failsToBindWithEveryProblemInOneMessage() {
    Map<String, String> properties =
        Map.of(
            "sluice.etcd.endpoints", "http://etcd:70000, https://etcd_1:2379",
            "sluice.etcd.timeout", "0s");

    assertThatThrownBy(
            () ->
                new Binder(new MapConfigurationPropertySource(properties))
                    .bind("sluice.etcd", EtcdSettings.class))
        .isInstanceOf(BindException.class)
        .rootCause()
        .hasMessage(
            String.join(
                "\n  - ",
                "invalid etcd settings:",
                "sluice.etcd.endpoints=http://etcd:70000: the port must be between 1 and 65535",
                "sluice.etcd.endpoints=https://etcd_1:2379: TLS cannot check etcd's certificate"
                    + " against the host name 'etcd_1' (the JDK refuses a '_' in a DNS name); set"
                    + " sluice.etcd.tls.authority to a name in etcd's certificate, or use a host"
                    + " name without '_'",
                "sluice.etcd.endpoints=http://etcd:70000,https://etcd_1:2379: mixes http and"
                    + " https; use one scheme for every endpoint",
                "sluice.etcd.timeout must be positive, was PT0S"));
  }

  @Test
  void speaksTlsToHttpsEndpointsWithoutTlsFilesAsTheAgentsDo() throws Exception {
    // without a TLS file the client spoke plain text to an https:// endpoint
    EtcdSettings https = withEndpoints("https://etcd:2379");
    EtcdSettings http = withEndpoints("http://etcd:2379");

    assertThat(EtcdConfiguration.clientBuilder(https, https.endpoints()).sslContext()).isNotNull();
    assertThat(EtcdConfiguration.clientBuilder(https, https.endpoints()).authority()).isNull();
    assertThat(EtcdConfiguration.clientBuilder(http, http.endpoints()).sslContext()).isNull();
  }

  @Test
  void withoutEndpointsStartsAnEmbeddedEtcd() {
    assertThat(withEndpoints().embedded()).isTrue();
    assertThat(withEndpoints(" ").embedded()).isTrue();
    assertThat(withEndpoints("HTTP://etcd_1:2379").embedded()).isFalse();
  }
}
