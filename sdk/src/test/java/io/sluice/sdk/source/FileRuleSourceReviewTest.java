package io.sluice.sdk.source;

import static io.sluice.sdk.source.TestDocuments.document;
import static io.sluice.sdk.source.TestDocuments.invalidDocument;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.ActiveRulesHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRuleSourceReviewTest {

  @TempDir Path dir;

  private final ActiveRulesHolder holder = new ActiveRulesHolder(ActiveRules.defaults("orders"));
  private FileRuleSource source;

  @AfterEach
  void close() {
    if (source != null) {
      source.close();
    }
  }

  /**
   * RuleSource#lastRejection: "the most recent rejection that still stands (the rejected document
   * was not replaced by a valid one or deleted since)". EtcdRuleSource clears it on delete; the
   * file source reports the rejection of a file that is gone for ever (and the status with it).
   */
  @Test
  void aRejectionNoLongerStandsOnceTheRejectedFileIsDeleted() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    source =
        FileRuleSource.builder(file, holder)
            .service("orders")
            .pollInterval(Duration.ofMillis(100))
            .build();
    source.start();
    Files.writeString(file, invalidDocument("orders"));
    await().atMost(Duration.ofSeconds(10)).until(() -> source.lastRejection() != null);

    Files.delete(file);
    await().atMost(Duration.ofSeconds(5)).until(() -> source.lastRejection() == null);
  }

  /**
   * A holder listener that fails with a LinkageError (a class that cannot load, in the agent) once
   * must not stop the file watch for good: later edits are still applied.
   */
  @Test
  void keepsWatchingAfterAListenerFailedWithALinkageError() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), document("orders", 0.1));
    AtomicBoolean failed = new AtomicBoolean();
    holder.addListener(
        r -> {
          if (r.document().sampling().defaultRatio() == 0.2 && failed.compareAndSet(false, true)) {
            throw new NoClassDefFoundError("io/sluice/Missing");
          }
        });
    source =
        FileRuleSource.builder(file, holder)
            .service("orders")
            .pollInterval(Duration.ofMillis(100))
            .build();
    source.start();
    Files.writeString(file, document("orders", 0.2));
    await().atMost(Duration.ofSeconds(10)).until(failed::get);

    Files.writeString(file, document("orders", 0.3));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> holder.current().document().sampling().defaultRatio() == 0.3);
  }

  /**
   * After the rejected file is deleted and the same invalid content comes back, it must be reported
   * again (a fix that only clears the rejection would miss this).
   */
  @Test
  void theSameInvalidFileComingBackIsRejectedAgain() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.json"), invalidDocument("orders"));
    source =
        FileRuleSource.builder(file, holder)
            .service("orders")
            .pollInterval(Duration.ofMillis(100))
            .build();
    source.start();
    assertThat(source.lastRejection()).isNotNull();
    Files.delete(file);
    await().atMost(Duration.ofSeconds(5)).until(() -> source.lastRejection() == null);
    Files.writeString(file, invalidDocument("orders"));
    await().atMost(Duration.ofSeconds(5)).until(() -> source.lastRejection() != null);
  }
}
