package io.sluice.controlplane.agents;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The gauge {@code sluice.agents{service, revision}}: live agents by service and applied rule
 * revision.
 *
 * <p>Every rule change creates new series (agents move to the new revision), so a series must not
 * live forever. One whose agents are all gone drops to 0, so scrapes see the drop, and is removed
 * from the registry by a {@link #sweep} once it has been 0 for {@link #ZERO_KEPT_MILLIS} (several
 * scrape intervals). Counts move by one per agent event, never by a recount of every agent. Not
 * thread-safe: the caller serializes updates.
 */
final class AgentGauges {

  /** How long a series stays at 0 before it is removed. */
  static final long ZERO_KEPT_MILLIS = 5 * 60_000L;

  private final MeterRegistry meters;
  private final LongSupplier clockMillis;
  private final Map<Tags, Series> series = new HashMap<>();

  private static final class Series {
    final AtomicInteger value = new AtomicInteger();
    Gauge gauge;
    long zeroSinceMillis = -1;
  }

  AgentGauges(MeterRegistry meters, LongSupplier clockMillis) {
    this.meters = meters;
    this.clockMillis = clockMillis;
  }

  /**
   * Sets every series to its count, as a full read of the agents found them; series not in {@code
   * counts} go to 0.
   */
  void set(Map<Tags, Integer> counts) {
    counts.forEach((tags, count) -> update(series.computeIfAbsent(tags, this::register), count));
    series.forEach(
        (tags, s) -> {
          if (!counts.containsKey(tags)) {
            update(s, 0);
          }
        });
  }

  /**
   * One agent moved from the series {@code from} to {@code to}: null when it came or went. Costs
   * the same however many agents there are, so a busy watch keeps up.
   */
  void move(Tags from, Tags to) {
    if (from != null && from.equals(to)) {
      return;
    }
    if (from != null) {
      add(from, -1);
    }
    if (to != null) {
      add(to, 1);
    }
  }

  /** Removes the series that have been 0 for {@link #ZERO_KEPT_MILLIS}. */
  void sweep() {
    long now = clockMillis.getAsLong();
    for (Iterator<Series> it = series.values().iterator(); it.hasNext(); ) {
      Series s = it.next();
      if (s.zeroSinceMillis >= 0 && now - s.zeroSinceMillis >= ZERO_KEPT_MILLIS) {
        meters.remove(s.gauge);
        it.remove();
      }
    }
  }

  private void add(Tags tags, int delta) {
    Series s = series.computeIfAbsent(tags, this::register);
    update(s, s.value.get() + delta);
  }

  /** Sets {@code s} to {@code value}, noting when it came to 0. */
  private void update(Series s, int value) {
    s.value.set(value);
    if (value > 0) {
      s.zeroSinceMillis = -1;
    } else if (s.zeroSinceMillis < 0) {
      s.zeroSinceMillis = clockMillis.getAsLong();
    }
  }

  /** How many series exist; for tests. */
  int size() {
    return series.size();
  }

  private Series register(Tags tags) {
    Series s = new Series();
    s.gauge =
        Gauge.builder("sluice.agents", s.value, AtomicInteger::get)
            .description("live agents by service and applied rule revision")
            .tags(tags)
            .strongReference(true)
            .register(meters);
    return s;
  }
}
