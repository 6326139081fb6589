package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EtcdSettingsTest {

  private static EtcdSettings withEndpoints(String... endpoints) {
    return new EtcdSettings(
        List.of(endpoints),
        "/sluice",
        null,
        null,
        null,
        Duration.ofSeconds(5),
        EtcdSettings.DEFAULT_MAX_REQUEST_BYTES);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "HTTP://127.0.0.1:2379, http://127.0.0.1:2379",
    "Https://etcd.example:2379/, https://etcd.example:2379",
    "http://etcd_1:2379, http://etcd_1:2379",
    "HTTP://etcd_1:2379, http://etcd_1:2379",
    "'http://[::1]:2379', 'http://[::1]:2379'",
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
        .isEqualTo("ip:///etcd_1:2379,etcd_2:2379");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "ftp://etcd:2379 | 'ftp://etcd:2379' is not an http:// or https:// URL",
        "etcd:2379 | 'etcd:2379' is not an http:// or https:// URL",
        "http://etcd 1:2379 | 'http://etcd 1:2379' is not a URL",
        "http://etcd_1 | 'http://etcd_1' needs a host and a port, e.g. http://127.0.0.1:2379",
        "http://etcd!1:2379 | 'etcd!1', which is not a host name",
        "http://etcd:70000 | a port outside 1 to 65535",
        "http://etcd:2379/v3 | has a path, query or fragment, which would be ignored",
        "http://etcd:2379?x=1 | has a path, query or fragment, which would be ignored",
        "http://user:s3cret@etcd:2379 | 'http://user:****@etcd:2379' has credentials, which do"
            + " not belong in an endpoint URL; set sluice.etcd.user and sluice.etcd.password",
        "https://etcd_1:2379 | the JDK refuses 'etcd_1' as a DNS name (the '_'); use a host"
            + " name without '_' or an IP address",
      })
  void refusesAnEndpointNamingTheValueAndWhatIsWrong(String endpoint, String message) {
    assertThatThrownBy(() -> withEndpoints("http://127.0.0.1:2379", endpoint))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("sluice.etcd.endpoints: '")
        .hasMessageContaining(message)
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void withoutEndpointsStartsAnEmbeddedEtcd() {
    assertThat(withEndpoints().embedded()).isTrue();
    assertThat(withEndpoints(" ").embedded()).isTrue();
    assertThat(withEndpoints("HTTP://etcd_1:2379").embedded()).isFalse();
  }
}
