package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.sluice.etcd.EtcdChannels;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
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
      // jetcd makes its channel at the first call: one waiting for ever on that etcd
      client.getKVClient().get(ByteSequence.from("/sluice/", StandardCharsets.UTF_8));
      await("the client's channel")
          .atMost(Duration.ofSeconds(10))
          .until(() -> EtcdChannels.channel(client) != null);
      FirstContact firstContact =
          new FirstContact(client, List.of(URI.create(silentEtcd.endpoint())), SECONDS_5);

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

  private static final Duration SECONDS_5 = Duration.ofSeconds(5);
}
