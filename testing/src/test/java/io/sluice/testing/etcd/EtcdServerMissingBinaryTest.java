package io.sluice.testing.etcd;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EtcdServerMissingBinaryTest {

  @Test
  void failsWithOneLineSayingHowToInstallWhenEtcdIsNotOnPath() {
    assertThatThrownBy(() -> EtcdServer.find(null, "/nonexistent/bin:/also/missing"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(EtcdServer.MISSING_BINARY)
        .hasMessageContaining("apt-get install etcd-server")
        .hasMessageNotContaining("\n");
  }

  @Test
  void namesAConfiguredBinaryThatIsNotExecutable() {
    assertThatThrownBy(() -> EtcdServer.find("/nonexistent/etcd", ""))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("/nonexistent/etcd");
  }
}
