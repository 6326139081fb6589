package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.testing.etcd.NotEtcdHttpServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What a mirror not read yet adds to its 503 ({@link PrefixWatch#hint}): what to fix while etcd has
 * never answered, and nothing once it has.
 */
class PrefixWatchHintTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  /**
   * The mirror kept the hint of its latest failed read ("nothing listens at …: start etcd there")
   * until its next read, up to seconds later: meanwhile etcd, started, had answered other calls,
   * and the 503 of the agents or the rules still said it had not answered since the control plane
   * started, and to start it.
   */
  @Test
  void aMirrorSaysNoHintOnceEtcdHasAnswered() throws Exception {
    // the mirror retries until its failed read has a hint (the first contact's check that nothing
    // listens may answer after a read's deadline on a loaded machine), then its retries are held:
    // it stays on that failed read
    AtomicBoolean hold = new AtomicBoolean();
    AtomicInteger reading = new AtomicInteger();
    ScheduledThreadPoolExecutor scheduler =
        new ScheduledThreadPoolExecutor(1) {
          @Override
          public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
            return super.schedule(
                () -> {
                  reading.incrementAndGet();
                  try {
                    if (!hold.get()) {
                      task.run();
                    }
                  } finally {
                    reading.decrementAndGet();
                  }
                },
                delay,
                unit);
          }
        };
    // etcd's own refusal of the control plane's user: an answer
    try (NotEtcdHttpServer etcd =
            NotEtcdHttpServer.answeringGrpc(7, "etcdserver: permission denied");
        Client client = PlainEtcdSettings.client(List.of(etcd.endpoint()), TIMEOUT)) {
      etcd.stop(); // nothing listens there yet
      EtcdGateway gateway =
          EtcdGateway.builder(client, new EtcdKeys("/sluice"), TIMEOUT)
              .endpoints(List.of(URI.create(etcd.endpoint())))
              .build();
      PrefixWatch watch =
          new PrefixWatch(gateway, "/sluice/v1/agents/", new IgnoredChanges(), scheduler);
      try {
        watch.start();
        // 30 s: the first call of a JVM loads gRPC and Netty; a read waits up to 5 s
        await("the mirror's failed read")
            .atMost(Duration.ofSeconds(30))
            .until(() -> watch.hint() != null);
        assertThat(watch.hint()).startsWith("nothing listens at " + etcd.endpoint());
        hold.set(true);
        await("the mirror's read under way")
            .atMost(Duration.ofSeconds(30))
            .until(() -> reading.get() == 0);
        assertThat(watch.hint()).as("the failed read, held").startsWith("nothing listens at ");

        etcd.start();
        assertThatThrownBy(
                () ->
                    gateway.get(
                        "/sluice/v1/rules/", GetOption.builder().withCountOnly(true).build()))
            .as("etcd answers")
            .isInstanceOf(EtcdRefusedException.class);

        assertThat(watch.state().inSync()).as("the mirror, not read again yet").isFalse();
        assertThat(watch.hint()).isNull();
      } finally {
        watch.close();
        scheduler.shutdownNow();
      }
    }
  }
}
