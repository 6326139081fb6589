package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedEtcdTest {

  @Test
  void saysWhenItsDataIsUnderTheTemporaryDirectory() {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    assertThat(EmbeddedEtcd.underTemporaryDirectory(tmp.resolve("sluice-x/.sluice/etcd")))
        .contains("temporary directory")
        // said also to one who set sluice.state.dir there: "set sluice.state.dir" alone misled
        .contains("set sluice.state.dir to a directory outside it");
    assertThat(EmbeddedEtcd.underTemporaryDirectory(Path.of("/home/ops/.sluice/etcd"))).isEmpty();
  }

  /**
   * A file system that cannot lock at all (NFS without a lock manager: {@code tryLock} throws
   * {@code IOException: No locks available} rather than answering {@code null}) is no other control
   * plane holding the directory: the message said it was, and dropped the file system's own words.
   * This machine's file systems all lock, so the refusal is the one a lock attempt is given.
   */
  @Test
  void tellsAFileSystemThatCannotLockFromADirectoryInUse(@TempDir Path dataDir) throws IOException {
    IOException refusal = new IOException("No locks available");

    assertThatThrownBy(
            () ->
                DataDirectoryLock.take(
                    dataDir,
                    channel -> {
                      throw refusal;
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("file system cannot lock")
        .hasMessageContaining(dataDir.resolve(DataDirectoryLock.LOCK_FILE).toString())
        .hasMessageContaining("(No locks available)")
        .hasMessageContaining("sluice.state.dir on a local file system")
        .hasMessageNotContaining("is in use by another control plane")
        .hasCause(refusal);

    // the refused attempt gave the directory up: a lock that works takes it
    try (DataDirectoryLock held = DataDirectoryLock.take(dataDir, FileChannel::tryLock)) {
      // and one held is in use, as before
      assertThatThrownBy(() -> DataDirectoryLock.take(dataDir, FileChannel::tryLock))
          .hasMessageContaining("is in use by another control plane");
    }
  }
}
