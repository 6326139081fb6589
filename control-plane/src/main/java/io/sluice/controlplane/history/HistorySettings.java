package io.sluice.controlplane.history;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Everything under {@code sluice.history.*}: how much history each service keeps. History entries
 * hold whole documents and nothing else ever removes them, so without a bound a pipeline that
 * writes rules on every deploy grows etcd's database until it reaches its quota, and etcd then
 * refuses every write, the agents' status included.
 *
 * @param maxEntriesPerService the newest history entries each service keeps; the older ones are
 *     deleted as the service's rules are written. 0 keeps every entry
 */
@ConfigurationProperties("sluice.history")
public record HistorySettings(@DefaultValue("1000") int maxEntriesPerService) {

  /** Keeps every entry. */
  public static final HistorySettings UNLIMITED = new HistorySettings(0);

  /**
   * Checks the value.
   *
   * @throws IllegalArgumentException naming the property, when it is negative
   */
  public HistorySettings {
    if (maxEntriesPerService < 0) {
      throw new IllegalArgumentException(
          "sluice.history.max-entries-per-service must be 0 (keep every entry) or more, was "
              + maxEntriesPerService);
    }
  }
}
