package io.sluice.testing.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** etcd reads ETCD_UNSUPPORTED_ARCH as Go names architectures, not as Java does. */
class GoArchTest {

  @Test
  void namesArchitecturesAsGoDoes() {
    assertThat(EtcdServer.goArch("aarch64")).isEqualTo("arm64");
    assertThat(EtcdServer.goArch("amd64")).isEqualTo("amd64");
    assertThat(EtcdServer.goArch("ppc64le")).isEqualTo("ppc64le");
    assertThat(EtcdServer.goArch("s390x")).isEqualTo("s390x");
  }
}
