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
 * from the registry once it has been 0 for {@link #ZERO_KEPT_MILLIS} (several scrape intervals).
 * Not thread-safe: the caller serializes updates.
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

  /** Sets every series to its count; series not in {@code counts} go to 0, then away. */
  void update(Map<Tags, Integer> counts) {
    long now = clockMillis.getAsLong();
    counts.forEach(
        (tags, count) -> {
          Series s = series.computeIfAbsent(tags, this::register);
          s.value.set(count);
          s.zeroSinceMillis = -1;
        });
    for (Iterator<Map.Entry<Tags, Series>> it = series.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Tags, Series> e = it.next();
      Series s = e.getValue();
      if (counts.containsKey(e.getKey())) {
        continue;
      }
      s.value.set(0);
      if (s.zeroSinceMillis < 0) {
        s.zeroSinceMillis = now;
      } else if (now - s.zeroSinceMillis >= ZERO_KEPT_MILLIS) {
        meters.remove(s.gauge);
        it.remove();
      }
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
