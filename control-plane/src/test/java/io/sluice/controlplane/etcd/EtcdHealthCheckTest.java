package io.sluice.controlplane.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.controlplane.etcd.EtcdHealthCheck.Attempt;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * A short health deadline shows an outage soon without showing one for a single slow answer: two
 * misses in a row make DOWN after etcd last answered, one keeps it DOWN, one answer ends it.
 */
class EtcdHealthCheckTest {

  private final Deque<Attempt> answers = new ArrayDeque<>();
  private final AtomicInteger reads = new AtomicInteger();
  private final AtomicInteger toldUnreachable = new AtomicInteger();
  private final EtcdHealthCheck check =
      new EtcdHealthCheck(
          () -> {
            reads.incrementAndGet();
            return answers.removeFirst();
          },
          toldUnreachable::incrementAndGet);

  private static Attempt answered(long revision) {
    return new Attempt(Health.up().withDetail("revision", revision).build(), false);
  }

  private static Attempt missed(String why) {
    return new Attempt(Health.down().withDetail("error", why).build(), true);
  }

  private static Attempt refused() {
    return new Attempt(Health.down().withDetail("error", "permission denied").build(), false);
  }

  @Test
  void aSingleSlowAnswerAfterEtcdAnsweredShowsNoOutage() {
    answers.add(answered(7));
    assertThat(check.get().getStatus()).isEqualTo(Status.UP);

    answers.add(missed("etcd did not answer within 1000 ms"));
    answers.add(answered(8));
    Health health = check.get();

    assertThat(health.getStatus()).isEqualTo(Status.UP);
    assertThat(health.getDetails()).containsEntry("revision", 8L);
    assertThat(reads).as("the miss read again at once").hasValue(3);
    assertThat(toldUnreachable).as("reads are not cut short").hasValue(0);
  }

  @Test
  void twoMissesInARowAreAnOutageAndTheGatewayIsTold() {
    answers.add(missed("first"));
    answers.add(missed("etcd did not answer within 1000 ms (read /sluice/rules/)"));

    Health health = check.get();

    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
    assertThat(health.getDetails())
        .containsEntry("error", "etcd did not answer within 1000 ms (read /sluice/rules/)");
    assertThat(reads).hasValue(EtcdHealthCheck.MISSES_FOR_DOWN);
    assertThat(toldUnreachable).hasValue(1);
  }

  @Test
  void onceDownOneMissKeepsItDownAndOneAnswerEndsIt() {
    answers.add(missed("first"));
    answers.add(missed("second"));
    check.get();

    answers.add(missed("third"));
    Health stillDown = check.get();
    assertThat(stillDown.getStatus()).isEqualTo(Status.DOWN);
    assertThat(stillDown.getDetails()).containsEntry("error", "third");
    assertThat(reads).as("no second read while the outage is known").hasValue(3);
    assertThat(toldUnreachable).hasValue(2);

    answers.add(answered(9));
    assertThat(check.get().getStatus()).isEqualTo(Status.UP);
    assertThat(reads).hasValue(4);

    // answered again: the next single miss is read again, as after any answer
    answers.add(missed("slow"));
    answers.add(answered(10));
    assertThat(check.get().getStatus()).isEqualTo(Status.UP);
    assertThat(reads).hasValue(6);
    assertThat(toldUnreachable).hasValue(2);
  }

  @Test
  void aRefusalIsDownAtOnceButNoOutage() {
    answers.add(refused());

    Health health = check.get();

    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
    assertThat(health.getDetails()).containsEntry("error", "permission denied");
    assertThat(reads).as("etcd answered: nothing to read again").hasValue(1);
    assertThat(toldUnreachable).hasValue(0);

    // etcd answered last: a miss now is read again before it counts
    answers.add(missed("slow"));
    answers.add(answered(3));
    assertThat(check.get().getStatus()).isEqualTo(Status.UP);
    assertThat(reads).hasValue(3);
  }
}
