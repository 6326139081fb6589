package io.sluice.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemporaryStateDirectoryTest {

  @TempDir Path tmp;

  @BeforeEach
  void posixOnly() {
    assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"));
  }

  @Test
  void createsAFreshDirectoryOwnerOnly() throws Exception {
    Path own = tmp.resolve("sluice-app");

    TemporaryStateDirectory.secure(own);

    assertThat(own).isDirectory();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(own)))
        .isEqualTo("rwx------");
  }

  @Test
  void acceptsItsOwnPrivateDirectoryAgain() throws Exception {
    Path own = tmp.resolve("sluice-app");
    TemporaryStateDirectory.secure(own);
    Files.writeString(own.resolve("kept"), "x");

    TemporaryStateDirectory.secure(own);

    assertThat(own.resolve("kept")).hasContent("x");
  }

  @Test
  void closesItsOwnDirectoryThatOthersCanRead() throws Exception {
    Path older = Files.createDirectory(tmp.resolve("sluice-app"));
    Files.setPosixFilePermissions(older, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(older.resolve("kept"), "x");

    assertThat(TemporaryStateDirectory.secure(older)).as("nothing to say").isNull();

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(older)))
        .isEqualTo("rwx------");
    assertThat(older.resolve("kept")).hasContent("x");
  }

  /**
   * Its own directory, which no one else can write to, where {@code chmod} fails (a read-only
   * mount; here {@code /proc/<pid>}, this process's own, {@code r-xr-xr-x}, whose mode the kernel
   * never changes): used as it is, with one line to log. Before, the failed {@code chmod} threw,
   * and every save of the agent failed with it ("Operation not permitted") while the control plane
   * refused to start, "could not create" a directory that was there.
   */
  @Test
  void usesItsOwnDirectoryThatCannotBeClosedAndSaysWhy() throws Exception {
    Path unchangeable = Path.of("/proc", Long.toString(ProcessHandle.current().pid()));
    assumeTrue(Files.isDirectory(unchangeable, LinkOption.NOFOLLOW_LINKS), "Linux /proc");
    UserPrincipal self = Files.getOwner(Files.createFile(tmp.resolve("mine")));

    String notice = TemporaryStateDirectory.secure(unchangeable, () -> self);

    assertThat(notice)
        .isEqualTo(
            unchangeable
                + " is this user's and no one else may write to it, but it could not be made"
                + " owner-only (rwx------): Operation not permitted; it is used as it is (owner "
                + self.getName()
                + ", permissions r-xr-xr-x), and group or others may read what is kept there");
    assertThat(TemporaryStateDirectory.secure(tmp.resolve("fresh"))).isNull();
  }

  @Test
  void refusesADirectoryThatGroupOrOthersCanWrite() throws Exception {
    Path planted = Files.createDirectory(tmp.resolve("sluice-app"));
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));

    assertThatThrownBy(() -> TemporaryStateDirectory.secure(planted))
        .isInstanceOf(UnsafeStateDirectoryException.class)
        .hasMessageStartingWith(planted + " is writable by group or others (owner ")
        .hasMessageContaining("permissions rwxrwxrwx)")
        .hasMessageContaining("another local user could read or plant");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(planted)))
        .as("left as found")
        .isEqualTo("rwxrwxrwx");
  }

  @Test
  void refusesASymbolicLinkEvenToAPrivateDirectory() throws Exception {
    Path target = tmp.resolve("elsewhere");
    TemporaryStateDirectory.secure(target);
    Path link = Files.createSymbolicLink(tmp.resolve("sluice-app"), target);

    assertThatThrownBy(() -> TemporaryStateDirectory.secure(link))
        .isInstanceOf(UnsafeStateDirectoryException.class)
        .hasMessageStartingWith(link + " is a symbolic link (to " + target + ")");
    assertThat(Files.isSymbolicLink(link)).isTrue();
  }

  @Test
  void refusesAFile() throws Exception {
    Path file = Files.writeString(tmp.resolve("sluice-app"), "x");

    assertThatThrownBy(() -> TemporaryStateDirectory.secure(file))
        .isInstanceOf(UnsafeStateDirectoryException.class)
        .hasMessageStartingWith(file + " is not a directory");
  }

  @Test
  void refusesADirectoryOfAnotherUser() throws Exception {
    // tests run as root: "another user" is who this process is said to be
    Path theirs = tmp.resolve("sluice-app");
    TemporaryStateDirectory.secure(theirs);
    String owner = Files.getOwner(theirs, LinkOption.NOFOLLOW_LINKS).getName();
    UserPrincipal someoneElse = () -> "app";

    assertThatThrownBy(() -> TemporaryStateDirectory.secure(theirs, () -> someoneElse))
        .isInstanceOf(UnsafeStateDirectoryException.class)
        .hasMessageStartingWith(
            theirs
                + " is not owned by this process's user app (owner "
                + owner
                + ", permissions rwx------)");
  }

  @Test
  void findsTheFallbackOnlyWithoutAHome() {
    Map<String, String> homeless = jvm("?");
    Path fallback = tmp.resolve("sluice-app_1");

    assertThat(TemporaryStateDirectory.home(homeless::get)).isEqualTo(fallback);
    assertThat(TemporaryStateDirectory.containing(fallback.resolve(".sluice"), homeless::get))
        .isEqualTo(fallback);
    assertThat(TemporaryStateDirectory.containing(tmp.resolve("var/sluice"), homeless::get))
        .as("set elsewhere")
        .isNull();
    Map<String, String> withHome = jvm("/home/app");
    assertThat(TemporaryStateDirectory.containing(fallback.resolve(".sluice"), withHome::get))
        .as("a home: the temporary directory is the user's choice")
        .isNull();
  }

  /**
   * Properties that say no temporary directory (a partial copy of the JVM's, a test's map): the
   * JVM's own is the fallback, for where state goes and for the check alike; before, both threw a
   * NullPointerException out of {@code Path.of}.
   */
  @Test
  void fallsBackUnderTheJvmsOwnTemporaryDirectoryWhenNoneIsGiven() {
    Path fallback = Path.of(System.getProperty("java.io.tmpdir"), "sluice-app_1");
    for (String given : new String[] {null, " "}) {
      Map<String, String> homeless = jvm("?");
      homeless.put("java.io.tmpdir", given);

      assertThat(TemporaryStateDirectory.home(homeless::get)).as("%s", given).isEqualTo(fallback);
      assertThat(TemporaryStateDirectory.containing(fallback.resolve(".sluice"), homeless::get))
          .as("%s", given)
          .isEqualTo(fallback);
      assertThat(TemporaryStateDirectory.containing(tmp.resolve("var/sluice"), homeless::get))
          .as("set elsewhere")
          .isNull();
    }
  }

  /**
   * Properties without a user name (absent, blank, or {@code ?} as the JVM says it for a user
   * without a passwd entry): the JVM's own names the fallback. Before, every such user shared
   * {@code sluice-} (or {@code sluice-_}), the first one's, which every other was then refused.
   */
  @Test
  void namesTheFallbackByTheJvmsUserWhenNoneIsGiven() {
    String jvmUser = System.getProperty("user.name").replaceAll("[^A-Za-z0-9._-]", "_");
    Path fallback = tmp.resolve("sluice-" + jvmUser);
    for (String given : new String[] {null, " ", "?"}) {
      Map<String, String> nameless = jvm("?");
      nameless.put("user.name", given);

      assertThat(TemporaryStateDirectory.home(nameless::get)).as("%s", given).isEqualTo(fallback);
      assertThat(TemporaryStateDirectory.containing(fallback.resolve(".sluice"), nameless::get))
          .as("%s", given)
          .isEqualTo(fallback);
    }
  }

  /** Neither the given properties nor the JVM's name a user: the numeric user id does. */
  @Test
  void namesTheFallbackByTheUserIdWhenNoNameIsKnown() {
    Map<String, String> nameless = new HashMap<>();
    nameless.put("user.name", "?");

    assertThat(TemporaryStateDirectory.owner(nameless::get, key -> null, () -> "1000680000"))
        .isEqualTo("1000680000");
    assertThat(TemporaryStateDirectory.owner(nameless::get, key -> " ", () -> "1000680000"))
        .isEqualTo("1000680000");
    assertThatThrownBy(() -> TemporaryStateDirectory.owner(nameless::get, key -> "?", () -> null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no user name (user.name)")
        .hasMessageEndingWith("set sluice.state.dir to a directory only this user can write");
  }

  /**
   * Without a home, a user name or a user id there is no fallback: a state directory set elsewhere,
   * as the advice says to, is not in one (before: the check threw, and the agent's etcd rule source
   * never started).
   */
  @Test
  void aStateDirSetWhenNoFallbackCanBeNamedIsInNone() {
    Map<String, String> nameless = new HashMap<>();
    nameless.put("user.home", "?");
    nameless.put("user.name", "?");
    nameless.put("java.io.tmpdir", tmp.toString());

    assertThat(
            TemporaryStateDirectory.containing(
                tmp.resolve("state"), nameless::get, key -> "?", () -> null))
        .isNull();
    assertThat(
            TemporaryStateDirectory.containing(
                tmp.resolve("sluice-1000/.sluice"), nameless::get, key -> "?", () -> "1000"))
        .as("with a user id, its fallback as ever")
        .isEqualTo(tmp.resolve("sluice-1000"));
  }

  /** The user id said is this process's: the owner of a file it creates. */
  @Test
  void tellsThisProcesssUserId() throws Exception {
    Object uid = Files.getAttribute(Files.createFile(tmp.resolve("mine")), "unix:uid");

    assertThat(TemporaryStateDirectory.processUid()).isEqualTo(String.valueOf(uid));
  }

  private Map<String, String> jvm(String home) {
    Map<String, String> jvm = new HashMap<>();
    jvm.put("user.home", home);
    jvm.put("user.name", "app/1");
    jvm.put("java.io.tmpdir", tmp.toString());
    return jvm;
  }
}
