package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedEtcdIT {

  @Test
  void runsAnEtcdThatCompactsItsHistory(@TempDir Path stateDir) throws Exception {
    try (EmbeddedEtcd etcd =
        EmbeddedEtcd.start(stateDir, System.getenv().getOrDefault("PATH", ""), 1_572_864)) {
      assertThat(etcd.command())
          .contains("--auto-compaction-mode=periodic", "--auto-compaction-retention=1h");
      // etcd refuses to start with a flag it does not know: answering, it took them
      HttpResponse<String> health =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(etcd.endpoint() + "/health"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("true");
    }
  }
}
