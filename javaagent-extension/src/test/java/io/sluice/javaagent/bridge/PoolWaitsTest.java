package io.sluice.javaagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A lease's wait goes to the thread's current guarded call, once however many lease requests wrap
 * one another, and never to a call outside the one the lease ran in.
 */
class PoolWaitsTest {

  private final RecordingCall call = new RecordingCall();

  @AfterEach
  void leaveNoCurrentCall() {
    PoolWaits.exit(null);
  }

  @Test
  void aLeaseInsideAGuardedCallIsTakenOutOfItsDuration() {
    SluiceCall outer = PoolWaits.enter(call);
    lease();
    PoolWaits.exit(outer);

    assertThat(outer).isNull();
    assertThat(call.excluded).singleElement().satisfies(n -> assertThat(n).isPositive());
  }

  /** A lease request wrapping another (each advised) is measured once, by the outermost. */
  @Test
  void wrappedLeaseRequestsTakeTheWaitOutOnce() {
    SluiceCall outer = PoolWaits.enter(call);
    long wrapper = PoolWaits.leaseStarts();
    long delegate = PoolWaits.leaseStarts();
    long pool = PoolWaits.leaseStarts();
    PoolWaits.leaseEnded(pool);
    PoolWaits.leaseEnded(delegate);
    PoolWaits.leaseEnded(wrapper);
    lease(); // the next lease is measured again
    PoolWaits.exit(outer);

    assertThat(delegate).isEqualTo(PoolWaits.NESTED);
    assertThat(pool).isEqualTo(PoolWaits.NESTED);
    assertThat(call.excluded).hasSize(2);
  }

  @Test
  void aLeaseWithNoCurrentCallReadsNoClockAndGoesNowhere() {
    assertThat(PoolWaits.leaseStarts()).isEqualTo(PoolWaits.NO_CALL);
    PoolWaits.leaseEnded(PoolWaits.NO_CALL);

    assertThat(call.excluded).isEmpty();
  }

  /**
   * A call Sluice does not guard, made inside a guarded one (from an interceptor of the app's),
   * keeps its lease from the outer call; the outer call is current again once it ends.
   */
  @Test
  void anUnguardedCallInsideAGuardedOneKeepsItsLeaseFromIt() {
    SluiceCall outermost = PoolWaits.enter(call);
    SluiceCall guarded = PoolWaits.enter(null);
    lease();
    PoolWaits.exit(guarded);

    assertThat(guarded).isSameAs(call);
    assertThat(call.excluded).isEmpty();
    lease();
    PoolWaits.exit(outermost);
    assertThat(call.excluded).hasSize(1);
    assertThat(PoolWaits.leaseStarts()).isEqualTo(PoolWaits.NO_CALL);
  }

  private static void lease() {
    PoolWaits.leaseEnded(PoolWaits.leaseStarts());
  }

  /** A permitted call that records what is taken out of its duration. */
  private static final class RecordingCall extends CallIgnoringOutcomes {
    final List<Long> excluded = new CopyOnWriteArrayList<>();

    @Override
    public void excludeFromDuration(long nanos) {
      excluded.add(nanos);
    }
  }
}
