package io.sluice.etcd;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Where the agent and the control plane keep local state when the JVM knows no home, and the check
 * that keeps that place private.
 *
 * <p>A container user without a passwd entry (OpenShift's random user ids) gets {@code
 * user.home=?}. State then goes to {@code <java.io.tmpdir>/sluice-<user.name>}: never a relative
 * {@code ?/.sluice} under the working directory. Such a user has {@code user.name=?} too: the
 * numeric user id names the directory then, so that users without a name do not share one. On a
 * shared host that name is predictable, so another local user could create it first, or put a
 * symbolic link there, and then read or plant the agent's last-known-good rules or the embedded
 * etcd's data. {@link #secure} does what ssh, gpg and {@code XDG_RUNTIME_DIR} do: it creates the
 * directory owner-only ({@code rwx------}) where the file system is POSIX, and refuses one that
 * exists unless it is a real directory (not a symbolic link), owned by this process's user and not
 * writable by group or others. Such a directory of its own that group or others may still read or
 * enter (an older version created it with the umask's {@code rwxr-xr-x}) is set to {@code
 * rwx------}: nothing can have been planted in it, and closing it puts the files inside out of
 * others' reach. Should that fail (a read-only mount, a file system that refuses {@code chmod}),
 * the directory is used as it is, since no one else can plant anything in it, and {@link #secure}
 * returns one line saying so for the caller to log once.
 *
 * <p>Only this fallback is checked ({@link #containing}): a directory set with {@code
 * sluice.state.dir} elsewhere is the user's choice. It lives here because both sides keep etcd's
 * state in it (the agent the last rules it read from etcd, the control plane the embedded etcd's
 * data) and this module is what they share: the control plane does not depend on the agent runtime.
 */
public final class TemporaryStateDirectory {

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rwx------");

  /**
   * Why {@link #home} finds neither a home nor a fallback, for the messages of both sides that say
   * a default or a {@code ~} has nowhere to go.
   */
  public static final String NO_USER =
      "the JVM knows no home directory (user.home), no user name (user.name) and this process's"
          + " user id cannot be told";

  private TemporaryStateDirectory() {}

  /**
   * The user's home directory, or {@code <java.io.tmpdir>/sluice-<user.name>} when the JVM knows
   * none (absent, blank or relative {@code user.home}); the user name keeps {@code A-Z a-z 0-9 . _
   * -}, every other character becomes {@code _}. Without {@code user.name} (or with it blank or
   * {@code ?}, a user without a passwd entry) the JVM's own names the user, else this process's
   * numeric user id ({@code sluice-1000}), so that nameless users do not share one. Properties
   * without {@code java.io.tmpdir} (or with it blank) mean the JVM's own temporary directory, here
   * and in {@link #containing} alike.
   *
   * @param systemProperties the JVM's system properties ({@code System::getProperty} but in tests)
   * @throws IllegalStateException without a home when neither a user name nor the user id can be
   *     told, naming {@code sluice.state.dir}
   */
  public static Path home(Function<String, String> systemProperties) {
    String home = systemProperties.apply("user.home");
    return usableHome(home) ? Path.of(home) : fallback(systemProperties);
  }

  /** Whether {@code home} is a home directory state can go under: set and absolute. */
  public static boolean usableHome(String home) {
    try {
      return home != null && !home.isBlank() && Path.of(home).isAbsolute();
    } catch (InvalidPathException e) {
      return false;
    }
  }

  /**
   * The fallback directory that {@code stateDir} lies in, which {@link #secure} must check before
   * anything is kept there; {@code null} when the JVM knows a home, {@code stateDir} is elsewhere,
   * or there is no fallback at all (neither a user name nor the user id can be told, see {@link
   * #home}): a state directory set explicitly is then used as set, never refused for a fallback
   * that does not exist.
   */
  public static Path containing(Path stateDir, Function<String, String> systemProperties) {
    return containing(
        stateDir, systemProperties, System::getProperty, TemporaryStateDirectory::processUid);
  }

  /** As {@link #containing(Path, Function)}, with the JVM's properties and the user id given. */
  static Path containing(
      Path stateDir,
      Function<String, String> systemProperties,
      Function<String, String> jvmProperties,
      Supplier<String> uid) {
    if (usableHome(systemProperties.apply("user.home"))) {
      return null;
    }
    Path fallback;
    try {
      fallback = fallback(systemProperties, jvmProperties, uid);
    } catch (IllegalStateException noOwner) {
      return null; // no directory of this user's own can be named, so none can hold stateDir
    }
    Path absolute = stateDir.toAbsolutePath().normalize();
    return absolute.startsWith(fallback.toAbsolutePath().normalize()) ? fallback : null;
  }

  private static Path fallback(Function<String, String> systemProperties) {
    return fallback(systemProperties, System::getProperty, TemporaryStateDirectory::processUid);
  }

  private static Path fallback(
      Function<String, String> systemProperties,
      Function<String, String> jvmProperties,
      Supplier<String> uid) {
    String owner = owner(systemProperties, jvmProperties, uid).replaceAll("[^A-Za-z0-9._-]", "_");
    String tmpdir = systemProperties.apply("java.io.tmpdir");
    if (tmpdir == null || tmpdir.isBlank()) { // a partial copy of the properties: the JVM has one
      tmpdir = System.getProperty("java.io.tmpdir");
    }
    return Path.of(tmpdir, "sluice-" + owner);
  }

  /**
   * Whose the fallback is: {@code user.name} from the given properties, else the JVM's own (the
   * given ones may be a partial copy), else this process's numeric user id. A name that is blank,
   * or {@code ?} (what the JVM says for a user without a passwd entry), names no one: {@code
   * sluice-} or {@code sluice-_} would be one directory shared by every such user, the first one's,
   * which {@link #secure} then refuses to every other.
   *
   * @param uid this process's numeric user id, or {@code null} when it cannot be told
   * @throws IllegalStateException when neither a name nor the user id can be told
   */
  static String owner(
      Function<String, String> systemProperties,
      Function<String, String> jvmProperties,
      Supplier<String> uid) {
    for (Function<String, String> properties : List.of(systemProperties, jvmProperties)) {
      String name = properties.apply("user.name");
      if (name != null && !name.isBlank() && !name.equals("?")) {
        return name;
      }
    }
    String id = uid.get();
    if (id == null || id.isBlank()) {
      throw new IllegalStateException(
          "no directory of this user's own under the temporary directory for Sluice's state: "
              + NO_USER
              + "; set sluice.state.dir to a directory only this user can write");
    }
    return id;
  }

  /**
   * This process's numeric user id: the owner of {@code /proc/self} (Linux, nothing created), else
   * of a file this process creates in the JVM's temporary directory and deletes at once (whose
   * owner's name is the number for a user without a passwd entry); {@code null} when neither works.
   */
  static String processUid() {
    try {
      return String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | RuntimeException e) {
      // not Linux, or no unix view: the owner of a file of our own says it
    }
    try {
      return currentUser(Path.of(System.getProperty("java.io.tmpdir"), "probe")).getName();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Creates {@code directory} owner-only ({@code rwx------} where the file system is POSIX), or
   * checks the one that is there: a real directory, not a symbolic link, owned by this process's
   * user and, where POSIX, not writable by group or others; it is then set to {@code rwx------},
   * taking group's and others' read and search bits away. This process's user is the owner of a
   * file it creates in the parent directory, which works without a passwd entry too.
   *
   * @return {@code null}; or, when the directory is this user's and no one else may write to it but
   *     it could not be set to {@code rwx------} (a read-only mount, a file system that refuses
   *     {@code chmod}), a line saying so, naming the directory, the reason and its permissions: the
   *     directory is fit to use, and the caller logs the line once
   * @throws UnsafeStateDirectoryException when the directory that is there is not private
   * @throws IOException when the directory cannot be created or read
   */
  public static String secure(Path directory) throws IOException {
    return secure(directory, () -> currentUser(directory));
  }

  /** As {@link #secure(Path)}, with this process's user from {@code currentUser} (tests). */
  static String secure(Path directory, Callable<UserPrincipal> currentUser) throws IOException {
    boolean posix = directory.getFileSystem().supportedFileAttributeViews().contains("posix");
    try {
      if (posix) {
        Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        // a umask may take bits away, even the owner's own: set them exactly
        Files.setPosixFilePermissions(directory, OWNER_ONLY);
      } else {
        Files.createDirectory(directory);
      }
      return null;
    } catch (FileAlreadyExistsException e) {
      // there before us, maybe someone else's: checked below
    }
    BasicFileAttributes attributes =
        Files.readAttributes(directory, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (attributes.isSymbolicLink()) {
      throw new UnsafeStateDirectoryException(
          directory, "a symbolic link (to " + Files.readSymbolicLink(directory) + ")");
    }
    if (!attributes.isDirectory()) {
      throw new UnsafeStateDirectoryException(directory, "not a directory");
    }
    UserPrincipal owner;
    String found;
    boolean writableByOthers;
    if (posix) {
      PosixFileAttributes posixAttributes =
          Files.readAttributes(directory, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      Set<PosixFilePermission> permissions = posixAttributes.permissions();
      owner = posixAttributes.owner();
      found =
          "owner "
              + owner.getName()
              + ", permissions "
              + PosixFilePermissions.toString(permissions);
      writableByOthers =
          permissions.contains(PosixFilePermission.GROUP_WRITE)
              || permissions.contains(PosixFilePermission.OTHERS_WRITE);
    } else if (Files.getFileAttributeView(directory, FileOwnerAttributeView.class) != null) {
      owner = Files.getOwner(directory, LinkOption.NOFOLLOW_LINKS);
      found = "owner " + owner.getName();
      writableByOthers = false; // no POSIX bits to read: the owner is what can be checked
    } else {
      return null; // neither owner nor permissions to check
    }
    UserPrincipal self;
    try {
      self = currentUser.call();
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("could not tell this process's user", e);
    }
    if (!owner.equals(self)) {
      throw new UnsafeStateDirectoryException(
          directory, "not owned by this process's user " + self.getName() + " (" + found + ")");
    }
    if (writableByOthers) {
      throw new UnsafeStateDirectoryException(
          directory, "writable by group or others (" + found + ")");
    }
    if (posix
        && !Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS)
            .equals(OWNER_ONLY)) {
      // ours and nothing planted, but others may list and read it (an older version made it with
      // the umask's rwxr-xr-x): closed, so the files in it are out of their reach too
      try {
        Files.setPosixFilePermissions(directory, OWNER_ONLY);
      } catch (IOException e) {
        // still nothing anyone else can plant: refusing it would only cost the state kept there
        return directory
            + " is this user's and no one else may write to it, but it could not be made"
            + " owner-only (rwx------): "
            + reason(e)
            + "; it is used as it is ("
            + found
            + "), and group or others may read what is kept there";
      }
    }
    return null;
  }

  /** What the file system said, without the path that the caller's line names already. */
  private static String reason(IOException e) {
    return e instanceof FileSystemException fs && fs.getReason() != null
        ? fs.getReason()
        : String.valueOf(e);
  }

  /** The owner of a file this process creates beside {@code directory}, deleted at once. */
  private static UserPrincipal currentUser(Path directory) throws IOException {
    Path parent = directory.toAbsolutePath().getParent();
    Path probe = Files.createTempFile(parent, ".sluice-owner-", ".tmp");
    try {
      return Files.getOwner(probe, LinkOption.NOFOLLOW_LINKS);
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (NoSuchFileException ignored) {
        // gone already: nothing left behind
      }
    }
  }
}
