package io.sluice.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EtcdAddressTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "http://127.0.0.1:2379, 127.0.0.1, 2379, true",
    "HTTP://etcd.example:2379, etcd.example, 2379, true",
    "http://etcd_1:2379, etcd_1, 2379, false",
    "https://ETCD_node-2.local:2380/, ETCD_node-2.local, 2380, false",
    "'http://[::1]:2379', '[::1]', 2379, true",
    "http://etcd_1, etcd_1, -1, false",
    "http://etcd_1:x, etcd_1, -1, false",
  })
  void readsTheHostAndPortGrpcDials(String url, String host, int port, boolean uriHost) {
    EtcdAddress address = EtcdAddress.of(URI.create(url));

    assertThat(address).isEqualTo(new EtcdAddress(host, port, uriHost));
    assertThat(address.isHostName()).isTrue();
  }

  @Test
  void namesNoAddressWithoutAHost() {
    assertThat(EtcdAddress.of(URI.create("http://:2379"))).isNull();
    assertThat(EtcdAddress.of(URI.create("etcd:2379"))).isNull();
  }

  @Test
  void takesNoHostNameWithCharactersOutsideLettersDigitsDotsUnderscoresAndDashes() {
    assertThat(EtcdAddress.of(URI.create("http://etcd!1:2379")).isHostName()).isFalse();
  }

  @Test
  void saysTlsCannotCheckAHostNameWithAnUnderscore() {
    assertThat(EtcdAddress.of(URI.create("https://etcd_1:2379")).isTlsHostName()).isFalse();
    assertThat(EtcdAddress.of(URI.create("https://etcd-1:2379")).isTlsHostName()).isTrue();
    assertThat(EtcdAddress.of(URI.create("https://10.0.0.1:2379")).isTlsHostName()).isTrue();
    assertThat(EtcdAddress.of(URI.create("https://[::1]:2379")).isTlsHostName()).isTrue();
  }
}
