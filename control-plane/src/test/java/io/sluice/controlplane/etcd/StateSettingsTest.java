package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

  @Test
  void createsTheFallbackUnderTheTemporaryDirectoryOwnerOnly(@TempDir Path tmp) throws Exception {
    Properties homeless = homeless(tmp);
    Path dir = StateSettings.defaultDir(homeless);

    StateSettings.checkTemporaryFallback(dir, homeless);

    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("sluice-app"))))
        .isEqualTo("rwx------");
  }

  @Test
  void refusesAFallbackThatGroupOrOthersCanWrite(@TempDir Path tmp) throws Exception {
    Path planted = Files.createDirectory(tmp.resolve("sluice-app"));
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwx-wx"));
    Properties homeless = homeless(tmp);
    Path dir = StateSettings.defaultDir(homeless);

    assertThatThrownBy(() -> StateSettings.checkTemporaryFallback(dir, homeless))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(
            "refusing to keep the embedded etcd's data in "
                + dir
                + ", under the temporary directory because the JVM knows no home directory"
                + " (user.home=?): "
                + planted
                + " is writable by group or others (owner ")
        .hasMessageContaining("permissions rwxrwx-wx)")
        .hasMessageEndingWith("; set sluice.state.dir to a directory only this user can write");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(planted)))
        .isEqualTo("rwxrwx-wx");
  }

  @Test
  void refusesASymbolicLinkInPlaceOfTheFallback(@TempDir Path tmp) throws Exception {
    Path elsewhere = Files.createDirectory(tmp.resolve("mallory"));
    Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwx------"));
    Path link = Files.createSymbolicLink(tmp.resolve("sluice-app"), elsewhere);
    Properties homeless = homeless(tmp);

    assertThatThrownBy(
            () ->
                StateSettings.checkTemporaryFallback(StateSettings.defaultDir(homeless), homeless))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(link + " is a symbolic link (to " + elsewhere + ")")
        .hasMessageContaining("sluice.state.dir");
    assertThat(elsewhere.resolve(".sluice")).doesNotExist();
  }

  @Test
  void aConfiguredDirectoryIsNotChecked(@TempDir Path tmp) throws Exception {
    Path shared = Files.createDirectory(tmp.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));

    StateSettings.checkTemporaryFallback(shared, homeless(tmp));

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(shared)))
        .isEqualTo("rwxrwxrwx");
    assertThat(tmp.resolve("sluice-app")).doesNotExist();
  }

  private static Properties homeless(Path tmp) {
    Properties p = properties("?", "app");
    p.setProperty("java.io.tmpdir", tmp.toString());
    return p;
  }

  private static Properties properties(String home, String user) {
    Properties p = new Properties();
    p.setProperty("user.home", home);
    p.setProperty("user.name", user);
    p.setProperty("java.io.tmpdir", "/var/tmp");
    return p;
  }
}
