package io.sluice.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test app leaves nothing in its temporary directory once it is stopped: it runs once per test
 * class, so whatever it leaves piles up in the machine's temporary directory run after run. Run
 * without the agent, whose own temporary files are not the test app's to clean up.
 */
class AppTemporaryFilesIT {

  /**
   * OkHttp's cache directory, which the app's caching client fills as it is first used, is gone
   * once the app was stopped. Before, it was marked {@code deleteOnExit}, which deletes only an
   * empty directory: one {@code okhttp-cache…} directory was left per run of the OkHttp cache
   * scenarios.
   */
  @Test
  void theOkHttpCacheDirectoryIsDeletedWhenTheAppIsStopped(@TempDir Path appTemp) throws Exception {
    try (AgentApp app = AgentApp.start(null, Map.of("java.io.tmpdir", appTemp.toString()))) {
      AppAnswer answer = app.call("okhttp-cache-only", "GET", "http://127.0.0.1:1/never", Map.of());
      assertThat(answer.status()).as("OkHttp's own answer to a cache miss").isEqualTo(504);
      assertThat(entries(appTemp)).as("the cache is in the app's temporary directory").isNotEmpty();
    }

    assertThat(entries(appTemp)).as("left in the app's temporary directory").isEmpty();
  }

  private static Object[] entries(Path directory) throws Exception {
    try (Stream<Path> paths = Files.walk(directory)) {
      return paths.filter(path -> !path.equals(directory)).map(Path::toString).toArray();
    }
  }
}
