package io.sluice.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.etcd.EtcdEndpoints.TlsSettings;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EtcdEndpointsTest {

  private static EtcdEndpoints check(String... endpoints) {
    return EtcdEndpoints.check(List.of(endpoints), TlsSettings.NONE);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "HTTP://127.0.0.1:2379, http://127.0.0.1:2379",
    "Https://etcd.example:2379/, https://etcd.example:2379",
    "http://etcd_1:2379, http://etcd_1:2379",
    "HTTP://etcd_1:2379, http://etcd_1:2379",
    "'http://[::1]:2379', 'http://[::1]:2379'",
  })
  void keepsSchemeInLowerCaseHostAndPortOfAGoodEndpoint(String given, String kept) {
    EtcdEndpoints checked = check("  " + given + " ");

    assertThat(checked.problems()).isEmpty();
    assertThat(checked.endpoints()).containsExactly(URI.create(kept));
  }

  @Test
  void skipsBlankEntries() {
    EtcdEndpoints checked = check("", " ", "http://etcd:2379");

    assertThat(checked.problems()).isEmpty();
    assertThat(checked.endpoints()).containsExactly(URI.create("http://etcd:2379"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "ftp://etcd:2379 | sluice.etcd.endpoints=ftp://etcd:2379: the scheme must be http or"
            + " https",
        "etcd:2379 | sluice.etcd.endpoints=etcd:2379: needs a scheme: write http://etcd:2379"
            + " (https:// for TLS)",
        "http:/etcd:2379 | sluice.etcd.endpoints=http:/etcd:2379: the scheme's :// is mistyped:"
            + " write http://etcd:2379",
        "HTTPS//etcd:2379 | sluice.etcd.endpoints=HTTPS//etcd:2379: the scheme's :// is"
            + " mistyped: write https://etcd:2379",
        "http:2379 | sluice.etcd.endpoints=http:2379: needs a scheme: write http://http:2379"
            + " (https:// for TLS)",
        "http://etcd 1:2379 | sluice.etcd.endpoints=http://etcd 1:2379: not a URL (Illegal"
            + " character in authority)",
        "http://etcd_1 | sluice.etcd.endpoints=http://etcd_1: needs a host and a port, e.g."
            + " http://127.0.0.1:2379",
        "http://etcd_1:twenty | sluice.etcd.endpoints=http://etcd_1:twenty: needs a host and a"
            + " port, e.g. http://127.0.0.1:2379",
        "http://etcd!1:2379 | sluice.etcd.endpoints=http://etcd!1:2379: 'etcd!1' is not a host"
            + " name",
        "http://etcd:70000 | sluice.etcd.endpoints=http://etcd:70000: the port must be between 1"
            + " and 65535",
        "http://etcd:2379/v3 | sluice.etcd.endpoints=http://etcd:2379/v3: an endpoint is"
            + " scheme://host:port, without a path, query or fragment (they would be ignored)",
        "http://etcd:2379?x=1 | sluice.etcd.endpoints=http://etcd:2379?x=1: an endpoint is"
            + " scheme://host:port, without a path, query or fragment",
        "https://etcd:2379#f | sluice.etcd.endpoints=https://etcd:2379#f: an endpoint is"
            + " scheme://host:port, without a path, query or fragment",
        "https://etcd_1:2379 | sluice.etcd.endpoints=https://etcd_1:2379: TLS cannot check etcd's"
            + " certificate against the host name 'etcd_1' (the JDK refuses a '_' in a DNS name);"
            + " set sluice.etcd.tls.authority to a name in etcd's certificate, or use a host name"
            + " without '_'",
      })
  void refusesABadEndpointNamingItAndWhatIsWrong(String endpoint, String message) {
    EtcdEndpoints checked = check(endpoint);

    assertThat(checked.endpoints()).isEmpty();
    assertThat(checked.problems()).singleElement().asString().startsWith(message);
  }

  @Test
  void listsEveryProblemOfEveryEndpointAndKeepsTheGoodOnes() {
    EtcdEndpoints checked =
        check("ftp://etcd:2379", "http://agent:hunter2@etcd:2379/x?y", "http://ok:2379");

    assertThat(checked.endpoints()).containsExactly(URI.create("http://ok:2379"));
    assertThat(checked.problems())
        .containsExactly(
            "sluice.etcd.endpoints=ftp://etcd:2379: the scheme must be http or https",
            "sluice.etcd.endpoints=http://agent:****@etcd:2379/x?y: credentials do not belong in"
                + " an endpoint URL; set sluice.etcd.user and sluice.etcd.password",
            "sluice.etcd.endpoints=http://agent:****@etcd:2379/x?y: an endpoint is"
                + " scheme://host:port, without a path, query or fragment (they would be"
                + " ignored)");
  }

  @Test
  void neverShowsAPasswordInAnyMessage() {
    EtcdEndpoints checked =
        check(
            "http://agent:hunter 2@etcd:2379",
            "agent:hunter2@etcd:2379",
            "http://u:p@ss,w0rd@etcd_1:2379",
            "https://u:s3cret@etcd:2379");

    assertThat(checked.problems())
        .hasSize(5)
        .allSatisfy(
            problem ->
                assertThat(problem)
                    .doesNotContain("hunter")
                    .doesNotContain("p@ss")
                    .doesNotContain("w0rd")
                    .doesNotContain("s3cret"))
        .contains(
            "sluice.etcd.endpoints=http://agent:****@etcd:2379: not a URL (Illegal character in"
                + " authority)",
            "sluice.etcd.endpoints=****@etcd:2379: needs a scheme: write http://host:port (https://"
                + " for TLS)");
    assertThat(checked.problems().get(4))
        .startsWith("sluice.etcd.endpoints=http://agent:****@etcd:2379,")
        .endsWith(": mixes http and https; use one scheme for every endpoint");
  }

  @Test
  void refusesAMixOfHttpAndHttpsListingAllEndpoints() {
    EtcdEndpoints checked = check("HTTP://a:2379", "https://b:2379");

    assertThat(checked.problems())
        .containsExactly(
            "sluice.etcd.endpoints=HTTP://a:2379,https://b:2379: mixes http and https; use one"
                + " scheme for every endpoint");
  }

  @Test
  void refusesTlsSettingsWithHttpEndpointsNamingThem() {
    // TLS would be spoken to a plain-text port: every handshake fails, retried forever
    EtcdEndpoints checked =
        EtcdEndpoints.check(List.of("http://etcd-1:2379", "HTTP://etcd-2:2379"), TlsSettings.GIVEN);

    assertThat(checked.problems())
        .containsExactly(
            "sluice.etcd.endpoints=http://etcd-1:2379,HTTP://etcd-2:2379: TLS settings"
                + " (sluice.etcd.tls.*) need https:// endpoints; use https:// or remove the TLS"
                + " settings");
    assertThat(
            EtcdEndpoints.check(List.of("http://etcd:2379"), TlsSettings.GIVEN_WITH_AUTHORITY)
                .problems())
        .singleElement()
        .asString()
        .contains("TLS settings (sluice.etcd.tls.*) need https:// endpoints");
  }

  @Test
  void acceptsAnUnderscoreHostOverTlsOnlyWithAnAuthorityToCheckTheCertificateFor() {
    // the JDK's TLS host name check refuses a name with '_' ("Illegal given domain name");
    // with sluice.etcd.tls.authority the certificate is checked for that name instead
    List<String> endpoints = List.of("https://etcd_1:2379", "https://etcd_2:2379");

    assertThat(EtcdEndpoints.check(endpoints, TlsSettings.NONE).problems())
        .hasSize(2)
        .allSatisfy(problem -> assertThat(problem).contains("set sluice.etcd.tls.authority"));
    assertThat(EtcdEndpoints.check(endpoints, TlsSettings.GIVEN).problems()).hasSize(2);
    EtcdEndpoints withAuthority = EtcdEndpoints.check(endpoints, TlsSettings.GIVEN_WITH_AUTHORITY);
    assertThat(withAuthority.problems()).isEmpty();
    assertThat(withAuthority.endpoints())
        .containsExactly(URI.create("https://etcd_1:2379"), URI.create("https://etcd_2:2379"));
  }

  @Test
  void saysWhetherTheEndpointsAreHttps() {
    assertThat(check("HTTPS://a:2379", "https://b:2379").https()).isTrue();
    assertThat(check("http://a:2379").https()).isFalse();
    assertThat(check().https()).isFalse();
  }

  /** A caller whose user set the values elsewhere names the settings there, advice included. */
  @Test
  void namesEverySettingAsTheCallerSays() {
    EtcdEndpoints.SettingNames inCode =
        new EtcdEndpoints.SettingNames(
            "builder().addEtcdEndpoint(…)",
            "builder().etcdCredentials(user, password)",
            "builder().tls(…)",
            "builder().tls(…).authority()");

    assertThat(
            EtcdEndpoints.check(
                    List.of("http://a:secret@etcd:2379", "https://etcd_1:2379"),
                    EtcdEndpoints.TlsSettings.GIVEN,
                    inCode)
                .problems())
        .anyMatch(p -> p.endsWith("set builder().etcdCredentials(user, password)"))
        .anyMatch(p -> p.contains("set builder().tls(…).authority() to a name"))
        .anyMatch(p -> p.contains("TLS settings (builder().tls(…)) need https://"))
        .allMatch(p -> p.startsWith("builder().addEtcdEndpoint(…)="))
        .noneMatch(p -> p.contains("sluice.etcd"));
    assertThat(
            EtcdEndpoints.check(
                    List.of("http://a:secret@etcd:2379"), EtcdEndpoints.TlsSettings.NONE)
                .problems())
        .singleElement()
        .asString()
        .endsWith("set sluice.etcd.user and sluice.etcd.password");
  }
}
