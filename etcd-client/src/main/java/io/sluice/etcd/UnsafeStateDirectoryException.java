package io.sluice.etcd;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@link TemporaryStateDirectory#secure} found the state directory's fallback under the temporary
 * directory in a state another local user could have made or could use: the caller keeps nothing
 * there and says why, with {@link #getMessage()} (the path and what is wrong with it).
 */
public final class UnsafeStateDirectoryException extends IOException {

  private static final long serialVersionUID = 1L;

  private final transient Path directory;
  private final String problem;

  UnsafeStateDirectoryException(Path directory, String problem) {
    super(
        directory
            + " is "
            + problem
            + ": another local user could read or plant what Sluice keeps there");
    this.directory = directory;
    this.problem = problem;
  }

  /** The directory refused. */
  public Path directory() {
    return directory;
  }

  /** What is wrong with it, e.g. {@code a symbolic link (to /home/mallory/x)}. */
  public String problem() {
    return problem;
  }
}
