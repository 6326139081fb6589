package io.sluice.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HomeDirectoryPathsTest {

  private static final Supplier<Path> HOME = () -> Path.of("/home/app");

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "~, /home/app",
    "~/, /home/app",
    "~/state, /home/app/state",
    "~//state, /home/app/state",
    "/srv/~ops, /srv/~ops",
    "state/~, state/~",
  })
  void expandsATildeAloneOrBeforeASlashOnly(String value, String expected) {
    assertThat(HomeDirectoryPaths.expand(value, HOME)).isEqualTo(Path.of(expected));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"~ops", "~ops/state", "~ops/"})
  void refusesAnotherUsersHomeSayingWhy(String value) {
    String user = value.replaceFirst("/.*", "");
    assertThat(HomeDirectoryPaths.otherUsersHome(value))
        .isEqualTo(
            user
                + " is not expanded: only ~ and ~/ stand for this user's home directory, and taken"
                + " as written it would be a path relative to the working directory; write the"
                + " path out in full");
    assertThatThrownBy(() -> HomeDirectoryPaths.expand(value, HOME))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(user + " is not expanded");
  }

  /** Windows' own separator: {@code ~\state} is this user's home there, as {@code ~/state}. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "~\\, /home/app",
    "~\\state, /home/app/state",
    "~\\/state, /home/app/state",
    "~/state, /home/app/state",
  })
  void expandsATildeBeforeTheSystemsOwnSeparator(String value, String expected) {
    assertThat(HomeDirectoryPaths.expand(value, HOME, '\\')).isEqualTo(Path.of(expected));
    assertThat(HomeDirectoryPaths.otherUsersHome(value, '\\')).isNull();
  }

  @Test
  void refusesAnotherUsersHomeBeforeEitherSeparator() {
    assertThat(HomeDirectoryPaths.otherUsersHome("~ops\\state", '\\')).startsWith("~ops is not");
    assertThat(HomeDirectoryPaths.otherUsersHome("~ops/state", '\\')).startsWith("~ops is not");
    // where \ is no separator, it is part of a name: ~\state names no home of this user's
    assertThat(HomeDirectoryPaths.otherUsersHome("~\\state", '/')).startsWith("~\\state is not");
  }

  @Test
  void asksForTheHomeOnlyForATilde() {
    Supplier<Path> noHome =
        () -> {
          throw new IllegalStateException("no home");
        };

    assertThat(HomeDirectoryPaths.expand("/etc/sluice", noHome)).isEqualTo(Path.of("/etc/sluice"));
    assertThat(HomeDirectoryPaths.otherUsersHome("~/x")).isNull();
    assertThatThrownBy(() -> HomeDirectoryPaths.expand("~/x", noHome))
        .isInstanceOf(IllegalStateException.class);
  }
}
