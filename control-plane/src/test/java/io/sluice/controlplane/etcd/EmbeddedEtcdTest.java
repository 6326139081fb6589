package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EmbeddedEtcdTest {

  @Test
  void saysWhenItsDataIsUnderTheTemporaryDirectory() {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    assertThat(EmbeddedEtcd.underTemporaryDirectory(tmp.resolve("sluice-x/.sluice/etcd")))
        .contains("temporary directory")
        .contains("sluice.state.dir");
    assertThat(EmbeddedEtcd.underTemporaryDirectory(Path.of("/home/ops/.sluice/etcd"))).isEmpty();
  }
}
