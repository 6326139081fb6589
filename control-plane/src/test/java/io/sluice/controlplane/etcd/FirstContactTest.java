package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.sluice.etcd.EtcdChannels;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * {@link FirstContact}'s extra call, against an endpoint that takes connections and answers no call
 * (an etcd member without a quorum, a hung one): the connection neither fails nor answers, so the
 * call that does not wait for a connection waits out its whole second and tells nothing.
 */
class FirstContactTest {

  /**
   * Once the extra call waited out its time without an answer, the failures after it do not send
   * another one for a while: each API call and health check failing while etcd is silent took a
   * second more and sent one more read to that etcd, for no hint.
   */
  @Test
  void afterACallThatGotNoAnswerTheNextFailuresDoNotWaitForAnother() throws Exception {
    try (UnansweringEndpoint silentEtcd = UnansweringEndpoint.settingsOnly();
        Client client = PlainEtcdSettings.client(List.of(silentEtcd.endpoint()), SECONDS_5)) {
      FirstContact firstContact = afterACallWaitingOn(silentEtcd, client);

      assertThat(firstContact.hint(new TimeoutException())).isNull();
      long later = System.nanoTime();
      for (int failure = 0; failure < 3; failure++) {
        assertThat(firstContact.hint(new TimeoutException())).isNull();
      }

      // each would have waited its whole second (3 s at least): a margin for a loaded machine
      assertThat(Duration.ofNanos(System.nanoTime() - later))
          .as("three failures after the call that got no answer")
          .isLessThan(Duration.ofSeconds(2));
    }
  }

  /**
   * Failures that come together while the extra call is on its way (API calls and health checks
   * failing at once) share that call: each sent one of its own, to the same silent etcd.
   */
  @Test
  void failuresThatComeTogetherShareOneCall() throws Exception {
    FailFastCalls counting = new FailFastCalls();
    int together = 4;
    ExecutorService failures = Executors.newFixedThreadPool(together);
    try (UnansweringEndpoint silentEtcd = UnansweringEndpoint.settingsOnly();
        Client client =
            EtcdConfiguration.clientBuilder(
                    PlainEtcdSettings.of(List.of(silentEtcd.endpoint()), SECONDS_5),
                    List.of(silentEtcd.endpoint()))
                .interceptor(counting)
                .build()) {
      FirstContact firstContact = afterACallWaitingOn(silentEtcd, client);
      CyclicBarrier atOnce = new CyclicBarrier(together);

      List<CompletableFuture<String>> hints = new ArrayList<>();
      for (int i = 0; i < together; i++) {
        hints.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    atOnce.await(10, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                  return firstContact.hint(new TimeoutException());
                },
                failures));
      }

      for (CompletableFuture<String> hint : hints) {
        assertThat(hint.get(10, TimeUnit.SECONDS)).isNull();
      }
      assertThat(counting.sent()).as("calls sent that do not wait for a connection").isEqualTo(1);
    } finally {
      failures.shutdownNow();
    }
  }

  private static final Duration SECONDS_5 = Duration.ofSeconds(5);

  /**
   * A first contact of {@code client} once jetcd has made its channel, which it makes at the first
   * call: one waiting for ever on {@code silentEtcd}.
   */
  private static FirstContact afterACallWaitingOn(UnansweringEndpoint silentEtcd, Client client) {
    client.getKVClient().get(ByteSequence.from("/sluice/", StandardCharsets.UTF_8));
    await("the client's channel")
        .atMost(Duration.ofSeconds(10))
        .until(() -> EtcdChannels.channel(client) != null);
    return new FirstContact(client, List.of(URI.create(silentEtcd.endpoint())), SECONDS_5);
  }
}
