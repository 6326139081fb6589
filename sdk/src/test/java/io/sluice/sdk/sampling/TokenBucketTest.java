package io.sluice.sdk.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.testing.time.TestClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A rate cap never lets more through than configured, however high. */
class TokenBucketTest {

  private final TestClock clock = TestClock.create();

  private static long drain(TokenBucket bucket) {
    long taken = 0;
    while (bucket.tryTake()) {
      taken++;
    }
    return taken;
  }

  @Test
  void aFullBucketHoldsOneSecondsWorthThenRefillsAtTheRate() {
    TokenBucket bucket = new TokenBucket(100, clock);
    assertThat(drain(bucket)).isEqualTo(100);
    clock.advance(Duration.ofMillis(50));
    assertThat(drain(bucket)).isEqualTo(5);
  }

  /**
   * A changed cap goes on from the tokens left, at most the new cap: raised during a burst, it lets
   * through only what refills at the new rate (a fresh bucket let the whole new cap through at
   * once, on top of what the old one had let through that second); lowered, it holds no more than
   * the new cap.
   */
  @Test
  void aRetunedBucketGoesOnFromTheTokensLeft() {
    TokenBucket bucket = new TokenBucket(100, clock);
    for (int i = 0; i < 60; i++) {
      assertThat(bucket.tryTake()).isTrue();
    }
    assertThat(bucket.tokens()).isEqualTo(40);

    TokenBucket raised = bucket.retuned(1000);
    assertThat(raised.perSecond()).isEqualTo(1000);
    assertThat(drain(raised)).isEqualTo(40);
    clock.advance(Duration.ofMillis(10));
    assertThat(drain(raised)).isEqualTo(10);

    assertThat(new TokenBucket(100, clock).retuned(10).tokens()).isEqualTo(10);
    assertThat(drain(new TokenBucket(100, clock).retuned(10))).isEqualTo(10);
    assertThat(drain(new TokenBucket(3, clock).retuned(0))).isZero();
    assertThat(drain(new TokenBucket(0, clock).retuned(7))).isZero();
    // the largest cap: no overflow either way
    TokenBucket largest = new TokenBucket(Integer.MAX_VALUE, clock);
    assertThat(largest.tokens()).isEqualTo(Integer.MAX_VALUE); // full: exactly the cap
    assertThat(largest.retuned(5).tokens()).isEqualTo(5);
    assertThat(new TokenBucket(5, clock).retuned(Integer.MAX_VALUE).tokens()).isEqualTo(5);
  }

  /**
   * A retuned cap carries the share its bucket let through until it has counted a whole second of
   * its own: kept spans go on carrying the probability the cap they pass actually gives them.
   */
  @Test
  void aRetunedBucketKeepsTheOldShareUntilItsFirstSecondIsCounted() {
    TokenBucket bucket = new TokenBucket(10, clock);
    for (int i = 0; i < 40; i++) {
      bucket.tryTake(); // 10 let through, 30 refused
    }
    clock.advance(Duration.ofSeconds(1));
    bucket.tryTake(); // turns the window: the last whole second let through a quarter
    assertThat(bucket.share()).isEqualTo(0.25);

    TokenBucket raised = bucket.retuned(20);
    assertThat(raised.share()).isEqualTo(0.25);
    clock.advance(Duration.ofMillis(500));
    for (int i = 0; i < 5; i++) {
      assertThat(raised.tryTake()).isTrue();
    }
    assertThat(raised.share()).as("within its first second").isEqualTo(0.25);
    clock.advance(Duration.ofMillis(500));
    raised.tryTake();
    assertThat(raised.share()).as("its own first second, which refused nothing").isEqualTo(1.0);
  }

  /**
   * A full bucket holds exactly one second's worth also when a second is no whole number of token
   * intervals: 3 a second is one token every 333,333,334 ns (rounded up), and three of those are
   * just over a second, so a burst tolerance of exactly one second held only 2 (and 999,000 of
   * 999,999). Refilling stays at the rounded-up interval, never faster than the cap.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0} a second")
  @org.junit.jupiter.params.provider.ValueSource(ints = {1, 3, 7, 100, 999_999})
  void aFullBucketHoldsExactlyTheCap(int perSecond) {
    TokenBucket bucket = new TokenBucket(perSecond, clock);
    assertThat(drain(bucket)).isEqualTo(perSecond);
    clock.advance(Duration.ofSeconds(1));
    assertThat(drain(bucket)).isLessThanOrEqualTo(perSecond);
  }

  /**
   * 30 million a second is one token every 33.3 ns: rounding that down to 33 ns let 1% more through
   * than configured (and at 600 million a second, 1 ns instead of 1.67 ns, two thirds more).
   */
  @Test
  void aHighRateIsNeverExceeded() {
    int perSecond = 30_000_000;
    TokenBucket bucket = new TokenBucket(perSecond, clock);
    long burst = drain(bucket);
    assertThat(burst).isLessThanOrEqualTo(perSecond).isGreaterThan(perSecond * 97L / 100);
    clock.advance(Duration.ofSeconds(1));
    assertThat(drain(bucket)).isLessThanOrEqualTo(perSecond);
  }

  /**
   * The share a cap let through is counted per whole second and known from the next one on; a
   * second in which it refused nothing brings it back to 1.
   */
  @Test
  void theShareLetThroughIsThatOfTheLastWholeSecond() {
    TokenBucket bucket = new TokenBucket(100, clock);
    for (int i = 0; i < 400; i++) {
      bucket.tryTake();
    }
    assertThat(bucket.share()).as("no whole second counted yet").isEqualTo(1.0);
    clock.advance(Duration.ofSeconds(1));
    bucket.tryTake();
    assertThat(bucket.share()).isEqualTo(0.25);
    clock.advance(Duration.ofSeconds(1));
    bucket.tryTake();
    assertThat(bucket.share()).as("one offer, let through").isEqualTo(1.0);
  }

  /**
   * A second in which the bucket's stored tokens let more through than its rate, refusing nothing:
   * the cap cut nothing, and the share is 1 (bounded by the rate alone, it read 100 of 150).
   */
  @Test
  void aSecondWithoutARefusalLeavesTheShareAtOne() {
    TokenBucket bucket = new TokenBucket(100, clock);
    for (int i = 0; i < 150; i++) {
      clock.advance(Duration.ofMillis(5));
      assertThat(bucket.tryTake()).isTrue();
    }
    clock.advance(Duration.ofMillis(300));
    bucket.tryTake();
    assertThat(bucket.share()).isEqualTo(1.0);
  }

  /**
   * An overload, then silence: the share is the overload's while its window is the last whole one
   * (1.5 s later), and 1 once a whole window without offers followed it (2 s later): a share from
   * before an idle hour would describe traffic long gone.
   */
  @Test
  void aWholeSecondWithoutOffersBringsTheShareBackToOne() {
    TokenBucket overloadedThenQuiet = new TokenBucket(100, clock);
    TokenBucket overloadedThenIdle = new TokenBucket(100, clock);
    for (int i = 0; i < 400; i++) {
      overloadedThenQuiet.tryTake();
      overloadedThenIdle.tryTake();
    }
    clock.advance(Duration.ofMillis(1500));
    overloadedThenQuiet.tryTake();
    assertThat(overloadedThenQuiet.share()).isEqualTo(0.25);
    clock.advance(Duration.ofMillis(500));
    overloadedThenIdle.tryTake();
    assertThat(overloadedThenIdle.share()).isEqualTo(1.0);
  }

  @Test
  void zeroLetsNothingThrough() {
    assertThat(new TokenBucket(0, clock).tryTake()).isFalse();
  }
}
