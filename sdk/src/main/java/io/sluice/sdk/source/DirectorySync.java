package io.sluice.sdk.source;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Makes a rename durable: a file renamed into a directory is in that directory, after a crash, only
 * once the directory itself reached the disk, so the last-known-good store forces the directory
 * after moving a snapshot into place. Some platforms and file systems cannot open or force a
 * directory (an {@link IOException}); that is logged once, at FINE, and the save stands: the
 * snapshot's own bytes were forced before the rename.
 */
final class DirectorySync {

  /** Opens a directory for reading; a seam for tests. */
  interface Opener {
    FileChannel open(Path directory) throws IOException;
  }

  // the store's logger: its lines are about the store's saves
  private static final Logger logger = Logger.getLogger(LastKnownGoodStore.class.getName());

  private final Opener opener;
  private final AtomicBoolean refusalLogged = new AtomicBoolean();

  DirectorySync() {
    this(directory -> FileChannel.open(directory, StandardOpenOption.READ));
  }

  DirectorySync(Opener opener) {
    this.opener = Objects.requireNonNull(opener, "opener");
  }

  /** Forces {@code directory}'s entries to disk; never throws an {@link IOException}. */
  void force(Path directory) {
    try (FileChannel channel = opener.open(directory)) {
      channel.force(true);
    } catch (IOException e) {
      if (refusalLogged.compareAndSet(false, true)) {
        logger.log(
            Level.FINE,
            "cannot sync the directory "
                + directory
                + " after a save ("
                + e
                + "); its snapshots are synced, a crash may still lose a rename"
                + " (not logged again)",
            e);
      }
    }
  }
}
