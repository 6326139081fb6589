package io.sluice.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A JVM that knows no home directory, no user name and whose user id cannot be told has no default
 * state directory ({@link io.sluice.etcd.TemporaryStateDirectory#home} throws). That is one more
 * problem of the configuration, listed with the others, naming the setting that solves it as the
 * user would give it. Before, {@link SluiceConfig.Builder#build()} threw the {@link
 * IllegalStateException} alone, hiding every other problem, and {@code ~} in a path did the same.
 */
class SluiceConfigWithoutAnyUserTest {

  /** What {@link io.sluice.etcd.TemporaryStateDirectory#home} does for such a JVM. */
  private static final Function<Function<String, String>, Path> NO_USER =
      properties -> {
        throw new IllegalStateException(
            "no directory of this user's own under the temporary directory for Sluice's state");
      };

  private static final String NOWHERE =
      " is not set, and its default has nowhere to go: the JVM knows no home directory"
          + " (user.home), no user name (user.name) and this process's user id cannot be told, so"
          + " no directory of this user's own can be named for the last-known-good rules; set ";

  @Test
  void builtInCodeTheMissingStateDirIsListedWithTheOtherProblems() {
    assertThatThrownBy(() -> SluiceConfig.builder().home(NO_USER).namespace("/a b").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid Sluice configuration:\n"
                + "  - builder().namespace(…)=/a b: must be a key prefix without spaces\n"
                + "  - builder().stateDir(…)"
                + NOWHERE
                + "builder().stateDir(…) to a directory only this user can write");
  }

  @Test
  void readFromTheEnvironmentTheMissingStateDirIsNamedByBothNames() {
    Map<String, String> environment = Map.of("SLUICE_ETCD_ENDPOINTS", "foo");

    assertThatThrownBy(() -> read(environment))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "\n  - environment variable SLUICE_ETCD_ENDPOINTS=foo: needs a scheme")
        .hasMessageContaining(
            "\n  - sluice.state.dir (SLUICE_STATE_DIR)"
                + NOWHERE
                + "sluice.state.dir (SLUICE_STATE_DIR) to a directory only this user can write")
        .hasMessageContaining("otel.service.name (OTEL_SERVICE_NAME) is required");
  }

  @Test
  void aTildeThatStandsForNoDirectoryIsNamedWhereItWasSet() {
    Map<String, String> environment = Map.of("SLUICE_STATE_DIR", "~/state");

    assertThatThrownBy(() -> read(environment))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid Sluice configuration:\n"
                + "  - environment variable SLUICE_STATE_DIR=~/state: ~ stands for no directory"
                + " here, as the JVM knows no home directory (user.home), no user name (user.name)"
                + " and this process's user id cannot be told; write the directory out in full");
  }

  /** The advice taken: a state directory set needs no default. */
  @Test
  void aStateDirSetNeedsNoDefault() {
    SluiceConfig config = read(Map.of("SLUICE_STATE_DIR", "/var/lib/sluice"));

    assertThat(config.stateDir()).isEqualTo(Path.of("/var/lib/sluice"));
    assertThat(SluiceConfig.builder().home(NO_USER).stateDir(Path.of("/var/lib/sluice")).build())
        .isEqualTo(config);
  }

  private static SluiceConfig read(Map<String, String> environment) {
    return SluiceConfig.fromProperties(
        ConfigLookup.propertiesThenEnvironment(key -> null, environment::get),
        null,
        Map.of("user.home", "?", "user.name", "?")::get,
        NO_USER);
  }
}
