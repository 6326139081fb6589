package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StateSettingsTest {

  @Test
  void defaultsToDotSluiceInTheHomeDirectory() {
    assertThat(StateSettings.defaultDir(properties("/home/ops", "ops")))
        .isEqualTo(Path.of("/home/ops/.sluice"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"?", "", " ", "relative/home", "bad\0path"})
  void withoutAUsableHomeUsesTheTemporaryDirectoryNamedForTheUser(String home) {
    assertThat(StateSettings.defaultDir(properties(home, "1000650000 x")))
        .isEqualTo(Path.of("/var/tmp/sluice-1000650000_x/.sluice"));
  }

  @Test
  void aConfiguredDirectoryIsKept() {
    assertThat(new StateSettings(Path.of("/data/sluice")).dir()).isEqualTo(Path.of("/data/sluice"));
  }

  private static Properties properties(String home, String user) {
    Properties p = new Properties();
    p.setProperty("user.home", home);
    p.setProperty("user.name", user);
    p.setProperty("java.io.tmpdir", "/var/tmp");
    return p;
  }
}
