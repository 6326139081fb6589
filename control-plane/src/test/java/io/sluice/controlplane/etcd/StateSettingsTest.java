package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.etcd.TemporaryStateDirectory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

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

  /**
   * {@code sluice.state.dir=~/data} was bound as written: the embedded etcd's data went to a
   * directory named {@code ~} under the working directory. It is the home directory, as for the
   * agents.
   */
  @Test
  void aTildeIsTheHomeDirectoryAsForTheAgents() {
    assertThat(bind("~/data").dir())
        .isEqualTo(Path.of(System.getProperty("user.home"), "data"))
        .isAbsolute();
    assertThat(bind("~").dir()).isEqualTo(Path.of(System.getProperty("user.home")));
    assertThat(bind("/srv/~ops").dir()).isEqualTo(Path.of("/srv/~ops"));
  }

  /** Only a shell looks {@code ~ops} up: refused when bound, as the agents refuse it. */
  @Test
  void anotherUsersHomeIsRefusedWhenBound() {
    assertThatThrownBy(() -> bind("~ops/data"))
        .isInstanceOf(BindException.class)
        .rootCause()
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid state settings:\n  - sluice.state.dir=~ops/data: ~ops is not expanded: only"
                + " ~ and ~/ stand for this user's home directory, and taken as written it would be"
                + " a path relative to the working directory; write the path out in full");
  }

  /**
   * Without a home, a user name or a user id ({@link TemporaryStateDirectory#home} throws) there is
   * no default: {@code TemporaryStateDirectory.home}'s {@link IllegalStateException} ended the
   * binding with a stack trace, even for a control plane on an etcd cluster, which keeps nothing
   * there. Now the directory is {@code null} and only the embedded etcd's start is refused, in one
   * line naming {@code sluice.state.dir} ({@link StateDirectoryRefusedReporter}); a {@code ~} is
   * refused when bound.
   */
  @Test
  void withoutAnyUserThereIsNoDefaultAndTheEmbeddedEtcdRefusesToStartNamingTheSetting() {
    Properties homeless = properties("?", "?");

    assertThat(StateSettings.resolve(null, homeless::getProperty, NO_USER)).isNull();
    assertThat(StateSettings.resolve(Path.of("/data/sluice"), homeless::getProperty, NO_USER))
        .isEqualTo(Path.of("/data/sluice"));
    assertThatThrownBy(() -> StateSettings.checkTemporaryFallback(null, homeless))
        .isInstanceOf(StateDirectoryRefusedException.class)
        .hasMessage(
            "sluice.state.dir is not set, and its default has nowhere to go: the JVM knows no home"
                + " directory (user.home), no user name (user.name) and this process's user id"
                + " cannot be told, so no directory of this user's own can be named for the"
                + " embedded etcd's data; set sluice.state.dir to a directory only this user can"
                + " write, or sluice.etcd.endpoints to an etcd cluster");
    assertThatThrownBy(
            () -> StateSettings.resolve(Path.of("~/data"), homeless::getProperty, NO_USER))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid state settings:\n  - sluice.state.dir=~/data: ~ stands for no directory"
                + " here, as the JVM knows no home directory (user.home), no user name (user.name)"
                + " and this process's user id cannot be told; write the directory out in full");
  }

  /** The refusal is the one line printed, found through the exceptions that wrap it. */
  @Test
  void theRefusalIsReportedAsItsMessageAlone() {
    PrintStream err = System.err;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    boolean reported;
    try {
      System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
      reported =
          new StateDirectoryRefusedReporter()
              .reportException(
                  new IllegalStateException(
                      "Error creating bean with name 'embeddedEtcd'",
                      new StateDirectoryRefusedException("sluice.state.dir is not set, …")));
    } finally {
      System.setErr(err);
    }

    assertThat(reported).isTrue();
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .isEqualTo("sluice.state.dir is not set, …" + System.lineSeparator());
    assertThat(new StateDirectoryRefusedReporter().reportException(new IllegalStateException()))
        .isFalse();
  }

  /** What {@link TemporaryStateDirectory#home} does for a JVM with no home, user name or id. */
  private static final Function<Function<String, String>, Path> NO_USER =
      properties -> {
        throw new IllegalStateException("no directory of this user's own");
      };

  private static StateSettings bind(String dir) {
    return new Binder(new MapConfigurationPropertySource(Map.of("sluice.state.dir", dir)))
        .bind("sluice.state", StateSettings.class)
        .get();
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
